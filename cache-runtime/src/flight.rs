//! Single-flight: concurrent misses of one key in one process run the body once; the others
//! wait for its outcome. Keys are independent, and a leader that is cancelled hands over.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::glob::glob_matches;

/// What a leader's call came to, as its followers receive it.
#[derive(Clone)]
pub(crate) enum Landing {
    /// The value to cache, as stored: followers decode their own copy. With the instant the
    /// store last vouched for it, if it could.
    Value(Arc<[u8]>, Option<std::time::Instant>),
    /// An error result, shared when its type can be cloned (see `__private::Sharing`), else
    /// `None` and each follower calls through itself.
    Failed(Option<Arc<dyn Any + Send + Sync>>),
    /// A value fetched while its key was invalidated: each follower fetches its own.
    Invalidated,
}

type Slot = watch::Receiver<Option<Landing>>;

/// The calls in flight, by key.
#[derive(Default)]
pub(crate) struct Flights {
    in_flight: Mutex<HashMap<String, Slot>>,
}

/// Where a caller stands for one key.
pub(crate) enum Role<'a> {
    /// Nobody is fetching this key: the caller does, and must land (or drop) the guard.
    Leader(LeaderGuard<'a>),
    /// Another call is fetching it: wait with [`follow`].
    Follower(Slot),
}

/// Held by the caller fetching a key. Dropping it without landing (the call was cancelled, or
/// panicked) closes the channel, and a follower takes over.
pub(crate) struct LeaderGuard<'a> {
    flights: &'a Flights,
    key: String,
    sender: watch::Sender<Option<Landing>>,
    /// Our own receiver, to recognise our entry in the map (and not count it as a follower).
    own: Slot,
}

impl Flights {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // Held only for a map lookup or update; a panic there leaves the map usable.
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Joins the flight for `key`, or starts one.
    pub(crate) fn join(&self, key: &str) -> Role<'_> {
        let mut map = self.map();
        if let Some(slot) = map.get(key)
            && slot.has_changed().is_ok()
        {
            return Role::Follower(slot.clone());
        }
        let (sender, receiver) = watch::channel(None);
        map.insert(key.to_owned(), receiver.clone());
        Role::Leader(LeaderGuard {
            flights: self,
            key: key.to_owned(),
            sender,
            own: receiver,
        })
    }

    /// Forgets the calls in flight for `keys` and for keys matching `patterns`, after those keys
    /// were invalidated: a call that starts afterwards must not join a fetch that began before
    /// the write, or it would get the old value. Callers already waiting keep waiting.
    pub(crate) fn forget(&self, keys: &[String], patterns: &[String]) {
        let mut map = self.map();
        if map.is_empty() {
            return;
        }
        for key in keys {
            map.remove(key);
        }
        if !patterns.is_empty() {
            map.retain(|key, _| {
                !patterns
                    .iter()
                    .any(|pattern| glob_matches(pattern.as_bytes(), key.as_bytes()))
            });
        }
    }

    /// Calls in flight.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map().len()
    }
}

impl LeaderGuard<'_> {
    /// Whether anyone is waiting: receivers other than ours and the map's (which is gone if
    /// the key was invalidated meanwhile).
    pub(crate) fn has_followers(&self) -> bool {
        let in_map = self
            .flights
            .map()
            .get(&self.key)
            .is_some_and(|slot| slot.same_channel(&self.own));
        self.sender.receiver_count() > 1 + usize::from(in_map)
    }

    /// Hands the outcome to every follower.
    pub(crate) fn land(self, landing: Landing) {
        self.sender.send_replace(Some(landing));
        // `Drop` removes the entry.
    }
}

impl Drop for LeaderGuard<'_> {
    fn drop(&mut self) {
        let mut map = self.flights.map();
        // Remove our own entry only: after a hand-over the key may belong to a new leader.
        if map
            .get(&self.key)
            .is_some_and(|slot| slot.same_channel(&self.own))
        {
            map.remove(&self.key);
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

    #[tokio::test]
    async fn followers_get_the_leaders_value_and_the_entry_goes() {
        let flights = Flights::default();
        let Role::Leader(leader) = flights.join("k") else {
            panic!("first caller leads")
        };
        let Role::Follower(slot) = flights.join("k") else {
            panic!("second caller follows")
        };
        assert!(matches!(flights.join("other"), Role::Leader(_)));
        let waiting = tokio::spawn(follow(slot));
        leader.land(Landing::Value(Arc::from(&b"42"[..]), None));
        match waiting.await.unwrap() {
            Some(Landing::Value(bytes, _)) => assert_eq!(&*bytes, b"42"),
            _ => panic!("expected the value"),
        }
        assert_eq!(flights.len(), 0);
    }

    #[tokio::test]
    async fn a_cancelled_leader_releases_its_followers() {
        let flights = Flights::default();
        let Role::Leader(leader) = flights.join("k") else {
            panic!("first caller leads")
        };
        let Role::Follower(slot) = flights.join("k") else {
            panic!("second caller follows")
        };
        drop(leader);
        assert!(follow(slot).await.is_none());
        assert!(
            matches!(flights.join("k"), Role::Leader(_)),
            "a follower takes over"
        );
    }

    #[test]
    fn forgotten_keys_get_a_new_leader() {
        let flights = Flights::default();
        let _a = flights.join("service-1");
        let _b = flights.join("service-2-templates");
        let _c = flights.join("organisations");
        flights.forget(&["organisations".to_owned()], &["service-2-*".to_owned()]);
        assert!(matches!(flights.join("organisations"), Role::Leader(_)));
        assert!(matches!(
            flights.join("service-2-templates"),
            Role::Leader(_)
        ));
        assert!(matches!(flights.join("service-1"), Role::Follower(_)));
    }

    #[test]
    fn followers_are_counted_whether_or_not_the_key_was_forgotten() {
        let flights = Flights::default();
        let Role::Leader(leader) = flights.join("k") else {
            panic!("first caller leads")
        };
        assert!(!leader.has_followers());
        let Role::Follower(_slot) = flights.join("k") else {
            panic!("second caller follows")
        };
        assert!(leader.has_followers());
        flights.forget(&["k".to_owned()], &[]);
        assert!(leader.has_followers(), "the follower still waits");
    }
}
