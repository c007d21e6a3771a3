//! Connections to a Redis Cluster through redis-rs's async cluster connection: it learns the
//! slot map from the seed nodes, routes each key to its slot's primary, splits multi-key
//! `UNLINK`s by slot (one round trip per node, in parallel) and follows `MOVED`/`ASK`.

use std::time::Duration;

use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

use super::connection::Node;

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

/// The nodes receiving a slot that is being migrated, according to one primary's
/// `CLUSTER NODES` (`queried` is that primary): only a node's own line shows its open slots,
/// `[slot->-target-id]` when it gives a slot away and `[slot-<-source-id]` when it takes one.
pub(crate) fn migration_targets(nodes: &str, queried: &Node) -> Vec<Node> {
    let Some(own) = nodes.lines().find(|line| line.contains("myself")) else {
        return Vec::new();
    };
    let mut targets = Vec::new();
    for entry in own.split_whitespace().skip(8) {
        let Some(open) = entry.strip_prefix('[').and_then(|e| e.strip_suffix(']')) else {
            continue;
        };
        if open.contains("-<-") {
            targets.push(queried.clone());
        } else if let Some((_, target)) = open.split_once("->-") {
            targets.extend(address_of(nodes, target));
        }
    }
    targets
}

/// The client address of the node with `id` in a `CLUSTER NODES` reply.
fn address_of(nodes: &str, id: &str) -> Option<Node> {
    let line = nodes.lines().find(|line| line.starts_with(id))?;
    let address = line.split_whitespace().nth(1)?.split('@').next()?;
    let (host, port) = address.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    (port != 0 && !host.is_empty()).then(|| Node::Primary {
        host: host.to_owned(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "\
a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460 [93->-c3] [7000-<-b2]
b2 127.0.0.1:7002@17002 master - 0 0 2 connected 5461-10922
c3 127.0.0.1:7003@17003 master - 0 0 3 connected 10923-16383
";

    #[test]
    fn open_slots_name_their_receiving_nodes() {
        let queried = Node::Primary {
            host: "127.0.0.1".into(),
            port: 7001,
        };
        let target = Node::Primary {
            host: "127.0.0.1".into(),
            port: 7003,
        };
        assert_eq!(
            migration_targets(NODES, &queried),
            vec![target, queried.clone()]
        );
        let settled = NODES.replace(" [93->-c3] [7000-<-b2]", "");
        assert!(migration_targets(&settled, &queried).is_empty());
        assert!(migration_targets("garbage", &queried).is_empty());
    }
}
