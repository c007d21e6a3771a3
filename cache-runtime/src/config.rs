//! Building a handle: the builder, its defaults, and configuration from the environment.

use std::time::Duration;

use crate::backend::{Backend, MemoryBackend, Near, RedisBackend};
use crate::breaker::Breaker;
use crate::settings::Settings;
use crate::{Cache, Error, RedisConfig};

/// Upper bound on what the in-process backend holds (keys plus values) before evicting.
pub const DEFAULT_MEMORY_CAPACITY_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone)]
enum BackendChoice {
    Redis(RedisConfig),
    InMemory,
    Disabled,
}

/// Configures a [`Cache`]. Start from [`Cache::builder`].
///
/// ```
/// use std::time::Duration;
///
/// let cache = cache::Cache::builder()
///     .in_memory()
///     .key_prefix("admin:")
///     .default_ttl(Duration::from_secs(3600))
///     .build()?;
/// assert_eq!(cache.key_prefix(), "admin:");
/// # Ok::<(), cache::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct CacheBuilder {
    backend: BackendChoice,
    settings: Settings,
    memory_capacity_bytes: u64,
}

impl Default for CacheBuilder {
    fn default() -> Self {
        CacheBuilder {
            backend: BackendChoice::Disabled,
            settings: Settings::default(),
            memory_capacity_bytes: DEFAULT_MEMORY_CAPACITY_BYTES,
        }
    }
}

impl CacheBuilder {
    /// Store values in Redis at `url` (`redis://[user:password@]host[:port][/db]`, `rediss://…`
    /// for TLS with the system's roots). No connection is made until the first cache operation.
    /// For a CA file, a client certificate or other TLS settings, use
    /// [`redis_config`](Self::redis_config).
    pub fn redis(self, url: impl Into<String>) -> Self {
        self.redis_config(RedisConfig::new(url))
    }

    /// Store values in the Redis that `config` describes (URL and TLS material).
    pub fn redis_config(mut self, config: RedisConfig) -> Self {
        self.backend = BackendChoice::Redis(config);
        self
    }

    /// Bound on making a connection to Redis (TCP, TLS handshake, `AUTH`, `SELECT`), which runs
    /// in the background: callers still wait at most [`timeout`](Self::timeout). 5 s by default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Store values in this process only (bounded, with the same TTL and pattern semantics as Redis).
    /// Suits tests, single-process tools and development; processes do not see each other's entries.
    pub fn in_memory(mut self) -> Self {
        self.backend = BackendChoice::InMemory;
        self
    }

    /// Store nothing: every read is a miss and every wrapped function runs its body (the default).
    pub fn disabled(mut self) -> Self {
        self.backend = BackendChoice::Disabled;
        self
    }

