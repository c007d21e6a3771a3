//! Reading through the cache: single-flight in this process, a lease on a miss so that a value
//! fetched before an invalidation is never stored, herd control, and failing open throughout.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::backend::{Backend, StoredBytes};
use crate::flight::{Landing, Role, follow};
use crate::lease::{is_marker, new_marker};
use crate::{Cache, Error};

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

/// How an uncached result (an `Err`) reaches single-flight followers: cloned when `R` allows it.
pub(crate) struct ShareFns<R> {
    pub(crate) share: fn(&R) -> Arc<dyn Any + Send + Sync>,
    pub(crate) take: fn(&(dyn Any + Send + Sync)) -> Option<R>,
}

/// What happened to the key when the body's value was ready to store.
enum Fill {
    /// We hold the lease: store only if it is still there.
    Leased(LeaseHold),
    /// Leases are off: store unconditionally.
    Plain,
    /// Do not store (Redis failing, or another reader's fill never came).
    No,
}

/// A lease we hold; released in the background if the call is dropped before its fill, so
/// other readers need not wait for it to expire.
struct LeaseHold {
    cache: Cache,
    key: String,
    marker: Option<Vec<u8>>,
}

impl LeaseHold {
    fn marker(&self) -> &[u8] {
        self.marker.as_deref().unwrap_or_default()
    }
}

impl Drop for LeaseHold {
    fn drop(&mut self) {
        let Some(marker) = self.marker.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // it expires with its TTL
        };
        let cache = self.cache.clone();
        let key = std::mem::take(&mut self.key);
        runtime.spawn(async move {
            let _ = cache.inner().backend.release(&key, &marker).await;
        });
    }
}

/// What a fetch came to: the result, and the stored form of its value for followers.
struct Fetched<R> {
    result: R,
    bytes: Option<StoredBytes>,
}

/// `#[cache::set]`: the cached value, or the body's result (whose value is then stored).
pub(crate) async fn read_through<R, T, F>(
    cache: &Cache,
    key: String,
    ttl: Option<Duration>,
    shape: Shape<R, T>,
    sharing: Option<ShareFns<R>>,
    body: F,
) -> R
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    let inner = cache.inner();
    if !cache.stores_anything() {
        inner.counters.miss();
        return body.await;
    }
    if inner.settings.single_flight {
        loop {
            match inner.flights.join(&key) {
                Role::Leader(guard) => {
                    // If this call is dropped here, the guard goes with it and a follower leads.
                    let fetched = fetch(cache, &key, ttl, &shape, body).await;
                    if guard.has_followers() {
                        guard.land(match fetched.bytes {
                            Some(bytes) => Landing::Value(bytes.into_shared()),
                            None => Landing::Failed(
                                sharing.as_ref().map(|fns| (fns.share)(&fetched.result)),
                            ),
                        });
                    }
                    return fetched.result;
                }
                Role::Follower(slot) => match follow(slot).await {
                    Some(Landing::Value(bytes)) => {
                        // The same key read as another type (a generic method) does not decode:
                        // fetch it ourselves.
                        if let Ok(value) = serde_json::from_slice::<T>(&bytes) {
                            inner.counters.coalesced();
                            return (shape.wrap)(value);
                        }
                        break;
                    }
                    Some(Landing::Failed(Some(shared))) => {
                        if let Some(result) = sharing.as_ref().and_then(|fns| (fns.take)(&*shared))
                        {
                            inner.counters.coalesced();
                            return result;
                        }
                        break;
                    }
                    // The error cannot be cloned: call through ourselves.
                    Some(Landing::Failed(None)) => break,
                    // The leader was cancelled: try to lead.
                    None => continue,
                },
            }
        }
    }
    fetch(cache, &key, ttl, &shape, body).await.result
}

/// Looks `key` up (taking a lease on a miss), runs `body` on a miss and stores its value.
async fn fetch<R, T, F>(
    cache: &Cache,
    key: &str,
    ttl: Option<Duration>,
    shape: &Shape<R, T>,
    body: F,
) -> Fetched<R>
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    let inner = cache.inner();
    let counters = &inner.counters;
    let fill = match find(cache, key).await {
        Found::Hit(value, bytes) => {
            counters.hit();
            tracing::debug!(key, "cache hit");
            return Fetched {
                result: (shape.wrap)(value),
                bytes: Some(bytes),
            };
        }
        Found::Miss(fill) => {
            counters.miss();
            tracing::debug!(key, "cache miss");
            fill
        }
    };
    let result = body.await;
    let bytes = match (shape.value)(&result) {
        Some(value) => match serde_json::to_vec(value) {
            Ok(bytes) => Some(Arc::<[u8]>::from(bytes)),
            Err(source) => {
                counters.error();
                let error = Error::Encode {
                    key: key.to_owned(),
                    source,
                };
                tracing::warn!(key, %error, "value not cached");
                None
            }
        },
        None => None,
    };
    store(cache, key, ttl, fill, bytes.clone()).await;
    Fetched {
        result,
        bytes: bytes.map(StoredBytes::Shared),
    }
}

