//! Reading through the cache: single-flight in this process, a lease on a miss so that a value
//! fetched before an invalidation is never stored, herd control, and failing open throughout.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::backend::StoredBytes;
use crate::breaker::is_outage;
use crate::flight::{self, Landing, Role};
use crate::lease::{is_marker, new_token};
use crate::log_limit::warn_limited;
use crate::observe::{Call, Outcome};
use crate::this_call::CallScope;
use crate::{BreakerState, Cache, Error};

/// First pause between polls of another reader's lease; it doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(5);
const MAX_POLL: Duration = Duration::from_millis(50);

/// How a return type `R` holds the value `T` to cache.
pub(crate) struct Shape<R, T> {
    /// The value to cache, if `R` is a success.
    pub(crate) value: fn(&R) -> Option<&T>,
    /// `R` from a cached value.
    pub(crate) wrap: fn(T) -> R,
}

impl<T> Shape<T, T> {
    /// The whole return value is the value to cache.
    pub(crate) fn whole() -> Self {
        Shape {
            value: |value: &T| Some(value),
            wrap: |value| value,
        }
    }
}

/// How an uncached result (an `Err`) reaches single-flight followers: cloned when `R` allows it.
pub(crate) struct ShareFns<R> {
    pub(crate) share: fn(&R) -> Arc<dyn Any + Send + Sync>,
    pub(crate) take: fn(&(dyn Any + Send + Sync)) -> Option<R>,
}

/// What happened to the key when the body's value was ready to store.
enum Fill<'a> {
    /// We hold the lease: store only if it is still there.
    Leased(LeaseHold<'a>),
    /// Leases are off: store unconditionally.
    Plain,
    /// Do not store (Redis failing, another reader's fill never came, or an invalidation of
    /// this key is still pending).
    No,
}

/// A lease we may hold. Armed before the lookup that may take it is sent: if that lookup fails
/// or is dropped on the wire, Redis may still have run it, so an armed hold is released in the
/// background when dropped, and readers need not wait for the marker to expire.
struct LeaseHold<'a> {
    cache: &'a Cache,
    key: &'a str,
    marker: Vec<u8>,
    /// Whether our marker may be in the key.
    armed: bool,
}

impl<'a> LeaseHold<'a> {
    fn new(cache: &'a Cache, key: &'a str) -> Self {
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
        let key = self.key.to_owned();
        // Without any runtime it expires with its TTL.
        crate::driver::spawn(async move { release_until_expired(&cache, &key, &marker).await });
    }
}

/// Gives a lease back, retrying (across an outage, a restart) until it would have expired
/// anyway. It waits while the circuit breaker is open rather than count as a skipped call, and
/// its own failures do not count towards opening it: it is housekeeping, not a caller.
async fn release_until_expired(cache: &Cache, key: &str, marker: &[u8]) {
    let deadline = Instant::now() + cache.inner().settings.lease_ttl;
    let mut delay = FIRST_POLL;
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
        cache.back_off(delay).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// What a fetch came to: the result, and the stored form of its value for followers.
struct Fetched<R> {
    result: R,
    bytes: Option<StoredBytes>,
    /// The key was invalidated while the value was fetched (our fill was refused): the value
    /// may predate a write that has already returned.
    invalidated: bool,
    /// When the store was last asked about the key (just before the lookup that hit, or the
    /// fill that succeeded): a caller that began later may have begun after a write that
    /// followed it, so it must not be handed this value. `None` when the store could not say
    /// (unavailable, or leases off): then the value is shared as it is.
    confirmed_at: Option<Instant>,
    /// How the call went, for its span and metrics.
    outcome: Outcome,
}

/// Whether a call may wait for another call of this process to fetch its key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    /// Yes: the usual case.
    Yes,
    /// No: a blocking call inside an async runtime, whose thread the leader may need.
    No,
}

/// `#[cache::set]` on `function`: the cached value, or the body's result (whose value is then
/// stored). The call runs in its span and reports its outcome.
#[allow(clippy::too_many_arguments)] // the generated call's parts, passed straight through
pub(crate) async fn read_through<R, T, F>(
    cache: &Cache,
    function: &'static str,
    key: String,
    ttl: Option<Duration>,
    shape: Shape<R, T>,
    sharing: Option<ShareFns<R>>,
    follow: Follow,
    body: F,
) -> R
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    let call = Call::read(function, &key);
    let read = read(cache, key, ttl, shape, sharing, follow, body);
    // No subscriber wants the span (the usual case in production, at `info`): no wrapper to
    // enter and leave it on every poll.
    let (result, outcome) = match call.span() {
        Some(span) => read.instrument(span).await,
        None => read.await,
    };
    call.read_done(outcome);
    result
}

