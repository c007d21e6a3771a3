//! Blocking functions (`fn`, not `async fn`) under the attributes: the same read path as async
//! ones, on Redis and in process, with no Tokio runtime in the caller; and from inside one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use cache::{BreakerState, Cache, Error};
use cache_tests::{Fixture, Kind, RedisServer};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Organisation {
    id: u32,
    name: String,
}

#[derive(Debug, Clone, PartialEq)]
struct ApiError(String);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError(error.to_string())
    }
}

/// A gate a body waits at until the test opens it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// A blocking API client, as written against `ureq` or `reqwest::blocking`.
struct Client {
    cache: Cache,
    calls: AtomicUsize,
    gate: Option<Arc<Gate>>,
}

impl Client {
    fn new(cache: Cache) -> Client {
        Client {
            cache,
            calls: AtomicUsize::new(0),
            gate: None,
        }
    }

    fn gated(cache: Cache, gate: Arc<Gate>) -> Client {
        Client {
            gate: Some(gate),
            ..Client::new(cache)
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    #[cache::set("organisation-{id}", ttl = "1h", cache = self.cache)]
    fn organisation(&self, id: u32) -> Result<Organisation, ApiError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(gate) = &self.gate {
            gate.wait();
        }
        if id == 0 {
            return Err(ApiError("no organisation 0".to_owned()));
        }
        Ok(Organisation {
            id,
            name: format!("Organisation {id}"),
        })
    }

    #[cache::set("name-{id}", cache = self.cache)]
    fn name(&self, id: u32) -> String {
        self.calls.fetch_add(1, Ordering::SeqCst);
        format!("name {id}")
    }

    #[cache::delete("organisation-{id}", "name-{id}", cache = self.cache)]
    fn update(&self, id: u32) -> Result<(), ApiError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _ = id;
        Ok(())
    }

    #[cache::delete_by_pattern("organisation-*", cache = self.cache)]
    fn update_all(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }

    #[cache::delete("organisation-{id}", cache = self.cache, strict)]
    fn update_strictly(&self, id: u32) -> Result<(), ApiError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _ = id;
        Ok(())
    }
}

/// Waits for `condition`, failing the test after ten seconds.
fn wait_until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..2000 {
        if condition() {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("never happened: {what}");
}

fn both(test: impl Fn(Fixture)) {
    for kind in [Kind::Redis, Kind::Memory] {
        test(Fixture::new(kind));
    }
}

#[test]
fn miss_runs_the_body_then_hits_without_a_runtime() {
    both(|fx| {
        let client = Client::new(fx.cache.clone());
        assert_eq!(client.organisation(7).unwrap().name, "Organisation 7");
        assert_eq!(client.organisation(7).unwrap().name, "Organisation 7");
        assert_eq!(client.name(7), "name 7");
        assert_eq!(client.name(7), "name 7");
        assert_eq!(client.calls(), 2, "{:?}", fx.kind());
        let stats = fx.cache.stats();
        assert_eq!(
            (stats.hits, stats.misses, stats.sets),
            (2, 2, 2),
            "{stats:?}"
        );
        assert_eq!(stats.errors, 0, "{stats:?}");
    });
}

#[test]
fn errors_are_returned_and_not_cached() {
    both(|fx| {
        let client = Client::new(fx.cache.clone());
        assert!(client.organisation(0).is_err());
        assert!(client.organisation(0).is_err());
        assert_eq!(client.calls(), 2);
        assert_eq!(fx.cache.stats().sets, 0);
    });
}

#[test]
fn deletes_invalidate_their_keys_and_patterns() {
    both(|fx| {
        let client = Client::new(fx.cache.clone());
        client.organisation(1).unwrap();
        client.name(1);
        client.update(1).unwrap();
        client.organisation(1).unwrap();
        client.name(1);
        assert_eq!(client.calls(), 5, "both keys were deleted: {:?}", fx.kind());
        client.organisation(2).unwrap();
        client.update_all();
        client.organisation(1).unwrap();
        client.organisation(2).unwrap();
        assert_eq!(
            client.calls(),
            9,
            "the pattern deleted both: {:?}",
            fx.kind()
        );
    });
}

#[test]
fn concurrent_misses_on_threads_run_the_body_once() {
    both(|fx| {
        let gate = Arc::new(Gate::default());
        let client = Arc::new(Client::gated(fx.cache.clone(), gate.clone()));
        let start = Arc::new(Barrier::new(9));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (client, start) = (client.clone(), start.clone());
                thread::spawn(move || {
                    start.wait();
                    client.organisation(3)
                })
            })
            .collect();
        start.wait();
        // Time to join the flight; a late thread gets a hit instead, which the sum allows.
        thread::sleep(Duration::from_millis(100));
        gate.open();
        for thread in threads {
            assert_eq!(thread.join().unwrap().unwrap().id, 3);
        }
        assert_eq!(client.calls(), 1, "{:?}", fx.kind());
        let stats = fx.cache.stats();
        assert_eq!(stats.coalesced + stats.hits, 7, "{stats:?}");
    });
}

