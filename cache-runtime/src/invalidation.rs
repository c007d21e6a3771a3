//! Invalidation that is not lost: a cancelled call still invalidates, and a failed invalidation
//! is retried in the background with backoff, bounded, logged and counted.

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::{Cache, Error};

/// First delay before retrying a failed invalidation; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Background invalidations not yet finished, so that tests and shutdown can wait for them.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    count: AtomicUsize,
    idle: Notify,
}

/// Keys and patterns (already prefixed) to invalidate.
#[derive(Debug)]
pub(crate) struct Work {
    pub(crate) keys: Vec<String>,
    pub(crate) patterns: Vec<String>,
}

/// Invalidates on drop unless [`run`](Self::run) finished: created before a write's body starts,
/// so dropping the call's future mid-body (a timeout, a disconnected client) still invalidates.
pub(crate) struct InvalidationGuard {
    cache: Cache,
    work: Option<Work>,
}

impl InvalidationGuard {
    pub(crate) fn new(cache: &Cache, work: Work) -> Self {
        InvalidationGuard {
            cache: cache.clone(),
            work: Some(work),
        }
    }

    /// Invalidates now; a failure is handed to the background retry.
    pub(crate) async fn run(mut self) {
        let Some(work) = &self.work else { return };
        let outcome = self.cache.try_invalidate(work).await;
        // Past the await: from here nothing can cancel us, so `Drop` must not run the work again.
        let Some(work) = self.work.take() else { return };
        if let Err(error) = outcome {
            self.cache.retry_in_background(work, &error.to_string());
        }
    }
}

impl Drop for InvalidationGuard {
    fn drop(&mut self) {
        if let Some(work) = self.work.take() {
            self.cache
                .retry_in_background(work, "the call was cancelled before it invalidated");
        }
    }
}

/// Keys to invalidate once a write is done, armed before it starts: call [`run`](Self::run)
/// after the write; if the write's future is dropped first, the keys are invalidated in the
/// background anyway. Made by [`Cache::invalidation`].
#[must_use = "dropping it invalidates in the background at once; call `run` after the write"]
pub struct Invalidation(InvalidationGuard);

impl Invalidation {
    /// Invalidates now. Never fails: a failure is retried in the background (see
    /// [`Cache::invalidate`]).
    pub async fn run(self) {
        self.0.run().await;
    }
}

impl std::fmt::Debug for Invalidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invalidation")
            .field("work", &self.0.work)
            .finish()
    }
}

/// Decrements the pending count however the retry task ends (finished, or dropped at shutdown).
struct PendingTicket(Cache);

impl Drop for PendingTicket {
    fn drop(&mut self) {
        let pending = &self.0.inner().pending;
        if pending.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            pending.idle.notify_waiters();
        }
    }
}

impl Cache {
    /// Invalidates `keys` the way `#[cache::delete]` does, for keys no attribute can name (say,
    /// computed from data the method fetched). Never fails: a failed attempt is retried in the
    /// background with backoff and, if it never succeeds, logged at error level and counted in
    /// [`Stats::invalidations_lost`](crate::Stats::invalidations_lost). If this future is dropped
    /// before it finishes, the invalidation still happens in the background.
    pub async fn invalidate<K: AsRef<str>>(&self, keys: impl IntoIterator<Item = K>) {
        self.invalidation(keys).run().await;
    }

    /// Arms the invalidation of `keys` for a write about to start, for keys no attribute can name
    /// (say, ids the method fetched first):
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache = cache::Cache::in_memory();
    /// let service_ids = [7, 9]; // fetched from the API
    /// let pending = cache.invalidation(service_ids.map(|id| format!("service-{id}")));
    /// // ... the write; if this future is dropped here, the keys are still invalidated ...
    /// pending.run().await;
    /// # }
    /// ```
    pub fn invalidation<K: AsRef<str>>(&self, keys: impl IntoIterator<Item = K>) -> Invalidation {
        let keys = keys
            .into_iter()
            .map(|key| self.prefixed(key.as_ref()))
            .collect();
        Invalidation(InvalidationGuard::new(
            self,
            Work {
                keys,
                patterns: Vec::new(),
            },
        ))
    }

    /// Invalidations still being retried in the background.
    pub fn pending_invalidations(&self) -> usize {
        self.inner().pending.count.load(Ordering::Acquire)
    }

    /// Waits until no invalidation is being retried in the background: call it before a
    /// graceful shutdown, or in a test before checking what the cache holds.
    pub async fn flush_invalidations(&self) {
        let pending = &self.inner().pending;
        loop {
            let mut idle = pin!(pending.idle.notified());
            idle.as_mut().enable();
            if pending.count.load(Ordering::Acquire) == 0 {
                return;
            }
            idle.await;
        }
    }

    /// One attempt: every key in one command, then each pattern. Stops at the first failure.
    pub(crate) async fn try_invalidate(&self, work: &Work) -> Result<(), Error> {
        let backend = &self.inner().backend;
        if !work.keys.is_empty() {
            self.counted(backend.delete(&work.keys).await)?;
            self.count_deleted(work.keys.len());
            tracing::debug!(keys = ?work.keys, "cache keys invalidated");
        }
        for pattern in &work.patterns {
            let deleted = self.counted(backend.delete_matching(pattern).await)?;
            self.count_deleted(1);
            tracing::debug!(pattern, deleted, "cache pattern invalidated");
        }
        Ok(())
    }

    fn retry_in_background(&self, work: Work, why: &str) {
        let counters = &self.inner().counters;
        counters.invalidation_retried();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            counters.invalidation_lost();
            tracing::error!(
                keys = ?work.keys,
                patterns = ?work.patterns,
                why,
                "cache invalidation cannot be retried outside a Tokio runtime; these keys may be stale until their TTL ends"
            );
            return;
        };
        tracing::warn!(keys = ?work.keys, patterns = ?work.patterns, why, "cache invalidation did not complete; retrying in the background");
        self.inner().pending.count.fetch_add(1, Ordering::AcqRel);
        let ticket = PendingTicket(self.clone());
        runtime.spawn(async move {
            ticket.0.retry(work).await;
            drop(ticket);
        });
    }

    async fn retry(&self, work: Work) {
        let budget = self.inner().settings.invalidation_retry_for;
        let started = Instant::now();
        let mut delay = Duration::ZERO;
        let mut attempts = 0u32;
        loop {
            tokio::time::sleep(delay).await;
            attempts += 1;
            match self.try_invalidate(&work).await {
                Ok(()) => {
                    tracing::info!(keys = ?work.keys, patterns = ?work.patterns, attempts, "cache invalidation succeeded on retry");
                    return;
                }
                Err(error) if started.elapsed() >= budget => {
                    self.inner().counters.invalidation_lost();
                    tracing::error!(
                        keys = ?work.keys,
                        patterns = ?work.patterns,
                        attempts,
                        %error,
                        "cache invalidation given up after retrying; these keys may be stale until their TTL ends"
                    );
                    return;
                }
                Err(error) => {
                    tracing::debug!(attempts, %error, "cache invalidation retry failed");
                    delay = (delay * 2).clamp(FIRST_BACKOFF, MAX_BACKOFF);
                }
            }
        }
    }
}
