//! The cache handle: what generated code and applications call.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::backend::{Backend, BackendKind};
use crate::breaker::BreakerState;
use crate::config::CacheBuilder;
use crate::flight::Flights;
use crate::glob::GlobEscaped;
use crate::invalidation::Pending;
use crate::lease::is_marker;
use crate::settings::Settings;
use crate::stats::{Counters, Stats};

/// A handle on a cache: Redis, in-process, or disabled.
///
/// Cheap to clone (clones share one connection and one set of counters), `Send + Sync`, and usable
/// from any number of tasks at once. Build one with [`Cache::builder`], [`Cache::from_env`],
/// [`Cache::redis`], [`Cache::in_memory`] or [`Cache::disabled`].
///
/// The attribute macros use it for you. Its own methods are for everything else: reading,
/// writing and cleaning keys by hand, and statistics. Unlike the attributes, they return errors
/// instead of failing open. Every key given to them gets the handle's [`key_prefix`](Self::key_prefix).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), cache::Error> {
/// let cache = cache::Cache::in_memory();
/// cache.set("organisations", &vec!["Cabinet Office"], None).await?;
/// let names: Option<Vec<String>> = cache.get("organisations").await?;
/// assert_eq!(names.unwrap(), ["Cabinet Office"]);
/// assert_eq!(cache.stats().hits, 1);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) backend: Backend,
    /// Human-readable backend description, credentials already redacted.
    description: String,
    pub(crate) settings: Settings,
    pub(crate) counters: Counters,
    pub(crate) flights: Flights,
    pub(crate) pending: Pending,
    /// Rate limit for warnings that would otherwise repeat on every call.
    pub(crate) warnings: crate::log_limit::Limiter,
}

// The handle is shared across tasks and threads: keep it so.
const _: () = {
    const fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Cache>();
};

// SAFETY: `Cache`'s only field is `Send + Sync` by the auto traits (`fields_are_shareable`).
// Declared rather than derived by the auto traits because rustc proves a future `Send` afresh
// for every function whose future holds a handle (every annotated function's, and any client
// method's that captures a struct holding one), and without these it walks every type in the
// backends each time: about 8 million instructions a function, more than a plain `async fn`
// costs to build whole (docs/PERFORMANCE.md).
unsafe impl Send for Cache {}
// SAFETY: as for `Send`.
unsafe impl Sync for Cache {}

/// What `Cache`'s declared `Send + Sync` rest on. The pattern names every field, so one added
/// later is checked too.
#[allow(dead_code)]
fn fields_are_shareable(cache: Cache) {
    fn shareable<T: Send + Sync>(_: T) {}
    let Cache { inner } = cache;
    shareable(inner);
}

/// How long a key has left, as reported by [`Cache::ttl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTtl {
    /// No such key.
    Missing,
    /// The key exists and never expires (set by something other than this toolkit).
    Persistent,
    /// The key expires after this long.
    Expires(Duration),
}

impl KeyTtl {
    /// From a backend's answer: `None` when absent, `Some(None)` when it never expires.
    fn from_backend(ttl: Option<Option<Duration>>) -> KeyTtl {
        match ttl {
            None => KeyTtl::Missing,
            Some(None) => KeyTtl::Persistent,
            Some(Some(left)) => KeyTtl::Expires(left),
        }
    }
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("backend", &self.inner.description)
            .field("key_prefix", &self.inner.settings.key_prefix)
            .field("default_ttl", &self.inner.settings.default_ttl)
            .field("timeout", &self.inner.settings.timeout)
            .field("leases", &self.inner.settings.leases)
            .finish()
    }
}

impl Cache {
    /// A builder, starting from a disabled cache with the default TTL (24 h) and timeout (100 ms).
    pub fn builder() -> CacheBuilder {
        CacheBuilder::default()
    }

    /// A handle configured from the environment (the list is also
    /// [`environment::VARIABLES`](crate::environment::VARIABLES)):
    ///
    #[doc = crate::environment::markdown_table!()]
    ///
    /// An invalid value, or one out of its sane range (`CACHE_TIMEOUT=100y`), is an error naming
    /// the variable. With nothing set the cache is disabled, never silently process-local, and a
    /// `tracing` warning says so (seen only where a subscriber is installed).
    pub fn from_env() -> Result<Cache, Error> {
        CacheBuilder::from_env()?.build()
    }

    /// A Redis handle with default settings. Connects on first use, not here.
    pub fn redis(url: &str) -> Result<Cache, Error> {
        Cache::builder().redis(url).build()
    }

