//! Connections to one Redis server (plain or TLS), through redis-rs's multiplexed connection.

use std::future::Future;
use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;

use super::link::Connect;

pub(crate) struct Standalone {
    client: redis::Client,
    config: AsyncConnectionConfig,
    address: String,
}

impl Standalone {
    /// Connects with `client`; `address` names the server in messages (no password).
    pub(crate) fn new(client: redis::Client, connect_timeout: Duration, address: String) -> Self {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            // Every command is already bounded by the handle's timeout; a second timer inside
            // the connection would cost each hit a timer registration for nothing.
            .set_response_timeout(None);
        Standalone {
            client,
            config,
            address,
        }
    }
}

impl Connect for Standalone {
    type Connection = MultiplexedConnection;

    fn connect(&self) -> impl Future<Output = redis::RedisResult<MultiplexedConnection>> + Send {
        let client = self.client.clone();
        let config = self.config.clone();
        async move {
            client
                .get_multiplexed_async_connection_with_config(&config)
                .await
        }
    }

    fn address(&self) -> &str {
        &self.address
    }
}