/// The read itself, and how it was answered.
async fn read<R, T, F>(
    cache: &Cache,
    key: String,
    ttl: Option<Duration>,
    shape: Shape<R, T>,
    sharing: Option<ShareFns<R>>,
    follow: Follow,
    body: F,
) -> (R, Outcome)
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    let inner = cache.inner();
    let counters = &inner.counters;
    if !cache.stores_anything() {
        counters.miss();
        return (body.await, Outcome::Skipped);
    }
    // A value stored before a write whose invalidation is still being retried must not be
    // served, nor a fresh one stored that the retry would then delete for nothing. Most reads
    // are hits: a plain `GET` answers them, with no lease and no flight (the lease script costs
    // Redis a Lua call, about a fifth of a loopback hit).
    let first = if inner.pending.covers(&key) {
        FirstLook::Skip(Outcome::Skipped)
    } else {
        match inner.backend.get(&key).await {
            Ok(Some(stored)) if is_marker(&stored) => FirstLook::NoValue,
            Ok(Some(stored)) => match serde_json::from_slice::<T>(&stored) {
                Ok(value) => {
                    counters.hit();
                    tracing::debug!(key, "cache hit");
                    return ((shape.wrap)(value), Outcome::Hit);
                }
                Err(source) => {
                    counters.error();
                    let error = Error::Decode {
                        key: key.clone(),
                        source,
                    };
                    warn_limited!(
                        cache,
                        key,
                        error,
                        "cached value does not decode; replacing it"
                    );
                    FirstLook::Corrupt(stored)
                }
            },
            Ok(None) => FirstLook::NoValue,
            Err(error) => {
                // Redis is failing: one timeout per call is enough. Concurrent misses still share
                // one body run, so an outage does not multiply the load on the API.
                FirstLook::Skip(read_failed(cache, &key, &error))
            }
        }
    };
    // Taken after the `GET`, off the hit path: later only makes a follower more careful.
    let began = Instant::now();
    if inner.settings.single_flight {
        loop {
            match inner.flights.join(&key) {
                Role::Leader(guard) => {
                    // If this call is dropped here, the guard goes with it and a follower leads.
                    let fetched = fetch(cache, &key, ttl, &shape, first, body).await;
                    if guard.has_followers() {
                        guard.land(match fetched.bytes {
                            // A follower may have joined after that write returned: it must not
                            // get a value from before it.
                            Some(_) if fetched.invalidated => Landing::Invalidated,
                            Some(bytes) => {
                                Landing::Value(bytes.into_shared(), fetched.confirmed_at)
                            }
                            None => Landing::Failed(
                                sharing.as_ref().map(|fns| (fns.share)(&fetched.result)),
                            ),
                        });
                    }
                    return (fetched.result, fetched.outcome);
                }
                // Its leader may be a task of the runtime this blocking call is holding up.
                Role::Follower(_) if follow == Follow::No => break,
                Role::Follower(slot) => match flight::follow(slot).await {
                    Some(Landing::Value(bytes, confirmed_at)) => {
                        // Confirmed by the store only before this call began: a write may have
                        // finished in between (in another process), so fetch it ourselves.
                        if confirmed_at.is_some_and(|confirmed| confirmed <= began) {
                            break;
                        }
                        // The same key read as another type (a generic method) does not decode:
                        // fetch it ourselves.
                        if let Ok(value) = serde_json::from_slice::<T>(&bytes) {
                            inner.counters.coalesced();
                            return ((shape.wrap)(value), Outcome::Coalesced);
                        }
                        break;
                    }
                    Some(Landing::Failed(Some(shared))) => {
                        if let Some(result) = sharing.as_ref().and_then(|fns| (fns.take)(&*shared))
                        {
                            inner.counters.coalesced();
                            return (result, Outcome::Coalesced);
                        }
                        break;
                    }
                    // The error cannot be cloned, or the value may be stale: call through.
                    Some(Landing::Failed(None) | Landing::Invalidated) => break,
                    // The leader was cancelled: try to lead.
                    None => continue,
                },
            }
        }
    }
    let fetched = fetch(cache, &key, ttl, &shape, first, body).await;
    (fetched.result, fetched.outcome)
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

/// Looks `key` up (taking a lease on a miss), runs `body` on a miss and stores its value.
async fn fetch<R, T, F>(
    cache: &Cache,
    key: &str,
    ttl: Option<Duration>,
    shape: &Shape<R, T>,
    first: FirstLook,
    body: F,
) -> Fetched<R>
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    let inner = cache.inner();
    let counters = &inner.counters;
    // What the first look saw, unless this fetch hits after all.
    let mut outcome = match &first {
        FirstLook::Skip(outcome) => *outcome,
        FirstLook::Corrupt(_) => Outcome::Error,
        FirstLook::NoValue => Outcome::Miss,
    };
    let fill = match find(cache, key, first, &mut outcome).await {
        Found::Hit(value, bytes, asked_at) => {
            counters.hit();
            tracing::debug!(key, "cache hit");
            return Fetched {
                result: (shape.wrap)(value),
                bytes: Some(bytes),
                invalidated: false,
                confirmed_at: Some(asked_at),
                outcome: Outcome::Hit,
            };
        }
        Found::Miss(fill) => {
            counters.miss();
            tracing::debug!(key, "cache miss");
            fill
        }
    };
    // The body may decide how its result is stored (`cache::this_call()`).
    let mut scope = CallScope::default();
    let result = scope.run(body).await;
    let decision = scope.decision();
    let ttl = decision.ttl.or(ttl);
    let bytes = match (shape.value)(&result) {
        Some(value) => match serde_json::to_vec(value) {
            Ok(bytes) => Some(Arc::<[u8]>::from(bytes)),
            Err(source) => {
                counters.error();
                outcome = Outcome::Error;
                let error = Error::Encode {
                    key: key.to_owned(),
                    source,
                };
                warn_limited!(cache, key, error, "value not cached");
                None
            }
        },
        None => None,
    };
    let keep = bytes.clone().filter(|_| !decision.skip);
    let stored = store(cache, key, ttl, fill, keep, &mut outcome).await;
    Fetched {
        result,
        bytes: bytes.map(StoredBytes::Shared),
        invalidated: stored == Stored::Refused,
        confirmed_at: match stored {
            Stored::Filled(asked_at) => Some(asked_at),
            _ => None,
        },
        outcome,
    }
}

