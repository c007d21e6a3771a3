//! The attributes on methods of `#[async_trait]` traits: `async_trait` expands first (it sits on
//! the `impl` or the trait), and the attribute recognises the future it leaves
//! (`Box::pin(async move { .. })`), as `tracing-attributes` does; and on functions written in
//! that shape by hand.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use cache::Cache;

#[async_trait]
trait Directory {
    async fn find(&self, id: u32) -> Result<String, String>;
    async fn rename(&self, id: u32, name: String) -> Result<(), String>;

    /// A default body with the attribute, in the trait itself.
    #[cache::set("default-{id}", cache = self.cache())]
    async fn describe(&self, id: u32) -> String {
        self.count();
        format!("directory entry {id}")
    }

    fn cache(&self) -> &Cache;
    fn count(&self);
}

struct Client {
    cache: Cache,
    tenant: &'static str,
    calls: AtomicUsize,
}

impl Client {
    fn new() -> Client {
        Client {
            cache: Cache::in_memory(),
            tenant: "acme",
            calls: AtomicUsize::new(0),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Directory for Client {
    #[cache::set("{self.tenant}-entry-{id}", ttl = "1h", cache = self.cache)]
    async fn find(&self, id: u32) -> Result<String, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if id == 0 {
            return Err("no entry 0".to_owned());
        }
        Ok(format!("entry {id} of {}", self.tenant))
    }

    #[cache::delete("{self.tenant}-entry-{id}", cache = self.cache)]
    async fn rename(&self, id: u32, name: String) -> Result<(), String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        drop(name);
        Ok(())
    }

    fn cache(&self) -> &Cache {
        &self.cache
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

/// `?Send` futures, the other shape `async_trait` produces.
#[async_trait(?Send)]
trait LocalDirectory {
    async fn find_local(&self, id: u32) -> String;
}

#[async_trait(?Send)]
impl LocalDirectory for Client {
    #[cache::set("local-{id}", cache = self.cache)]
    async fn find_local(&self, id: u32) -> String {
        self.calls.fetch_add(1, Ordering::SeqCst);
        format!("local {id}")
    }
}

#[tokio::test]
async fn async_trait_methods_read_through_and_invalidate() {
    let client = Client::new();
    assert_eq!(client.find(1).await.unwrap(), "entry 1 of acme");
    assert_eq!(client.find(1).await.unwrap(), "entry 1 of acme");
    assert_eq!(client.calls(), 1);
    assert_eq!(
        client.cache.get::<String>("acme-entry-1").await.unwrap(),
        Some("entry 1 of acme".to_owned())
    );
    assert!(client.find(0).await.is_err());
    assert!(client.find(0).await.is_err());
    assert_eq!(client.calls(), 3, "an Err is not cached");

    client.rename(1, "new".to_owned()).await.unwrap();
    assert_eq!(
        client.cache.get::<String>("acme-entry-1").await.unwrap(),
        None
    );
    client.find(1).await.unwrap();
    assert_eq!(client.calls(), 5);
}

#[tokio::test]
async fn a_default_method_and_a_local_future_are_cached() {
    let client = Client::new();
    assert_eq!(client.describe(2).await, "directory entry 2");
    assert_eq!(client.describe(2).await, "directory entry 2");
    assert_eq!(client.find_local(3).await, "local 3");
    assert_eq!(client.find_local(3).await, "local 3");
    assert_eq!(client.calls(), 2);
    assert_eq!(client.cache.stats().hits, 2);
}

/// The futures `async_trait` returns stay `Send`: they can be spawned.
#[tokio::test]
async fn the_futures_can_be_spawned() {
    let client = std::sync::Arc::new(Client::new());
    let spawned = tokio::spawn({
        let client = client.clone();
        async move { client.find(4).await }
    });
    assert_eq!(spawned.await.unwrap().unwrap(), "entry 4 of acme");
}

static CALLS: AtomicUsize = AtomicUsize::new(0);
static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(Cache::in_memory);

/// The same shape written by hand.
#[cache::set("boxed-{id}", cache = CACHE)]
fn boxed(id: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move {
        CALLS.fetch_add(1, Ordering::SeqCst);
        id * 2
    })
}

#[cache::set("returned-{id}", cache = CACHE)]
fn returned(id: u32) -> impl Future<Output = u32> {
    async move {
        CALLS.fetch_add(1, Ordering::SeqCst);
        id * 3
    }
}

#[tokio::test]
async fn functions_returning_a_future_are_cached() {
    assert_eq!(boxed(5).await, 10);
    assert_eq!(boxed(5).await, 10);
    assert_eq!(returned(5).await, 15);
    assert_eq!(returned(5).await, 15);
    assert_eq!(CALLS.load(Ordering::SeqCst), 2);
}
