//! The stores behind a handle. An enum rather than a trait object: the set is closed, and static
//! dispatch keeps the hit path free of boxed futures.

mod expiry;
mod memory;
mod near;
mod redis;

pub(crate) use self::memory::MemoryBackend;
pub(crate) use self::near::{Decoded, Near, NearValue, near_cache_for};
pub use self::near::{NEAR_CACHE_MAX_TTL, TRACKING_CLIENT_NAME};
pub(crate) use self::redis::{
    ClusterConnector, Connector, NodeSettings, RedisBackend, SentinelConnector, SentinelSettings,
    Standalone, cluster_client, describe_connect_error, is_lost, is_myid_denied,
    is_permanent_reply,
};

use std::any::Any;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::Error;

/// A stored value as a backend hands it out: owned when it came over the wire, shared when it
/// lives in this process (so an in-process hit copies nothing), and a near copy with the value
/// decoded from it, if a reader kept one.
pub(crate) enum StoredBytes {
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
    Near(Arc<NearValue>),
}

impl StoredBytes {
    /// The bytes behind an `Arc`, copying only if they came over the wire.
    pub(crate) fn into_shared(self) -> Arc<[u8]> {
        match self {
            StoredBytes::Owned(bytes) => bytes.into(),
            StoredBytes::Shared(bytes) => bytes,
            StoredBytes::Near(value) => Arc::clone(value.bytes()),
        }
    }

    /// Whether these bytes are the near cache's copy (no round trip was made for them).
    pub(crate) fn is_near(&self) -> bool {
        matches!(self, StoredBytes::Near(_))
    }

    /// The value decoded from these bytes, if they are a near copy and a reader kept one.
    pub(crate) fn decoded(&self) -> Option<&(dyn Any + Send + Sync)> {
        match self {
            StoredBytes::Near(value) => value.decoded(),
            _ => None,
        }
    }

    /// Keeps `value()`, decoded from these bytes, beside them if they are a near copy without
    /// one: later hits of the copy may clone it instead of decoding.
    pub(crate) fn keep_decoded(&self, value: impl FnOnce() -> Decoded) {
        if let StoredBytes::Near(near) = self {
            near.keep_decoded(value);
        }
    }
}

impl Deref for StoredBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            StoredBytes::Owned(bytes) => bytes,
            StoredBytes::Shared(bytes) => bytes,
            StoredBytes::Near(value) => value.bytes(),
        }
    }
}

/// Which kind of store a handle uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendKind {
    /// A Redis server, through one shared, reconnecting, multiplexed connection.
    Redis,
    /// A bounded in-process store (moka), private to this process.
    InMemory,
    /// Nothing is stored; every read is a miss.
    Disabled,
}

pub(crate) enum Backend {
    // Boxed: the Redis state (client, connection, breaker) is several times the others' size.
    // The near cache, when the handle has one, is a layer in front of it, whatever the
    // deployment (one server, a cluster, Sentinel).
    Redis(Box<Near>),
    Memory(MemoryBackend),
    Disabled,
}

impl Backend {
    pub(crate) fn kind(&self) -> BackendKind {
        match self {
            Backend::Redis(_) => BackendKind::Redis,
            Backend::Memory(_) => BackendKind::InMemory,
            Backend::Disabled => BackendKind::Disabled,
        }
    }

