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
