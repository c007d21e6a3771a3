//! Per-result decisions: the body of a `#[cache::set]` function may say, for the result it is
//! about to return, "do not store it" or "store it for this long", without changing the
//! function's signature. This is Notify's `CacheResultWrapper` (a result wrapped with a
//! `should_cache` flag and a TTL override) as a call-scoped handle instead of a return type.
//!
//! The slot is a thread-local that a [`CallScope`] fills while the body runs: for an async body,
//! around each poll (so it follows the task from thread to thread and nests with inner cached
//! calls); for a blocking body, around the call.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

thread_local! {
    /// The decision of the cached body running on this thread now, if any.
    static CURRENT: Cell<Option<Decision>> = const { Cell::new(None) };
}

/// What the body decided about its result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Do not store this result.
    pub(crate) skip: bool,
    /// Store it for this long instead of the attribute's TTL.
    pub(crate) ttl: Option<Duration>,
}

/// The decision slot of one cached call; the read path enters it around its body.
#[derive(Debug, Default)]
pub(crate) struct CallScope {
    decision: Decision,
}

impl CallScope {
    /// Runs `body` (a blocking body) with this scope current.
    #[allow(dead_code)] // for blocking functions, whose read path enters it
    pub(crate) fn enter<R>(&mut self, body: impl FnOnce() -> R) -> R {
        let _current = Current::swap_in(&mut self.decision);
        body()
    }

    /// Polls `body` (an async body) with this scope current.
    pub(crate) fn poll<F: Future + ?Sized>(
        &mut self,
        body: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        let _current = Current::swap_in(&mut self.decision);
        body.poll(cx)
    }

    /// What the body decided.
    pub(crate) fn decision(&self) -> Decision {
        self.decision
    }
}

/// Makes a decision current on this thread until dropped (also on unwind), then puts back the
/// enclosing one and keeps what the body decided meanwhile.
struct Current<'a> {
    decision: &'a mut Decision,
    outer: Option<Decision>,
}

impl<'a> Current<'a> {
    fn swap_in(decision: &'a mut Decision) -> Current<'a> {
        let outer = CURRENT.replace(Some(*decision));
        Current { decision, outer }
    }
}

impl Drop for Current<'_> {
    fn drop(&mut self) {
        if let Some(decided) = CURRENT.replace(self.outer) {
            *self.decision = decided;
        }
    }
}

/// The cached call whose body is running here: lets the body decide how its result is stored.
/// See [`this_call`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ThisCall;

/// The cached call whose body is running here (the innermost, if cached functions call each
/// other). Its methods return `false`, and do nothing, outside the body of a `#[cache::set]`
/// function — in a task the body spawned, say.
///
/// Notify's equivalent is returning a `CacheResultWrapper(value, should_cache=False)` or
/// `CacheResultWrapper(value, ttl_in_seconds=…)`; here the function still returns its plain
/// value, so callers see no change:
///
/// ```
/// use std::time::Duration;
/// # use cache::Cache;
/// # struct Api { cache: Cache }
/// # #[derive(serde::Serialize, serde::Deserialize)] struct Report { complete: bool }
/// # async fn fetch_report(_: u32) -> Report { Report { complete: false } }
/// impl Api {
///     #[cache::set("report-{id}", ttl = "1d", cache = self.cache)]
///     async fn report(&self, id: u32) -> Report {
///         let report = fetch_report(id).await;
///         if !report.complete {
///             // Still being built: keep it for a minute only.
///             cache::this_call().ttl(Duration::from_secs(60));
///         }
///         report
///     }
/// }
/// ```
pub fn this_call() -> ThisCall {
    ThisCall
}

impl ThisCall {
    /// Do not store this call's result (it is still returned, and shared with concurrent
    /// callers of the same key). Returns whether a cached body is running here.
    pub fn skip(self) -> bool {
        self.update(|decision| decision.skip = true)
    }

    /// Store this call's result for `ttl` instead of the attribute's (or the handle's default)
    /// TTL. Redis keeps whole seconds: `ttl` is rounded down, to at least one second. Returns
    /// whether a cached body is running here.
    pub fn ttl(self, ttl: Duration) -> bool {
        self.update(|decision| decision.ttl = Some(ttl))
    }

    /// Whether a cached body is running here, so that a decision would be kept.
    pub fn is_cached(self) -> bool {
        CURRENT.get().is_some()
    }

    fn update(self, change: impl FnOnce(&mut Decision)) -> bool {
        match CURRENT.get() {
            Some(mut decision) => {
                change(&mut decision);
                CURRENT.set(Some(decision));
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_stay_with_their_scope_and_nest() {
        assert!(!this_call().skip(), "outside any scope");
        let mut outer = CallScope::default();
        let mut inner = CallScope::default();
        outer.enter(|| {
            assert!(this_call().ttl(Duration::from_secs(5)));
            inner.enter(|| assert!(this_call().skip()));
            assert!(this_call().is_cached());
        });
        assert!(!this_call().is_cached());
        assert_eq!(
            outer.decision(),
            Decision {
                skip: false,
                ttl: Some(Duration::from_secs(5))
            }
        );
        assert_eq!(
            inner.decision(),
            Decision {
                skip: true,
                ttl: None
            }
        );
    }

    #[tokio::test]
    async fn an_async_body_keeps_its_decision_across_awaits() {
        let mut scope = CallScope::default();
        let mut body = std::pin::pin!(async {
            tokio::task::yield_now().await;
            this_call().skip();
            tokio::task::yield_now().await;
        });
        std::future::poll_fn(|cx| scope.poll(body.as_mut(), cx)).await;
        assert!(scope.decision().skip);
        assert!(!this_call().is_cached());
    }
}
