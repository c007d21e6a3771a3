//! The Redis backend: one multiplexed `ConnectionManager`, created lazily on first use (so a handle
//! can be built outside an async runtime) and shared by every clone of the handle. It reconnects
//! by itself after a Redis restart. Every command is bounded by the handle's timeout and goes
//! through the circuit breaker, so an outage costs callers a few timeouts, not one each.

use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::Error;
use crate::breaker::{Breaker, is_outage};
use crate::lease::MARKER_PREFIX;

/// Returns the value (or another reader's lease marker) under `KEYS[1]`; when there is none, or
/// only the corrupt value `ARGV[4]` that the caller asks to replace, or a marker that would never
/// expire, leaves the caller's lease marker `ARGV[1]` for `ARGV[2]` ms and returns nil.
/// `ARGV[5]` is the marker prefix. One round trip, atomic.
static LOOKUP_OR_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local value = redis.call('GET', KEYS[1])
        if value and not (ARGV[3] == '1' and value == ARGV[4]) then
            local marker = string.sub(value, 1, #ARGV[5]) == ARGV[5]
            if not marker or redis.call('PTTL', KEYS[1]) >= 0 then
                return value
            end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return false
        ",
    )
});

/// Stores `ARGV[2]` for `ARGV[3]` seconds only if the caller's lease `ARGV[1]` is still there:
/// a delete since the lease was taken means the value may be stale. Returns 1 if stored.
static FILL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
            return 1
        end
        return 0
        ",
    )
});

/// Removes the caller's lease `ARGV[1]` (and nothing else), so readers waiting on it stop waiting.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        ",
    )
});

/// How many keys one `SCAN` step asks for; each step's matches are unlinked in one command.
const SCAN_COUNT: usize = 1000;

pub(crate) struct RedisBackend {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    timeout: Duration,
    pub(crate) breaker: Breaker,
}

impl RedisBackend {
    pub(crate) fn new(client: redis::Client, timeout: Duration, breaker: Breaker) -> Self {
        RedisBackend {
            client,
            connection: OnceCell::new(),
            timeout,
            breaker,
        }
    }

    async fn connection(&self) -> Result<ConnectionManager, Error> {
        let manager = self
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    // Every command is already bounded by `query`'s timeout; a second timer
                    // inside the connection would cost each hit a timer registration for nothing.
                    .set_response_timeout(None)
                    // Reconnect attempts happen in the background; callers never wait longer than
                    // the timeout for them, so keep retrying at a modest pace.
                    .set_min_delay(Duration::from_millis(50))
                    .set_max_delay(Duration::from_secs(2));
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            })
            .await?;
        Ok(manager.clone())
    }

    /// Runs one command with the handle's timeout, unless the breaker is open.
    async fn query<T, F>(&self, run: impl FnOnce(ConnectionManager) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let permit = self.breaker.permit()?;
        let result = self.query_unmetered(run).await;
        permit.record(result.as_ref().err().is_some_and(is_outage));
        result
    }

    /// Runs one command with the handle's timeout, without the breaker.
    async fn query_unmetered<T, F>(
        &self,
        run: impl FnOnce(ConnectionManager) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let attempt = async { Ok(run(self.connection().await?).await?) };
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::Timeout(self.timeout)),
        }
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
        let millis = u64::try_from(lease_ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        self.query(|mut connection| async move {
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
        .await
    }

    /// Stores `value` only if `lease` still holds `key`; returns whether it did.
    pub(crate) async fn fill(
        &self,
        key: &str,
        lease: &[u8],
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, Error> {
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
    }

    /// Removes `lease` from `key` if it is still there.
    pub(crate) async fn release(&self, key: &str, lease: &[u8]) -> Result<bool, Error> {
        self.query(|connection| release(connection, key, lease))
            .await
    }

    /// [`release`](Self::release) without the breaker, for background housekeeping.
    pub(crate) async fn release_unmetered(&self, key: &str, lease: &[u8]) -> Result<bool, Error> {
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
    }

    pub(crate) async fn delete(&self, keys: &[String]) -> Result<u64, Error> {
        if keys.is_empty() {
            return Ok(0);
        }
        self.query(|mut connection| async move {
            redis::cmd("UNLINK")
                .arg(keys)
                .query_async(&mut connection)
                .await
        })
        .await
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
            .await?;
        Ok(match millis {
            -2 => None,
            -1 => Some(None),
            millis => Some(Some(Duration::from_millis(millis.max(0) as u64))),
        })
    }
}

/// The `RELEASE` script's invocation, shared by the metered and unmetered paths.
async fn release(
    mut connection: ConnectionManager,
    key: &str,
    lease: &[u8],
) -> redis::RedisResult<bool> {
    RELEASE
        .key(key)
        .arg(lease)
        .invoke_async(&mut connection)
        .await
}