    /// Prepend `prefix` to every key (a namespace), e.g. `"admin:"`. Empty by default, so keys are
    /// exactly those of the templates and can be shared with other apps (Notify's admin app uses none).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.key_prefix = prefix.into();
        self
    }

    /// TTL for attributes that name none. Whole seconds, at least one; 24 hours by default.
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.settings.default_ttl = ttl;
        self
    }

    /// Bound on each cache operation; a slower one counts as an error and the call carries on
    /// without the cache. 100 ms by default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Whether a read that misses takes a lease on the key (on by default). A lease makes the
    /// read's later store conditional: if the key is invalidated while the value is being
    /// fetched, the (possibly stale) value is not stored. Readers that find another's lease wait
    /// for its fill (see [`lease_wait`](Self::lease_wait)). Turn off only where another program
    /// reads the same keys and cannot tolerate a short-lived marker value (see `docs/PYTHON.md`).
    pub fn leases(mut self, on: bool) -> Self {
        self.settings.leases = on;
        self
    }

    /// How long a lease lasts (10 s by default). A fill later than this is refused.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.settings.lease_ttl = ttl;
        self
    }

    /// How long a reader that finds another reader's lease waits for that fill, polling, before
    /// calling through itself without storing (250 ms by default; zero calls through at once).
    pub fn lease_wait(mut self, wait: Duration) -> Self {
        self.settings.lease_wait = wait;
        self
    }

    /// The largest value stored, in bytes of its JSON ([`DEFAULT_MAX_VALUE_BYTES`](crate::DEFAULT_MAX_VALUE_BYTES),
    /// 4 MiB, by default). A larger value is checked before anything is sent: an annotated read
    /// returns it uncached (counted in [`Stats::values_too_large`](crate::Stats::values_too_large)
    /// and logged), and [`Cache::set`](crate::Cache::set) returns [`Error::TooLarge`](crate::Error::TooLarge).
    /// Every call shares one connection, so one huge value would hold up all the others.
    pub fn max_value_size(mut self, bytes: usize) -> Self {
        self.settings.max_value_bytes = bytes;
        self
    }

    /// Whether concurrent misses of one key in this process run the body once and share its
    /// outcome (on by default).
    pub fn single_flight(mut self, on: bool) -> Self {
        self.settings.single_flight = on;
        self
    }

    /// The circuit breaker in front of Redis: after `failures` consecutive timeouts or
    /// connection errors, Redis is skipped for `cool_down`, then one call probes it. 3 failures
    /// and 2 s by default; `failures = 0` turns the breaker off.
    pub fn circuit_breaker(mut self, failures: u32, cool_down: Duration) -> Self {
        self.settings.breaker_threshold = failures;
        self.settings.breaker_cool_down = cool_down;
        self
    }

    /// How long a failed invalidation is retried in the background, with backoff, before it is
    /// given up and logged at error level (60 s by default).
    pub fn invalidation_retry_for(mut self, budget: Duration) -> Self {
        self.settings.invalidation_retry_for = budget;
        self
    }

    /// A near cache of `capacity_bytes` (keys plus values) in front of Redis: values read
    /// through Redis are kept in this process too, and served from there while Redis's client
    /// tracking vouches for them (a dedicated RESP3 connection, `CLIENT TRACKING ON BCAST`).
    /// Writes and deletes by this process drop the local copy before they return; another
    /// process's reach it when Redis pushes the invalidation, which leaves a short window in
    /// which a stale value can be served (see `docs/NEAR_CACHE.md`). 0, the default, means none.
    ///
    /// On a Redis Cluster there is one tracking connection per primary, and the near cache
    /// serves only while every primary has one; behind Sentinel tracking follows the primary
    /// the sentinels name. Ignored by the in-process and disabled backends, which have nothing
    /// to copy. Between 64 KiB and 1 TiB.
    pub fn near_cache(mut self, capacity_bytes: u64) -> Self {
        self.settings.near_capacity_bytes = capacity_bytes;
        self
    }

    /// Bound on the in-process backend's size in bytes of keys and values (256 MiB by default).
    pub fn memory_capacity_bytes(mut self, bytes: u64) -> Self {
        self.memory_capacity_bytes = bytes;
        self
    }

    /// Checks the configuration and builds the handle. Never connects: a Redis handle connects on
    /// first use. TLS files are read now, so a missing or unreadable one is an error here.
    pub fn build(self) -> Result<Cache, Error> {
        let settings = self.settings;
        settings.check()?;
        let (backend, description) = match self.backend {
            BackendChoice::Redis(config) => {
                let (connector, mut description) = config.connector(settings.connect_timeout)?;
                let near = crate::backend::near_cache_for(&connector, &settings, &mut description);
                let redis = RedisBackend::new(
                    connector,
                    settings.timeout,
                    settings.connect_timeout,
                    Breaker::new(settings.breaker_threshold, settings.breaker_cool_down),
                );
                (
                    Backend::Redis(Box::new(Near::new(redis, near))),
                    description,
                )
            }
            BackendChoice::InMemory => (
                Backend::Memory(MemoryBackend::new(self.memory_capacity_bytes)),
                "in-process".to_owned(),
            ),
            BackendChoice::Disabled => (Backend::Disabled, "disabled".to_owned()),
        };
        Ok(Cache::from_parts(backend, description, settings))
    }

    /// A builder configured from environment variables (see [`Cache::from_env`]).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` instead of the process
    /// environment (useful in tests, or with a configuration map of your own).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut builder = CacheBuilder::default();

        let enabled = var("REDIS_ENABLED")
            .map(|value| parse_switch("REDIS_ENABLED", &value))
            .transpose()?;
        builder.backend = match (enabled, var("REDIS_URL")) {
            (Some(false), _) => {
                tracing::info!(
                    "cache disabled: REDIS_ENABLED is off; every cached call runs its body"
                );
                BackendChoice::Disabled
            }
            (Some(true), None) => {
                return Err(Error::Config(
                    "REDIS_ENABLED is on but REDIS_URL is not set".into(),
                ));
            }
            (_, Some(url)) => BackendChoice::Redis(redis_from_vars(url, &var)?),
            (None, None) => {
                tracing::warn!(
                    "cache disabled: REDIS_URL is not set; every cached call runs its body \
                     (set REDIS_URL, or REDIS_ENABLED=0 to silence this)"
                );
                BackendChoice::Disabled
            }
        };
        if let Some(prefix) = lookup("CACHE_KEY_PREFIX") {
            builder.settings.key_prefix = prefix;
        }
        if let Some(ttl) = var("CACHE_DEFAULT_TTL") {
            builder.settings.default_ttl = parse_duration("CACHE_DEFAULT_TTL", &ttl)?;
        }
        if let Some(timeout) = var("CACHE_TIMEOUT") {
            builder.settings.timeout = parse_duration("CACHE_TIMEOUT", &timeout)?;
        }
        if let Some(bytes) = var("CACHE_NEAR_CAPACITY_BYTES") {
            let bytes = bytes.trim().parse::<u64>().map_err(|_| {
                Error::Config(format!(
                    "CACHE_NEAR_CAPACITY_BYTES={bytes:?} is not a number of bytes (0 for none)"
                ))
            })?;
            crate::settings::check_near_capacity("CACHE_NEAR_CAPACITY_BYTES", bytes)?;
            builder.settings.near_capacity_bytes = bytes;
        }
        if let Some(timeout) = var("CACHE_CONNECT_TIMEOUT") {
            builder.settings.connect_timeout = parse_duration("CACHE_CONNECT_TIMEOUT", &timeout)?;
        }
        Ok(builder)
    }
}