    /// An in-process handle with default settings.
    pub fn in_memory() -> Cache {
        Cache::from_parts(
            Backend::Memory(crate::backend::MemoryBackend::new(
                crate::config::DEFAULT_MEMORY_CAPACITY_BYTES,
            )),
            "in-process".to_owned(),
            Settings::default(),
        )
    }

    /// A handle that stores nothing: every read is a miss.
    pub fn disabled() -> Cache {
        Cache::from_parts(
            Backend::Disabled,
            "disabled".to_owned(),
            Settings::default(),
        )
    }

    pub(crate) fn from_parts(backend: Backend, description: String, settings: Settings) -> Cache {
        // A landing is kept for calls that began before it and are still looking at the store:
        // a look takes at most the timeout, twice over when the process is starved, and then
        // some. Only memory depends on it (see `flight`).
        let linger = settings.timeout * 4 + Duration::from_secs(2);
        Cache {
            inner: Arc::new(Inner {
                backend,
                description,
                settings,
                counters: Counters::default(),
                flights: Flights::new(linger),
                pending: Pending::default(),
                warnings: Default::default(),
            }),
        }
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Which kind of store this handle uses.
    pub fn backend_kind(&self) -> BackendKind {
        self.inner.backend.kind()
    }

    /// What the store is, for people: `"Redis at redis://host:6379/0"` (password redacted),
    /// `"in-process"` or `"disabled"`.
    pub fn backend_description(&self) -> &str {
        &self.inner.description
    }

    /// The text prepended to every key.
    pub fn key_prefix(&self) -> &str {
        &self.inner.settings.key_prefix
    }

    /// The TTL used when an attribute names none.
    pub fn default_ttl(&self) -> Duration {
        self.inner.settings.default_ttl
    }

    /// The bound on each cache operation.
    pub fn timeout(&self) -> Duration {
        self.inner.settings.timeout
    }

    /// Whether reads take leases (see [`CacheBuilder::leases`]).
    pub fn leases(&self) -> bool {
        self.inner.settings.leases
    }

    /// A snapshot of this handle's counters (shared by all its clones).
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot(self.inner.backend.breaker())
    }

    /// Checks that the store answers, for readiness probes: the round trip's time, or the real
    /// error (connection refused, host name not resolved, TLS handshake, `WRONGPASS`,
    /// `NOAUTH`, database index...). It bypasses the circuit breaker and is bounded by the
    /// timeout. In-process and disabled handles answer at once.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache = cache::Cache::redis("redis://127.0.0.1:1").unwrap();
    /// let error = cache.ping().await.unwrap_err();
    /// assert!(error.to_string().contains("refused"), "{error}");
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<Duration, Error> {
        self.inner.backend.ping().await
    }

    /// The circuit breaker's state; always [`BreakerState::Closed`] for a store without one
    /// (in-process, disabled).
    pub fn breaker_state(&self) -> BreakerState {
        self.inner
            .backend
            .breaker()
            .map_or(BreakerState::Closed, |breaker| breaker.state())
    }

