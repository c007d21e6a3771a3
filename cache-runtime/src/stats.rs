//! Counters kept by every handle, readable at any time with [`Cache::stats`](crate::Cache::stats).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A snapshot of a handle's counters. Clones of a handle share one set of counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Reads answered from the cache.
    pub hits: u64,
    /// Reads that found nothing usable (absent, undecodable, disabled backend, or failed).
    pub misses: u64,
    /// Values stored.
    pub sets: u64,
    /// Keys and patterns invalidated (each key or pattern of a successful delete counts once).
    pub deletes: u64,
    /// Backend errors, timeouts, values that did not decode and values that did not encode.
    pub errors: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    sets: AtomicU64,
    deletes: AtomicU64,
    errors: AtomicU64,
}

impl Counters {
    pub(crate) fn hit(&self) {
        self.hits.fetch_add(1, Relaxed);
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

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            hits: self.hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            sets: self.sets.load(Relaxed),
            deletes: self.deletes.load(Relaxed),
            errors: self.errors.load(Relaxed),
        }
    }
}
