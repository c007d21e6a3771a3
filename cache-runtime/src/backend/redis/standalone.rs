//! How the store reaches Redis: one server (plain or TLS) at a fixed address, or the primary
//! that Sentinel names. Either way the connection is redis-rs's multiplexed one.

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{Either, select};
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;

use super::cluster::ClusterConnector;
use super::connect_cause::Target;
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
    connect_timeout: Duration,
    /// What a failed attempt is explained with (`None` for a Unix socket).
    target: Option<Target>,
}

impl Standalone {
    /// Connects with `client`; `address` names the server in messages (no password).
    pub(crate) fn new(client: redis::Client, connect_timeout: Duration, address: String) -> Self {
        let target = Target::of(client.get_connection_info());
        Standalone {
            client,
            config: connection_config(connect_timeout),
            address,
            connect_timeout,
            target,
        }
    }

    /// The client connections are made with (the near cache's tracking connection copies it).
    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// A connection, or why none could be made: a failed attempt is explained (see
    /// [`Target::explain`]). With TLS, a port that speaks plain text never completes the
    /// handshake: once a quarter of the connect timeout has passed, the port is asked in plain
    /// text while the handshake goes on, and one that answers so fails the attempt at once.
    async fn connect(&self) -> redis::RedisResult<MultiplexedConnection> {
        let attempt = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config);
        let Some(target) = &self.target else {
            return attempt.await;
        };
        let explain = |result: redis::RedisResult<MultiplexedConnection>| async move {
            match result {
                Ok(connection) => Ok(connection),
                Err(error) => Err(target.explain(error, self.connect_timeout / 4).await),
            }
        };
        if !target.tls() {
            return explain(attempt.await).await;
        }
        let mut attempt = pin!(attempt);
        let patience = pin!(tokio::time::sleep(self.connect_timeout / 4));
        if let Either::Left((result, _)) = select(attempt.as_mut(), patience).await {
            return explain(result).await;
        }
        let probe = pin!(target.speaks_plain_text(self.connect_timeout));
        match select(attempt.as_mut(), probe).await {
            Either::Left((result, _)) => explain(result).await,
            Either::Right((true, _)) => Err(Target::plain_text_port()),
            Either::Right((false, _)) => explain(attempt.await).await,
        }
    }
}
