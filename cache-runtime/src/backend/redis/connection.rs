//! The two kinds of connection the store speaks through: one server's multiplexed connection,
//! or redis-rs's cluster connection (which routes each key to its slot's primary and follows
//! `MOVED`/`ASK` itself). Both are redis-rs `ConnectionLike`, so every command is written once;
//! the only thing a store must do differently on a cluster is visit every primary for `SCAN`.

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};

#[derive(Clone)]
pub(crate) enum AnyConnection {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

/// A node to send a command to: the connection's own server, or one cluster primary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Node {
    This,
    Primary { host: String, port: u16 },
}

/// Which primary serves which slots: compared before and after a scan to see whether slots
/// moved meanwhile. Empty for a single server.
pub(crate) type SlotMap = Vec<(u16, u16, String, u16)>;

/// What a scan needs to know of the cluster at one moment.
pub(crate) struct Topology {
    /// Every primary, each once.
    pub(crate) primaries: Vec<Node>,
    pub(crate) slots: SlotMap,
    /// The nodes receiving a slot still being migrated: a key may reach one of them after it
    /// was scanned, while the slot map stays the same.
    pub(crate) receiving: Vec<Node>,
}

impl ConnectionLike for AnyConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            AnyConnection::Single(connection) => connection.req_packed_command(cmd),
            AnyConnection::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            AnyConnection::Single(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
            AnyConnection::Cluster(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            AnyConnection::Single(connection) => connection.get_db(),
            AnyConnection::Cluster(connection) => connection.get_db(),
        }
    }
}

impl AnyConnection {
    /// The primaries to scan, the slot map, and the nodes receiving a slot now (for one
    /// server: itself, and nothing else).
    pub(crate) async fn topology(&mut self) -> RedisResult<Topology> {
        let AnyConnection::Cluster(connection) = self else {
            return Ok(Topology {
                primaries: vec![Node::This],
                slots: SlotMap::new(),
                receiving: Vec::new(),
            });
        };
        let slots: Vec<Value> = redis::from_redis_value(
            connection
                .route_command(
                    redis::cmd("CLUSTER").arg("SLOTS").clone(),
                    RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
                )
                .await?,
        )?;
        let mut map = SlotMap::new();
        for range in slots {
            // [start, end, [host, port, id, ...], replicas...]
            let (start, end, primary): (u16, u16, Vec<Value>) = match range {
                Value::Array(items) if items.len() >= 3 => {
                    let mut items = items.into_iter();
                    let start = redis::from_redis_value(items.next().unwrap_or(Value::Nil))?;
                    let end = redis::from_redis_value(items.next().unwrap_or(Value::Nil))?;
                    let primary = redis::from_redis_value(items.next().unwrap_or(Value::Nil))?;
                    (start, end, primary)
                }
                _ => continue,
            };
            let mut node = primary.into_iter();
            let host: String = redis::from_redis_value(node.next().unwrap_or(Value::Nil))?;
            let port: u16 = redis::from_redis_value(node.next().unwrap_or(Value::Nil))?;
            map.push((start, end, host, port));
        }
        map.sort();
        let mut primaries: Vec<Node> = map
            .iter()
            .map(|(_, _, host, port)| Node::Primary {
                host: host.clone(),
                port: *port,
            })
            .collect();
        primaries.sort();
        primaries.dedup();
        // Each primary shows only its own open slots; ask them all at once.
        let asked = primaries.iter().map(|node| {
            let mut connection = AnyConnection::Cluster(connection.clone());
            async move {
                let nodes: String = connection
                    .query_on(node, redis::cmd("CLUSTER").arg("NODES"))
                    .await?;
                RedisResult::Ok(super::cluster::migration_targets(&nodes, node))
            }
        });
        let mut receiving = Vec::new();
        for targets in futures_util::future::join_all(asked).await {
            receiving.extend(targets?);
        }
        receiving.sort();
        receiving.dedup();
        Ok(Topology {
            primaries,
            slots: map,
            receiving,
        })
    }

    /// One command per key (`name key`), each with its own reply, in one round trip: a
    /// pipeline on a single server; on a cluster, where a pipeline must stay within one slot,
    /// the commands go concurrently, each to its key's primary.
    pub(crate) async fn per_key<T: redis::FromRedisValue>(
        &mut self,
        name: &str,
        keys: &[String],
    ) -> RedisResult<Vec<RedisResult<T>>> {
        match self {
            AnyConnection::Single(connection) => {
                let mut pipeline = redis::pipe();
                for key in keys {
                    pipeline.cmd(name).arg(key);
                }
                pipeline.ignore_errors().query_async(connection).await
            }
            AnyConnection::Cluster(connection) => {
                let calls = keys.iter().map(|key| {
                    let mut connection = connection.clone();
                    async move { redis::cmd(name).arg(key).query_async(&mut connection).await }
                });
                Ok(futures_util::future::join_all(calls).await)
            }
        }
    }

    /// Sends `cmd` to `node`.
    pub(crate) async fn query_on<T: redis::FromRedisValue>(
        &mut self,
        node: &Node,
        cmd: &Cmd,
    ) -> RedisResult<T> {
        match (self, node) {
            (AnyConnection::Cluster(connection), Node::Primary { host, port }) => {
                let value = connection
                    .route_command(
                        cmd.clone(),
                        RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                            host: host.clone(),
                            port: *port,
                        }),
                    )
                    .await?;
                Ok(redis::from_redis_value(value)?)
            }
            (connection, _) => cmd.query_async(connection).await,
        }
    }
}
