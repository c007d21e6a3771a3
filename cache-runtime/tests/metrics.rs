//! The `metrics` feature, in process: each annotated function's calls are counted and timed by
//! outcome (hit, miss, coalesced, error, skipped), and its invalidations counted.
//!
//! Each test records into a recorder of its own (`metrics::with_local_recorder` around a
//! current-thread runtime), so tests running in parallel never see each other's calls.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache::Cache;
use cache::metrics::{CALL_DURATION, CALLS, INVALIDATIONS};
use metrics::{SharedString, Unit};
use metrics_util::CompositeKey;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// One metric in a recorder's snapshot.
type Entry = (CompositeKey, Option<Unit>, Option<SharedString>, DebugValue);

/// The `function` label of [`Client::template`]: its module path and name.
const TEMPLATE: &str = concat!(module_path!(), "::template");
const NUMBER: &str = concat!(module_path!(), "::number");
const UPDATE: &str = concat!(module_path!(), "::update");

struct Client {
    cache: Cache,
    body_runs: AtomicUsize,
}

impl Client {
    fn new(cache: Cache) -> Client {
        Client {
            cache,
            body_runs: AtomicUsize::new(0),
        }
    }

    #[cache::set("template-{id}", cache = self.cache)]
    async fn template(&self, id: u32) -> Result<String, String> {
        self.body_runs.fetch_add(1, Ordering::SeqCst);
        // Concurrent callers join this call's flight while it waits.
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(format!("template {id}"))
    }

    #[cache::set("number-{id}", cache = self.cache)]
    async fn number(&self, id: u32) -> u32 {
        self.body_runs.fetch_add(1, Ordering::SeqCst);
        id
    }

    #[cache::delete("template-{id}", cache = self.cache)]
    async fn update(&self, id: u32) -> Result<(), String> {
        let _ = id;
        Ok(())
    }
}

/// Runs `future` on a current-thread runtime with `recorder` as this thread's recorder.
fn recorded<T>(recorder: &DebuggingRecorder, future: impl Future<Output = T>) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    metrics::with_local_recorder(recorder, || runtime.block_on(future))
}

/// Counter `name`'s value for `function` and `outcome` (0 when never counted).
fn counter(snapshot: &[Entry], name: &str, function: &str, outcome: &str) -> u64 {
    values(snapshot, name, function, outcome)
        .map(|value| match value {
            DebugValue::Counter(count) => *count,
            other => panic!("{name} is not a counter: {other:?}"),
        })
        .sum()
}

/// How many durations `function`'s calls with `outcome` recorded.
fn durations(snapshot: &[Entry], function: &str, outcome: &str) -> usize {
    values(snapshot, CALL_DURATION, function, outcome)
        .map(|value| match value {
            DebugValue::Histogram(values) => {
                assert!(values.iter().all(|seconds| seconds.0 >= 0.0));
                values.len()
            }
            other => panic!("{CALL_DURATION} is not a histogram: {other:?}"),
        })
        .sum()
}

fn values<'a>(
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

#[test]
fn hits_misses_and_coalesced_calls_are_counted_per_function() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let client = Client::new(Cache::in_memory());
    recorded(&recorder, async {
        client.template(1).await.unwrap(); // miss
        client.template(1).await.unwrap(); // hit
        client.template(1).await.unwrap(); // hit
        // On one thread, all three are polled before the first one's body finishes: one
        // leads, two follow.
        let (a, b, c) = tokio::join!(client.template(2), client.template(2), client.template(2));
        assert_eq!(
            (a, b, c),
            (
                Ok("template 2".into()),
                Ok("template 2".into()),
                Ok("template 2".into())
            )
        );
        client.number(5).await; // another function: a miss of its own
    });
    assert_eq!(client.body_runs.load(Ordering::SeqCst), 3);
    let snapshot = snapshotter.snapshot().into_vec();
    assert_eq!(counter(&snapshot, CALLS, TEMPLATE, "miss"), 2);
    assert_eq!(counter(&snapshot, CALLS, TEMPLATE, "hit"), 2);
    assert_eq!(counter(&snapshot, CALLS, TEMPLATE, "coalesced"), 2);
    assert_eq!(counter(&snapshot, CALLS, NUMBER, "miss"), 1);
    assert_eq!(counter(&snapshot, CALLS, NUMBER, "hit"), 0);
    for outcome in ["error", "skipped"] {
        assert_eq!(counter(&snapshot, CALLS, TEMPLATE, outcome), 0, "{outcome}");
    }
    // One duration per counted call.
    assert_eq!(durations(&snapshot, TEMPLATE, "miss"), 2);
    assert_eq!(durations(&snapshot, TEMPLATE, "hit"), 2);
    assert_eq!(durations(&snapshot, TEMPLATE, "coalesced"), 2);
    assert_eq!(durations(&snapshot, NUMBER, "miss"), 1);
}

#[test]
fn an_undecodable_value_is_an_error_and_a_disabled_cache_is_skipped() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let client = Client::new(Cache::in_memory());
    let disabled = Client::new(Cache::disabled());
    recorded(&recorder, async {
        client.cache.set("number-7", &"seven", None).await.unwrap();
        assert_eq!(client.number(7).await, 7); // does not decode: the body runs
        assert_eq!(client.number(7).await, 7); // replaced: a hit
        assert_eq!(disabled.number(8).await, 8);
        assert_eq!(disabled.number(8).await, 8);
    });
    let snapshot = snapshotter.snapshot().into_vec();
    assert_eq!(counter(&snapshot, CALLS, NUMBER, "error"), 1);
    assert_eq!(counter(&snapshot, CALLS, NUMBER, "hit"), 1);
    assert_eq!(counter(&snapshot, CALLS, NUMBER, "skipped"), 2);
    assert_eq!(counter(&snapshot, CALLS, NUMBER, "miss"), 0);
    assert_eq!(durations(&snapshot, NUMBER, "skipped"), 2);
}

#[test]
fn invalidations_are_counted_per_function() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let client = Client::new(Cache::in_memory());
    recorded(&recorder, async {
        client.template(3).await.unwrap();
        client.update(3).await.unwrap();
        client.update(3).await.unwrap();
        client.template(3).await.unwrap(); // invalidated: a miss again
    });
    let snapshot = snapshotter.snapshot().into_vec();
    assert_eq!(counter(&snapshot, INVALIDATIONS, UPDATE, "ok"), 2);
    assert_eq!(counter(&snapshot, INVALIDATIONS, UPDATE, "error"), 0);
    assert_eq!(counter(&snapshot, CALLS, TEMPLATE, "miss"), 2);
}

#[test]
fn calls_work_without_a_recorder() {
    // No recorder on this thread: the metrics go nowhere, and describing them is harmless.
    cache::metrics::describe();
    let client = Client::new(Cache::in_memory());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        client.template(9).await.unwrap();
        client.template(9).await.unwrap();
    });
    assert_eq!(client.cache.stats().hits, 1);
}
