//! Connections to a Redis Cluster through redis-rs's async cluster connection: it learns the
//! slot map from the seed nodes, routes each key to its slot's primary, splits multi-key
//! `UNLINK`s by slot (one round trip per node, in parallel) and follows `MOVED`/`ASK`.

use std::time::Duration;

use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

pub(crate) struct ClusterConnector {
    client: ClusterClient,
    address: String,
    nodes: NodeSettings,
}

/// How to open a connection of one's own to any node of the cluster (the near cache's
/// tracking connections): the seeds, with their credentials and TLS settings.
#[derive(Clone)]
pub(crate) struct NodeSettings {
    seeds: Vec<redis::ConnectionInfo>,
    tls: Option<redis::TlsMode>,
    certificates: Option<redis::TlsCertificates>,
}

impl NodeSettings {
    /// The settings of `seeds`, reached with `tls` and `certificates` as the cluster client is.
    pub(crate) fn new(
        seeds: Vec<redis::ConnectionInfo>,
        tls: Option<redis::TlsMode>,
        certificates: Option<redis::TlsCertificates>,
    ) -> Self {
        NodeSettings {
            seeds,
            tls,
            certificates,
        }
    }

    /// The seed nodes' addresses, in the order given.
    pub(crate) fn seeds(&self) -> Vec<(String, u16)> {
        self.seeds
            .iter()
            .filter_map(|seed| match seed.addr() {
                redis::ConnectionAddr::Tcp(host, port)
                | redis::ConnectionAddr::TcpTls { host, port, .. } => Some((host.clone(), *port)),
                _ => None,
            })
            .collect()
    }

    /// A RESP3 client for the node at `host:port`, with the first seed's credentials and TLS.
    pub(crate) fn resp3_client(&self, host: &str, port: u16) -> redis::RedisResult<redis::Client> {
        let Some(seed) = self.seeds.first() else {
            return Err(redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "a cluster without seeds",
            )));
        };
        let addr = match self.tls {
            None => redis::ConnectionAddr::Tcp(host.to_owned(), port),
            Some(mode) => redis::ConnectionAddr::TcpTls {
                host: host.to_owned(),
                port,
                insecure: mode == redis::TlsMode::Insecure,
                tls_params: None,
            },
        };
        let settings = seed
            .redis_settings()
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        let info = seed.clone().set_addr(addr).set_redis_settings(settings);
        match &self.certificates {
            Some(certificates) => redis::Client::build_with_tls(info, certificates.clone()),
            None => redis::Client::open(info),
        }
    }
}

impl ClusterConnector {
    /// `address` names the seed nodes in messages (no password); `nodes` says how to reach
    /// any node directly.
    pub(crate) fn new(client: ClusterClient, address: String, nodes: NodeSettings) -> Self {
        ClusterConnector {
            client,
            address,
            nodes,
        }
    }

    /// How to reach each node of the cluster directly.
    pub(crate) fn nodes(&self) -> &NodeSettings {
        &self.nodes
    }

    pub(crate) async fn connect(&self) -> redis::RedisResult<ClusterConnection> {
        self.client.get_async_connection().await
    }

    pub(crate) fn address(&self) -> &str {
        &self.address
    }
}

/// A cluster client for `seeds`: the handle's timeouts bound every command, so the connection's
/// own response timers are off (no `response_timeout`: even a long one costs every command two
/// timers, one for the request and one on the node's connection); each node connection is
/// bounded by `connect_timeout`.
pub(crate) fn client(
    seeds: Vec<redis::ConnectionInfo>,
    connect_timeout: Duration,
    tls: Option<redis::TlsMode>,
    certificates: Option<redis::TlsCertificates>,
) -> redis::RedisResult<ClusterClient> {
    let mut builder = ClusterClient::builder(seeds).connection_timeout(connect_timeout);
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    if let Some(certificates) = certificates {
        builder = builder.certs(certificates);
    }
    builder.build()
}
