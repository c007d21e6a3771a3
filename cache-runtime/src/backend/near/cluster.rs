//! Tracking on a Redis Cluster. In broadcast mode a node pushes invalidations only for the keys
//! it serves, so one tracking connection per primary is needed, and the near cache is on only
//! while every primary of the slot map has one.
//!
//! A session finds the primaries with `CLUSTER SLOTS` (from the seeds), opens a tracking
//! connection to each, reads the slot map again on a tracked node and switches the store on
//! only if the primaries are still the same. Then, every [`PING_EVERY`](super::tracking::PING_EVERY) or when a reader asks,
//! it pings every node and reads the slot map again: slots moving between tracked primaries
//! only update the map (the node a key leaves deletes it there, which it pushes, and the node
//! it reaches is tracked); a different set of primaries (a failover, a node added or removed)
//! or a lost connection ends the session, which drops every copy until a new one has tracking
//! on every new primary.
//!
//! Readers keep a value only if the node that answered (`CLUSTER MYID`, asked in the same
//! pipeline) is tracked in the session their ticket was taken in: a value from a node this
//! process does not track, such as a just-promoted replica, is never kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Value};

use super::tracking::{Shared, connect_within, open_tracking, ping, serve};
use crate::backend::NodeSettings;
use crate::backoff::Backoff;

/// The nodes one session tracks, for readers to check a value's source against.
pub(crate) struct ClusterView {
    /// The store's state the session switched on (as in a reader's ticket).
    pub(super) state: u64,
    /// `(first slot, last slot, owner's id)`, sorted.
    ranges: Vec<(u16, u16, String)>,
    /// The tracked primaries' ids, sorted.
    nodes: Vec<String>,
}

impl ClusterView {
    /// The id of the node the session's slot map says serves `key`.
    pub(super) fn owner(&self, key: &str) -> Option<&str> {
        let slot = crate::lease::slot(key.as_bytes());
        let index = self.ranges.partition_point(|(start, _, _)| *start <= slot);
        let (start, end, id) = self.ranges.get(index.checked_sub(1)?)?;
        (*start..=*end).contains(&slot).then_some(id.as_str())
    }

    /// Whether the session has a tracking connection on the node `id`.
    pub(super) fn tracks(&self, id: &str) -> bool {
        self.nodes
            .binary_search_by(|node| node.as_str().cmp(id))
            .is_ok()
    }
}

/// A primary, as `CLUSTER SLOTS` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Primary {
    id: String,
    host: String,
    port: u16,
}

/// The slot map at one moment.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    ranges: Vec<(u16, u16, String)>,
    /// Every primary serving slots, each once, sorted.
    primaries: Vec<Primary>,
}

/// One session over every primary, from discovery to its end. `Ok` when the handle was dropped.
pub(super) async fn run_cluster_session(
    shared: &Arc<Shared>,
    nodes: &NodeSettings,
    session: u64,
    backoff: &mut Backoff,
) -> Result<(), String> {
    let lost = Arc::new(AtomicBool::new(false));
    let layout = discover(shared, nodes).await?;
    let mut tracked: Vec<MultiplexedConnection> = Vec::new();
    for primary in &layout.primaries {
        let client = nodes
            .resp3_client(&primary.host, primary.port)
            .map_err(|error| format!("{}:{}: {error}", primary.host, primary.port))?;
        let connection = open_tracking(shared, &client, session, &lost)
            .await
            .map_err(|error| format!("{}:{}: {error}", primary.host, primary.port))?;
        tracked.push(connection);
    }
    let (first, rest) = tracked
        .split_first_mut()
        .ok_or("the cluster has no primary serving slots")?;
    let host = &layout.primaries[0].host;
    // A failover while the connections were made may have left a primary untracked.
    let mut current = layout_of(first, host, shared.ping_timeout).await?;
    if current.primaries != layout.primaries {
        return Err("the cluster's primaries changed while tracking was set up".into());
    }
    let state = shared.store.reset(true);
    publish(shared, state, &current);
    serve(shared, &lost, backoff, async |woken| {
        let asked = shared.recheck.swap(false, SeqCst);
        if woken && !asked {
            return Ok(());
        }
        if !woken {
            let pings = rest.iter().map(|connection| {
                let mut connection = connection.clone();
                async move { ping(shared, &mut connection).await }
            });
            for pinged in futures_util::future::join_all(pings).await {
                pinged?;
            }
        }
        // Also the first node's ping.
        let now = layout_of(first, host, shared.ping_timeout).await?;
        if now.primaries != layout.primaries {
            return Err(
                "the cluster's primaries changed (a failover, or a node added or removed); \
                 tracking starts again on the new ones"
                    .into(),
            );
        }
        if now != current && shared.store.state() == state {
            publish(shared, state, &now);
            current = now;
        }
        Ok(())
    })
    .await
}

