//! Connections to the primary that Redis Sentinel names: each new connection asks the
//! sentinels where the primary is now, so after a failover the next connection reaches the
//! promoted replica.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::sentinel::{SentinelClient, SentinelNodeConnectionInfo, SentinelServerType};
use redis::{AsyncConnectionConfig, ConnectionInfo, RedisConnectionInfo, TlsMode};

pub(crate) struct SentinelConnector {
    /// redis-rs's client asks the sentinels in turn; it needs `&mut` to remember which answered.
    client: tokio::sync::Mutex<SentinelClient>,
    config: AsyncConnectionConfig,
    address: String,
    settings: SentinelSettings,
}

/// What it takes to ask the sentinels for the primary again, for a client of one's own (the
/// near cache's tracking connection, which needs RESP3).
#[derive(Clone)]
pub(crate) struct SentinelSettings {
    sentinels: Vec<ConnectionInfo>,
    primary_set: String,
    node: RedisConnectionInfo,
    tls: Option<TlsMode>,
}

impl SentinelSettings {
    /// The sentinels' addresses, the primary set's name, and how to reach its nodes.
    pub(crate) fn new(
        sentinels: Vec<ConnectionInfo>,
        primary_set: String,
        node: RedisConnectionInfo,
        tls: Option<TlsMode>,
    ) -> Self {
        SentinelSettings {
            sentinels,
            primary_set,
            node,
            tls,
        }
    }

    /// A client for the primary the sentinels name, speaking RESP3 to it.
    pub(crate) fn resp3_client(&self) -> redis::RedisResult<SentinelClient> {
        let node = self
            .node
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        let mut node = SentinelNodeConnectionInfo::default().set_redis_connection_info(node);
        if let Some(tls) = self.tls {
            node = node.set_tls_mode(tls);
        }
        SentinelClient::build(
            self.sentinels.clone(),
            self.primary_set.clone(),
            Some(node),
            SentinelServerType::Master,
        )
    }
}

impl SentinelConnector {
    /// `address` names the primary set and its sentinels in messages (no password);
    /// `settings` let another client find the primary as `client` does.
    pub(crate) fn new(
        client: SentinelClient,
        connect_timeout: Duration,
        address: String,
        settings: SentinelSettings,
    ) -> Self {
        SentinelConnector {
            client: tokio::sync::Mutex::new(client),
            config: super::standalone::connection_config(connect_timeout),
            address,
            settings,
        }
    }

    /// How to find the primary with a client of one's own.
    pub(crate) fn settings(&self) -> &SentinelSettings {
        &self.settings
    }

    pub(crate) async fn connect(&self) -> redis::RedisResult<MultiplexedConnection> {
        self.client
            .lock()
            .await
            .get_async_connection_with_config(&self.config)
            .await
    }

    pub(crate) fn address(&self) -> &str {
        &self.address
    }
}
