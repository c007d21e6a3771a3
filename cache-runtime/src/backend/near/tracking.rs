//! The tracking connection: one RESP3 connection per handle (on a cluster, one per primary, see
//! [`super::cluster`]), on its own thread, that asks Redis for
//! `CLIENT TRACKING ON BCAST PREFIX <key prefix>` and applies every `invalidate` push to the
//! near store as the connection's reader receives it.
//!
//! Broadcast mode, not the default mode: the default mode tracks the keys a connection *read*,
//! so the reads would have to go over the tracking connection itself (or one redirected to
//! it), which the shared data connection is not; and Redis would keep a table of every key
//! every process read. Broadcast costs Redis one prefix per client and sends this process
//! invalidations for keys it never read, which it drops for nothing: cheap next to a read.
//!
//! The store is on only while a session is healthy: it is switched off (every copy dropped)
//! the moment the connection is lost, a `PING` goes unanswered, or the handle is dropped, and
//! switched on again, in a new generation, once Redis has confirmed tracking on a new one.
//! Its own thread and runtime keep it alive whatever runtime the callers use.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Once, RwLock};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, PushInfo, PushKind, Value};
use tokio::sync::Notify;

use super::NearStore;
use super::cluster::{ClusterView, run_cluster_session};
use super::sentinel::run_sentinel_session;
use crate::backend::{NodeSettings, SentinelSettings};
use crate::backoff::Backoff;
use crate::log_limit::OncePerCause;

/// What the tracking follows.
pub(crate) enum Target {
    /// One server, reached as the data connection reaches it.
    Server(redis::Client),
    /// Every primary of a cluster, found from its seeds.
    Cluster(NodeSettings),
    /// The primary the sentinels name, followed across failovers.
    Sentinel(SentinelSettings),
}

/// How often the tracking connection is checked with a `PING` (on a cluster, the slot map is
/// read again too): a half-open connection would otherwise deliver no pushes, and no error.
pub(super) const PING_EVERY: Duration = Duration::from_secs(1);

/// Shortest wait for a `PING` answer: a starved process should not drop its copies for a
/// late answer.
const MIN_PING_TIMEOUT: Duration = Duration::from_secs(1);

pub(super) const RECONNECT: Backoff =
    Backoff::new(Duration::from_millis(50), Duration::from_secs(1));

/// The tracking connection's name in `CLIENT LIST`, so operators (and tests) can find it.
pub const TRACKING_CLIENT_NAME: &str = "cache-near-tracking";

/// Starts the tracking thread on first use, and stops it when dropped.
pub(crate) struct Tracker {
    shared: Arc<Shared>,
    started: Once,
}

pub(super) struct Shared {
    pub(super) store: Arc<NearStore>,
    /// A RESP3 client for the same server as the data connection, or the cluster's nodes.
    target: Target,
    prefix: String,
    pub(super) connect_timeout: Duration,
    pub(super) ping_timeout: Duration,
    pub(super) stop: AtomicBool,
    /// Woken by a lost connection, a reader that saw the cluster change, or the handle's drop.
    pub(super) wake: Notify,
    /// Set by a reader that saw a node other than the slot's owner answer: read the slot map.
    pub(super) recheck: AtomicBool,
    /// The session whose pushes count; an older connection's disconnection changes nothing.
    session: AtomicU64,
    /// On a cluster, the nodes tracked in the current session (readers keep only their values).
    pub(super) view: RwLock<Option<Arc<ClusterView>>>,
    /// Behind Sentinel, the tracking connection and the state its session switched on: reads
    /// that may be kept go over it.
    pub(super) reader: RwLock<Option<(u64, MultiplexedConnection)>>,
    /// The last failure logged, so that a failure is logged once until tracking recovers.
    logged: OncePerCause,
}

