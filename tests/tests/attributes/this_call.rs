//! Per-result decisions (`cache::this_call()`): the body of a `#[cache::set]` function decides,
//! for the result it returns, not to store it or to store it with another TTL — Notify's
//! `CacheResultWrapper` — on both backends, with nesting, and with no effect outside a body.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use cache::Cache;
use cache_tests::{Fixture, Kind};

struct Reports {
    cache: Cache,
    calls: AtomicUsize,
}

impl Reports {
    fn new(cache: Cache) -> Reports {
        Reports {
            cache,
            calls: AtomicUsize::new(0),
        }
    }

    /// Odd ids are "still being built": not stored. Multiples of ten: kept for two minutes.
    #[cache::set("report-{id}", ttl = "1h", cache = self.cache)]
    async fn report(&self, id: u32) -> String {
        self.calls.fetch_add(1, SeqCst);
        tokio::task::yield_now().await;
        if id % 2 == 1 {
            assert!(cache::this_call().skip(), "inside a cached body");
        } else if id.is_multiple_of(10) {
            assert!(cache::this_call().ttl(Duration::from_secs(120)));
        }
        tokio::task::yield_now().await;
        format!("report {id}")
    }

    /// Calls `report(id)` (whose decision is its own), then decides nothing itself.
    #[cache::set("summary-{id}", ttl = "1h", cache = self.cache)]
    async fn summary(&self, id: u32) -> String {
        let report = self.report(id).await;
        format!("summary of {report}")
    }

    /// Skips storing an `Err` and an `Ok` alike; only `Ok` would be stored anyway.
    #[cache::set("checked-{id}", cache = self.cache)]
    async fn checked(&self, id: u32) -> Result<u32, String> {
        self.calls.fetch_add(1, SeqCst);
        cache::this_call().skip();
        Ok(id)
    }
}

async fn decisions_apply_to_this_result_only(kind: Kind) {
    let fx = Fixture::new(kind);
    let reports = Reports::new(fx.cache.clone());

    // Skipped: returned, not stored, so the next call runs the body again.
    assert_eq!(reports.report(1).await, "report 1");
    assert!(
        !fx.exists("report-1").await,
        "a skipped result is not stored"
    );
    reports.report(1).await;
    assert_eq!(reports.calls.load(SeqCst), 2);

    // Stored with the attribute's TTL, and with the body's own.
    reports.report(2).await;
    reports.report(20).await;
    let hour = fx.ttl_seconds("report-2").await;
    let two_minutes = fx.ttl_seconds("report-20").await;
    assert!((3590..=3600).contains(&hour), "attribute TTL: {hour}s");
    assert!(
        (110..=120).contains(&two_minutes),
        "body's TTL: {two_minutes}s"
    );
    reports.report(20).await;
    assert_eq!(reports.calls.load(SeqCst), 4, "report-20 was then a hit");

    // Nested: the inner call's skip does not reach the outer call.
    assert_eq!(reports.summary(3).await, "summary of report 3");
    assert!(fx.exists("summary-3").await);
    assert!(!fx.exists("report-3").await);

    // Outside a cached body, a decision is refused and changes nothing.
    assert!(!cache::this_call().skip());
    assert!(!cache::this_call().is_cached());

    // A skipped `Ok` of a `Result` function is not stored either.
    assert_eq!(reports.checked(7).await, Ok(7));
    assert!(!fx.exists("checked-7").await);
}

#[tokio::test]
async fn redis_decisions_apply_to_this_result_only() {
    decisions_apply_to_this_result_only(Kind::Redis).await;
}

#[tokio::test]
async fn in_process_decisions_apply_to_this_result_only() {
    decisions_apply_to_this_result_only(Kind::Memory).await;
}

/// A skipped result leaves no lease behind on Redis: the next reader does not wait.
#[tokio::test]
async fn a_skipped_result_gives_its_lease_back() {
    let fx = Fixture::with(Kind::Redis, |builder| {
        builder.lease_wait(Duration::from_secs(30))
    });
    let reports = Reports::new(fx.cache.clone());
    reports.report(5).await;
    assert!(fx.all_keys().await.is_empty(), "{:?}", fx.all_keys().await);
    reports.report(5).await;
    assert_eq!(fx.cache.stats().lease_waits, 0);
}