    /// Reads and decodes `key`. `Ok(None)` when it is absent.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.try_lookup(&self.prefixed(key)).await
    }

    /// Stores `value` as JSON under `key` for `ttl` (the default TTL when `None`).
    pub async fn set<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<(), Error> {
        self.try_store(&self.prefixed(key), value, ttl).await
    }

    /// Removes `keys` in one round trip; returns how many existed.
    pub async fn delete<K: AsRef<str>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<u64, Error> {
        let keys: Vec<String> = keys
            .into_iter()
            .map(|key| self.prefixed(key.as_ref()))
            .collect();
        let count = keys.len();
        let deleted = self.inner.backend.delete(&keys).await;
        self.inner.flights.forget(&keys, &[]);
        let deleted = self.counted(deleted)?;
        self.count_deleted(count);
        Ok(deleted)
    }

    /// Removes every key matching the Redis glob `pattern` (`*`, `?`, `[...]`, `\` escapes) with
    /// `SCAN` and `UNLINK`, never `KEYS`; returns how many.
    pub async fn delete_matching(&self, pattern: &str) -> Result<u64, Error> {
        let pattern = self.prefixed_pattern(pattern);
        let deleted = self.inner.backend.delete_matching(&pattern).await;
        self.inner
            .flights
            .forget(&[], std::slice::from_ref(&pattern));
        let deleted = self.counted(deleted)?;
        self.count_deleted(1);
        Ok(deleted)
    }

    /// Lists up to `limit` keys matching the Redis glob `pattern` (with `SCAN`), without the key prefix.
    pub async fn keys_matching(&self, pattern: &str, limit: usize) -> Result<Vec<String>, Error> {
        let pattern = self.prefixed_pattern(pattern);
        let keys = self.counted(self.inner.backend.keys_matching(&pattern, limit).await)?;
        let prefix = self.key_prefix();
        Ok(keys
            .into_iter()
            .map(|key| key.strip_prefix(prefix).map(str::to_owned).unwrap_or(key))
            .collect())
    }

    /// How long `key` has left to live.
    pub async fn ttl(&self, key: &str) -> Result<KeyTtl, Error> {
        let ttl = self.counted(self.inner.backend.ttl(&self.prefixed(key)).await)?;
        Ok(KeyTtl::from_backend(ttl))
    }

    /// How long each of `keys` has left to live, in the same order, in one round trip: a
    /// pipeline of `PTTL` on Redis (bounded, like every operation, by the handle's timeout), a
    /// look-up per key in process. For listing many keys, where [`ttl`](Self::ttl) would cost
    /// a round trip each.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), cache::Error> {
    /// use std::time::Duration;
    /// use cache::KeyTtl;
    ///
    /// let cache = cache::Cache::in_memory();
    /// cache.set("organisations", &["Cabinet Office"], Some(Duration::from_secs(3600))).await?;
    /// let ttls = cache.ttls(&["organisations", "domains"]).await?;
    /// assert!(matches!(ttls[0], KeyTtl::Expires(left) if left <= Duration::from_secs(3600)));
    /// assert_eq!(ttls[1], KeyTtl::Missing);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ttls<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<KeyTtl>, Error> {
        let keys: Vec<String> = keys.iter().map(|key| self.prefixed(key.as_ref())).collect();
        let ttls = self.counted(self.inner.backend.ttls(&keys).await)?;
        Ok(ttls.into_iter().map(KeyTtl::from_backend).collect())
    }

    pub(crate) fn prefixed(&self, key: &str) -> String {
        let prefix = &self.inner.settings.key_prefix;
        let mut full = String::with_capacity(prefix.len() + key.len());
        full.push_str(prefix);
        full.push_str(key);
        full
    }

    fn prefixed_pattern(&self, pattern: &str) -> String {
        format!("{}{pattern}", GlobEscaped(&self.inner.settings.key_prefix))
    }

    /// A disabled handle stores and deletes nothing, so its `sets` and `deletes` stay at zero.
    pub(crate) fn stores_anything(&self) -> bool {
        self.inner.backend.kind() != BackendKind::Disabled
    }

    pub(crate) fn count_deleted(&self, count: usize) {
        if self.stores_anything() {
            self.inner.counters.deleted(count);
        }
    }

    pub(crate) fn counted<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if result.is_err() {
            self.inner.counters.error();
        }
        result
    }

    /// Reads `key` (already prefixed), counting a hit or a miss; errors are returned.
    async fn try_lookup<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        let counters = &self.inner.counters;
        if self.inner.pending.covers(key) {
            // Stale until the pending invalidation lands.
            counters.miss();
            return Ok(None);
        }
        let stored = match self.inner.backend.get(key).await {
            Ok(stored) => stored,
            Err(error) => {
                counters.miss();
                counters.error();
                return Err(error);
            }
        };
        // A lease marker means another reader is fetching the value: absent, for now.
        let Some(bytes) = stored.filter(|bytes| !is_marker(bytes)) else {
            counters.miss();
            return Ok(None);
        };
        match serde_json::from_slice(&bytes) {
            Ok(value) => {
                counters.hit(bytes.is_near());
                Ok(Some(value))
            }
            Err(source) => {
                counters.miss();
                counters.error();
                Err(Error::Decode {
                    key: key.to_owned(),
                    source,
                })
            }
        }
    }

    /// Encodes and stores `value` under `key` (already prefixed); errors are returned.
    async fn try_store<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value).map_err(|source| {
            self.inner.counters.error();
            Error::Encode {
                key: key.to_owned(),
                source,
            }
        })?;
        let max = self.inner.settings.max_value_bytes;
        if bytes.len() > max {
            self.inner.counters.too_large();
            return Err(Error::TooLarge {
                key: key.to_owned(),
                bytes: bytes.len(),
                max,
            });
        }
        let ttl = ttl.unwrap_or(self.inner.settings.default_ttl);
        self.counted(self.inner.backend.set(key, bytes, ttl).await)?;
        if self.stores_anything() {
            self.inner.counters.set();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Cache;

    #[test]
    fn debug_shows_the_backend_but_not_the_password() {
        let cache = Cache::builder()
            .redis("redis://reader:hunter2@cache.internal:6380/1")
            .key_prefix("admin:")
            .build()
            .unwrap();
        let shown = format!("{cache:?}");
        assert!(
            shown.contains("Redis at redis://reader:***@cache.internal:6380/1"),
            "{shown}"
        );
        assert!(shown.contains("admin:"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