enum Found<'a, T> {
    /// The value, its stored form, and when the store was asked for it.
    Hit(T, StoredBytes, Instant),
    Miss(Fill<'a>),
}

/// The lookup half of [`fetch`], after the plain `GET` found no usable value: with leases, the
/// script returns the value or leaves our lease in one atomic round trip (polling while another
/// reader's lease is live); without them, a plain miss. A failure or an undecodable value is
/// noted in `outcome`.
async fn find<'a, T: DeserializeOwned>(
    cache: &'a Cache,
    key: &'a str,
    first: FirstLook,
    outcome: &mut Outcome,
) -> Found<'a, T> {
    let inner = cache.inner();
    let settings = &inner.settings;
    if let FirstLook::Skip(_) = first {
        return Found::Miss(Fill::No);
    }
    if !settings.leases {
        // Another client's marker or an undecodable value alike: overwrite it.
        return Found::Miss(Fill::Plain);
    }
    let backend = &inner.backend;
    let started = Instant::now();
    let mut poll = FIRST_POLL;
    let mut waited = false;
    let mut corrupt = match first {
        FirstLook::Corrupt(stored) => Some(stored),
        FirstLook::Skip(_) | FirstLook::NoValue => None,
    };
    let mut hold = LeaseHold::new(cache, key);
    loop {
        let asked_at = Instant::now();
        let found = backend
            .lookup_or_lease(key, hold.arm(), settings.lease_ttl, corrupt.as_deref())
            .await;
        let stored = match found {
            Ok(Some(stored)) => {
                // The script answered with what it found, so it left no marker of ours.
                hold.disarm();
                stored
            }
            Ok(None) => return Found::Miss(Fill::Leased(hold)),
            Err(error) => {
                // Skipped by the breaker, the lookup was never sent, and an error reply
                // (`WRONGTYPE`, `OOM`...) means the script stopped before its `SET`: no marker
                // of ours either way. After a timeout or a lost connection `hold` stays armed:
                // the script may have run after we stopped waiting.
                if !is_outage(&error) {
                    hold.disarm();
                }
                *outcome = outcome.worst(read_failed(cache, key, &error));
                return Found::Miss(Fill::No);
            }
        };
        if is_marker(&stored) {
            if !waited {
                waited = true;
                inner.counters.lease_wait();
            }
            let left = settings.lease_wait.saturating_sub(started.elapsed());
            if left.is_zero() {
                tracing::debug!(
                    key,
                    "another reader's fill did not come in time; calling through"
                );
                return Found::Miss(Fill::No);
            }
            tokio::time::sleep(poll.min(left)).await;
            poll = (poll * 2).min(MAX_POLL);
            continue;
        }
        match serde_json::from_slice::<T>(&stored) {
            Ok(value) => return Found::Hit(value, stored, asked_at),
            Err(source) => {
                inner.counters.error();
                *outcome = Outcome::Error;
                let error = Error::Decode {
                    key: key.to_owned(),
                    source,
                };
                if corrupt.is_some() {
                    // Replaced by another undecodable value while we looked: leave it alone.
                    warn_limited!(
                        cache,
                        key,
                        error,
                        "cached value does not decode; treating it as a miss"
                    );
                    return Found::Miss(Fill::No);
                }
                warn_limited!(
                    cache,
                    key,
                    error,
                    "cached value does not decode; replacing it"
                );
                // Take the lease only if the key still holds this very value, so that an
                // invalidation since our read is not undone by our fill.
                corrupt = Some(stored);
            }
        }
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
    /// Stored under our lease by a fill sent at this instant.
    Filled(Instant),
    /// Refused: the key was invalidated while the value was fetched.
    Refused,
    /// Stored without a lease, not stored, or the store failed.
    Other,
}

/// The store half of [`fetch`]: fills under our lease, or gives the lease back. A failure is
/// noted in `outcome`.
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
            let asked_at = Instant::now();
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
