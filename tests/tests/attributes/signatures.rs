//! The attributes on every kind of function, over Redis and in process: generic methods, `async
//! fn` in a trait impl, `self` and arguments moved into the body, arguments whose names the
//! generated code might have used, free functions with a handle in a `static LazyLock`; and many
//! concurrent calls on a multi-thread runtime.

use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};

use cache::Cache;
use serde::Serialize;
use serde::de::DeserializeOwned;

use cache_tests::{Calls, Fixture, Kind, LIVENESS};

#[derive(Clone)]
struct Service {
    cache: Cache,
    calls: Arc<Calls>,
}

impl Service {
    fn new(cache: Cache) -> Service {
        Service {
            cache,
            calls: Arc::default(),
        }
    }

    fn calls(&self) -> usize {
        self.calls.get()
    }

    #[cache::set("generic-{id}", cache = self.cache)]
    async fn generic<T: Display + Send + Sync>(&self, id: T) -> String {
        self.calls.record();
        format!("generic {id}")
    }

    /// A generic return type: decoded into whatever the caller asks for.
    #[cache::set("typed-{name}", cache = self.cache)]
    async fn typed<T>(&self, name: &str) -> T
    where
        T: Serialize + DeserializeOwned + Default + Send,
    {
        self.calls.record();
        let _ = name;
        T::default()
    }

    #[cache::set("moved-{name}", cache = self.cache)]
    async fn moved_argument(&self, name: String) -> usize {
        self.calls.record();
        let owned: String = name; // the argument is moved into the body
        owned.len()
    }

    #[cache::set("by-value-{id}", cache = self.cache)]
    async fn by_value(self, id: u32) -> u32 {
        self.calls.record();
        let consumed = self; // `self` is moved into the body
        drop(consumed);
        id
    }

    #[cache::set("names-{key}-{cache}-{result}-{value}-{e}", cache = self.cache)]
    async fn names(&self, key: u32, cache: &str, result: bool, value: String, e: char) -> String {
        self.calls.record();
        format!("{key}/{cache}/{result}/{value}/{e}")
    }

    #[cache::delete("names-{key}-{cache}-{result}-{value}-{e}", cache = self.cache)]
    async fn forget_names(&self, key: u32, cache: &str, result: bool, value: String, e: char) {
        self.calls.record();
        let _ = (key, cache, result, value, e);
    }

    #[cache::set("hygiene-{__cache}-{__cache_key}-{__cache_owned}", cache = self.cache)]
    async fn hygiene(&self, __cache: u32, __cache_key: u32, __cache_owned: u32) -> u32 {
        self.calls.record();
        __cache + __cache_key + __cache_owned
    }
}

trait Directory {
    async fn lookup(&self, id: u32) -> String;
    async fn remove(&self, id: u32) -> Result<(), String>;
}

impl Directory for Service {
    #[cache::set("directory-{id}", ttl = "1h", cache = self.cache)]
    async fn lookup(&self, id: u32) -> String {
        self.calls.record();
        format!("entry {id}")
    }

    #[cache::delete("directory-{id}", cache = self.cache)]
    async fn remove(&self, id: u32) -> Result<(), String> {
        self.calls.record();
        let _ = id;
        Ok(())
    }
}

/// Uses the trait generically, so the cached methods are reached through the trait.
async fn lookup_twice(directory: &impl Directory, id: u32) -> (String, String) {
    (directory.lookup(id).await, directory.lookup(id).await)
}

/// A handle passed as an argument named `cache`.
#[cache::set("argument-handle-{id}", cache = cache)]
async fn with_handle_argument(cache: &Cache, id: u32, calls: &Calls) -> u32 {
    calls.record();
    id + 1
}

