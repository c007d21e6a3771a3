//! Connections to the primary that Redis Sentinel names: each new connection asks the
//! sentinels where the primary is now, so after a failover the next connection reaches the
//! promoted replica.

use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use redis::sentinel::SentinelClient;

pub(crate) struct SentinelConnector {
    /// redis-rs's client asks the sentinels in turn; it needs `&mut` to remember which answered.
    client: tokio::sync::Mutex<SentinelClient>,
    config: AsyncConnectionConfig,
    address: String,
}

impl SentinelConnector {
    /// `address` names the primary set and its sentinels in messages (no password).
    pub(crate) fn new(client: SentinelClient, connect_timeout: Duration, address: String) -> Self {
        SentinelConnector {
            client: tokio::sync::Mutex::new(client),
            config: super::standalone::connection_config(connect_timeout),
            address,
        }
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
