//! Connections to a Redis Cluster through redis-rs's async cluster connection: it learns the
//! slot map from the seed nodes, routes each key to its slot's primary, splits multi-key
//! `UNLINK`s by slot (one round trip per node, in parallel) and follows `MOVED`/`ASK`.

use std::time::Duration;

use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

pub(crate) struct ClusterConnector {
    client: ClusterClient,
    address: String,
}

impl ClusterConnector {
    /// `address` names the seed nodes in messages (no password).
    pub(crate) fn new(client: ClusterClient, address: String) -> Self {
        ClusterConnector { client, address }
    }

    pub(crate) async fn connect(&self) -> redis::RedisResult<ClusterConnection> {
        self.client.get_async_connection().await
    }

    pub(crate) fn address(&self) -> &str {
        &self.address
    }
}

/// A cluster client for `seeds`: the handle's timeouts bound every command, so the connection's
/// own response timer is off; each node connection is bounded by `connect_timeout`.
pub(crate) fn client(
    seeds: Vec<redis::ConnectionInfo>,
    connect_timeout: Duration,
    tls: Option<redis::TlsMode>,
    certificates: Option<redis::TlsCertificates>,
) -> redis::RedisResult<ClusterClient> {
    let mut builder = ClusterClient::builder(seeds)
        .connection_timeout(connect_timeout)
        // Long: the handle's own timeout is the bound callers see.
        .response_timeout(Duration::from_secs(3600));
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    if let Some(certificates) = certificates {
        builder = builder.certs(certificates);
    }
    builder.build()
}
