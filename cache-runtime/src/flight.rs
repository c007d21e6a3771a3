//! Single-flight: concurrent misses of one key in one process run the body once; the others
//! wait for its outcome. Keys are independent, and a leader that is cancelled hands over.
//!
//! Whether a call may take a leader's outcome depends only on this process: never on Redis,
//! its breaker or its timeouts. A call that began before a leader landed is concurrent with it,
//! so it may take the outcome even if it arrives after the landing (its look at the store was
//! slow, or skipped): a landed outcome stays in the map for a short while for such late
//! arrivals. Order is told by [`Epoch`]s, not clocks: one atomic load when a call begins.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::glob::glob_matches;

/// A point in this process's order of flight events: an event [`stamp`](Flights::stamp)ed
/// after a call read [`now`](Flights::now) compares greater than what the call read.
pub(crate) type Epoch = u64;

/// What a leader's call came to, as its followers receive it.
#[derive(Clone)]
pub(crate) enum Landing {
    /// The value to cache, as stored: followers decode their own copy. With the epoch at which
    /// the store last vouched for it, if it did; a call that began after that epoch must not
    /// take it (a write in another process may have come in between).
    Value(Arc<[u8]>, Option<Epoch>),
    /// An error result, shared when its type can be cloned (see `__private::Sharing`), else
    /// `None` and each follower calls through itself.
    Failed(Option<Arc<dyn Any + Send + Sync>>),
    /// A value fetched while its key was invalidated: followers start a new flight.
    Invalidated,
}

impl Landing {
    /// The epoch from which calls must not take this landing once it has landed at `landed`,
    /// or `None` if it is not kept for late arrivals at all.
    fn vouched(&self, landed: Epoch) -> Option<Epoch> {
        match self {
            Landing::Value(_, confirmed) => Some(confirmed.unwrap_or(landed)),
            Landing::Failed(Some(_)) => Some(landed),
            Landing::Failed(None) | Landing::Invalidated => None,
        }
    }
}

type Slot = watch::Receiver<Option<Landing>>;

struct Entry {
    slot: Slot,
    /// Once landed: the epoch a joining call must have begun before to take the landing, and
    /// when it landed (for sweeping).
    landed: Option<(Epoch, Instant)>,
}

struct Map {
    entries: HashMap<String, Entry>,
    /// Landed entries are swept when the map grows to this size: amortised, never per call.
    sweep_at: usize,
}

/// The calls in flight, by key, and the landings kept for late arrivals.
pub(crate) struct Flights {
    map: Mutex<Map>,
    epoch: AtomicU64,
    /// How long a landing is kept for calls that began before it. Only memory depends on it:
    /// a call arriving later leads a flight of its own.
    linger: Duration,
}

/// Where a caller stands for one key.
pub(crate) enum Role<'a> {
    /// Nobody is fetching this key: the caller does, and must land (or drop) the guard.
    Leader(LeaderGuard<'a>),
    /// Another call is fetching it, or fetched it since this call began: wait with [`follow`].
    Follower(Slot),
}

/// Held by the caller fetching a key. Dropping it without landing (the call was cancelled, or
/// panicked) closes the channel, and a follower takes over.
pub(crate) struct LeaderGuard<'a> {
    flights: &'a Flights,
    key: String,
    sender: watch::Sender<Option<Landing>>,
    /// Our own receiver, to recognise our entry in the map.
    own: Slot,
}

