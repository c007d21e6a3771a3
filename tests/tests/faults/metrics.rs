//! The `metrics` feature over a real Redis: calls counted and timed per function and outcome
//! while Redis is up, hung (timeouts are errors) and skipped by the circuit breaker those
//! timeouts opened; invalidations counted by outcome. Coalesced calls are checked in process by cache-runtime's own tests, where
//! the order of concurrent calls is deterministic.
//!
//! Each test records into a recorder of its own (`metrics::with_local_recorder` around a
//! current-thread runtime), so tests running in parallel never see each other's calls.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache::Cache;
use cache::metrics::{CALL_DURATION, CALLS, INVALIDATIONS};
use cache_tests::RedisServer;
use metrics::{SharedString, Unit};
use metrics_util::CompositeKey;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// One metric in a recorder's snapshot.
type Entry = (CompositeKey, Option<Unit>, Option<SharedString>, DebugValue);

const USER: &str = concat!(module_path!(), "::user");
const UPDATE: &str = concat!(module_path!(), "::update");

struct Client {
    cache: Cache,
    body_runs: AtomicUsize,
}

impl Client {
    #[cache::set("user-{id}", cache = self.cache)]
    async fn user(&self, id: u32) -> Result<String, String> {
        self.body_runs.fetch_add(1, Ordering::SeqCst);
        Ok(format!("user {id}"))
    }

    #[cache::delete("user-{id}", cache = self.cache)]
    async fn update(&self, id: u32) -> Result<(), String> {
        let _ = id;
        Ok(())
    }
}

/// A handle patient enough for a busy machine (a slow reply is not an error here).
fn patient(server: &RedisServer) -> Cache {
    Cache::builder()
        .redis(server.url())
        .timeout(Duration::from_secs(2))
        .build()
        .expect("a loopback URL is valid")
}

/// Runs `future` on a current-thread runtime with `recorder` as this thread's recorder.
fn recorded<T>(recorder: &DebuggingRecorder, future: impl Future<Output = T>) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    metrics::with_local_recorder(recorder, || runtime.block_on(future))
}

fn matching<'a>(
    snapshot: &'a [Entry],
    name: &'a str,
    function: &'a str,
    outcome: &'a str,
) -> impl Iterator<Item = &'a DebugValue> {
    snapshot.iter().filter_map(move |(key, _, _, value)| {
        let labels: Vec<(&str, &str)> = key
            .key()
            .labels()
            .map(|label| (label.key(), label.value()))
            .collect();
        (key.key().name() == name && labels == [("function", function), ("outcome", outcome)])
            .then_some(value)
    })
}

/// Counter `name`'s value for `function` and `outcome` (0 when never counted).
fn counter(snapshot: &[Entry], name: &str, function: &str, outcome: &str) -> u64 {
    matching(snapshot, name, function, outcome)
        .map(|value| match value {
            DebugValue::Counter(count) => *count,
            other => panic!("{name} is not a counter: {other:?}"),
        })
        .sum()
}

/// How many call durations `function` recorded with `outcome`.
fn durations(snapshot: &[Entry], function: &str, outcome: &str) -> usize {
    matching(snapshot, CALL_DURATION, function, outcome)
        .map(|value| match value {
            DebugValue::Histogram(values) => values.len(),
            other => panic!("{CALL_DURATION} is not a histogram: {other:?}"),
        })
        .sum()
}

#[test]
fn outcomes_while_redis_is_up_hung_and_skipped() {
    const HUNG_CALLS: u64 = 6;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let server = RedisServer::start();
    let client = Client {
        cache: patient(&server),
        body_runs: AtomicUsize::new(0),
    };
    recorded(&recorder, async {
        client.user(1).await.unwrap(); // miss
        client.user(1).await.unwrap(); // hit
        client.user(2).await.unwrap(); // miss
        client.update(1).await.unwrap(); // invalidated
        client.user(1).await.unwrap(); // a miss again
        assert_eq!(client.body_runs.load(Ordering::SeqCst), 3);
    });
    let up = snapshotter.snapshot().into_vec();
    assert_eq!(counter(&up, CALLS, USER, "miss"), 3, "{up:?}");
    assert_eq!(counter(&up, CALLS, USER, "hit"), 1, "{up:?}");
    assert_eq!(counter(&up, CALLS, USER, "error"), 0, "{up:?}");
    assert_eq!(durations(&up, USER, "miss"), 3);
    assert_eq!(durations(&up, USER, "hit"), 1);
    assert_eq!(counter(&up, INVALIDATIONS, UPDATE, "ok"), 1, "{up:?}");

    // Hung (`SIGSTOP`): a handle with a short timeout, and a breaker that opens after 2
    // timeouts and stays open for the rest of the test.
    server.pause();
    let impatient = Client {
        cache: Cache::builder()
            .redis(server.url())
            .timeout(Duration::from_millis(200))
            .circuit_breaker(2, Duration::from_secs(600))
            .build()
            .expect("a loopback URL is valid"),
        body_runs: AtomicUsize::new(0),
    };
    recorded(&recorder, async {
        for _ in 0..HUNG_CALLS {
            assert_eq!(impatient.user(3).await, Ok("user 3".to_owned()));
        }
        impatient.update(3).await.unwrap();
    });
    server.resume();
    let hung = snapshotter.snapshot().into_vec();
    let errors = counter(&hung, CALLS, USER, "error");
    let skipped = counter(&hung, CALLS, USER, "skipped");
    // The first calls time out; once 2 timeouts have opened the breaker, the rest do not ask
    // Redis at all.
    assert!(errors >= 1, "timeouts while Redis is hung: {hung:?}");
    assert!(skipped >= 1, "calls skipped by the open breaker: {hung:?}");
    assert_eq!(errors + skipped, HUNG_CALLS, "{hung:?}");
    assert_eq!(counter(&hung, CALLS, USER, "hit"), 0);
    assert_eq!(counter(&hung, CALLS, USER, "miss"), 0);
    assert_eq!(
        durations(&hung, USER, "error") + durations(&hung, USER, "skipped"),
        HUNG_CALLS as usize
    );
    // An invalidation is sent even with the breaker open: against a hung Redis it times out.
    assert_eq!(
        counter(&hung, INVALIDATIONS, UPDATE, "error"),
        1,
        "{hung:?}"
    );
    assert_eq!(counter(&hung, INVALIDATIONS, UPDATE, "skipped"), 0);
}

#[test]
fn a_failed_invalidation_is_an_error() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let mut server = RedisServer::start();
    // No breaker: every failure is an error, never a skip.
    let client = Client {
        cache: Cache::builder()
            .redis(server.url())
            .timeout(Duration::from_secs(2))
            .circuit_breaker(0, Duration::ZERO)
            .build()
            .expect("a loopback URL is valid"),
        body_runs: AtomicUsize::new(0),
    };
    recorded(&recorder, async {
        client.user(4).await.unwrap();
        server.kill();
        client.update(4).await.unwrap();
    });
    let snapshot = snapshotter.snapshot().into_vec();
    assert_eq!(
        counter(&snapshot, INVALIDATIONS, UPDATE, "error"),
        1,
        "{snapshot:?}"
    );
    assert_eq!(counter(&snapshot, INVALIDATIONS, UPDATE, "ok"), 0);
    assert_eq!(counter(&snapshot, CALLS, USER, "miss"), 1);
}
