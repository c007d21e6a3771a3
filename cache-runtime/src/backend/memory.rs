//! The in-process backend: a bounded moka cache with a TTL per entry and Redis-style pattern deletes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::ops::compute::Op;

use crate::backend::expiry::{Expires, PerEntryTtl};
use crate::glob::glob_matches;
use crate::lease::{MARKER, is_marker};

#[derive(Clone)]
struct Entry {
    /// The value, or the lease marker while a fill is in flight.
    value: Arc<[u8]>,
    /// The token of the lease in flight, if `value` is its marker.
    lease: Option<Arc<[u8]>>,
    ttl: Duration,
    stored_at: Instant,
}

impl Expires for Entry {
    fn ttl(&self) -> Duration {
        self.ttl
    }
}

pub(crate) struct MemoryBackend {
    entries: moka::sync::Cache<String, Entry>,
}

impl MemoryBackend {
    /// A store holding at most `capacity_bytes` of keys and values; the least useful entries go first.
    pub(crate) fn new(capacity_bytes: u64) -> Self {
        let entries = moka::sync::Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.value.len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        MemoryBackend { entries }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Arc<[u8]>> {
        self.entries.get(key).map(|entry| entry.value)
    }

    pub(crate) fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        let entry = Entry {
            value: value.into(),
            lease: None,
            ttl,
            stored_at: Instant::now(),
        };
        self.entries.insert(key.to_owned(), entry);
    }

    /// Same contract as the Redis backend's `lookup_or_lease` script, atomic per key.
    pub(crate) fn lookup_or_lease(
        &self,
        key: &str,
        lease: &[u8],
        lease_ttl: Duration,
        replace: Option<&[u8]>,
    ) -> Option<Arc<[u8]>> {
        // The hit path takes no per-key lock.
        if let Some(entry) = self.entries.get(key)
            && !is_marker(&entry.value)
            && replace != Some(&*entry.value)
        {
            return Some(entry.value);
        }
        let mut found = None;
        self.entries
            .entry(key.to_owned())
            .and_compute_with(|current| match current {
                Some(current) if replace != Some(&*current.value().value) => {
                    // Markers always carry a TTL here, so unlike Redis there is no persistent
                    // marker to take over.
                    found = Some(current.into_value().value);
                    Op::Nop
                }
                _ => Op::Put(Entry {
                    value: MARKER.into(),
                    lease: Some(lease.into()),
                    ttl: lease_ttl,
                    stored_at: Instant::now(),
                }),
            });
        found
    }

    /// Stores `value` only if `lease` still holds `key`; returns whether it did.
    pub(crate) fn fill(&self, key: &str, lease: &[u8], value: Arc<[u8]>, ttl: Duration) -> bool {
        let mut stored = false;
        self.entries
            .entry(key.to_owned())
            .and_compute_with(|current| match current {
                Some(current) if current.value().lease.as_deref() == Some(lease) => {
                    stored = true;
                    Op::Put(Entry {
                        value,
                        lease: None,
                        ttl,
                        stored_at: Instant::now(),
                    })
                }
                _ => Op::Nop,
            });
        stored
    }

    /// Removes `lease` from `key` if it is still there.
    pub(crate) fn release(&self, key: &str, lease: &[u8]) -> bool {
        let mut released = false;
        self.entries
            .entry(key.to_owned())
            .and_compute_with(|current| match current {
                Some(current) if current.value().lease.as_deref() == Some(lease) => {
                    released = true;
                    Op::Remove
                }
                _ => Op::Nop,
            });
        released
    }

    /// Removes `keys`. Each removal is a per-key compute, like fills: moka's plain `remove` is
    /// not serialised with a compute in progress, so a fill that had checked its lease could
    /// otherwise store its value just after the delete.
    pub(crate) fn delete(&self, keys: &[String]) -> u64 {
        keys.iter()
            .filter(|key| {
                let mut existed = false;
                self.entries
                    .entry(key.to_string())
                    .and_compute_with(|current| {
                        existed = current.is_some();
                        if existed { Op::Remove } else { Op::Nop }
                    });
                existed
            })
            .count() as u64
    }

    pub(crate) fn delete_matching(&self, pattern: &str) -> u64 {
        let matching = self.keys_matching(pattern, usize::MAX);
        self.delete(&matching)
    }

    pub(crate) fn keys_matching(&self, pattern: &str, limit: usize) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(key, _)| glob_matches(pattern.as_bytes(), key.as_bytes()))
            .map(|(key, _)| String::clone(&key))
            .take(limit)
            .collect()
    }

    pub(crate) fn ttl(&self, key: &str) -> Option<Duration> {
        let entry = self.entries.get(key)?;
        Some(entry.ttl.saturating_sub(entry.stored_at.elapsed()))
    }
}
