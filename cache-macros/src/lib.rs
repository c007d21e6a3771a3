//! Attribute macros for the `cache` toolkit. Use them through the `cache` crate (package
//! `cache-runtime`), which re-exports them with full documentation and examples:
//! `#[cache::set]`, `#[cache::delete]` and `#[cache::delete_by_pattern]`.
//!
//! The expansion is split the way thiserror's is: parse, check, generate.
//! - `ast` parses the input into typed parts: the function (`function`, `shape`), and every
//!   attribute of ours on it (`attr`, with `template` and `ttl` for what they contain);
//! - `valid` makes every check (`key` resolves each key template against the arguments,
//!   `signature`; `returns` checks what a read caches) and yields the typed plan;
//! - `expand` generates the code from the plan (`expand/`, with `check` for the compile-time
//!   checks in the user's words and `thin` for the form of an `async fn`).
//!
//! Every problem goes to one accumulator (`errors`), so that one build reports them all.
//!
//! The generated code calls the runtime's `__private` items, which may change in any release:
//! `cache-runtime` depends on exactly this crate's version (`=`), so the two always match.

mod ast;
mod attr;
mod check;
mod errors;
mod expand;
mod function;
mod key;
mod returns;
mod shape;
mod signature;
mod suggest;
mod template;
mod thin;
mod ttl;
mod valid;

use proc_macro::TokenStream;

use crate::attr::Kind;

/// Reads through the cache: on a hit returns the stored value without running the body; on a
/// miss runs the body and stores its value. See the `cache` crate for the full reference.
#[proc_macro_attribute]
pub fn set(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Set, args.into(), item.into()).into()
}

/// Invalidates keys after the body runs, whether it returned `Ok` or `Err`. See the `cache`
/// crate for the full reference.
#[proc_macro_attribute]
pub fn delete(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Delete, args.into(), item.into()).into()
}

/// Invalidates every key matching a glob after the body runs; argument values are glob-escaped.
/// See the `cache` crate for the full reference.
#[proc_macro_attribute]
pub fn delete_by_pattern(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::DeleteByPattern, args.into(), item.into()).into()
}