enum Found<T> {
    Hit(T, StoredBytes),
    Miss(Fill),
}

/// The lookup half of [`fetch`]: a decoded hit, or a miss and what to do with the value.
async fn find<T: DeserializeOwned>(cache: &Cache, key: &str) -> Found<T> {
    let inner = cache.inner();
    let settings = &inner.settings;
    let backend = &inner.backend;
    // In process, a hit costs no lock and no marker: look before taking a lease.
    if let Backend::Memory(memory) = backend
        && let Some(stored) = memory.get(key)
        && !is_marker(&stored)
        && let Ok(value) = serde_json::from_slice::<T>(&stored)
    {
        return Found::Hit(value, StoredBytes::Shared(stored));
    }
    let marker = settings.leases.then(new_marker);
    let started = Instant::now();
    let mut poll = FIRST_POLL;
    let mut waited = false;
    let mut corrupt: Option<StoredBytes> = None;
    loop {
        let found = match &marker {
            Some(marker) => {
                backend
                    .lookup_or_lease(key, marker, settings.lease_ttl, corrupt.as_deref())
                    .await
            }
            None => backend.get(key).await,
        };
        let stored = match found {
            Ok(Some(stored)) => stored,
            Ok(None) => {
                return Found::Miss(match marker {
                    Some(marker) => Fill::Leased(LeaseHold {
                        cache: cache.clone(),
                        key: key.to_owned(),
                        marker: Some(marker),
                    }),
                    None => Fill::Plain,
                });
            }
            Err(error) => {
                read_failed(cache, key, &error);
                return Found::Miss(Fill::No);
            }
        };
        if is_marker(&stored) {
            if marker.is_none() {
                // Another client's lease, and we take none: a plain miss, as without leases.
                return Found::Miss(Fill::Plain);
            }
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
            Ok(value) => return Found::Hit(value, stored),
            Err(source) => {
                inner.counters.error();
                let error = Error::Decode {
                    key: key.to_owned(),
                    source,
                };
                if marker.is_none() {
                    tracing::warn!(key, %error, "cached value does not decode; treating it as a miss and overwriting it");
                    return Found::Miss(Fill::Plain);
                }
                if corrupt.is_some() {
                    // Replaced by another undecodable value while we looked: leave it alone.
                    tracing::warn!(key, %error, "cached value does not decode; treating it as a miss");
                    return Found::Miss(Fill::No);
                }
                tracing::warn!(key, %error, "cached value does not decode; replacing it");
                // Take the lease only if the key still holds this very value, so that an
                // invalidation since our read is not undone by our fill.
                corrupt = Some(stored);
            }
        }
    }
}

fn read_failed(cache: &Cache, key: &str, error: &Error) {
    cache.inner().counters.error();
    match error {
        Error::Unavailable { .. } => {
            tracing::debug!(key, %error, "cache skipped; treating the read as a miss");
        }
        _ => tracing::warn!(key, %error, "cache read failed; treating it as a miss"),
    }
}

/// The store half of [`fetch`]: fills under our lease, or gives the lease back.
async fn store(
    cache: &Cache,
    key: &str,
    ttl: Option<Duration>,
    fill: Fill,
    bytes: Option<Arc<[u8]>>,
) {
    let inner = cache.inner();
    let counters = &inner.counters;
    let ttl = ttl.unwrap_or(inner.settings.default_ttl);
    let outcome = match (fill, bytes) {
        (Fill::Leased(mut hold), Some(bytes)) => {
            let outcome = inner.backend.fill(key, hold.marker(), bytes, ttl).await;
            hold.marker = None; // settled: nothing to release
            match outcome {
                Ok(true) => {
                    counters.set();
                    Ok(())
                }
                Ok(false) => {
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
            let outcome = inner.backend.release(key, hold.marker()).await;
            hold.marker = None;
            outcome.map(drop)
        }
        (Fill::Plain, Some(bytes)) => inner
            .backend
            .set(key, bytes.to_vec(), ttl)
            .await
            .map(|()| counters.set()),
        (Fill::Plain | Fill::No, _) => Ok(()),
    };
    if let Err(error) = outcome {
        counters.error();
        match error {
            Error::Unavailable { .. } => {
                tracing::debug!(key, %error, "cache skipped; value not cached")
            }
            _ => {
                tracing::warn!(key, %error, "cache write failed; the value was returned but not cached")
            }
        }
    }
}
