//! The untyped core of a read through the cache: single-flight in this process, a lease on a
//! miss so that a value fetched before an invalidation is never stored, herd control, and
//! failing open throughout.
//!
//! Nothing here knows the cached type, so it is compiled once, not once per annotated
//! function. The typed wrapper ([`crate::read`]) drives it: [`Reader::next`] hands it stored
//! bytes to decode, a leader's shared result to take, or a miss; the wrapper says how decoding
//! went ([`Reader::decoded`], [`Reader::undecodable`]), runs the body on a miss, and passes
//! its encoded value to [`Reader::store`]. Decoding happens between the core's awaits, so the
//! core's future holds no trait object and is `Send` whatever the cached type.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::backend::StoredBytes;
use crate::backoff::Backoff;
use crate::breaker::is_outage;
use crate::flight::{self, Epoch, Landing, LeaderGuard, Role};
use crate::lease::{is_marker, new_token};
use crate::log_limit::warn_limited;
use crate::observe::Outcome;
use crate::this_call::Decision;
use crate::{BreakerState, Cache, Error};

/// Pauses between polls of another reader's lease.
const LEASE_POLL: Backoff = Backoff::new(Duration::from_millis(5), Duration::from_millis(50));
/// Pauses between attempts to give a lease back.
const LEASE_RELEASE: Backoff = Backoff::new(Duration::from_millis(5), Duration::from_millis(500));

/// Whether a call may wait for another call of this process to fetch its key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    /// Yes: the usual case.
    Yes,
    /// No: a blocking call inside an async runtime, whose thread the leader may need.
    No,
}

/// What the reader found, for the typed wrapper to act on.
pub(crate) enum Found {
    /// A stored value: decode it, then call [`Reader::decoded`] or [`Reader::undecodable`].
    Stored(StoredBytes),
    /// A leader's result that was not cached (an `Err`), shared: take it, then call
    /// [`Reader::taken`], or [`Reader::not_taken`] if it is not of the caller's type.
    Shared(Arc<dyn Any + Send + Sync>),
    /// Run the body, then call [`Reader::store`].
    Miss,
}

/// Where a read has got to.
enum Phase {
    /// The plain `GET` that answers most reads.
    FirstLook,
    /// Joining this process's flight for the key (or, without single-flight, going to find).
    Join,
    /// Handed out a leader's landed value or result.
    Following,
    /// Looking the key up under a lease (see [`Reader::find`]).
    Find,
    /// Handed out a value the lease lookup returned, which the store vouched for at this
    /// epoch.
    Found(Epoch),
    /// A miss: the body runs.
    Miss,
}

/// What the plain `GET` that answers hits found instead.
enum FirstLook {
    /// Do not use the store for this read: it failed, or an invalidation of the key is pending
    /// (the outcome says which).
    Skip(Outcome),
    /// Nothing, or a lease marker: the lease script tells which (and takes over a marker that
    /// would never expire).
    NoValue,
    /// A value that does not decode, to be replaced under a lease.
    Corrupt(StoredBytes),
}

/// What happened to the key when the body's value was ready to store.
enum Fill<'a> {
    /// We hold the lease: store only if it is still there. Boxed, as in [`Reader`].
    Leased(Box<LeaseHold<'a>>),
    /// Leases are off: store unconditionally.
    Plain,
    /// Do not store (Redis failing, another reader's fill never came, or an invalidation of
    /// this key is still pending).
    No,
}