async fn generic_methods(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    assert_eq!(service.generic(7u32).await, "generic 7");
    // Another type displaying the same way builds the same key: a hit.
    assert_eq!(service.generic("7").await, "generic 7");
    assert_eq!(service.generic(String::from("7")).await, "generic 7");
    assert_eq!(service.calls(), 1);
    assert_eq!(service.generic(8i64).await, "generic 8");
    assert_eq!(service.calls(), 2);
    assert!(fx.exists("generic-7").await && fx.exists("generic-8").await);

    let list: Vec<u32> = service.typed("list").await;
    assert!(list.is_empty());
    let list: Vec<u32> = service.typed("list").await;
    assert!(list.is_empty());
    assert_eq!(service.calls(), 3);
    let number: u64 = service.typed("number").await;
    assert_eq!(number, 0);
    assert_eq!(fx.stored("typed-list").await, Some(serde_json::json!([])));
    // Read back as another type: a decode error, hence a miss that overwrites.
    let errors = fx.cache.stats().errors;
    let text: String = service.typed("number").await;
    assert_eq!(text, "");
    assert_eq!(fx.cache.stats().errors, errors + 1);
    assert_eq!(service.calls(), 5);
}

async fn trait_impl_methods(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    let (first, second) = lookup_twice(&service, 3).await;
    assert_eq!((first.as_str(), second.as_str()), ("entry 3", "entry 3"));
    assert_eq!(service.calls(), 1);
    cache_tests::assert_ttl_about(fx.ttl_seconds("directory-3").await, 3600);
    service.remove(3).await.unwrap();
    assert!(!fx.exists("directory-3").await);
    lookup_twice(&service, 3).await;
    assert_eq!(service.calls(), 3);
}

async fn moved_arguments_and_self(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    assert_eq!(service.moved_argument("abcd".into()).await, 4);
    assert_eq!(service.moved_argument("abcd".into()).await, 4);
    assert_eq!(service.calls(), 1);
    assert_eq!(fx.stored("moved-abcd").await, Some(serde_json::json!(4)));

    assert_eq!(service.clone().by_value(5).await, 5);
    assert_eq!(service.clone().by_value(5).await, 5);
    assert_eq!(service.calls(), 2);
    assert!(fx.exists("by-value-5").await);
}

async fn arguments_named_like_generated_code(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    let call = || service.names(1, "redis", true, "v".into(), 'x');
    assert_eq!(call().await, "1/redis/true/v/x");
    assert_eq!(call().await, "1/redis/true/v/x");
    assert_eq!(service.calls(), 1);
    assert_eq!(
        fx.stored("names-1-redis-true-v-x").await,
        Some(serde_json::json!("1/redis/true/v/x"))
    );
    service
        .forget_names(1, "redis", true, "v".into(), 'x')
        .await;
    assert!(!fx.exists("names-1-redis-true-v-x").await);
    assert_eq!(call().await, "1/redis/true/v/x");
    assert_eq!(service.calls(), 3);

    assert_eq!(service.hygiene(1, 2, 3).await, 6);
    assert_eq!(service.hygiene(1, 2, 3).await, 6);
    assert_eq!(service.calls(), 4);
    assert!(fx.exists("hygiene-1-2-3").await);

    let calls = Calls::default();
    assert_eq!(with_handle_argument(&fx.cache, 1, &calls).await, 2);
    assert_eq!(with_handle_argument(&fx.cache, 1, &calls).await, 2);
    assert_eq!(calls.get(), 1);
    assert!(fx.exists("argument-handle-1").await);
}

cache_tests::on_both_backends!(
    generic_methods,
    trait_impl_methods,
    moved_arguments_and_self,
    arguments_named_like_generated_code,
);

// Free functions with a handle in a `static LazyLock`, written once for each backend.

static REDIS_URL: OnceLock<String> = OnceLock::new();
static REDIS_HANDLE: LazyLock<Cache> =
    LazyLock::new(|| Cache::redis(REDIS_URL.get().expect("the test sets the URL first")).unwrap());
static MEMORY_HANDLE: LazyLock<Cache> = LazyLock::new(Cache::in_memory);