impl Flights {
    /// Flights whose landings are kept for `linger` for late arrivals.
    pub(crate) fn new(linger: Duration) -> Flights {
        Flights {
            map: Mutex::new(Map {
                entries: HashMap::new(),
                sweep_at: MIN_SWEEP,
            }),
            epoch: AtomicU64::new(0),
            linger,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, Map> {
        // Held only for a map lookup or update; a panic there leaves the map usable.
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The epoch now, read when a call begins: one atomic load.
    pub(crate) fn now(&self) -> Epoch {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stamps an event happening now (a store vouching for a value, a landing): greater than
    /// every [`now`](Self::now) read before it.
    pub(crate) fn stamp(&self) -> Epoch {
        self.epoch.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Joins the flight for `key` (or takes the landing of one that landed after `began`), or
    /// starts one.
    pub(crate) fn join(&self, key: &str, began: Epoch) -> Role<'_> {
        let mut map = self.map();
        if let Some(entry) = map.entries.get(key) {
            let joinable = match entry.landed {
                Some((vouched, _)) => vouched > began,
                None => entry.slot.has_changed().is_ok(),
            };
            if joinable {
                return Role::Follower(entry.slot.clone());
            }
        }
        let (sender, receiver) = watch::channel(None);
        map.entries.insert(
            key.to_owned(),
            Entry {
                slot: receiver.clone(),
                landed: None,
            },
        );
        Role::Leader(LeaderGuard {
            flights: self,
            key: key.to_owned(),
            sender,
            own: receiver,
        })
    }

    /// Forgets the calls in flight and the landings for `keys` and for keys matching
    /// `patterns`, after those keys were invalidated: a call that starts afterwards must not
    /// join a fetch that began before the write, or it would get the old value. Callers already
    /// waiting keep waiting.
    pub(crate) fn forget(&self, keys: &[String], patterns: &[String]) {
        let mut map = self.map();
        if map.entries.is_empty() {
            return;
        }
        for key in keys {
            map.entries.remove(key);
        }
        if !patterns.is_empty() {
            map.entries.retain(|key, _| {
                !patterns
                    .iter()
                    .any(|pattern| glob_matches(pattern.as_bytes(), key.as_bytes()))
            });
        }
    }

    /// Entries in the map, in flight or landed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map().entries.len()
    }
}

/// The smallest map size at which landed entries are swept.
const MIN_SWEEP: usize = 64;

impl Map {
    /// Drops landings older than `linger`, when the map has grown enough to be worth a pass.
    fn sweep(&mut self, linger: Duration) {
        if self.entries.len() < self.sweep_at {
            return;
        }
        self.entries.retain(|_, entry| {
            entry
                .landed
                .is_none_or(|(_, landed_at)| landed_at.elapsed() < linger)
        });
        self.sweep_at = (self.entries.len() * 2).max(MIN_SWEEP);
    }
}

impl LeaderGuard<'_> {
    /// Hands the outcome to every follower, and keeps it for calls that began before now and
    /// have yet to join.
    pub(crate) fn land(self, landing: Landing) {
        {
            let flights = self.flights;
            let mut map = flights.map();
            let ours = map
                .entries
                .get(&self.key)
                .is_some_and(|entry| entry.slot.same_channel(&self.own));
            // Not ours any more: forgotten by an invalidation, so not for later calls.
            if ours {
                match landing.vouched(flights.stamp()) {
                    Some(vouched) => {
                        if let Some(entry) = map.entries.get_mut(&self.key) {
                            entry.landed = Some((vouched, Instant::now()));
                        }
                        map.sweep(flights.linger);
                    }
                    None => {
                        map.entries.remove(&self.key);
                    }
                }
            }
        }
        self.sender.send_replace(Some(landing));
        // `Drop` leaves a landed entry in place.
    }
}

impl Drop for LeaderGuard<'_> {
    fn drop(&mut self) {
        let mut map = self.flights.map();
        // Remove our own entry only if it never landed: after a hand-over the key may belong
        // to a new leader, and a landing is kept for late arrivals.
        if map
            .entries
            .get(&self.key)
            .is_some_and(|entry| entry.landed.is_none() && entry.slot.same_channel(&self.own))
        {
            map.entries.remove(&self.key);
        }
    }
}

/// Waits for the leader: `Some(landing)`, or `None` if it was cancelled without landing.
pub(crate) async fn follow(mut slot: Slot) -> Option<Landing> {
    match slot.wait_for(Option::is_some).await {
        Ok(landing) => landing.clone(),
        Err(_closed) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flights() -> Flights {
        Flights::new(Duration::from_secs(60))
    }

    #[tokio::test]
    async fn followers_get_the_leaders_value() {
        let flights = flights();
        let began = flights.now();
        let Role::Leader(leader) = flights.join("k", began) else {
            panic!("first caller leads")
        };
        let Role::Follower(slot) = flights.join("k", began) else {
            panic!("second caller follows")
        };
        assert!(matches!(flights.join("other", began), Role::Leader(_)));
        let waiting = tokio::spawn(follow(slot));
        leader.land(Landing::Value(Arc::from(&b"42"[..]), None));
        match waiting.await.unwrap() {
            Some(Landing::Value(bytes, _)) => assert_eq!(&*bytes, b"42"),
            _ => panic!("expected the value"),
        }
    }

    #[tokio::test]
    async fn a_call_that_began_before_a_landing_takes_it_and_a_later_one_leads() {
        let flights = flights();
        let early = flights.now();
        let Role::Leader(leader) = flights.join("k", early) else {
            panic!("first caller leads")
        };
        leader.land(Landing::Value(Arc::from(&b"42"[..]), None));
        // Began before the landing, arrives after it (its look at the store was slow).
        let Role::Follower(slot) = flights.join("k", early) else {
            panic!("a late arrival that began before the landing takes it")
        };
        assert!(matches!(follow(slot).await, Some(Landing::Value(..))));
        let late = flights.now();
        assert!(
            matches!(flights.join("k", late), Role::Leader(_)),
            "a call that began after the landing fetches for itself"
        );
    }

    #[test]
    fn a_value_vouched_for_before_a_call_began_is_not_kept_for_it() {
        let flights = flights();
        let vouched = flights.stamp();
        let began = flights.now();
        let Role::Leader(leader) = flights.join("k", began) else {
            panic!("first caller leads")
        };
        leader.land(Landing::Value(Arc::from(&b"42"[..]), Some(vouched)));
        assert!(matches!(flights.join("k", began), Role::Leader(_)));
    }

    #[tokio::test]
    async fn a_cancelled_leader_releases_its_followers() {
        let flights = flights();
        let Role::Leader(leader) = flights.join("k", 0) else {
            panic!("first caller leads")
        };
        let Role::Follower(slot) = flights.join("k", 0) else {
            panic!("second caller follows")
        };
        drop(leader);
        assert!(follow(slot).await.is_none());
        assert!(
            matches!(flights.join("k", 0), Role::Leader(_)),
            "a follower takes over"
        );
    }

    #[test]
    fn an_invalidated_landing_is_not_kept() {
        let flights = flights();
        let Role::Leader(leader) = flights.join("k", 0) else {
            panic!("first caller leads")
        };
        leader.land(Landing::Invalidated);
        assert!(matches!(flights.join("k", 0), Role::Leader(_)));
    }

    #[test]
    fn forgotten_keys_get_a_new_leader() {
        let flights = flights();
        let _a = flights.join("service-1", 0);
        let _b = flights.join("service-2-templates", 0);
        let _c = flights.join("organisations", 0);
        flights.forget(&["organisations".to_owned()], &["service-2-*".to_owned()]);
        assert!(matches!(flights.join("organisations", 0), Role::Leader(_)));
        assert!(matches!(
            flights.join("service-2-templates", 0),
            Role::Leader(_)
        ));
        assert!(matches!(flights.join("service-1", 0), Role::Follower(_)));
    }

    #[test]
    fn landings_are_swept_once_they_are_old() {
        let flights = Flights::new(Duration::ZERO);
        for key in 0..MIN_SWEEP * 4 {
            let Role::Leader(leader) = flights.join(&key.to_string(), 0) else {
                panic!("each key's first caller leads")
            };
            leader.land(Landing::Value(Arc::from(&b"1"[..]), None));
        }
        assert!(flights.len() <= MIN_SWEEP, "{} entries", flights.len());
    }
}