impl Tracker {
    /// A tracker for `target` (a server's client is made RESP3 here), tracking keys that
    /// start with `prefix`.
    pub(crate) fn new(
        store: Arc<NearStore>,
        target: Target,
        prefix: String,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Tracker, redis::RedisError> {
        let target = match target {
            Target::Server(client) => Target::Server(resp3(&client)?),
            cluster => cluster,
        };
        Ok(Tracker {
            shared: Arc::new(Shared {
                store,
                target,
                prefix,
                connect_timeout,
                ping_timeout: timeout.max(MIN_PING_TIMEOUT),
                stop: AtomicBool::new(false),
                wake: Notify::new(),
                recheck: AtomicBool::new(false),
                session: AtomicU64::new(0),
                view: RwLock::new(None),
                reader: RwLock::new(None),
                logged: OncePerCause::default(),
            }),
            started: Once::new(),
        })
    }

    /// Whether the tracking follows a cluster's nodes (reads must then say which node answered).
    pub(crate) fn on_cluster(&self) -> bool {
        matches!(self.shared.target, Target::Cluster(_))
    }

    /// Behind Sentinel: the connection to read a value over that the session of `state`
    /// vouches for (its tracking connection). `None` on another deployment, or when that
    /// session is over: read without keeping the value.
    pub(crate) fn reader(&self, state: u64) -> Option<MultiplexedConnection> {
        let reader = self
            .shared
            .reader
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        reader
            .as_ref()
            .filter(|(session_state, _)| *session_state == state)
            .map(|(_, connection)| connection.clone())
    }

    /// Whether reads that may be kept must go over the tracking connection (behind Sentinel).
    pub(crate) fn reads_over_tracking(&self) -> bool {
        matches!(self.shared.target, Target::Sentinel(_))
    }

    /// Whether the cluster node `node` may vouch for a value of `key` read under `state`: it is
    /// tracked in the session that state belongs to. A node that is not the slot's owner in
    /// the session's slot map (the slot moved, or redis-rs followed a redirection) has the
    /// tracking thread read the slot map again.
    pub(crate) fn vouches(&self, state: u64, key: &str, node: &str) -> bool {
        let view = self
            .shared
            .view
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let Some(view) = view.filter(|view| view.state == state) else {
            return false;
        };
        if view.owner(key) != Some(node) {
            self.recheck();
        }
        view.tracks(node)
    }

    /// Asks the tracking thread to read the cluster's slot map again now.
    pub(crate) fn recheck(&self) {
        self.shared.recheck.store(true, SeqCst);
        self.shared.wake.notify_one();
    }

    /// Starts the tracking thread if it is not running yet. Cheap after the first call.
    pub(crate) fn ensure_started(&self) {
        self.started.call_once(|| {
            let shared = Arc::clone(&self.shared);
            let spawned = std::thread::Builder::new()
                .name(TRACKING_CLIENT_NAME.into())
                .spawn(move || run(shared));
            if let Err(error) = spawned {
                tracing::warn!(%error, "cannot start the near cache's tracking thread; the near cache stays off");
            }
        });
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.shared.stop.store(true, SeqCst);
        self.shared.store.reset(false);
        self.shared.wake.notify_one();
    }
}

/// `client`'s settings over RESP3, which carries the pushes.
fn resp3(client: &redis::Client) -> Result<redis::Client, redis::RedisError> {
    let info = client.get_connection_info().clone();
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(redis::ProtocolVersion::RESP3);
    redis::Client::open(info.set_redis_settings(settings))
}

fn run(shared: Arc<Shared>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::warn!(%error, "cannot start the near cache's runtime; the near cache stays off");
            return;
        }
    };
    runtime.block_on(async {
        let mut backoff = RECONNECT;
        while !shared.stop.load(SeqCst) {
            let session = shared.session.fetch_add(1, SeqCst) + 1;
            let outcome = match &shared.target {
                Target::Server(client) => run_session(&shared, client, session, &mut backoff).await,
                Target::Cluster(nodes) => {
                    run_cluster_session(&shared, nodes, session, &mut backoff).await
                }
                Target::Sentinel(settings) => {
                    run_sentinel_session(&shared, settings, session, &mut backoff).await
                }
            };
            // Whatever ended the session, no copy is vouched for any more.
            shared.store.reset(false);
            if let Err(error) = outcome {
                shared.log_failure(&error);
            }
            if shared.stop.load(SeqCst) {
                break;
            }
            let _ = tokio::time::timeout(backoff.next_pause(), shared.wake.notified()).await;
        }
    });
}

/// A session whose tracking is on, until it ends: `Ok` when the handle was dropped, `Err` when
/// a tracking connection was lost (also during the setup: its push handler switched off before
/// the session switched on) or `check` failed. `check` runs every [`PING_EVERY`], and when
/// something wakes the session (`true`).
pub(super) async fn serve(
    shared: &Shared,
    lost: &AtomicBool,
    backoff: &mut Backoff,
    mut check: impl AsyncFnMut(bool) -> Result<(), String>,
) -> Result<(), String> {
    if lost.load(SeqCst) {
        return Err("a tracking connection was lost".into());
    }
    shared.log_recovery();
    backoff.reset();
    loop {
        let woken = tokio::time::timeout(PING_EVERY, shared.wake.notified())
            .await
            .is_ok();
        if shared.stop.load(SeqCst) {
            return Ok(());
        }
        if lost.load(SeqCst) {
            return Err("a tracking connection was lost".into());
        }
        check(woken).await?;
    }
}