/// Makes `layout` the one readers check values against, for the session whose state is `state`.
fn publish(shared: &Shared, state: u64, layout: &Layout) {
    let mut nodes: Vec<String> = layout.primaries.iter().map(|p| p.id.clone()).collect();
    nodes.sort();
    let view = ClusterView {
        state,
        ranges: layout.ranges.clone(),
        nodes,
    };
    *shared
        .view
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(view));
}

/// The slot map, from the first seed that gives it.
async fn discover(shared: &Shared, nodes: &NodeSettings) -> Result<Layout, String> {
    let mut last = "no seed node".to_owned();
    for (host, port) in nodes.seeds() {
        let found = async {
            let client = nodes
                .resp3_client(&host, port)
                .map_err(|error| error.to_string())?;
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(shared.connect_timeout))
                .set_response_timeout(Some(shared.ping_timeout));
            let mut connection = connect_within(&client, &config, shared.connect_timeout).await?;
            layout_of(&mut connection, &host, shared.ping_timeout).await
        };
        match found.await {
            Ok(layout) => return Ok(layout),
            Err(error) => last = format!("seed {host}:{port}: {error}"),
        }
    }
    Err(last)
}

/// `CLUSTER SLOTS` on `connection` (to a node on `host`), within `timeout`.
async fn layout_of(
    connection: &mut MultiplexedConnection,
    host: &str,
    timeout: Duration,
) -> Result<Layout, String> {
    let reply = tokio::time::timeout(
        timeout,
        redis::cmd("CLUSTER")
            .arg("SLOTS")
            .query_async::<Value>(connection),
    )
    .await
    .map_err(|_elapsed| format!("no answer to CLUSTER SLOTS within {timeout:?}"))?
    .map_err(|error| format!("CLUSTER SLOTS failed: {error}"))?;
    parse_slots(reply, host)
}

/// A `CLUSTER SLOTS` reply: `[start, end, [host, port, id, …], replicas…]` per range. An empty
/// host means the node answering's own (`host`).
fn parse_slots(reply: Value, host: &str) -> Result<Layout, String> {
    let Value::Array(ranges) = reply else {
        return Err(format!("CLUSTER SLOTS: unexpected reply {reply:?}"));
    };
    let mut layout = Layout {
        ranges: Vec::new(),
        primaries: Vec::new(),
    };
    for range in ranges {
        let parsed = match range {
            Value::Array(items) if items.len() >= 3 => {
                let start = redis::from_redis_value::<u16>(items[0].clone());
                let end = redis::from_redis_value::<u16>(items[1].clone());
                let node = redis::from_redis_value::<Vec<Value>>(items[2].clone());
                match (start, end, node) {
                    (Ok(start), Ok(end), Ok(node)) if node.len() >= 3 => {
                        let node_host = redis::from_redis_value::<String>(node[0].clone());
                        let port = redis::from_redis_value::<u16>(node[1].clone());
                        let id = redis::from_redis_value::<String>(node[2].clone());
                        match (node_host, port, id) {
                            (Ok(node_host), Ok(port), Ok(id)) => {
                                Some((start, end, node_host, port, id))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((start, end, node_host, port, id)) = parsed else {
            return Err("CLUSTER SLOTS: a slot range this code does not understand".into());
        };
        let node_host = if node_host.is_empty() || node_host == "?" {
            host.to_owned()
        } else {
            node_host
        };
        layout.ranges.push((start, end, id.clone()));
        layout.primaries.push(Primary {
            id,
            host: node_host,
            port,
        });
    }
    layout.ranges.sort();
    layout.primaries.sort();
    layout.primaries.dedup();
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: i64, end: i64, host: &str, port: i64, id: &str) -> Value {
        Value::Array(vec![
            Value::Int(start),
            Value::Int(end),
            Value::Array(vec![
                Value::BulkString(host.into()),
                Value::Int(port),
                Value::BulkString(id.into()),
            ]),
        ])
    }

    #[test]
    fn the_slot_map_names_each_primary_once_and_each_keys_owner() {
        let reply = Value::Array(vec![
            range(5461, 16383, "10.0.0.2", 7002, "b"),
            range(0, 5460, "", 7001, "a"),
            range(0, 0, "10.0.0.2", 7002, "b"),
        ]);
        let layout = parse_slots(reply, "10.0.0.1").unwrap();
        let hosts: Vec<(&str, u16)> = layout
            .primaries
            .iter()
            .map(|p| (p.host.as_str(), p.port))
            .collect();
        assert_eq!(hosts, [("10.0.0.1", 7001), ("10.0.0.2", 7002)]);
        let view = ClusterView {
            state: 1,
            ranges: vec![(0, 5460, "a".into()), (5461, 16383, "b".into())],
            nodes: vec!["a".into(), "b".into()],
        };
        // "foo" hashes to slot 12182, "bar" to 5061.
        assert_eq!(view.owner("foo"), Some("b"));
        assert_eq!(view.owner("bar"), Some("a"));
        assert!(view.tracks("a") && !view.tracks("c"));
        assert!(parse_slots(Value::Nil, "h").is_err());
    }
}
