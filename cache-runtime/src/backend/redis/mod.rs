//! The Redis store: one shared multiplexed connection (see [`link`]), made on first use (so a
//! handle can be built outside an async runtime) and made again when it breaks or the node
//! stops being the primary. Every command is bounded by the handle's timeout and goes through
//! the circuit breaker, so an outage costs callers a few timeouts, not one each.

mod fault;
mod link;
mod scripts;
mod standalone;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use redis::aio::ConnectionLike;

pub(crate) use self::fault::{describe_connect_error, is_permanent_reply};
pub(crate) use self::standalone::Standalone;

use self::fault::{Fault, classify};
use self::link::{Connect, Link};
use self::scripts::{FILL, LOOKUP_OR_LEASE, RELEASE};
use crate::Error;
use crate::breaker::{Breaker, is_outage};
use crate::lease::MARKER_PREFIX;

/// How many keys one `SCAN` step asks for; each step's matches are unlinked in one command.
const SCAN_COUNT: usize = 1000;

pub(crate) struct RedisBackend {
    link: Arc<Link<Standalone>>,
    timeout: Duration,
    pub(crate) breaker: Breaker,
    /// Set when the ACL user may not run scripts: leases are off, plain `GET`/`SET` instead.
    scripts_denied: AtomicBool,
}

type Connection = <Standalone as Connect>::Connection;

impl RedisBackend {
    pub(crate) fn new(
        connector: Standalone,
        timeout: Duration,
        connect_timeout: Duration,
        breaker: Breaker,
    ) -> Self {
        RedisBackend {
            link: Link::new(connector, connect_timeout),
            timeout,
            breaker,
            scripts_denied: AtomicBool::new(false),
        }
    }

    /// Runs one command with the handle's timeout, unless the breaker is open.
    async fn query<T, F>(&self, run: impl FnOnce(Connection) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let permit = self.breaker.permit()?;
        let result = self.query_unmetered(run).await;
        permit.record(result.as_ref().err().is_some_and(is_outage));
        result
    }

