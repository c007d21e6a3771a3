//! Counters kept by every handle, readable at any time with [`Cache::stats`](crate::Cache::stats).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A snapshot of a handle's counters. Clones of a handle share one set of counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Reads answered from the cache (near-cache hits included).
    pub hits: u64,
    /// Of the hits, those answered by the near cache: this process's copy of a Redis value,
    /// with no round trip (always 0 without a near cache). `near_hits / hits` is how much of
    /// the Redis traffic the near cache saves.
    pub near_hits: u64,
    /// Reads that found nothing usable (absent, undecodable, disabled backend, or failed).
    pub misses: u64,
    /// Values stored.
    pub sets: u64,
    /// Keys and patterns invalidated (each key or pattern of a successful delete counts once).
    pub deletes: u64,
    /// Backend errors, timeouts, values that did not decode and values that did not encode.
    pub errors: u64,
    /// Calls answered by a concurrent call's fetch of the same key in this process
    /// (single-flight). They are neither hits nor misses: every read is counted once, as one of
    /// the three.
    pub coalesced: u64,
    /// Reads that found another reader's lease on a key and waited for its fill.
    pub lease_waits: u64,
    /// Values fetched but not stored because the key was invalidated after the fetch began
    /// (its lease was gone): each one is a stale value the cache refused to keep.
    pub fills_refused: u64,
    /// Invalidations that failed or were cancelled and were handed to the background retry.
    pub invalidations_retried: u64,
    /// Invalidations given up after the retry budget; each one is logged at error level.
    pub invalidations_lost: u64,
    /// Times the circuit breaker opened.
    pub breaker_opened: u64,
    /// Redis operations skipped while the breaker was open.
    pub breaker_skipped: u64,
    /// Values returned uncached because they were over the handle's
    /// [`max_value_size`](crate::CacheBuilder::max_value_size).
    pub values_too_large: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Hits but near-cache ones, which are counted apart: one increment per hit either way.
    hits: AtomicU64,
    near_hits: AtomicU64,
    misses: AtomicU64,
    sets: AtomicU64,
    deletes: AtomicU64,
    errors: AtomicU64,
    coalesced: AtomicU64,
    lease_waits: AtomicU64,
    fills_refused: AtomicU64,
    invalidations_retried: AtomicU64,
    invalidations_lost: AtomicU64,
    values_too_large: AtomicU64,
}

impl Counters {
    /// A hit; `near`: answered by the near cache (then counted in [`Stats::hits`] too).
    pub(crate) fn hit(&self, near: bool) {
        let counter = if near { &self.near_hits } else { &self.hits };
        counter.fetch_add(1, Relaxed);
    }
    pub(crate) fn miss(&self) {
        self.misses.fetch_add(1, Relaxed);
    }
    pub(crate) fn set(&self) {
        self.sets.fetch_add(1, Relaxed);
    }
    pub(crate) fn deleted(&self, count: usize) {
        self.deletes.fetch_add(count as u64, Relaxed);
    }
    pub(crate) fn error(&self) {
        self.errors.fetch_add(1, Relaxed);
    }
    pub(crate) fn coalesced(&self) {
        self.coalesced.fetch_add(1, Relaxed);
    }
    pub(crate) fn lease_wait(&self) {
        self.lease_waits.fetch_add(1, Relaxed);
    }
    pub(crate) fn fill_refused(&self) {
        self.fills_refused.fetch_add(1, Relaxed);
    }
    pub(crate) fn invalidation_retried(&self) {
        self.invalidations_retried.fetch_add(1, Relaxed);
    }
    pub(crate) fn invalidation_lost(&self) {
        self.invalidations_lost.fetch_add(1, Relaxed);
    }
    pub(crate) fn too_large(&self) {
        self.values_too_large.fetch_add(1, Relaxed);
    }

    /// The counters, plus the breaker's (kept by the breaker itself).
    pub(crate) fn snapshot(&self, breaker: Option<&crate::breaker::Breaker>) -> Stats {
        let near_hits = self.near_hits.load(Relaxed);
        Stats {
            hits: self.hits.load(Relaxed) + near_hits,
            near_hits,
            misses: self.misses.load(Relaxed),
            sets: self.sets.load(Relaxed),
            deletes: self.deletes.load(Relaxed),
            errors: self.errors.load(Relaxed),
            coalesced: self.coalesced.load(Relaxed),
            lease_waits: self.lease_waits.load(Relaxed),
            fills_refused: self.fills_refused.load(Relaxed),
            invalidations_retried: self.invalidations_retried.load(Relaxed),
            invalidations_lost: self.invalidations_lost.load(Relaxed),
            breaker_opened: breaker.map_or(0, |b| b.opened.load(Relaxed)),
            breaker_skipped: breaker.map_or(0, |b| b.skipped.load(Relaxed)),
            values_too_large: self.values_too_large.load(Relaxed),
        }
    }
}
