//! How the store reaches Redis: one server (plain or TLS) at a fixed address, or the primary
//! that Sentinel names. Either way the connection is redis-rs's multiplexed one.

use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;

use super::cluster::ClusterConnector;
use super::connection::AnyConnection;
use super::link::Connect;
use super::sentinel::SentinelConnector;

/// Where connections go.
pub(crate) enum Connector {
    /// One server, at the address of its URL (resolved again on each connection).
    Standalone(Standalone),
    /// The primary of a Sentinel-monitored set, asked of the sentinels on each connection.
    Sentinel(SentinelConnector),
    /// A Redis Cluster, found from its seed nodes.
    Cluster(ClusterConnector),
}

impl Connect for Connector {
    type Connection = AnyConnection;

    async fn connect(&self) -> redis::RedisResult<AnyConnection> {
        match self {
            Connector::Standalone(standalone) => {
                standalone.connect().await.map(AnyConnection::Single)
            }
            Connector::Sentinel(sentinel) => sentinel.connect().await.map(AnyConnection::Single),
            Connector::Cluster(cluster) => cluster.connect().await.map(AnyConnection::Cluster),
        }
    }

    fn address(&self) -> &str {
        match self {
            Connector::Standalone(standalone) => &standalone.address,
            Connector::Sentinel(sentinel) => sentinel.address(),
            Connector::Cluster(cluster) => cluster.address(),
        }
    }
}

/// Connection settings shared by both ways of connecting.
pub(crate) fn connection_config(connect_timeout: Duration) -> AsyncConnectionConfig {
    AsyncConnectionConfig::new()
        .set_connection_timeout(Some(connect_timeout))
        // Every command is already bounded by the handle's timeout; a second timer inside the
        // connection would cost each hit a timer registration for nothing.
        .set_response_timeout(None)
}

pub(crate) struct Standalone {
    client: redis::Client,
    config: AsyncConnectionConfig,
    address: String,
}

impl Standalone {
    /// Connects with `client`; `address` names the server in messages (no password).
    pub(crate) fn new(client: redis::Client, connect_timeout: Duration, address: String) -> Self {
        Standalone {
            client,
            config: connection_config(connect_timeout),
            address,
        }
    }

    /// The client connections are made with (the near cache's tracking connection copies it).
    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    async fn connect(&self) -> redis::RedisResult<MultiplexedConnection> {
        self.client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await
    }
}