/// One read through the cache, without its type.
pub(crate) struct Reader<'a> {
    cache: &'a Cache,
    key: String,
    ttl: Option<Duration>,
    follow: Follow,
    phase: Phase,
    first: FirstLook,
    /// When the call began: a leader's value confirmed before then may predate a write that
    /// finished before this call began.
    began: Epoch,
    /// The flight this call leads, landed when its value is known. Boxed, as `hold` is.
    leading: Option<Box<LeaderGuard<'a>>>,
    /// The lease this call may hold, from its first lease lookup on. Boxed: only a miss takes
    /// one, and a smaller reader keeps a hit's boxed future within the allocator's fast sizes.
    hold: Option<Box<LeaseHold<'a>>>,
    /// Set while finding: when the lookups began, and whether another reader's lease was met.
    lease_wait: Option<(Instant, bool)>,
    /// The undecodable value being replaced, if any.
    corrupt: Option<StoredBytes>,
    fill: Fill<'a>,
    /// Whether the body's value was not stored because the key was invalidated meanwhile.
    invalidated: bool,
    /// When the store last vouched for the value stored or found (see [`Landing::Value`]).
    confirmed_at: Option<Epoch>,
    outcome: Outcome,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(
        cache: &'a Cache,
        key: String,
        ttl: Option<Duration>,
        follow: Follow,
    ) -> Self {
        Reader {
            cache,
            key,
            ttl,
            follow,
            phase: Phase::FirstLook,
            first: FirstLook::NoValue,
            began: 0,
            leading: None,
            hold: None,
            lease_wait: None,
            corrupt: None,
            fill: Fill::No,
            invalidated: false,
            confirmed_at: None,
            outcome: Outcome::Miss,
        }
    }

    /// The key read.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// The next thing for the caller to do.
    pub(crate) async fn next(&mut self) -> Found {
        loop {
            match self.phase {
                Phase::FirstLook => {
                    if let Some(found) = self.first_look().await {
                        return found;
                    }
                }
                Phase::Join => {
                    if let Some(found) = self.join().await {
                        return found;
                    }
                }
                Phase::Find => return self.find().await,
                // The caller did not act on what it was handed; nothing more to find.
                Phase::Following | Phase::Found(_) | Phase::Miss => return Found::Miss,
            }
        }
    }

    /// Whether the read has not looked yet: [`first_look`](Self::first_look) comes next.
    pub(crate) fn at_first_look(&self) -> bool {
        matches!(self.phase, Phase::FirstLook)
    }

    /// The plain `GET`. Most reads are hits: it answers them with no lease and no flight (the
    /// lease script costs Redis a Lua call, about a fifth of a loopback hit). `None`: call
    /// [`next`](Self::next), which carries on from here.
    pub(crate) async fn first_look(&mut self) -> Option<Found> {
        if let Some(decided) = self.before_first_look() {
            return decided;
        }
        let got = self.cache.inner().backend.get(&self.key).await;
        self.after_first_look(got)
    }

    /// The first look without an await, when the store answers at once (in process, a near
    /// copy): what [`next`](Self::next) would return. `None`: call `next`, which carries on from
    /// where this left off (or, if the store must be asked over the network, starts).
    pub(crate) fn look_at_hand(&mut self) -> Option<Found> {
        if !matches!(self.phase, Phase::FirstLook) {
            return None;
        }
        // Asked first, so that nothing has changed when the answer needs an await.
        let at_hand = self.cache.inner().backend.get_at_hand(&self.key)?;
        if let Some(decided) = self.before_first_look() {
            return decided;
        }
        self.after_first_look(Ok(at_hand))
    }

    /// What the first look decides before asking the store: `Some` when it need not ask.
    fn before_first_look(&mut self) -> Option<Option<Found>> {
        let inner = self.cache.inner();
        self.began = inner.flights.now();
        if !self.cache.stores_anything() {
            inner.counters.miss();
            self.outcome = Outcome::Skipped;
            self.phase = Phase::Miss;
            return Some(Some(Found::Miss));
        }
        self.phase = Phase::Join;
        // A value stored before a write whose invalidation is still being retried must not be
        // served, nor a fresh one stored that the retry would then delete for nothing.
        if inner.pending.covers(&self.key) {
            self.first = FirstLook::Skip(Outcome::Skipped);
            return Some(None);
        }
        None
    }

    /// What the store's answer to the first look means.
    fn after_first_look(&mut self, got: Result<Option<StoredBytes>, Error>) -> Option<Found> {
        self.first = match got {
            Ok(Some(stored)) if is_marker(&stored) => FirstLook::NoValue,
            Ok(Some(stored)) => {
                self.phase = Phase::FirstLook;
                return Some(Found::Stored(stored));
            }
            Ok(None) => FirstLook::NoValue,
            // Redis is failing: one timeout per call is enough. Concurrent misses still
            // share one body run, so an outage does not multiply the load on the API.
            Err(error) => FirstLook::Skip(read_failed(self.cache, &self.key, &error)),
        };
        None
    }

    /// Leads this process's fetch of the key, or follows another call's. Nothing here asks the
    /// store: whether Redis answers, or its breaker is open, a crowd of concurrent misses runs
    /// the body once.
    async fn join(&mut self) -> Option<Found> {
        let inner = self.cache.inner();
        self.phase = Phase::Find;
        if !inner.settings.single_flight {
            return None;
        }
        loop {
            let slot = match inner.flights.join(&self.key, self.began) {
                Role::Leader(guard) => {
                    // If this call is dropped, the guard goes with it and a follower leads.
                    self.leading = Some(Box::new(guard));
                    return None;
                }
                // Its leader may be a task of the runtime this blocking call is holding up.
                Role::Follower(_) if self.follow == Follow::No => return None,
                Role::Follower(slot) => slot,
            };
            match flight::follow(slot).await {
                // Confirmed by the store only before this call began: a write may have
                // finished in between (in another process). A new flight fetches it again; the
                // map no longer offers this landing to this call.
                Some(Landing::Value(_, Some(confirmed))) if confirmed <= self.began => continue,
                Some(Landing::Value(bytes, _)) => {
                    self.phase = Phase::Following;
                    return Some(Found::Stored(StoredBytes::Shared(bytes)));
                }
                Some(Landing::Failed(Some(shared))) => {
                    self.phase = Phase::Following;
                    return Some(Found::Shared(shared));
                }
                // The error cannot be cloned: each caller needs its own.
                Some(Landing::Failed(None)) => return None,
                // The value was fetched before an invalidation, or the leader was cancelled:
                // join (or lead) a new flight.
                Some(Landing::Invalidated) | None => continue,
            }
        }
    }

    /// The lookup after the plain `GET` found no usable value: with leases, the script returns
    /// the value or leaves our lease in one atomic round trip (polling while another reader's
    /// lease is live); without them, a plain miss.
    async fn find(&mut self) -> Found {
        let inner = self.cache.inner();
        let settings = &inner.settings;
        if self.lease_wait.is_none() {
            // What the first look saw, unless this lookup hits after all.
            self.outcome = match &self.first {
                FirstLook::Skip(outcome) => *outcome,
                FirstLook::Corrupt(_) => Outcome::Error,
                FirstLook::NoValue => Outcome::Miss,
            };
            self.lease_wait = Some((Instant::now(), false));
            match std::mem::replace(&mut self.first, FirstLook::NoValue) {
                FirstLook::Skip(_) => return self.miss(Fill::No),
                FirstLook::Corrupt(stored) => self.corrupt = Some(stored),
                FirstLook::NoValue => {}
            }
            if !settings.leases {
                // Another client's marker or an undecodable value alike: overwrite it.
                return self.miss(Fill::Plain);
            }
        }
        let (started, mut waited) = self.lease_wait.unwrap_or((Instant::now(), false));
        let (cache, key) = (self.cache, &self.key);
        let hold = self
            .hold
            .get_or_insert_with(|| Box::new(LeaseHold::new(cache, key.clone())));
        let mut poll = LEASE_POLL;
        loop {
            let asked_at = inner.flights.stamp();
            let found = inner
                .backend
                .lookup_or_lease(
                    &self.key,
                    hold.arm(),
                    settings.lease_ttl,
                    self.corrupt.as_deref(),
                )
                .await;
            let stored = match found {
                Ok(Some(stored)) => {
                    // The script answered with what it found, so it left no marker of ours.
                    hold.disarm();
                    stored
                }
                Ok(None) => {
                    let hold = self.hold.take();
                    return self.miss(hold.map_or(Fill::No, Fill::Leased));
                }
                Err(error) => {
                    // Skipped by the breaker, the lookup was never sent, and an error reply
                    // (`WRONGTYPE`, `OOM`...) means the script stopped before its `SET`: no
                    // marker of ours either way. After a timeout or a lost connection `hold`
                    // stays armed: the script may have run after we stopped waiting.
                    if !is_outage(&error) {
                        hold.disarm();
                    }
                    self.outcome = self
                        .outcome
                        .worst(read_failed(self.cache, &self.key, &error));
                    return self.miss(Fill::No);
                }
            };
            if !is_marker(&stored) {
                // An invalidation of the key failed after the first look and is being retried:
                // what Redis still holds is what it will delete.
                if inner.pending.covers(&self.key) {
                    self.outcome = self.outcome.worst(Outcome::Skipped);
                    return self.miss(Fill::No);
                }
                self.lease_wait = Some((started, waited));
                self.phase = Phase::Found(asked_at);
                return Found::Stored(stored);
            }
            if !waited {
                waited = true;
                inner.counters.lease_wait();
            }
            let left = settings.lease_wait.saturating_sub(started.elapsed());
            if left.is_zero() {
                tracing::debug!(
                    key = self.key.as_str(),
                    "another reader's fill did not come in time; calling through"
                );
                return self.miss(Fill::No);
            }
            tokio::time::sleep(poll.next_pause().min(left)).await;
        }
    }

    fn miss(&mut self, fill: Fill<'a>) -> Found {
        self.cache.inner().counters.miss();
        tracing::debug!(key = self.key.as_str(), "cache miss");
        self.fill = fill;
        self.phase = Phase::Miss;
        Found::Miss
    }

    /// The value last handed out decoded: the call is answered.
    pub(crate) fn decoded(&mut self, stored: StoredBytes) -> Outcome {
        let counters = &self.cache.inner().counters;
        let near = stored.is_near();
        match std::mem::replace(&mut self.phase, Phase::Miss) {
            Phase::Following => {
                counters.coalesced();
                return Outcome::Coalesced;
            }
            Phase::Found(asked_at) => {
                if let Some(leader) = self.leading.take() {
                    leader.land(Landing::Value(stored.into_shared(), Some(asked_at)));
                }
            }
            _ => {}
        }
        counters.hit(near);
        tracing::debug!(key = self.key.as_str(), "cache hit");
        Outcome::Hit
    }

    /// The value last handed out does not decode as the caller's type.
    pub(crate) fn undecodable(&mut self, stored: StoredBytes, source: serde_json::Error) {
        let replacing = match self.phase {
            // The same key read as another type (a generic method): fetch it ourselves.
            Phase::Following => {
                self.phase = Phase::Find;
                return;
            }
            Phase::FirstLook | Phase::Join => {
                self.phase = Phase::Join;
                self.first = FirstLook::Corrupt(stored);
                true
            }
            // Replaced by another undecodable value while we looked: leave it alone.
            Phase::Found(_) if self.corrupt.is_some() => {
                self.miss(Fill::No);
                false
            }
            // Take the lease only if the key still holds this very value, so that an
            // invalidation since our read is not undone by our fill.
            Phase::Found(_) => {
                self.corrupt = Some(stored);
                self.phase = Phase::Find;
                true
            }
            Phase::Find | Phase::Miss => return,
        };
        if !matches!(self.phase, Phase::Join) {
            self.outcome = Outcome::Error;
        }
        let (cache, key) = (self.cache, self.key.as_str());
        cache.inner().counters.error();
        let error = Error::Decode {
            key: key.to_owned(),
            source,
        };
        if replacing {
            warn_limited!(
                cache,
                key,
                error,
                "cached value does not decode; replacing it"
            );
        } else {
            warn_limited!(
                cache,
                key,
                error,
                "cached value does not decode; treating it as a miss"
            );
        }
    }

    /// The leader's shared result was taken: the call is answered.
    pub(crate) fn taken(&mut self) -> Outcome {
        self.phase = Phase::Miss;
        self.cache.inner().counters.coalesced();
        Outcome::Coalesced
    }

    /// The leader's shared result is not of the caller's type: fetch the key ourselves.
    pub(crate) fn not_taken(&mut self) {
        self.phase = Phase::Find;
    }

    /// Whether the body's value is wanted, encoded: to store, or for followers.
    pub(crate) fn wants_value(&self) -> bool {
        !matches!(self.fill, Fill::No) || self.leading.is_some()
    }

    /// Stores the body's encoded value (unless the body said not to), under our lease when we
    /// hold one, or gives the lease back.
    pub(crate) async fn store(
        &mut self,
        value: Option<serde_json::Result<Vec<u8>>>,
        decision: Decision,
    ) -> Option<Arc<[u8]>> {
        let bytes = match value {
            Some(Ok(bytes)) => Some(Arc::<[u8]>::from(bytes)),
            Some(Err(source)) => {
                self.cache.inner().counters.error();
                self.outcome = Outcome::Error;
                let error = Error::Encode {
                    key: self.key.clone(),
                    source,
                };
                warn_limited!(self.cache, self.key.as_str(), error, "value not cached");
                None
            }
            None => None,
        };
        let ttl = decision.ttl.or(self.ttl);
        let keep = bytes
            .clone()
            .filter(|bytes| !decision.skip && self.fits(bytes));
        let fill = std::mem::replace(&mut self.fill, Fill::No);
        match store(self.cache, &self.key, ttl, fill, keep, &mut self.outcome).await {
            Stored::Filled(asked_at) => self.confirmed_at = Some(asked_at),
            Stored::Refused => self.invalidated = true,
            Stored::Other => {}
        }
        bytes
    }

    /// Whether `bytes` are within the handle's largest value; if not, counts and says so. The
    /// check comes before anything is sent: a huge value would hold up every call queued behind
    /// it on the shared connection.
    fn fits(&self, bytes: &[u8]) -> bool {
        let max = self.cache.inner().settings.max_value_bytes;
        if bytes.len() <= max {
            return true;
        }
        self.cache.inner().counters.too_large();
        let error = Error::TooLarge {
            key: self.key.clone(),
            bytes: bytes.len(),
            max,
        };
        warn_limited!(
            self.cache,
            self.key.as_str(),
            error,
            "value returned uncached: over the cache's largest value (CacheBuilder::max_value_size)"
        );
        false
    }

    /// Hands the outcome to this call's followers, if it leads a flight: `stored`
    /// is what [`store`](Self::store) returned; `share` clones an uncached result for them.
    pub(crate) fn finish(
        &mut self,
        stored: Option<Arc<[u8]>>,
        share: &dyn Fn() -> Option<Arc<dyn Any + Send + Sync>>,
    ) -> Outcome {
        if let Some(leader) = self.leading.take() {
            leader.land(match stored {
                // A follower may have joined after that write returned: it must not get a
                // value from before it.
                Some(_) if self.invalidated => Landing::Invalidated,
                Some(bytes) => Landing::Value(bytes, self.confirmed_at),
                None => Landing::Failed(share()),
            });
        }
        self.outcome
    }
}

