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
