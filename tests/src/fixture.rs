//! A fixture that runs one test body over a real Redis server (a private `redis-server` on a
//! free port, never the one on 6379), over the same reached with TLS, or over the in-process
//! backend, with raw access to what is stored.

use std::collections::BTreeSet;
use std::time::Duration;

use cache::{Cache, CacheBuilder, KeyTtl, RedisConfig};

use crate::{RedisServer, TestCerts};

/// Which store a test body runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A private `redis-server`, reached over plain TCP.
    Redis,
    /// Redis over TLS (`rediss://`, a CA made for the test).
    RedisTls,
    /// The in-process backend.
    Memory,
}

impl Kind {
    /// A short lower-case name, for messages and test data: `redis`, `redis-tls`, `in-memory`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Redis => "redis",
            Kind::RedisTls => "redis-tls",
            Kind::Memory => "in-memory",
        }
    }

    /// Whether the store is a Redis server (plain or TLS).
    pub fn is_redis(self) -> bool {
        matches!(self, Kind::Redis | Kind::RedisTls)
    }
}

/// A handle plus the store behind it, with raw access to the store that bypasses the handle's
/// decoding (and, on Redis, its key prefix).
pub struct Fixture {
    /// The handle under test.
    pub cache: Cache,
    server: Option<RedisServer>,
    kind: Kind,
    _certs: Option<TestCerts>,
}

impl Fixture {
    /// A default handle on a fresh store.
    pub fn new(kind: Kind) -> Fixture {
        Fixture::with(kind, |builder| builder)
    }

    /// A handle on a fresh store, configured by `configure` (key prefix, default TTL, ...).
    pub fn with(kind: Kind, configure: impl FnOnce(CacheBuilder) -> CacheBuilder) -> Fixture {
        match kind {
            Kind::Redis => {
                let server = RedisServer::start();
                let cache = configure(Cache::builder().redis(server.url()))
                    .build()
                    .expect("a valid configuration");
                Fixture {
                    cache,
                    server: Some(server),
                    kind,
                    _certs: None,
                }
            }
            Kind::RedisTls => {
                let certs = TestCerts::generate();
                let server = RedisServer::start_tls(&certs, false);
                let redis = RedisConfig::new(server.tls_url()).tls_ca_file(&certs.ca_cert);
                // The first call makes the connection (TCP and TLS handshake) within its
                // timeout; give it room on a busy machine. A test's own timeout still wins.
                let builder = Cache::builder()
                    .redis_config(redis)
                    .timeout(Duration::from_secs(2));
                let cache = configure(builder).build().expect("a valid configuration");
                Fixture {
                    cache,
                    server: Some(server),
                    kind,
                    _certs: Some(certs),
                }
            }
            Kind::Memory => Fixture {
                cache: configure(Cache::builder().in_memory())
                    .build()
                    .expect("a valid configuration"),
                server: None,
                kind,
                _certs: None,
            },
        }
    }

    /// A fixture around an existing handle (on `server`'s Redis, or in process without one).
    pub fn with_handle(cache: Cache, server: Option<RedisServer>) -> Fixture {
        let kind = if server.is_some() {
            Kind::Redis
        } else {
            Kind::Memory
        };
        Fixture {
            cache,
            server,
            kind,
            _certs: None,
        }
    }

    /// Which store the fixture runs over.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The Redis server behind the handle (`None` in process).
    pub fn server(&self) -> Option<&RedisServer> {
        self.server.as_ref()
    }

    /// The Redis server behind the handle, to kill, pause or restart it (`None` in process).
    pub fn server_mut(&mut self) -> Option<&mut RedisServer> {
        self.server.as_mut()
    }

    async fn raw(&self) -> Option<redis::aio::MultiplexedConnection> {
        let server = self.server.as_ref()?;
        Some(
            server
                .client()
                .get_multiplexed_async_connection()
                .await
                .expect("connect to the test redis-server"),
        )
    }

