//! moka's per-entry expiry for the in-process stores: each entry lives for the TTL it was
//! stored with, reset when it is replaced.

use std::time::{Duration, Instant};

use moka::Expiry;

/// An entry that knows how long it may live.
pub(crate) trait Expires {
    fn ttl(&self) -> Duration;
}

/// Gives each entry the TTL it was stored with.
pub(crate) struct PerEntryTtl;

impl<V: Expires> Expiry<String, V> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &V, _now: Instant) -> Option<Duration> {
        Some(entry.ttl())
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &V,
        _now: Instant,
        _remaining: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl())
    }
}