#[test]
fn a_fill_after_an_invalidation_from_another_process_is_refused() {
    let server = RedisServer::start();
    let reader = Cache::redis(&server.url()).unwrap();
    let writer = Client::new(Cache::redis(&server.url()).unwrap());
    let gate = Arc::new(Gate::default());
    let client = Arc::new(Client::gated(reader.clone(), gate.clone()));
    let reading = {
        let client = client.clone();
        thread::spawn(move || client.organisation(4))
    };
    wait_until("the reader's body runs, under its lease", || {
        client.calls() == 1
    });
    writer.update(4).unwrap();
    gate.open();
    assert_eq!(reading.join().unwrap().unwrap().id, 4);
    let stats = reader.stats();
    assert_eq!(stats.fills_refused, 1, "{stats:?}");
    let mut raw = server.connection();
    let stored: Option<Vec<u8>> = redis::cmd("GET")
        .arg("organisation-4")
        .query(&mut raw)
        .unwrap();
    assert_eq!(
        stored, None,
        "the value read before the write was not stored"
    );
}

#[test]
fn a_blocking_reader_waits_for_another_process_lease() {
    let server = RedisServer::start();
    let gate = Arc::new(Gate::default());
    let first = Arc::new(Client::gated(
        Cache::redis(&server.url()).unwrap(),
        gate.clone(),
    ));
    let second = Client::new(Cache::redis(&server.url()).unwrap());
    let leading = {
        let first = first.clone();
        thread::spawn(move || first.organisation(5))
    };
    wait_until("the first reader's body runs, under its lease", || {
        first.calls() == 1
    });
    let waiting = second.cache.clone();
    let following = thread::spawn(move || (second.organisation(5), second));
    // The second handle polls the first's lease: once it is seen waiting, let the first fill.
    wait_until("the second reader waits for the lease", || {
        waiting.stats().lease_waits == 1
    });
    gate.open();
    leading.join().unwrap().unwrap();
    let (value, second) = following.join().unwrap();
    assert_eq!(value.unwrap().id, 5);
    let stats = second.cache.stats();
    assert_eq!(
        second.calls(),
        0,
        "the second process used the first's value"
    );
    assert_eq!((stats.lease_waits, stats.hits), (1, 1), "{stats:?}");
}

#[test]
fn strict_delete_fails_without_running_the_body_when_redis_is_down() {
    let mut server = RedisServer::start();
    let client = Client::new(Cache::redis(&server.url()).unwrap());
    client.update_strictly(1).unwrap();
    server.kill();
    let error = client.update_strictly(1).unwrap_err();
    assert!(!error.0.is_empty());
    assert_eq!(client.calls(), 1, "the write was not attempted");
}

#[test]
fn redis_down_fails_open_and_opens_the_breaker() {
    let mut server = RedisServer::start();
    let cache = Cache::builder()
        .redis(server.url())
        .circuit_breaker(3, Duration::from_secs(60))
        .build()
        .unwrap();
    let client = Client::new(cache.clone());
    client.name(1);
    server.kill();
    for _ in 0..6 {
        assert_eq!(client.name(1), "name 1", "the body answers");
    }
    assert_eq!(client.calls(), 7);
    assert!(matches!(cache.breaker_state(), BreakerState::Open { .. }));
    assert!(cache.stats().breaker_skipped > 0, "{:?}", cache.stats());
}

#[test]
fn a_paused_redis_costs_a_bounded_wait_then_the_body_answers() {
    let server = RedisServer::start();
    let client = Client::new(
        Cache::builder()
            .redis(server.url())
            .timeout(Duration::from_millis(50))
            .build()
            .unwrap(),
    );
    client.name(1);
    server.pause();
    assert_eq!(client.name(1), "name 1");
    server.resume();
    assert_eq!(client.calls(), 2);
    assert!(client.cache.stats().errors >= 1);
}