    /// The key as the handle's own API names it: the in-process store is only reachable through
    /// the handle, which adds its prefix, so `full_key` must carry it.
    fn unprefixed<'k>(&self, full_key: &'k str) -> &'k str {
        full_key
            .strip_prefix(self.cache.key_prefix())
            .unwrap_or_else(|| {
                panic!("in-process raw access needs keys under the handle's prefix: {full_key}")
            })
    }

    /// The stored bytes under `full_key` (prefix included), decoded as JSON. On Redis a raw `GET`;
    /// in process, the handle's own `get` (the only way in), which counts in the handle's stats.
    pub async fn stored(&self, full_key: &str) -> Option<serde_json::Value> {
        match self.raw().await {
            Some(mut connection) => {
                let bytes: Option<Vec<u8>> = redis::cmd("GET")
                    .arg(full_key)
                    .query_async(&mut connection)
                    .await
                    .expect("raw GET");
                bytes.map(|bytes| {
                    serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                        panic!(
                            "{full_key} holds {:?}, which is not JSON: {error}",
                            String::from_utf8_lossy(&bytes)
                        )
                    })
                })
            }
            None => self
                .cache
                .get::<serde_json::Value>(self.unprefixed(full_key))
                .await
                .expect("in-process get"),
        }
    }

    /// Stores `json` (text, as another application would write it) under `full_key` for
    /// `ttl_seconds` (no expiry when `None`, Redis only). In process, the text is parsed and
    /// stored through the handle.
    pub async fn store_json(&self, full_key: &str, json: &str, ttl_seconds: Option<u64>) {
        match self.raw().await {
            Some(mut connection) => {
                let mut command = redis::cmd("SET");
                command.arg(full_key).arg(json);
                if let Some(seconds) = ttl_seconds {
                    command.arg("EX").arg(seconds);
                }
                let () = command.query_async(&mut connection).await.expect("raw SET");
            }
            None => {
                let value: serde_json::Value =
                    serde_json::from_str(json).expect("in process, only JSON can be stored");
                self.cache
                    .set(
                        self.unprefixed(full_key),
                        &value,
                        ttl_seconds.map(Duration::from_secs),
                    )
                    .await
                    .expect("in-process set");
            }
        }
    }

    /// Stores arbitrary bytes under `full_key` (Redis only: the in-process store holds only what
    /// the handle encoded).
    pub async fn store_bytes(&self, full_key: &str, bytes: &[u8]) {
        let mut connection = self
            .raw()
            .await
            .expect("raw bytes can only be written to Redis");
        let () = redis::cmd("SET")
            .arg(full_key)
            .arg(bytes)
            .query_async(&mut connection)
            .await
            .expect("raw SET");
    }

    /// Whether `full_key` (prefix included) is in the store.
    pub async fn exists(&self, full_key: &str) -> bool {
        self.ttl_seconds(full_key).await != -2
    }

    /// What Redis's `TTL` says about `full_key`: seconds left, -1 without expiry, -2 when absent.
    /// In process, the same from the handle's [`Cache::ttl`].
    pub async fn ttl_seconds(&self, full_key: &str) -> i64 {
        match self.raw().await {
            Some(mut connection) => redis::cmd("TTL")
                .arg(full_key)
                .query_async(&mut connection)
                .await
                .expect("raw TTL"),
            None => match self
                .cache
                .ttl(self.unprefixed(full_key))
                .await
                .expect("in-process ttl")
            {
                KeyTtl::Missing => -2,
                KeyTtl::Persistent => -1,
                KeyTtl::Expires(left) => i64::try_from(left.as_secs()).unwrap(),
            },
        }
    }

    /// Every key in the store, prefixes included.
    pub async fn all_keys(&self) -> BTreeSet<String> {
        match self.raw().await {
            Some(mut connection) => redis::cmd("KEYS")
                .arg("*")
                .query_async(&mut connection)
                .await
                .expect("raw KEYS on the private test server"),
            None => self
                .cache
                .keys_matching("*", usize::MAX)
                .await
                .expect("in-process keys")
                .into_iter()
                .map(|key| format!("{}{key}", self.cache.key_prefix()))
                .collect(),
        }
    }
}
