//! The Redis backend: one multiplexed `ConnectionManager`, created lazily on first use (so a handle
//! can be built outside an async runtime) and shared by every clone of the handle. It reconnects
//! by itself after a Redis restart. Every command is bounded by the handle's timeout.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::Error;

/// How many keys one `SCAN` step asks for; each step's matches are unlinked in one command.
const SCAN_COUNT: usize = 1000;

pub(crate) struct RedisBackend {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    timeout: Duration,
}

impl RedisBackend {
    pub(crate) fn new(client: redis::Client, timeout: Duration) -> Self {
        RedisBackend {
            client,
            connection: OnceCell::new(),
            timeout,
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

    /// Runs one command with the handle's timeout.
    async fn query<T, F>(&self, run: impl FnOnce(ConnectionManager) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let attempt = async { Ok(run(self.connection().await?).await?) };
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::Timeout(self.timeout)),
        }
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