#[test]
fn a_panicking_body_hands_the_key_over() {
    both(|fx| {
        struct Panicky(Cache, AtomicUsize);
        impl Panicky {
            #[cache::set("panicky", cache = self.0)]
            fn value(&self) -> u32 {
                if self.1.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("the first call fails");
                }
                1
            }
        }
        let client = Panicky(fx.cache.clone(), AtomicUsize::new(0));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| client.value()));
        assert!(panicked.is_err());
        // The lease is given back in the background; until then a reader waits for it (bounded).
        assert_eq!(client.value(), 1);
        assert_eq!(client.value(), 1);
        assert_eq!(client.1.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn blocking_and_async_share_the_handle() {
    both(|fx| {
        let client = Client::new(fx.cache.clone());
        client.name(9);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let read = runtime.block_on(fx.cache.get::<String>("name-9")).unwrap();
        assert_eq!(read.as_deref(), Some("name 9"));
    });
}

/// Inside an async runtime a blocking cached call blocks its worker thread, like any blocking
/// call, and neither panics nor deadlocks, even on a single-threaded runtime whose own task
/// leads the same key (and cannot finish while the thread is blocked).
#[tokio::test(flavor = "current_thread")]
async fn inside_a_current_thread_runtime_it_neither_panics_nor_deadlocks() {
    struct Async(Cache, Arc<AtomicUsize>);
    impl Async {
        #[cache::set("name-{id}", cache = self.0)]
        async fn name(&self, id: u32, release: tokio::sync::oneshot::Receiver<()>) -> String {
            self.1.fetch_add(1, Ordering::SeqCst);
            let _ = release.await;
            format!("name {id}")
        }
    }
    for kind in [Kind::Redis, Kind::Memory] {
        let fx = Fixture::with(kind, |builder| {
            builder.lease_wait(Duration::from_millis(200))
        });
        let client = Client::new(fx.cache.clone());
        assert_eq!(client.name(1), "name 1");
        assert_eq!(client.name(1), "name 1");
        assert_eq!(client.calls(), 1);

        // An async leader of key `name-2` on this very thread, stopped in its body.
        let (release, released) = tokio::sync::oneshot::channel();
        let in_body = Arc::new(AtomicUsize::new(0));
        let leader = {
            let leader = Async(fx.cache.clone(), in_body.clone());
            tokio::spawn(async move { leader.name(2, released).await })
        };
        while in_body.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // The leader cannot run until this returns: the call must not wait for it.
        assert_eq!(client.name(2), "name 2");
        release.send(()).unwrap();
        assert_eq!(leader.await.unwrap(), "name 2");
        assert_eq!(client.calls(), 2, "{kind:?}");
    }
}

/// A blocking cached call inside a runtime never waits on a connection that runtime drives
/// (its thread is the one blocked): for each runtime flavour and each order of the first
/// async and blocking calls on one Redis handle, every blocking call after the first is a hit,
/// and nothing times out, errs or opens the breaker.
#[test]
fn blocking_and_async_calls_on_one_handle_inside_every_runtime_flavour() {
    struct Async(Cache);
    impl Async {
        #[cache::set("async-{id}", cache = self.0)]
        async fn value(&self, id: u32) -> String {
            format!("async {id}")
        }
    }
    type Flavour = (&'static str, fn() -> tokio::runtime::Runtime);
    let flavours: [Flavour; 3] = [
        ("current_thread", || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        }),
        ("multi_thread(1)", || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap()
        }),
        ("multi_thread(2)", || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        }),
    ];
    for (flavour, runtime) in flavours {
        for async_first in [true, false] {
            let server = RedisServer::start();
            let cache = Cache::builder()
                .redis(server.url())
                .timeout(Duration::from_millis(100))
                .build()
                .unwrap();
            let client = Client::new(cache.clone());
            let asynchronous = Async(cache.clone());
            runtime().block_on(async {
                if async_first {
                    assert_eq!(asynchronous.value(1).await, "async 1");
                }
                for _ in 0..20 {
                    assert_eq!(client.name(1), "name 1");
                    assert_eq!(asynchronous.value(1).await, "async 1");
                }
            });
            let stats = cache.stats();
            let case = format!("{flavour}, async first: {async_first}: {stats:?}");
            assert_eq!(
                client.calls(),
                1,
                "blocking calls after the first hit: {case}"
            );
            assert_eq!(stats.errors, 0, "{case}");
            assert_eq!(stats.breaker_opened, 0, "{case}");
            assert_eq!(stats.misses, 2, "{case}");
        }
    }
}
