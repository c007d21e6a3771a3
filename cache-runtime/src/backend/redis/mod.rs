//! The Redis store: one shared multiplexed connection (see [`link`]), made on first use (so a
//! handle can be built outside an async runtime) and made again when it breaks or the node
//! stops being the primary. Every command is bounded by the handle's timeout and goes through
//! the circuit breaker, so an outage costs callers a few timeouts, not one each.

mod cluster;
mod cluster_node;
mod connect_cause;
mod connection;
mod fault;
mod link;
mod near_read;
mod reply;
mod scan;
mod scripts;
mod sentinel;
mod standalone;
mod topology;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use redis::aio::ConnectionLike;

pub(crate) use self::cluster::{ClusterConnector, NodeSettings, client as cluster_client};
pub(crate) use self::connect_cause::describe as describe_connect_error;
pub(crate) use self::fault::{is_lost, is_permanent_reply};
pub(crate) use self::near_read::is_myid_denied;
pub(crate) use self::sentinel::{SentinelConnector, SentinelSettings};
pub(crate) use self::standalone::{Connector, Standalone};

use self::cluster_node::ClusterNodeCheck;
use self::fault::{Fault, classify};
use self::link::{Connect, Link};
use self::reply::Waited;
use self::scripts::{FILL, LOOKUP_OR_LEASE, RELEASE};
use crate::Error;
use crate::breaker::{Breaker, is_outage};
use crate::lease::{OLD_MARKER_PREFIX, token_key};
use crate::log_limit::Limiter;

/// The store, over whichever connection its [`Connector`] makes: every command is written
/// once against redis-rs's `ConnectionLike`, and a cluster differs only in where `SCAN` goes.
pub(crate) struct RedisBackend {
    link: Arc<Link<Connector>>,
    timeout: Duration,
    pub(crate) breaker: Breaker,
    /// Set when the ACL user may not run scripts: leases are off, plain `GET`/`SET` instead.
    scripts_denied: AtomicBool,
    /// Limits the warning about replies abandoned without blaming Redis (see [`reply`]).
    starved_warnings: Limiter,
    /// Notices a cluster node reached as a single server.
    cluster_node: ClusterNodeCheck,
}

type Connection = <Connector as Connect>::Connection;

impl RedisBackend {
    pub(crate) fn new(
        connector: Connector,
        timeout: Duration,
        connect_timeout: Duration,
        breaker: Breaker,
    ) -> Self {
        let cluster_node = ClusterNodeCheck::new(matches!(connector, Connector::Cluster(_)));
        RedisBackend {
            link: Link::new(connector, connect_timeout),
            timeout,
            breaker,
            scripts_denied: AtomicBool::new(false),
            starved_warnings: Limiter::default(),
            cluster_node,
        }
    }

    /// Runs one command with the handle's timeout, unless the breaker is open.
    async fn query<T, F>(&self, run: impl Fn(Connection) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let permit = self.breaker.permit()?;
        self.query_with(permit, run).await
    }

    /// Runs one command of an invalidation with the handle's timeout, even while the breaker is
    /// open: deletes are few, and one that could land must not wait in the background for the
    /// cool-down while readers elsewhere (another process, Python) are served the old value.
    async fn query_invalidation<T, F>(&self, run: impl Fn(Connection) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let permit = self.breaker.permit_always();
        self.query_with(permit, run).await
    }

    async fn query_with<T, F>(
        &self,
        permit: crate::breaker::Permit<'_>,
        run: impl Fn(Connection) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let mut silent = false;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let result = self.query_until(deadline, run, &mut silent).await;
        permit.record(match &result {
            Ok(_) => false,
            // Only Redis's silence counts: a process starved of CPU, or reading other replies
            // first, is not Redis failing (see `reply`).
            Err(Error::Timeout(_)) => silent,
            Err(error) => is_outage(error),
        });
        result
    }

