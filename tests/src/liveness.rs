//! Liveness bounds: a test that would hang fails instead, after a bound far above what the
//! behaviour needs. These bounds are never the property under test: a test checks what happened
//! (counters, order, what the store holds), and these only turn "never" into a failure.

use std::future::Future;
use std::time::{Duration, Instant};

/// Bound on any single call or wait in a test: a liveness check (a hang fails the test), not a
/// speed one.
pub const LIVENESS: Duration = Duration::from_secs(5);

/// Pause between two checks of [`eventually`]'s condition.
const POLL: Duration = Duration::from_millis(10);

/// Awaits `future`, failing the test if it takes longer than [`LIVENESS`].
pub async fn live<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIVENESS, future)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for more than {LIVENESS:?}"))
}

/// [`live`] with a longer bound, for waits that include a retry's backoff or a breaker's
/// cool-down. `within` must stay a liveness bound: at least [`LIVENESS`].
pub async fn live_within<T>(within: Duration, what: &str, future: impl Future<Output = T>) -> T {
    assert!(
        within >= LIVENESS,
        "a liveness bound of {within:?} is too tight"
    );
    tokio::time::timeout(within, future)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for more than {within:?}"))
}

/// Polls `condition` until it holds, failing the test ("`what` never happened") if it still
/// does not after [`LIVENESS`].
pub async fn eventually(what: &str, condition: impl AsyncFnMut() -> bool) {
    eventually_within(LIVENESS, what, condition).await;
}

/// [`eventually`] with a longer bound, for waits that include a server's start or a retry's
/// backoff. `within` must stay a liveness bound: at least [`LIVENESS`].
pub async fn eventually_within(
    within: Duration,
    what: &str,
    mut condition: impl AsyncFnMut() -> bool,
) {
    assert!(
        within >= LIVENESS,
        "a liveness bound of {within:?} is too tight"
    );
    // The wall clock only decides when to give up; it is never what a test asserts.
    let deadline = Instant::now() + within;
    while !condition().await {
        assert!(
            Instant::now() < deadline,
            "{what} never happened (gave up after {within:?})"
        );
        tokio::time::sleep(POLL).await;
    }
}