    /// The value of `key`, when it is at hand without an await: the in-process store's, a near
    /// copy (`Some(None)`: there is none). `None`: ask with [`get`](Self::get).
    pub(crate) fn get_at_hand(&self, key: &str) -> Option<Option<StoredBytes>> {
        match self {
            Backend::Redis(redis) => redis.get_at_hand(key).map(Some),
            Backend::Memory(memory) => Some(memory.get(key).map(StoredBytes::Shared)),
            Backend::Disabled => Some(None),
        }
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<StoredBytes>, Error> {
        match self {
            Backend::Redis(redis) => redis.get(key).await,
            Backend::Memory(memory) => Ok(memory.get(key).map(StoredBytes::Shared)),
            Backend::Disabled => Ok(None),
        }
    }

    /// The value under `key` (possibly another reader's lease marker). When there is none, or
    /// only the corrupt value `replace`, the caller's `lease` marker is left there for
    /// `lease_ttl` and `None` is returned: the caller may fill the key. The disabled backend
    /// has nothing and hands out no lease that matters.
    pub(crate) async fn lookup_or_lease(
        &self,
        key: &str,
        lease: &[u8],
        lease_ttl: Duration,
        replace: Option<&[u8]>,
    ) -> Result<Option<StoredBytes>, Error> {
        match self {
            Backend::Redis(redis) => redis.lookup_or_lease(key, lease, lease_ttl, replace).await,
            Backend::Memory(memory) => Ok(memory
                .lookup_or_lease(key, lease, lease_ttl, replace)
                .map(StoredBytes::Shared)),
            Backend::Disabled => Ok(None),
        }
    }

    /// Stores `value` under `key` only if the caller's `lease` is still there.
    pub(crate) async fn fill(
        &self,
        key: &str,
        lease: &[u8],
        value: Arc<[u8]>,
        ttl: Duration,
    ) -> Result<bool, Error> {
        match self {
            Backend::Redis(redis) => redis.fill(key, lease, &value, ttl).await,
            Backend::Memory(memory) => Ok(memory.fill(key, lease, value, ttl)),
            Backend::Disabled => Ok(false),
        }
    }

    /// Gives up the caller's `lease` on `key`, if it is still there.
    pub(crate) async fn release(&self, key: &str, lease: &[u8]) -> Result<bool, Error> {
        match self {
            Backend::Redis(redis) => redis.release(key, lease).await,
            Backend::Memory(memory) => Ok(memory.release(key, lease)),
            Backend::Disabled => Ok(false),
        }
    }

    /// Like [`release`](Self::release), for background housekeeping: on Redis it bypasses the
    /// circuit breaker (callers check its state first) so it neither counts as skipped nor
    /// towards opening it.
    pub(crate) async fn release_unmetered(&self, key: &str, lease: &[u8]) -> Result<bool, Error> {
        match self {
            Backend::Redis(redis) => redis.release_unmetered(key, lease).await,
            Backend::Memory(memory) => Ok(memory.release(key, lease)),
            Backend::Disabled => Ok(false),
        }
    }

    /// A round trip to the store, for health checks: the real error if it cannot answer.
    pub(crate) async fn ping(&self) -> Result<Duration, Error> {
        match self {
            Backend::Redis(redis) => redis.ping().await,
            Backend::Memory(_) | Backend::Disabled => Ok(Duration::ZERO),
        }
    }

    /// The circuit breaker in front of the store, if it has one (only Redis does).
    pub(crate) fn breaker(&self) -> Option<&crate::breaker::Breaker> {
        match self {
            Backend::Redis(redis) => Some(&redis.breaker),
            _ => None,
        }
    }

    pub(crate) async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), Error> {
        match self {
            Backend::Redis(redis) => redis.set(key, &value, ttl).await,
            Backend::Memory(memory) => {
                memory.set(key, value, ttl);
                Ok(())
            }
            Backend::Disabled => Ok(()),
        }
    }

    /// Removes `keys`; returns how many existed.
    pub(crate) async fn delete(&self, keys: &[String]) -> Result<u64, Error> {
        match self {
            Backend::Redis(redis) => redis.delete(keys).await,
            Backend::Memory(memory) => Ok(memory.delete(keys)),
            Backend::Disabled => Ok(0),
        }
    }

    /// Removes every key matching the Redis glob `pattern`; returns how many.
    pub(crate) async fn delete_matching(&self, pattern: &str) -> Result<u64, Error> {
        match self {
            Backend::Redis(redis) => redis.delete_matching(pattern).await,
            Backend::Memory(memory) => Ok(memory.delete_matching(pattern)),
            Backend::Disabled => Ok(0),
        }
    }

    /// Lists up to `limit` keys matching `pattern`.
    pub(crate) async fn keys_matching(
        &self,
        pattern: &str,
        limit: usize,
    ) -> Result<Vec<String>, Error> {
        match self {
            Backend::Redis(redis) => redis.keys_matching(pattern, limit).await,
            Backend::Memory(memory) => Ok(memory.keys_matching(pattern, limit)),
            Backend::Disabled => Ok(Vec::new()),
        }
    }

    /// [`ttl`](Self::ttl) of each of `keys`, in order; one round trip on Redis.
    pub(crate) async fn ttls(
        &self,
        keys: &[String],
    ) -> Result<Vec<Option<Option<Duration>>>, Error> {
        match self {
            Backend::Redis(redis) => redis.ttls(keys).await,
            Backend::Memory(memory) => {
                Ok(keys.iter().map(|key| memory.ttl(key).map(Some)).collect())
            }
            Backend::Disabled => Ok(vec![None; keys.len()]),
        }
    }

    /// The time `key` has left to live: `None` if it is absent, `Some(None)` if it never expires.
    pub(crate) async fn ttl(&self, key: &str) -> Result<Option<Option<Duration>>, Error> {
        match self {
            Backend::Redis(redis) => redis.ttl(key).await,
            Backend::Memory(memory) => Ok(memory.ttl(key).map(Some)),
            Backend::Disabled => Ok(None),
        }
    }
}
