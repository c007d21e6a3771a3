//! The near cache as a layer in front of the Redis store: it answers hits, learns values from
//! reads, and forgets a key whenever this process writes it. Everything else (leases, fills,
//! single-flight, the breaker) is the Redis store's, unchanged, whichever way the store reaches
//! Redis (one server, a cluster, Sentinel).

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use super::{NEAR_CACHE_MAX_TTL, NearStore, Target, Tracker};
use crate::Error;
use crate::backend::{Connector, RedisBackend, StoredBytes, is_myid_denied};

/// The Redis store with the handle's near cache in front of it, if it has one: reads may be
/// answered locally, and every write or delete drops the local copy before it returns
/// (read-your-writes). Everything else goes straight to the store (through `Deref`).
pub(crate) struct Near {
    remote: RedisBackend,
    cache: Option<NearCache>,
}

impl Deref for Near {
    type Target = RedisBackend;

    fn deref(&self) -> &RedisBackend {
        &self.remote
    }
}

impl Near {
    /// `remote`, with `cache` in front of it if there is one.
    pub(crate) fn new(remote: RedisBackend, cache: Option<NearCache>) -> Self {
        Near { remote, cache }
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<StoredBytes>, Error> {
        match &self.cache {
            // Boxed: the near read's `GET`+`PTTL` future is four times a plain `GET`'s, and
            // every read's future would otherwise be that large (and allocated as such).
            Some(cache) => Box::pin(cache.get(&self.remote, key)).await,
            None => Ok(self.remote.get(key).await?.map(StoredBytes::Owned)),
        }
    }

    /// The local copy of `key`, if tracking vouches for one (no await: see [`Self::get`]).
    pub(crate) fn get_at_hand(&self, key: &str) -> Option<StoredBytes> {
        let cache = self.cache.as_ref()?;
        cache.tracker.ensure_started();
        cache.store.get(key).map(StoredBytes::Near)
    }

    /// See [`RedisBackend::lookup_or_lease`]; a corrupt value to `replace` may be the local
    /// copy too, so it goes.
    pub(crate) async fn lookup_or_lease(
        &self,
        key: &str,
        lease: &[u8],
        lease_ttl: Duration,
        replace: Option<&[u8]>,
    ) -> Result<Option<StoredBytes>, Error> {
        let found = self
            .remote
            .lookup_or_lease(key, lease, lease_ttl, replace)
            .await;
        if replace.is_some() {
            self.forget(key);
        }
        Ok(found?.map(StoredBytes::Owned))
    }

    pub(crate) async fn fill(
        &self,
        key: &str,
        lease: &[u8],
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, Error> {
        let filled = self.remote.fill(key, lease, value, ttl).await;
        self.forget(key);
        filled
    }

    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), Error> {
        let set = self.remote.set(key, value, ttl).await;
        self.forget(key);
        set
    }

    pub(crate) async fn delete(&self, keys: &[String]) -> Result<u64, Error> {
        let deleted = self.remote.delete(keys).await;
        keys.iter().for_each(|key| self.forget(key));
        deleted
    }

    pub(crate) async fn delete_matching(&self, pattern: &str) -> Result<u64, Error> {
        let deleted = self.remote.delete_matching(pattern).await;
        if let Some(cache) = &self.cache {
            cache.store.invalidate_matching(pattern);
        }
        deleted
    }

    /// This process wrote or deleted `key` (or tried to: a timed-out write may have landed).
    fn forget(&self, key: &str) {
        if let Some(cache) = &self.cache {
            cache.store.invalidate(key.as_bytes());
        }
    }
}

/// A handle's near cache: the local copies and the tracking that vouches for them.
pub(crate) struct NearCache {
    store: Arc<NearStore>,
    tracker: Tracker,
    /// Set when the ACL user may not ask a cluster node its id: no value can be vouched for.
    myid_denied: AtomicBool,
    /// The handle's bound on a command, for reads over the tracking connection.
    timeout: Duration,
}

impl NearCache {
    /// A near cache of `capacity_bytes` for the store `connector` reaches, tracking keys under
    /// `prefix`. `Err` says why there is none.
    pub(crate) fn for_connector(
        connector: &Connector,
        capacity_bytes: u64,
        prefix: &str,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<NearCache, String> {
        let target = match connector {
            Connector::Standalone(standalone) => Target::Server(standalone.client().clone()),
            Connector::Cluster(cluster) => Target::Cluster(cluster.nodes().clone()),
            Connector::Sentinel(sentinel) => Target::Sentinel(sentinel.settings().clone()),
        };
        let store = Arc::new(NearStore::new(capacity_bytes, NEAR_CACHE_MAX_TTL));
        let tracker = Tracker::new(
            Arc::clone(&store),
            target,
            prefix.to_owned(),
            connect_timeout,
            timeout,
        )
        .map_err(|error| format!("no RESP3 client for tracking: {error}"))?;
        Ok(NearCache {
            store,
            tracker,
            myid_denied: AtomicBool::new(false),
            timeout,
        })
    }

    /// The value of `key`: the local copy if tracking vouches for it, else Redis's (kept as
    /// the local copy for the key's remaining TTL, when nothing invalidated it meanwhile and,
    /// on a cluster, a tracked node gave it).
    async fn get(&self, redis: &RedisBackend, key: &str) -> Result<Option<StoredBytes>, Error> {
        self.tracker.ensure_started();
        if let Some(value) = self.store.get(key) {
            return Ok(Some(StoredBytes::Near(value)));
        }
        let ticket = self.store.ticket(key);
        let Some(ticket) = ticket.filter(|_| !self.myid_denied.load(Relaxed)) else {
            // Tracking is off: a plain `GET`, as without a near cache.
            return Ok(redis.get(key).await?.map(StoredBytes::Owned));
        };
        if self.tracker.reads_over_tracking() {
            return self.get_over_tracking(redis, key, ticket).await;
        }
        let on_cluster = self.tracker.on_cluster();
        let read = match redis.get_with_ttl(key, on_cluster).await {
            Ok(read) => read,
            Err(Error::Redis(error)) if on_cluster && is_redirection(&error) => {
                // The slot is moving: read the slot map again, and this key plainly.
                self.tracker.recheck();
                return Ok(redis.get(key).await?.map(StoredBytes::Owned));
            }
            Err(Error::Redis(error)) if on_cluster && is_myid_denied(&error) => {
                if !self.myid_denied.swap(true, Relaxed) {
                    tracing::warn!(
                        %error,
                        "near cache off: the Redis user may not run CLUSTER MYID, so no value \
                         read can be vouched for; every read goes to Redis (grant +cluster|myid)"
                    );
                }
                return Ok(redis.get(key).await?.map(StoredBytes::Owned));
            }
            Err(error) => return Err(error),
        };
        let Some((value, ttl)) = read.found else {
            return Ok(None);
        };
        if let Some(node) = &read.node
            && !self.tracker.vouches(ticket.state, key, node)
        {
            return Ok(Some(StoredBytes::Owned(value)));
        }
        let value: Arc<[u8]> = value.into();
        // No expiry in Redis: the local maximum alone bounds the copy.
        let ttl = ttl.unwrap_or(Duration::MAX);
        self.store.admit(key, Arc::clone(&value), ttl, ticket);
        Ok(Some(StoredBytes::Shared(value)))
    }
}

impl NearCache {
    /// Behind Sentinel: `key` read over the tracking connection of the ticket's session, so
    /// that the value comes from the server vouching for it, and kept; without one (the
    /// session is over) or if it fails, a plain read through the store, not kept.
    async fn get_over_tracking(
        &self,
        redis: &RedisBackend,
        key: &str,
        ticket: super::Ticket,
    ) -> Result<Option<StoredBytes>, Error> {
        let Some(mut connection) = self.tracker.reader(ticket.state) else {
            return Ok(redis.get(key).await?.map(StoredBytes::Owned));
        };
        let read = tokio::time::timeout(
            self.timeout,
            redis::pipe()
                .cmd("GET")
                .arg(key)
                .cmd("PTTL")
                .arg(key)
                .query_async::<(Option<Vec<u8>>, i64)>(&mut connection),
        )
        .await;
        let (value, millis) = match read {
            Ok(Ok(read)) => read,
            // The session is ending (or the user may not read the key): the store says.
            Ok(Err(_)) => return Ok(redis.get(key).await?.map(StoredBytes::Owned)),
            Err(_elapsed) => return Err(Error::Timeout(self.timeout)),
        };
        let Some(value) = value else {
            return Ok(None);
        };
        let value: Arc<[u8]> = value.into();
        let ttl = match millis {
            -1 => Duration::MAX,
            millis => Duration::from_millis(millis.max(0) as u64),
        };
        self.store.admit(key, Arc::clone(&value), ttl, ticket);
        Ok(Some(StoredBytes::Shared(value)))
    }
}

/// A cluster's redirection or refusal that reached us (redis-rs follows most itself).
fn is_redirection(error: &redis::RedisError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    matches!(
        error.kind(),
        ErrorKind::Server(
            ServerErrorKind::Moved | ServerErrorKind::Ask | ServerErrorKind::TryAgain
        )
    )
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