/// One tracking connection, from connecting to its loss. `Ok` when the handle was dropped.
async fn run_session(
    shared: &Arc<Shared>,
    client: &redis::Client,
    session: u64,
    backoff: &mut Backoff,
) -> Result<(), String> {
    let lost = Arc::new(AtomicBool::new(false));
    let mut connection = open_tracking(shared, client, session, &lost).await?;
    // Only now, with Redis tracking every key under the prefix, may copies be vouched for.
    shared.store.reset(true);
    serve(shared, &lost, backoff, async |woken| {
        if !woken {
            ping(shared, &mut connection).await?;
        }
        Ok(())
    })
    .await
}

/// A `PING` on a tracking connection, within the ping timeout.
pub(super) async fn ping(
    shared: &Shared,
    connection: &mut MultiplexedConnection,
) -> Result<(), String> {
    let ping = tokio::time::timeout(
        shared.ping_timeout,
        redis::cmd("PING").query_async::<String>(connection),
    )
    .await;
    match ping {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(format!("PING failed: {error}")),
        Err(_elapsed) => Err(format!(
            "no answer to PING within {:?}",
            shared.ping_timeout
        )),
    }
}

/// A RESP3 connection to the server `client` reaches with tracking on, its pushes applied to
/// the store. Its loss (while `session` is current) switches the store off at once and sets
/// `lost`.
pub(super) async fn open_tracking(
    shared: &Arc<Shared>,
    client: &redis::Client,
    session: u64,
    lost: &Arc<AtomicBool>,
) -> Result<MultiplexedConnection, String> {
    let sender = {
        let shared = Arc::clone(shared);
        let lost = Arc::clone(lost);
        move |push: PushInfo| -> Result<(), std::convert::Infallible> {
            match push.kind {
                PushKind::Invalidate => apply_invalidation(&shared.store, &push.data),
                PushKind::Disconnection if shared.session.load(SeqCst) == session => {
                    // At once, before the session loop wakes: a lost push may be in the gap.
                    shared.store.reset(false);
                    lost.store(true, SeqCst);
                    shared.wake.notify_one();
                }
                _ => {}
            }
            Ok(())
        }
    };
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(shared.connect_timeout))
        .set_response_timeout(Some(shared.ping_timeout))
        .set_push_sender(sender);
    let mut connection = connect_within(client, &config, shared.connect_timeout).await?;
    let mut tracking = redis::cmd("CLIENT");
    tracking.arg("TRACKING").arg("ON").arg("BCAST");
    if !shared.prefix.is_empty() {
        tracking.arg("PREFIX").arg(&shared.prefix);
    }
    let mut setup = redis::pipe();
    setup
        .cmd("CLIENT")
        .arg("SETNAME")
        .arg(TRACKING_CLIENT_NAME)
        .ignore()
        .add_command(tracking)
        .ignore();
    tokio::time::timeout(
        shared.ping_timeout,
        setup.query_async::<()>(&mut connection),
    )
    .await
    .map_err(|_elapsed| {
        format!(
            "no answer to CLIENT TRACKING within {:?}",
            shared.ping_timeout
        )
    })?
    .map_err(|error| format!("CLIENT TRACKING refused: {error}"))?;
    Ok(connection)
}

/// Applies one `invalidate` push: keys to drop, or `null` when Redis flushed (or anything this
/// code does not understand, which cannot be vouched for either).
fn apply_invalidation(store: &NearStore, data: &[Value]) {
    let [Value::Array(keys)] = data else {
        // `null`: FLUSHALL / FLUSHDB, or the server dropped its tracking table.
        store.flush();
        return;
    };
    for key in keys {
        match key {
            Value::BulkString(key) => store.invalidate(key),
            Value::SimpleString(key) => store.invalidate(key.as_bytes()),
            _ => {
                store.flush();
                return;
            }
        }
    }
}

impl Shared {
    fn log_failure(&self, error: &str) {
        if self.logged.failed(error) {
            tracing::warn!(
                error,
                "near cache off: Redis client tracking is not running; reads go to Redis until it is back"
            );
        }
    }

    pub(super) fn log_recovery(&self) {
        if self.logged.recovered() {
            tracing::info!("near cache on again: Redis client tracking is back");
        }
    }
}

/// A connection of `client` with `config`, made within `within`; the error says why not.
pub(super) async fn connect_within(
    client: &redis::Client,
    config: &AsyncConnectionConfig,
    within: Duration,
) -> Result<MultiplexedConnection, String> {
    tokio::time::timeout(
        within,
        client.get_multiplexed_async_connection_with_config(config),
    )
    .await
    .map_err(|_elapsed| format!("no connection within {within:?}"))?
    .map_err(|error| format!("cannot connect: {error}"))
}