/// A lease we may hold. Armed before the lookup that may take it is sent: if that lookup fails
/// or is dropped on the wire, Redis may still have run it, so an armed hold is released in the
/// background when dropped, and readers need not wait for the marker to expire.
struct LeaseHold<'a> {
    cache: &'a Cache,
    key: String,
    marker: Vec<u8>,
    /// Whether our marker may be in the key.
    armed: bool,
}

impl<'a> LeaseHold<'a> {
    fn new(cache: &'a Cache, key: String) -> Self {
        LeaseHold {
            cache,
            key,
            marker: new_token(),
            armed: false,
        }
    }

    /// Before sending a lookup that may leave our marker.
    fn arm(&mut self) -> &[u8] {
        self.armed = true;
        &self.marker
    }

    fn marker(&self) -> &[u8] {
        &self.marker
    }

    /// Our marker is not (or no longer) in the key: nothing to release.
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for LeaseHold<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let marker = std::mem::take(&mut self.marker);
        let cache = self.cache.clone();
        let key = std::mem::take(&mut self.key);
        // Without any runtime it expires with its TTL.
        crate::driver::spawn(async move { release_until_expired(&cache, &key, &marker).await });
    }
}

/// Gives a lease back, retrying (across an outage, a restart) until it would have expired
/// anyway. It waits while the circuit breaker is open rather than count as a skipped call, and
/// its own failures do not count towards opening it: it is housekeeping, not a caller.
async fn release_until_expired(cache: &Cache, key: &str, marker: &[u8]) {
    let deadline = Instant::now() + cache.inner().settings.lease_ttl;
    let mut backoff = LEASE_RELEASE;
    while Instant::now() < deadline {
        if cache.breaker_state() == BreakerState::Closed
            && cache
                .inner()
                .backend
                .release_unmetered(key, marker)
                .await
                .is_ok()
        {
            return;
        }
        cache.back_off(backoff.next_pause()).await;
    }
}