    /// Runs one command with the handle's timeout, without the breaker. A lost connection or a
    /// node that stopped being the primary is dropped, so the next command connects afresh.
    async fn query_unmetered<T, F>(&self, run: impl FnOnce(Connection) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let attempt = async {
            let (connection, generation) = self.link.get().await?;
            run(connection).await.map_err(|error| {
                match classify(&error) {
                    Fault::Lost => self.link.reconnect(generation),
                    Fault::WrongNode => {
                        tracing::warn!(
                            address = self.link.address(),
                            %error,
                            "Redis node cannot serve writes or reads now (failover?); reconnecting"
                        );
                        self.link.reconnect(generation);
                    }
                    Fault::Permanent | Fault::Transient => {}
                }
                Error::from(error)
            })
        };
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::Timeout(self.timeout)),
        }
    }

    /// Round trip of a `PING`, bypassing the breaker: a health probe wants the truth.
    pub(crate) async fn ping(&self) -> Result<Duration, Error> {
        let started = Instant::now();
        let _: String = self
            .query_unmetered(|mut connection| async move {
                redis::cmd("PING").query_async(&mut connection).await
            })
            .await?;
        Ok(started.elapsed())
    }

    /// The value under `key`, or another reader's lease marker; `None` when there was neither
    /// (or only `replace`), in which case `lease` (a marker) now holds the key for `lease_ttl`.
    pub(crate) async fn lookup_or_lease(
        &self,
        key: &str,
        lease: &[u8],
        lease_ttl: Duration,
        replace: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, Error> {
        if self.scripts_denied.load(Relaxed) {
            return self.get(key).await;
        }
        let millis = u64::try_from(lease_ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let found = self
            .query(|mut connection| async move {
                LOOKUP_OR_LEASE
                    .key(key)
                    .arg(lease)
                    .arg(millis)
                    .arg(if replace.is_some() { "1" } else { "0" })
                    .arg(replace.unwrap_or_default())
                    .arg(MARKER_PREFIX)
                    .invoke_async(&mut connection)
                    .await
            })
            .await;
        match found {
            Err(Error::Redis(error)) if self.note_scripts_denied(&error) => self.get(key).await,
            other => other.map_err(|error| refused_key(error, key)),
        }
    }

    /// Whether `error` says the ACL user may not run scripts; if so, remembers it (and says so
    /// once) so that reads go on without leases.
    fn note_scripts_denied(&self, error: &redis::RedisError) -> bool {
        let text = error.to_string().to_ascii_lowercase();
        let denied = error.code() == Some("NOPERM")
            && (text.contains("'evalsha'") || text.contains("'eval'") || text.contains("'script"));
        if denied && !self.scripts_denied.swap(true, Relaxed) {
            tracing::warn!(
                %error,
                "the Redis user may not run scripts (EVALSHA, EVAL, SCRIPT LOAD): caching goes on \
                 without leases, so a value fetched before an invalidation may be stored; grant \
                 +evalsha +eval +script|load to restore them"
            );
        }
        denied
    }

    /// Stores `value` only if `lease` still holds `key`; returns whether it did. Without
    /// scripts, stores it unconditionally (there is no lease).
    pub(crate) async fn fill(
        &self,
        key: &str,
        lease: &[u8],
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, Error> {
        if self.scripts_denied.load(Relaxed) {
            return self.set(key, value, ttl).await.map(|()| true);
        }
        let seconds = ttl.as_secs().max(1);
        self.query(|mut connection| async move {
            FILL.key(key)
                .arg(lease)
                .arg(value)
                .arg(seconds)
                .invoke_async(&mut connection)
                .await
        })
        .await
        .map_err(|error| refused_key(error, key))
    }

    /// Removes `lease` from `key` if it is still there.
    pub(crate) async fn release(&self, key: &str, lease: &[u8]) -> Result<bool, Error> {
        if self.scripts_denied.load(Relaxed) {
            return Ok(false);
        }
        self.query(|connection| release(connection, key, lease))
            .await
    }

    /// [`release`](Self::release) without the breaker, for background housekeeping.
    pub(crate) async fn release_unmetered(&self, key: &str, lease: &[u8]) -> Result<bool, Error> {
        if self.scripts_denied.load(Relaxed) {
            return Ok(false);
        }
        self.query_unmetered(|connection| release(connection, key, lease))
            .await
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.query(|mut connection| async move {
            redis::cmd("GET")
                .arg(key)
                .query_async(&mut connection)
                .await
        })
        .await
        .map_err(|error| refused_key(error, key))
    }

    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), Error> {
        // Redis wants whole seconds (a float once crashed Notify's cache), and at least one.
        let seconds = ttl.as_secs().max(1);
        self.query(|mut connection| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("EX")
                .arg(seconds)
                .query_async(&mut connection)
                .await
        })
        .await
        .map_err(|error| refused_key(error, key))
    }

    /// Removes `keys` in one `UNLINK`. If the ACL user may not touch some of them, the others
    /// are still removed (one `UNLINK` each, pipelined) and the refusal names the first key
    /// refused.
    pub(crate) async fn delete(&self, keys: &[String]) -> Result<u64, Error> {
        if keys.is_empty() {
            return Ok(0);
        }
        let all = self
            .query(|mut connection| async move {
                redis::cmd("UNLINK")
                    .arg(keys)
                    .query_async(&mut connection)
                    .await
            })
            .await;
        match all {
            Err(Error::Redis(error)) if error.code() == Some("NOPERM") && keys.len() > 1 => {
                self.delete_each(keys).await
            }
            other => other.map_err(|error| refused_key(error, &keys[0])),
        }
    }

    /// One `UNLINK` per key in one pipeline, so that a refused key does not stop the others.
    async fn delete_each(&self, keys: &[String]) -> Result<u64, Error> {
        let replies: Vec<redis::RedisResult<u64>> = self
            .query(|mut connection| async move {
                let mut pipeline = redis::pipe();
                for key in keys {
                    pipeline.cmd("UNLINK").arg(key);
                }
                pipeline.ignore_errors().query_async(&mut connection).await
            })
            .await?;
        let mut deleted = 0;
        let mut refusal = None;
        for (key, reply) in keys.iter().zip(replies) {
            match reply {
                Ok(count) => deleted += count,
                Err(error) if refusal.is_none() => refusal = Some(refused_key(error.into(), key)),
                Err(_) => {}
            }
        }
        match refusal {
            Some(error) => Err(error),
            None => Ok(deleted),
        }
    }

    /// `SCAN MATCH` + `UNLINK` step by step: never `KEYS`, which blocks the server.
    pub(crate) async fn delete_matching(&self, pattern: &str) -> Result<u64, Error> {
        let mut cursor = 0u64;
        let mut deleted = 0;
        loop {
            let (next, keys) = self.scan_step(cursor, pattern).await?;
            deleted += self.delete(&keys).await?;
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    pub(crate) async fn keys_matching(
        &self,
        pattern: &str,
        limit: usize,
    ) -> Result<Vec<String>, Error> {
        let mut cursor = 0u64;
        let mut found = Vec::new();
        loop {
            let (next, keys) = self.scan_step(cursor, pattern).await?;
            found.extend(keys);
            if next == 0 || found.len() >= limit {
                found.truncate(limit);
                return Ok(found);
            }
            cursor = next;
        }
    }

    async fn scan_step(&self, cursor: u64, pattern: &str) -> Result<(u64, Vec<String>), Error> {
        self.query(|mut connection| async move {
            redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .query_async(&mut connection)
                .await
        })
        .await
    }

    pub(crate) async fn ttl(&self, key: &str) -> Result<Option<Option<Duration>>, Error> {
        let millis: i64 = self
            .query(|mut connection| async move {
                redis::cmd("PTTL")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
            })
            .await
            .map_err(|error| refused_key(error, key))?;
        Ok(from_pttl(millis))
    }

    /// `PTTL` of each of `keys` in one pipeline: one round trip however many keys. A key the
    /// ACL user may not read fails the whole call, naming the first such key.
    pub(crate) async fn ttls(
        &self,
        keys: &[String],
    ) -> Result<Vec<Option<Option<Duration>>>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let replies: Vec<redis::RedisResult<i64>> = self
            .query(|mut connection| async move {
                let mut pipeline = redis::pipe();
                for key in keys {
                    pipeline.cmd("PTTL").arg(key);
                }
                pipeline.ignore_errors().query_async(&mut connection).await
            })
            .await?;
        keys.iter()
            .zip(replies)
            .map(|(key, reply)| {
                reply
                    .map(from_pttl)
                    .map_err(|error| refused_key(error.into(), key))
            })
            .collect()
    }
}

/// `PTTL`'s reply: -2 for no key, -1 for a key without expiry, else milliseconds left.
fn from_pttl(millis: i64) -> Option<Option<Duration>> {
    match millis {
        -2 => None,
        -1 => Some(None),
        millis => Some(Some(Duration::from_millis(millis.max(0) as u64))),
    }
}

/// A `NOPERM` or `WRONGTYPE` reply about `key`, as an error that names it; others unchanged.
fn refused_key(error: Error, key: &str) -> Error {
    match error {
        Error::Redis(error) if matches!(error.code(), Some("NOPERM" | "WRONGTYPE")) => {
            // Redis's own words: `NOPERM this user has no permissions to access one of the keys…`.
            let detail = match (error.code(), error.detail()) {
                (Some(code), Some(detail)) => format!("{code} {detail}"),
                _ => error.to_string(),
            };
            Error::Refused {
                what: format!("key `{key}`"),
                detail,
            }
        }
        other => other,
    }
}

/// The `RELEASE` script's invocation, shared by the metered and unmetered paths.
async fn release(
    mut connection: impl ConnectionLike + Send,
    key: &str,
    lease: &[u8],
) -> redis::RedisResult<bool> {
    RELEASE
        .key(key)
        .arg(lease)
        .invoke_async(&mut connection)
        .await
}