    /// Runs one command with the handle's timeout, without the breaker. A lost connection or a
    /// node that stopped being the primary is dropped, so the next command connects afresh.
    ///
    /// A connection lost while another runtime drove it (a test's runtime ending while another
    /// test shares the handle) is not Redis failing: the command is sent once more, on a new
    /// connection of the caller's, within the same deadline. Every command here can be sent
    /// twice: reads, deletes and `SET`s repeat, the lease lookup knows its own marker, and a
    /// repeated fill finds its token gone and stores nothing.
    async fn query_unmetered<T, F>(&self, run: impl Fn(Connection) -> F) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        self.query_until(deadline, run, &mut false).await
    }

    /// [`query_unmetered`](Self::query_unmetered), bounded by `deadline` (extended while Redis
    /// is heard answering, see [`reply`]). `silent` is set when a timeout is Redis's silence.
    async fn query_until<T, F>(
        &self,
        deadline: tokio::time::Instant,
        run: impl Fn(Connection) -> F,
        silent: &mut bool,
    ) -> Result<T, Error>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let mut may_retry = true;
        loop {
            // A working connection, the usual case, needs no timer for the wait.
            let (connection, generation) = match self.link.ready_now() {
                Some(ready) => ready,
                None => match tokio::time::timeout_at(deadline, self.link.get()).await {
                    Ok(connection) => connection?,
                    Err(_elapsed) => {
                        let late = tokio::time::Instant::now().saturating_duration_since(deadline);
                        *silent = !reply::starved(late, self.timeout);
                        return Err(Error::Timeout(self.timeout));
                    }
                },
            };
            let heard = || self.link.heard();
            let command = std::pin::pin!(run(connection));
            let error = match reply::wait(command, deadline, self.timeout, heard).await {
                Waited::Replied(Ok(value)) => {
                    self.link.answered();
                    return Ok(value);
                }
                Waited::Replied(Err(error)) => error,
                Waited::Silent => {
                    *silent = true;
                    self.link.timed_out(generation);
                    return Err(Error::Timeout(self.timeout));
                }
                Waited::Late(late) => {
                    self.late_warning(late);
                    return Err(Error::Timeout(self.timeout));
                }
            };
            if may_retry
                && classify(&error) == Fault::Lost
                && self.link.driven_elsewhere(generation)
            {
                may_retry = false;
                self.link.reconnect(generation);
                continue;
            }
            return Err(self.failed(error, generation));
        }
    }

    /// Warns, at most once in a while, of a reply abandoned while Redis was answering others or
    /// this process was starved of CPU.
    fn late_warning(&self, late: Duration) {
        if let Some(suppressed) = self.starved_warnings.allow("starved") {
            tracing::warn!(
                timeout = ?self.timeout,
                waited = ?self.timeout * reply::PATIENCE,
                seen_late_by = ?late,
                suppressed,
                "a cache operation got no reply while Redis was answering others or this process \
                 was starved of CPU: not counted against Redis (the breaker stays closed); consider \
                 a longer CACHE_TIMEOUT, or moving CPU-bound work off the async runtime"
            );
        }
    }

    /// What a command's error means for the connection it was sent on.
    fn failed(&self, error: redis::RedisError, generation: u64) -> Error {
        match classify(&error) {
            Fault::Lost => {
                self.link.reconnect(generation);
            }
            Fault::WrongNode => {
                tracing::warn!(
                    address = self.link.address(),
                    %error,
                    "Redis node cannot serve writes or reads now (failover?); reconnecting"
                );
                self.link.reconnect(generation);
            }
            Fault::Permanent | Fault::Transient => self.link.answered(),
        }
        self.cluster_node.explain(error, self.link.address())
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
    /// (or only `replace`), in which case the caller's lease (token `lease`) now holds the key
    /// for `lease_ttl`.
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
        let token_key = token_key(key);
        let token_key = &token_key;
        let found = self
            .query(|mut connection| async move {
                LOOKUP_OR_LEASE
                    .key(key)
                    .key(token_key)
                    .arg(lease)
                    .arg(millis)
                    .arg(if replace.is_some() { "1" } else { "0" })
                    .arg(replace.unwrap_or_default())
                    .arg(OLD_MARKER_PREFIX)
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
        let token_key = token_key(key);
        let token_key = &token_key;
        self.query(|mut connection| async move {
            FILL.key(key)
                .key(token_key)
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
            .query_invalidation(|mut connection| async move {
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
            .query_invalidation(
                |mut connection| async move { connection.per_key("UNLINK", keys).await },
            )
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
            .query(|mut connection| async move { connection.per_key("PTTL", keys).await })
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
        .key(token_key(key))
        .arg(lease)
        .invoke_async(&mut connection)
        .await
}