/// Counts and logs a failed lookup; the call's outcome is then `skipped` (breaker open) or
/// `error`.
fn read_failed(cache: &Cache, key: &str, error: &Error) -> Outcome {
    cache.inner().counters.error();
    match error {
        Error::Unavailable { .. } => {
            tracing::debug!(key, %error, "cache skipped; treating the read as a miss");
        }
        _ => warn_limited!(
            cache,
            key,
            error,
            "cache read failed; treating it as a miss"
        ),
    }
    Outcome::of_error(error)
}

/// What became of a fetched value.
#[derive(Debug, PartialEq, Eq)]
enum Stored {
    /// Stored under our lease by a fill sent at this epoch.
    Filled(Epoch),
    /// Refused: the key was invalidated while the value was fetched.
    Refused,
    /// Stored without a lease, not stored, or the store failed.
    Other,
}

/// Fills under our lease, or gives the lease back. A failure is noted in `outcome`.
async fn store(
    cache: &Cache,
    key: &str,
    ttl: Option<Duration>,
    fill: Fill<'_>,
    bytes: Option<Arc<[u8]>>,
    outcome: &mut Outcome,
) -> Stored {
    let inner = cache.inner();
    let counters = &inner.counters;
    let ttl = ttl.unwrap_or(inner.settings.default_ttl);
    let mut stored = Stored::Other;
    // On an error, `hold` stays armed: our marker may still be there, and is released in the
    // background.
    let written = match (fill, bytes) {
        (Fill::Leased(mut hold), Some(bytes)) => {
            let asked_at = inner.flights.stamp();
            match inner.backend.fill(key, hold.marker(), bytes, ttl).await {
                Ok(true) => {
                    hold.disarm();
                    counters.set();
                    stored = Stored::Filled(asked_at);
                    Ok(())
                }
                Ok(false) => {
                    hold.disarm();
                    stored = Stored::Refused;
                    counters.fill_refused();
                    tracing::debug!(
                        key,
                        "value not cached: the key was invalidated while it was fetched"
                    );
                    Ok(())
                }
                Err(error) => Err(error),
            }
        }
        (Fill::Leased(mut hold), None) => {
            let released = inner.backend.release(key, hold.marker()).await;
            if released.is_ok() {
                hold.disarm();
            }
            released.map(drop)
        }
        (Fill::Plain, Some(bytes)) => inner
            .backend
            .set(key, bytes.to_vec(), ttl)
            .await
            .map(|()| counters.set()),
        (Fill::Plain | Fill::No, _) => Ok(()),
    };
    if let Err(error) = written {
        counters.error();
        *outcome = outcome.worst(Outcome::of_error(&error));
        match error {
            Error::Unavailable { .. } => {
                tracing::debug!(key, %error, "cache skipped; value not cached")
            }
            _ => {
                warn_limited!(
                    cache,
                    key,
                    error,
                    "cache write failed; the value was returned but not cached"
                )
            }
        }
    }
    stored
}
