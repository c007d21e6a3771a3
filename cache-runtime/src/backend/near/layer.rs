//! The near cache as a layer in front of the Redis store: it answers hits, learns values from
//! reads, and forgets a key whenever this process writes it. Everything else (leases, fills,
//! single-flight, the breaker) is the Redis store's, unchanged.

use std::sync::Arc;
use std::time::Duration;

use super::{NEAR_CACHE_MAX_TTL, NearStore, Tracker};
use crate::Error;
use crate::backend::{Connector, RedisBackend, StoredBytes};

/// A handle's near cache: the local copies and the tracking connection that vouches for them.
pub(crate) struct NearCache {
    store: Arc<NearStore>,
    tracker: Tracker,
}

impl NearCache {
    /// A near cache of `capacity_bytes` for the store `connector` reaches, tracking keys under
    /// `prefix`. `Err` says why there is none: tracking follows one server for now, so a
    /// cluster or a Sentinel-managed primary gets no near cache.
    pub(crate) fn for_connector(
        connector: &Connector,
        capacity_bytes: u64,
        prefix: &str,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<NearCache, String> {
        let client = match connector {
            Connector::Standalone(standalone) => standalone.client(),
            Connector::Cluster(_) => {
                return Err("client tracking on Redis Cluster is not supported yet".into());
            }
            Connector::Sentinel(_) => {
                return Err("client tracking behind Sentinel is not supported yet".into());
            }
        };
        let store = Arc::new(NearStore::new(capacity_bytes, NEAR_CACHE_MAX_TTL));
        let tracker = Tracker::new(
            Arc::clone(&store),
            client,
            prefix.to_owned(),
            connect_timeout,
            timeout,
        )
        .map_err(|error| format!("no RESP3 client for tracking: {error}"))?;
        Ok(NearCache { store, tracker })
    }

    /// The value of `key`: the local copy if tracking vouches for it, else Redis's (kept as
    /// the local copy for the key's remaining TTL, when nothing invalidated it meanwhile).
    pub(crate) async fn get(
        &self,
        redis: &RedisBackend,
        key: &str,
    ) -> Result<Option<StoredBytes>, Error> {
        self.tracker.ensure_started();
        if let Some(value) = self.store.get(key) {
            return Ok(Some(StoredBytes::Shared(value)));
        }
        let Some(ticket) = self.store.ticket(key) else {
            // Tracking is off: a plain `GET`, as without a near cache.
            return Ok(redis.get(key).await?.map(StoredBytes::Owned));
        };
        let Some((value, ttl)) = redis.get_with_ttl(key).await? else {
            return Ok(None);
        };
        let value: Arc<[u8]> = value.into();
        // No expiry in Redis: the local maximum alone bounds the copy.
        let ttl = ttl.unwrap_or(Duration::MAX);
        self.store.admit(key, Arc::clone(&value), ttl, ticket);
        Ok(Some(StoredBytes::Shared(value)))
    }

    /// This process wrote or deleted `key` (or tried to: a timed-out write may have landed).
    pub(crate) fn forget(&self, key: &str) {
        self.store.invalidate(key.as_bytes());
    }

    /// This process deleted (or tried to) every key matching the Redis glob `pattern`.
    pub(crate) fn forget_matching(&self, pattern: &str) {
        self.store.invalidate_matching(pattern);
    }
}

/// The near cache `settings` ask for in front of the store `connector` reaches, if any;
/// `description` (the handle's) says whether it is on.
pub(crate) fn near_cache_for(
    connector: &Connector,
    settings: &crate::settings::Settings,
    description: &mut String,
) -> Option<NearCache> {
    let bytes = settings.near_capacity_bytes;
    if bytes == 0 {
        return None;
    }
    match NearCache::for_connector(
        connector,
        bytes,
        &settings.key_prefix,
        settings.connect_timeout,
        settings.timeout,
    ) {
        Ok(near) => {
            description.push_str(&format!(", with a near cache of {bytes} bytes"));
            Some(near)
        }
        Err(reason) => {
            tracing::warn!(reason, "near cache off: {reason}; every read goes to Redis");
            description.push_str(&format!(" (near cache off: {reason})"));
            None
        }
    }
}
