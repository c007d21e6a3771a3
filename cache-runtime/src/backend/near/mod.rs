//! The near cache: a bounded in-process copy of values read through Redis, served only while
//! Redis's client tracking vouches for it (see [`tracking`]).
//!
//! Coherence rests on two counters, so that a value fetched before an invalidation is never
//! stored after it:
//!
//! - the *state*: a generation, bumped whenever tracking starts or stops, and
//!   whether tracking is on. Entries carry the state they were stored in; one from another
//!   state is never served.
//! - *stripes*: a counter per slice of the key space, bumped by every invalidation of a key in
//!   that slice, pushed by Redis or made by a write in this process (all of them when Redis
//!   flushed).
//!
//! A reader takes a [`Ticket`] (both counters) before it asks Redis, and stores the answer only
//! if neither moved; it checks again after storing and removes the entry if one did meanwhile.
//! Either the invalidation sees the entry and removes it, or the reader sees the invalidation.

mod cluster;
mod layer;
mod sentinel;
mod tracking;
mod value;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

pub(crate) use self::layer::{Near, near_cache_for};
pub use self::tracking::TRACKING_CLIENT_NAME;
pub(crate) use self::tracking::{Target, Tracker};
pub(crate) use self::value::{Decoded, NearValue};
use crate::backend::expiry::{Expires, PerEntryTtl};
use crate::glob::glob_matches;
use crate::lease::is_marker;

/// Slices of the key space with their own invalidation counter: enough that one busy key
/// rarely stops another from being stored, small enough to bump all at once for a pattern.
const STRIPES: usize = 1024;

/// The longest a local copy lives, whatever the key's TTL in Redis: tracking keeps it correct,
/// and this bounds the cost of a fault nobody has seen yet.
pub const NEAR_CACHE_MAX_TTL: Duration = Duration::from_secs(300);

#[derive(Clone)]
struct Entry {
    /// Shared by the entry's clones (moka hands out clones): one decoded value per copy.
    value: Arc<NearValue>,
    /// The state it was stored in; served only while that state lasts.
    state: u64,
    ttl: Duration,
}

impl Expires for Entry {
    fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// What a reader saw before it asked Redis; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    pub(crate) state: u64,
    stripe: usize,
    count: u64,
}

/// The local copies and their coherence state, shared with the tracking thread.
pub(crate) struct NearStore {
    entries: moka::sync::Cache<String, Entry>,
    /// `generation << 1 | on`: `on` while tracking vouches for the copies.
    state: AtomicU64,
    stripes: Box<[AtomicU64]>,
    max_ttl: Duration,
}

impl NearStore {
    /// A store of at most `capacity_bytes` of keys and values, off until tracking starts.
    pub(crate) fn new(capacity_bytes: u64, max_ttl: Duration) -> Self {
        let entries = moka::sync::Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.value.bytes().len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        NearStore {
            entries,
            state: AtomicU64::new(0),
            stripes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            max_ttl,
        }
    }

    fn stripe(key: &[u8]) -> usize {
        // FNV-1a: cheap, and any spread will do (a collision costs a store, never a stale read).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        (hash as usize) % STRIPES
    }