macro_rules! free_functions {
    ($module:ident, $handle:ident) => {
        mod $module {
            use super::$handle as HANDLE;
            use super::{AtomicUsize, Ordering};

            pub static CALLS: AtomicUsize = AtomicUsize::new(0);

            #[cache::set("free-{id}", ttl = "10m", cache = HANDLE)]
            pub async fn lookup(id: u32) -> Option<u32> {
                CALLS.fetch_add(1, Ordering::SeqCst);
                id.checked_mul(2)
            }

            #[cache::delete("free-{id}", cache = HANDLE)]
            #[cache::delete_by_pattern("free-{id}-*", cache = HANDLE)]
            pub async fn forget(id: u32) {
                CALLS.fetch_add(1, Ordering::SeqCst);
                let _ = id;
            }

            pub async fn exercise(fx: &super::Fixture) {
                assert_eq!(lookup(21).await, Some(42));
                assert_eq!(lookup(21).await, Some(42));
                assert_eq!(CALLS.load(Ordering::SeqCst), 1);
                assert_eq!(HANDLE.stats().hits, 1);
                assert_eq!(fx.stored("free-21").await, Some(serde_json::json!(42)));
                cache_tests::assert_ttl_about(fx.ttl_seconds("free-21").await, 600);
                fx.store_json("free-21-extra", "1", Some(60)).await;
                forget(21).await;
                assert!(!fx.exists("free-21").await);
                assert!(!fx.exists("free-21-extra").await);
                assert_eq!(lookup(21).await, Some(42));
                assert_eq!(CALLS.load(Ordering::SeqCst), 3);
            }
        }
    };
}

free_functions!(redis_free, REDIS_HANDLE);
free_functions!(memory_free, MEMORY_HANDLE);

/// Only this test touches `REDIS_HANDLE`: its connection lives on this test's runtime.
#[tokio::test]
async fn free_functions_with_a_static_handle_on_redis() {
    let server = cache_tests::RedisServer::start();
    REDIS_URL.set(server.url()).unwrap();
    let fx = Fixture::with_handle(REDIS_HANDLE.clone(), Some(server));
    redis_free::exercise(&fx).await;
}

#[tokio::test]
async fn free_functions_with_a_static_handle_in_memory() {
    let fx = Fixture::with_handle(MEMORY_HANDLE.clone(), None);
    memory_free::exercise(&fx).await;
}

// 12. Concurrency.

async fn many_concurrent_calls(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Arc::new(Service::new(fx.cache.clone()));
    let mut tasks = Vec::new();
    for task in 0..64u32 {
        let service = Arc::clone(&service);
        tasks.push(tokio::spawn(async move {
            for round in 0..20u32 {
                let id = (task + round) % 16;
                assert_eq!(service.generic(id).await, format!("generic {id}"));
                assert_eq!(service.lookup(id).await, format!("entry {id}"));
                if round % 7 == 3 {
                    service.remove(id).await.unwrap();
                }
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(LIVENESS * 6, task)
            .await
            .expect("concurrent calls finish")
            .expect("no task panicked");
    }
    let stats = fx.cache.stats();
    // Every call is a hit, a miss, or answered by a concurrent miss of the same key.
    assert_eq!(
        stats.hits + stats.misses + stats.coalesced,
        64 * 20 * 2,
        "{stats:?}"
    );
    assert_eq!(stats.errors, 0, "{stats:?}");
    assert!(stats.hits > 0, "{stats:?}");

    // Once the dust settles, everything is cached and correct.
    for id in 0..16 {
        service.generic(id).await;
        service.lookup(id).await;
    }
    let calls = service.calls();
    for id in 0..16 {
        assert_eq!(service.generic(id).await, format!("generic {id}"));
        assert_eq!(service.lookup(id).await, format!("entry {id}"));
        assert_eq!(
            fx.stored(&format!("directory-{id}")).await,
            Some(serde_json::json!(format!("entry {id}")))
        );
    }
    assert_eq!(service.calls(), calls, "all hits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_calls_on_redis() {
    many_concurrent_calls(Kind::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_calls_in_memory() {
    many_concurrent_calls(Kind::Memory).await;
}
