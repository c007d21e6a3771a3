//! Invalidation that is not lost: a cancelled call still invalidates, and a failed invalidation
//! is retried in the background with backoff, bounded, logged and counted.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::backoff::Backoff;
use crate::glob::glob_matches;
use crate::observe::Invalidated;
use crate::{Cache, Error};

/// Pauses between retries of a failed invalidation (the first retry goes at once).
const RETRY: Backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(2));

/// Background invalidations not yet finished: so that reads of their keys are not served from
/// the cache meanwhile, and so that tests and shutdown can wait for them.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    count: AtomicUsize,
    idle: Notify,
    works: Mutex<Vec<Arc<Work>>>,
}

impl Pending {
    fn works(&self) -> MutexGuard<'_, Vec<Arc<Work>>> {
        // A list of plain values, valid whatever a panicking holder did.
        self.works
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether an invalidation of `key` (prefixed) is still pending.
    pub(crate) fn covers(&self, key: &str) -> bool {
        if self.count.load(Ordering::Acquire) == 0 {
            return false;
        }
        self.works().iter().any(|work| {
            work.keys.iter().any(|pending| pending == key)
                || work
                    .patterns
                    .iter()
                    .any(|pattern| glob_matches(pattern.as_bytes(), key.as_bytes()))
        })
    }
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

    /// Invalidates now; a failure is handed to the background retry. Says how this attempt went.
    pub(crate) async fn run(mut self) -> Invalidated {
        let Some(work) = &self.work else {
            return Invalidated::Ok;
        };
        let outcome = self.cache.try_invalidate(work).await;
        // Past the await: from here nothing can cancel us, so `Drop` must not run the work again.
        let Some(work) = self.work.take() else {
            return Invalidated::Ok;
        };
        match outcome {
            Ok(()) => Invalidated::Ok,
            Err(error) => {
                if error.is_permanent() {
                    self.cache.give_up(&work, &error, 1);
                } else {
                    self.cache.retry_in_background(work, &error.to_string());
                }
                Invalidated::of_error(&error)
            }
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

/// Registers a pending invalidation, and removes it however the retry task ends (finished, or
/// dropped at shutdown).
struct PendingTicket {
    cache: Cache,
    work: Arc<Work>,
}

impl PendingTicket {
    fn new(cache: &Cache, work: Work) -> PendingTicket {
        let work = Arc::new(work);
        let pending = &cache.inner().pending;
        pending.works().push(Arc::clone(&work));
        pending.count.fetch_add(1, Ordering::AcqRel);
        PendingTicket {
            cache: cache.clone(),
            work,
        }
    }
}

impl Drop for PendingTicket {
    fn drop(&mut self) {
        let pending = &self.cache.inner().pending;
        pending
            .works()
            .retain(|work| !Arc::ptr_eq(work, &self.work));
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
    /// Whatever the outcome, calls in flight for these keys in this process are forgotten, so a
    /// read that starts after the write does not get a value fetched before it.
    pub(crate) async fn try_invalidate(&self, work: &Work) -> Result<(), Error> {
        let outcome = self.delete_work(work).await;
        self.inner().flights.forget(&work.keys, &work.patterns);
        outcome
    }

    async fn delete_work(&self, work: &Work) -> Result<(), Error> {
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

    /// Sleeps for `delay`, or less if Redis's circuit breaker closes meanwhile (Redis is back).
    pub(crate) async fn back_off(&self, delay: Duration) {
        let mut sleep = pin!(tokio::time::sleep(delay));
        let Some(breaker) = self.inner().backend.breaker() else {
            return sleep.await;
        };
        let mut closed = pin!(breaker.closed.notified());
        poll_fn(|context| {
            if sleep.as_mut().poll(context).is_ready() || closed.as_mut().poll(context).is_ready() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }

    /// Counts and logs an invalidation that retrying cannot help (`NOPERM`, `WRONGTYPE`).
    fn give_up(&self, work: &Work, error: &Error, attempts: u32) {
        self.inner().counters.invalidation_lost();
        tracing::error!(
            keys = ?work.keys,
            patterns = ?work.patterns,
            attempts,
            %error,
            "cache invalidation refused by Redis, not retried; the keys it names may be stale until their TTL ends"
        );
    }

    fn retry_in_background(&self, work: Work, why: &str) {
        let counters = &self.inner().counters;
        counters.invalidation_retried();
        // On the toolkit's runtime, which outlives the caller's (a test's, a blocking caller's).
        let runtime = crate::driver::handle()
            .cloned()
            .or_else(|| tokio::runtime::Handle::try_current().ok());
        let Some(runtime) = runtime else {
            counters.invalidation_lost();
            tracing::error!(
                keys = ?work.keys,
                patterns = ?work.patterns,
                why,
                "cache invalidation cannot be retried without a runtime; these keys may be stale until their TTL ends"
            );
            return;
        };
        tracing::warn!(keys = ?work.keys, patterns = ?work.patterns, why, "cache invalidation did not complete; retrying in the background");
        let ticket = PendingTicket::new(self, work);
        // With the caller's subscriber: see `driver::spawn`.
        runtime.spawn(
            tracing::instrument::WithSubscriber::with_current_subscriber(async move {
                ticket.cache.retry(&ticket.work).await;
                drop(ticket);
            }),
        );
    }

    async fn retry(&self, work: &Work) {
        let budget = self.inner().settings.invalidation_retry_for;
        let started = Instant::now();
        let mut delay = Duration::ZERO;
        let mut backoff = RETRY;
        let mut attempts = 0u32;
        loop {
            self.back_off(delay).await;
            attempts += 1;
            match self.try_invalidate(work).await {
                Ok(()) => {
                    tracing::info!(keys = ?work.keys, patterns = ?work.patterns, attempts, "cache invalidation succeeded on retry");
                    return;
                }
                Err(error) if error.is_permanent() => {
                    self.give_up(work, &error, attempts);
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
                    delay = backoff.next_pause();
                }
            }
        }
    }
}