    /// The local copy of `key`, if tracking vouches for it.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<NearValue>> {
        let state = self.state.load(SeqCst);
        if state & 1 == 0 {
            return None;
        }
        self.entries
            .get(key)
            .filter(|entry| entry.state == state)
            .map(|entry| entry.value)
    }

    /// Taken before asking Redis for `key`; `None` while tracking is off (nothing is stored).
    pub(crate) fn ticket(&self, key: &str) -> Option<Ticket> {
        let state = self.state.load(SeqCst);
        if state & 1 == 0 {
            return None;
        }
        let stripe = Self::stripe(key.as_bytes());
        Some(Ticket {
            state,
            stripe,
            count: self.stripes[stripe].load(SeqCst),
        })
    }

    fn still_valid(&self, ticket: Ticket) -> bool {
        self.state.load(SeqCst) == ticket.state
            && self.stripes[ticket.stripe].load(SeqCst) == ticket.count
    }

    /// Keeps `value` as the copy of `key` for at most `ttl` (and the local maximum), if nothing
    /// invalidated it since `ticket` was taken. Lease markers are never kept.
    pub(crate) fn admit(&self, key: &str, value: Arc<[u8]>, ttl: Duration, ticket: Ticket) {
        if is_marker(&value) || ttl.is_zero() || !self.still_valid(ticket) {
            return;
        }
        let entry = Entry {
            value: Arc::new(NearValue::new(value)),
            state: ticket.state,
            ttl: ttl.min(self.max_ttl),
        };
        self.entries.insert(key.to_owned(), entry);
        // An invalidation between the check and the insert may have missed the entry.
        if !self.still_valid(ticket) {
            self.entries.invalidate(key);
        }
    }

    /// Drops the copy of `key` (by bytes, as Redis pushes them) and stops in-flight reads of
    /// it from storing what they fetched.
    pub(crate) fn invalidate(&self, key: &[u8]) {
        self.stripes[Self::stripe(key)].fetch_add(1, SeqCst);
        if let Ok(key) = std::str::from_utf8(key) {
            self.entries.invalidate(key);
        }
    }

    /// Drops every copy whose key matches the Redis glob `pattern`.
    pub(crate) fn invalidate_matching(&self, pattern: &str) {
        // Every stripe: any in-flight read may be of a matching key.
        for stripe in self.stripes.iter() {
            stripe.fetch_add(1, SeqCst);
        }
        let matching: Vec<Arc<String>> = self
            .entries
            .iter()
            .filter(|(key, _)| glob_matches(pattern.as_bytes(), key.as_bytes()))
            .map(|(key, _)| key)
            .collect();
        for key in matching {
            self.entries.invalidate(key.as_str());
        }
    }

    /// A new generation, with tracking `on` or off: no copy from before is served again, and
    /// no read begun before is stored. Returns the new state (as a [`Ticket`] carries it).
    pub(crate) fn reset(&self, on: bool) -> u64 {
        let next = |state: u64| (((state >> 1) + 1) << 1) | u64::from(on);
        let previous = self
            .state
            .fetch_update(SeqCst, SeqCst, |state| Some(next(state)))
            .unwrap_or_else(|state| state);
        self.entries.invalidate_all();
        next(previous)
    }

    /// After Redis flushed: every copy goes, and no read begun before is stored. Every stripe
    /// moves, not the generation: the state stays the session's (a cluster session's view of
    /// its tracked nodes is keyed by it).
    pub(crate) fn flush(&self) {
        // Stripes first: a read storing meanwhile sees them moved after its insert.
        for stripe in self.stripes.iter() {
            stripe.fetch_add(1, SeqCst);
        }
        self.entries.invalidate_all();
    }

    /// The state now: whether it is still the one a reader's ticket or a session saw.
    pub(crate) fn state(&self) -> u64 {
        self.state.load(SeqCst)
    }

    /// How many copies are held now (approximate: moka settles its counts lazily).
    #[cfg(test)]
    fn held(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    fn bytes(value: Option<Arc<NearValue>>) -> Option<Vec<u8>> {
        value.map(|value| value.bytes().to_vec())
    }

    fn on() -> NearStore {
        let store = NearStore::new(1 << 20, NEAR_CACHE_MAX_TTL);
        store.reset(true);
        store
    }

    #[test]
    fn nothing_is_kept_or_served_while_tracking_is_off() {
        let store = NearStore::new(1 << 20, NEAR_CACHE_MAX_TTL);
        assert!(store.ticket("k").is_none());
        let store = on();
        let ticket = store.ticket("k").unwrap();
        store.admit("k", Arc::from(&b"1"[..]), TTL, ticket);
        assert_eq!(bytes(store.get("k")), Some(b"1".to_vec()));
        store.reset(false);
        assert!(store.get("k").is_none());
        // Back on: the copy from the old generation stays unserved.
        store.reset(true);
        assert!(store.get("k").is_none());
    }

    #[test]
    fn a_value_read_before_an_invalidation_is_not_kept() {
        let store = on();
        let ticket = store.ticket("k").unwrap();
        store.invalidate(b"k");
        store.admit("k", Arc::from(&b"old"[..]), TTL, ticket);
        assert!(store.get("k").is_none());
        let ticket = store.ticket("k").unwrap();
        store.reset(true);
        store.admit("k", Arc::from(&b"old"[..]), TTL, ticket);
        assert!(store.get("k").is_none());
        assert_eq!(store.held(), 0);
    }

    #[test]
    fn a_flush_drops_every_copy_and_every_read_in_flight_but_keeps_the_state() {
        let store = on();
        let ticket = store.ticket("k").unwrap();
        store.admit("k", Arc::from(&b"1"[..]), TTL, ticket);
        let in_flight = store.ticket("other").unwrap();
        let state = store.state();
        store.flush();
        assert!(store.get("k").is_none());
        store.admit("other", Arc::from(&b"old"[..]), TTL, in_flight);
        assert!(store.get("other").is_none());
        assert_eq!(store.state(), state);
        let ticket = store.ticket("k").unwrap();
        store.admit("k", Arc::from(&b"2"[..]), TTL, ticket);
        assert_eq!(bytes(store.get("k")), Some(b"2".to_vec()));
    }

    #[test]
    fn a_decoded_value_lives_and_dies_with_its_copy() {
        let store = on();
        let ticket = store.ticket("k").unwrap();
        store.admit("k", Arc::from(&b"1"[..]), TTL, ticket);
        store.get("k").unwrap().keep_decoded(|| Arc::new(1u64));
        // Another type's value never replaces the one kept.
        store.get("k").unwrap().keep_decoded(|| Arc::new("one"));
        let kept = store.get("k").unwrap();
        assert_eq!(
            kept.decoded().and_then(|v| v.downcast_ref::<u64>()),
            Some(&1)
        );
        store.invalidate(b"k");
        assert!(store.get("k").is_none());
        let ticket = store.ticket("k").unwrap();
        store.admit("k", Arc::from(&b"2"[..]), TTL, ticket);
        assert!(store.get("k").unwrap().decoded().is_none());
    }

    #[test]
    fn lease_markers_are_never_kept() {
        let store = on();
        for marker in [&b""[..], b"!cache-lease:00ff"] {
            let ticket = store.ticket("k").unwrap();
            store.admit("k", Arc::from(marker), TTL, ticket);
            assert!(store.get("k").is_none());
        }
    }

    #[test]
    fn patterns_drop_matching_copies_only() {
        let store = on();
        for key in ["user:1", "user:2", "org:1"] {
            let ticket = store.ticket(key).unwrap();
            store.admit(key, Arc::from(key.as_bytes()), TTL, ticket);
        }
        store.invalidate_matching("user:*");
        assert!(store.get("user:1").is_none() && store.get("user:2").is_none());
        assert!(store.get("org:1").is_some());
    }
}
