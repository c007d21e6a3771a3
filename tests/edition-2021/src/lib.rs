//! Proves the cache attributes work in a crate of the 2021 edition.
//!
//! An annotated `async fn` compiles to a plain `fn` returning `impl Future` (the macros' thin
//! form). In a 2021 crate an `impl Trait` return type written by the crate itself captures only
//! the lifetimes it names, so one returning a future that borrows `&str` or a `Cow<str>` (whose
//! lifetime is hidden in the path) would not compile. The macros write that type in their own
//! edition, 2024, which captures every lifetime in scope: the functions below compile here as
//! the `async fn`s they are written as.

use std::borrow::Cow;
use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Greetings whose reads are cached and whose writes invalidate.
pub struct Greetings {
    /// The handle the attributes use.
    pub cache: cache::Cache,
    calls: AtomicUsize,
}

impl Greetings {
    /// Greetings over `cache`.
    pub fn new(cache: cache::Cache) -> Greetings {
        Greetings {
            cache,
            calls: AtomicUsize::new(0),
        }
    }

    /// How many times a body ran.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Borrows `name` and a `Cow` with a hidden lifetime: the future captures both.
    #[cache::set("greeting-{title}-{name}", cache = self.cache)]
    pub async fn greeting(&self, name: &str, title: Cow<str>) -> String {
        self.calls.fetch_add(1, Ordering::SeqCst);
        format!("Hello, {title} {name}")
    }

    /// Named lifetimes and a generic borrowed slice.
    #[cache::set("joined-{id}", cache = self.cache)]
    pub async fn joined<'a, T: Display + Sync>(&'a self, id: u32, parts: &'a [T]) -> String {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let parts: Vec<String> = parts.iter().map(ToString::to_string).collect();
        format!("{id}: {}", parts.join(", "))
    }

    /// An invalidation borrowing its arguments the same way.
    #[cache::delete("greeting-{title}-{name}", cache = self.cache)]
    pub async fn forget(&self, name: &str, title: Cow<'_, str>) -> Result<(), String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if name.is_empty() {
            return Err(format!("no name to forget for {title}"));
        }
        Ok(())
    }
}

/// A free function on the global handle, borrowing its argument.
#[cache::set("length-{text}")]
pub async fn length(text: &str) -> usize {
    text.len()
}