/// `REDIS_URL` with the `REDIS_TLS_*`, `REDIS_CLUSTER` and `REDIS_SENTINELS` variables.
fn redis_from_vars(
    url: String,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<RedisConfig, Error> {
    let cluster = var("REDIS_CLUSTER")
        .map(|value| parse_switch("REDIS_CLUSTER", &value))
        .transpose()?
        .unwrap_or(false);
    let mut config = if cluster {
        RedisConfig::cluster(
            url.split(',')
                .map(str::trim)
                .filter(|seed| !seed.is_empty()),
        )
    } else {
        RedisConfig::new(url)
    };
    if let Some(ca) = var("REDIS_TLS_CA_FILE") {
        config = config.tls_ca_file(ca);
    }
    match (var("REDIS_TLS_CERT_FILE"), var("REDIS_TLS_KEY_FILE")) {
        (Some(cert), Some(key)) => config = config.tls_client_cert(cert, key),
        (None, None) => {}
        _ => {
            return Err(Error::Config(
                "REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together: set both or neither"
                    .into(),
            ));
        }
    }
    if let Some(insecure) = var("REDIS_TLS_INSECURE") {
        config = config.tls_insecure(parse_switch("REDIS_TLS_INSECURE", &insecure)?);
    }
    if let Some(sentinels) = var("REDIS_SENTINELS") {
        config = config.sentinels(
            sentinels
                .split(',')
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(str::to_owned),
        );
    }
    Ok(config)
}

fn parse_switch(name: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(Error::Config(format!(
            "{name}={other:?} is not a switch; use 1 or 0 (true/false, yes/no, on/off)"
        ))),
    }
}

fn parse_duration(name: &str, value: &str) -> Result<Duration, Error> {
    let duration = humantime::parse_duration(value.trim()).map_err(|error| {
        Error::Config(format!(
            "{name}={value:?} is not a duration like \"24h\" or \"100ms\": {error}"
        ))
    })?;
    crate::settings::check_bounds(name, duration)?;
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::CacheBuilder;
    use crate::{BackendKind, Error};

    fn from(vars: &[(&str, &str)]) -> Result<crate::Cache, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CacheBuilder::from_vars(|name| vars.get(name).cloned())?.build()
    }

    #[test]
    fn nothing_configured_means_disabled() {
        assert_eq!(from(&[]).unwrap().backend_kind(), BackendKind::Disabled);
    }

    #[test]
    fn a_url_enables_redis_unless_switched_off() {
        let url = ("REDIS_URL", "redis://127.0.0.1:1");
        assert_eq!(from(&[url]).unwrap().backend_kind(), BackendKind::Redis);
        assert_eq!(
            from(&[url, ("REDIS_ENABLED", "1")]).unwrap().backend_kind(),
            BackendKind::Redis
        );
        assert_eq!(
            from(&[url, ("REDIS_ENABLED", "0")]).unwrap().backend_kind(),
            BackendKind::Disabled
        );
    }

    #[test]
    fn enabled_without_url_or_nonsense_switch_is_an_error() {
        assert!(matches!(
            from(&[("REDIS_ENABLED", "1")]),
            Err(Error::Config(_))
        ));
        let error = from(&[("REDIS_ENABLED", "maybe")]).unwrap_err();
        assert!(
            error.to_string().contains("REDIS_ENABLED=\"maybe\""),
            "{error}"
        );
    }

    #[test]
    fn durations_and_prefix_are_read() {
        let cache = from(&[
            ("CACHE_DEFAULT_TTL", "7d"),
            ("CACHE_TIMEOUT", "250ms"),
            ("CACHE_KEY_PREFIX", "admin:"),
        ])
        .unwrap();
        assert_eq!(cache.default_ttl(), Duration::from_secs(7 * 86400));
        assert_eq!(cache.timeout(), Duration::from_millis(250));
        assert_eq!(cache.key_prefix(), "admin:");
        assert!(from(&[("CACHE_DEFAULT_TTL", "24 hourz")]).is_err());
        assert!(from(&[("CACHE_DEFAULT_TTL", "1500ms")]).is_err());
        assert!(from(&[("CACHE_TIMEOUT", "0s")]).is_err());
    }

    #[test]
    fn a_cluster_is_one_switch_over_the_seed_urls() {
        let cache = from(&[
            ("REDIS_CLUSTER", "1"),
            ("REDIS_URL", "redis://10.0.0.1:7000, redis://10.0.0.2:7001"),
        ])
        .unwrap();
        assert_eq!(
            cache.backend_description(),
            "Redis Cluster from redis://10.0.0.1:7000/0, redis://10.0.0.2:7001/0"
        );
        let error = from(&[("REDIS_CLUSTER", "maybe"), ("REDIS_URL", "redis://h")]).unwrap_err();
        assert!(error.to_string().contains("REDIS_CLUSTER"), "{error}");
    }

    #[test]
    fn bad_urls_are_refused_without_showing_the_password() {
        let error = from(&[("REDIS_URL", "http://user:hunter2@host")]).unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("`http://…"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
