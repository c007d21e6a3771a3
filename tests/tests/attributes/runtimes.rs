//! A `static` Redis handle shared by several `#[tokio::test]`s, each with its own runtime: the
//! first call in each runtime is a normal hit (the connection does not die with the runtime
//! that made it).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

use cache::Cache;
use cache_tests::RedisServer;

/// Tests in this file; the last one to finish stops the server.
const TESTS: usize = 5;
static FINISHED: AtomicUsize = AtomicUsize::new(0);

static SERVER: LazyLock<Mutex<Option<RedisServer>>> = LazyLock::new(|| {
    let server = RedisServer::start();
    let mut raw = server.connection();
    let _: () = redis::cmd("SET")
        .arg("greeting")
        .arg("\"cached\"")
        .query(&mut raw)
        .expect("seed the value");
    Mutex::new(Some(server))
});

static CACHE: LazyLock<Cache> = LazyLock::new(|| {
    let url = SERVER
        .lock()
        .unwrap()
        .as_ref()
        .map(RedisServer::url)
        .unwrap();
    Cache::redis(&url).unwrap()
});

/// One test at a time. A `#[tokio::test]` lets go of it before its runtime has ended, so the
/// next test's first call may overlap that runtime's shutdown: a lost connection then, see
/// [`a_command_in_flight_when_its_driving_runtime_ends_is_sent_again`].
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[cache::set("greeting", cache = CACHE)]
async fn greeting() -> String {
    "from the body".to_owned()
}

#[cache::set("greeting", cache = CACHE)]
fn greeting_blocking() -> String {
    "from the body".to_owned()
}

/// Counts the test as finished, even if it failed, and stops the server after the last.
struct Finished;

impl Drop for Finished {
    fn drop(&mut self) {
        if FINISHED.fetch_add(1, Ordering::SeqCst) + 1 == TESTS
            && let Ok(mut server) = SERVER.lock()
        {
            server.take();
        }
    }
}

/// The first call of this runtime is a hit, with no error counted.
async fn first_call_is_a_hit() {
    let _finished = Finished;
    let _turn = ONE_AT_A_TIME.lock().await;
    let before = CACHE.stats();
    assert_eq!(greeting().await, "cached");
    let after = CACHE.stats();
    assert_eq!(after.hits, before.hits + 1, "{after:?}");
    assert_eq!(after.errors, before.errors, "{after:?}");
}

#[tokio::test]
async fn first_runtime() {
    first_call_is_a_hit().await;
}

#[tokio::test]
async fn second_runtime() {
    first_call_is_a_hit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn third_runtime_multi_threaded() {
    first_call_is_a_hit().await;
}

#[test]
fn no_runtime_at_all() {
    let _finished = Finished;
    let _turn = ONE_AT_A_TIME.blocking_lock();
    let before = CACHE.stats();
    assert_eq!(greeting_blocking(), "cached");
    let after = CACHE.stats();
    assert_eq!(after.hits, before.hits + 1, "{after:?}");
    assert_eq!(after.errors, before.errors, "{after:?}");
}

/// A handle whose connection was made on a runtime that has since been dropped: the next
/// runtime's first call is a hit, with no error (the link notices the runtime is gone and
/// connects again before sending anything).
#[test]
fn a_connection_outlived_by_its_runtime_is_replaced_before_use() {
    let _finished = Finished;
    let _turn = ONE_AT_A_TIME.blocking_lock();
    let url = SERVER
        .lock()
        .unwrap()
        .as_ref()
        .map(RedisServer::url)
        .unwrap();
    let cache = Cache::redis(&url).unwrap();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let read = |cache: &Cache| {
        let cache = cache.clone();
        async move { cache.get::<String>("greeting").await }
    };
    let first = runtime();
    assert_eq!(
        first.block_on(read(&cache)).unwrap().as_deref(),
        Some("cached")
    );
    drop(first);
    let before = cache.stats();
    let second = runtime();
    assert_eq!(
        second.block_on(read(&cache)).unwrap().as_deref(),
        Some("cached")
    );
    let after = cache.stats();
    assert_eq!(after.errors, before.errors, "{after:?}");
}

/// Another runtime's command is in flight on a connection when the runtime that drives it ends
/// (a test's runtime, while another test shares the handle): the command is not failed, it is
/// sent again on a connection of the caller's. Deterministic: the server holds writes, so the
/// `SET` is in flight when the driving runtime is dropped.
#[test]
fn a_command_in_flight_when_its_driving_runtime_ends_is_sent_again() {
    let server = RedisServer::start();
    let cache = Cache::builder()
        .redis(server.url())
        // A liveness bound only: the held write waits for `resume_writes`.
        .timeout(cache_tests::LIVENESS)
        .build()
        .unwrap();
    // The connection is made on `driving`, whose worker thread runs its driver task.
    let driving = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let connect = cache.clone();
    let found = driving.block_on(async move { connect.get::<String>("k").await });
    assert_eq!(found.unwrap(), None);

    server.hold_writes();
    let writer = cache.clone();
    let write = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move { writer.set("k", "v", None).await })
    });
    let waiting = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    waiting.block_on(cache_tests::eventually(
        "the SET held by the server",
        async || server.held_clients() == 1,
    ));
    let before = cache.stats();
    drop(driving);
    server.resume_writes();
    let written = write.join().unwrap();
    assert!(written.is_ok(), "{written:?}");
    assert_eq!(server.raw_get("k").as_deref(), Some(&b"\"v\""[..]));
    let after = cache.stats();
    assert_eq!(after.errors, before.errors, "{after:?}");
}
