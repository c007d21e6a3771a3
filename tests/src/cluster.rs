//! A Redis Cluster of real `redis-server` processes on free loopback ports: 3 primaries and 3
//! replicas made with `redis-cli --cluster create … --cluster-replicas 1`, stopped on drop
//! (each node is a [`RedisServer`]), with the moves a test needs: kill a primary, a manual
//! `CLUSTER FAILOVER`, and a slot migration (`redis-cli --cluster reshard`); one slot moved by
//! hand, step by step, is in [`slots`].

mod slots;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::server::free_port;
use crate::{RedisServer, TestCerts};

/// Bound on waiting for the cluster to agree on its state.
const SETTLE: Duration = Duration::from_secs(60);

/// A running cluster.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
    dir: PathBuf,
    /// The CA to trust, for a cluster started with TLS.
    ca_cert: Option<PathBuf>,
}

/// A node's role and the slots it serves, from `CLUSTER NODES`.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// The node's id.
    pub id: String,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Whether it is a primary.
    pub primary: bool,
    /// For a replica, the id of its primary.
    pub primary_id: Option<String>,
    /// Whether the others think it failed.
    pub failed: bool,
    /// Whether it serves slots.
    pub serves_slots: bool,
}

impl RedisCluster {
    /// Starts 6 nodes, makes them a cluster of 3 primaries with a replica each, and waits
    /// until every node reports `cluster_state:ok`.
    pub fn start() -> RedisCluster {
        RedisCluster::start_nodes(None)
    }

    /// [`start`](Self::start) with TLS everywhere: clients (with `certs`' server certificate,
    /// no client certificate asked), the cluster bus and replication. Each node also keeps a
    /// plain port, for the test's own inspection; a TLS client is told the TLS ports.
    pub fn start_tls(certs: &TestCerts) -> RedisCluster {
        RedisCluster::start_nodes(Some(certs))
    }

    fn start_nodes(tls: Option<&TestCerts>) -> RedisCluster {
        let dir = std::env::temp_dir().join(format!(
            "cache-tests-cluster-{}-{}",
            std::process::id(),
            crate::Rng::random_seed()
        ));
        std::fs::create_dir_all(&dir).expect("create the cluster's directory");
        let nodes: Vec<RedisServer> = (0..6)
            .map(|index| {
                let bus = free_port().to_string();
                let config = dir.join(format!("nodes-{index}-{bus}.conf"));
                let dir = dir.to_string_lossy().into_owned();
                let args = [
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &config.to_string_lossy(),
                    "--cluster-port",
                    &bus,
                    "--cluster-node-timeout",
                    "1500",
                    "--dir",
                    &dir,
                    "--repl-diskless-sync-delay",
                    "0",
                    // `DEBUG POPULATE`, to fill a node with unrelated keys.
                    "--enable-debug-command",
                    "local",
                ];
                match tls {
                    Some(certs) => RedisServer::start_tls_with(
                        certs,
                        false,
                        &[
                            &args[..],
                            &["--tls-cluster", "yes", "--tls-replication", "yes"],
                        ]
                        .concat(),
                    ),
                    None => RedisServer::start_with(&args),
                }
            })
            .collect();
        let mut create = Command::new("redis-cli");
        if let Some(certs) = tls {
            create.arg("--tls").arg("--cacert").arg(&certs.ca_cert);
        }
        create.arg("--cluster").arg("create");
        for node in &nodes {
            let port = match tls {
                Some(_) => tls_port(node),
                None => node.port(),
            };
            create.arg(format!("127.0.0.1:{port}"));
        }
        let output = create
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("run redis-cli --cluster create (redis-cli comes with redis-server)");
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let cluster = RedisCluster {
            nodes,
            dir,
            ca_cert: tls.map(|certs| certs.ca_cert.clone()),
        };
        cluster.wait_until_ok();
        cluster.wait_for_roles();
        cluster
    }

    /// The seed URLs (every node, plain ports).
    pub fn seed_urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The `rediss://` seed URLs, for a cluster started with [`start_tls`](Self::start_tls).
    pub fn tls_seed_urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::tls_url).collect()
    }

    /// How the code under test reaches the cluster: over TLS (trusting the test CA) when it
    /// was started with TLS, plainly otherwise.
    pub fn cache_config(&self) -> cache::RedisConfig {
        match &self.ca_cert {
            Some(ca) => cache::RedisConfig::cluster(self.tls_seed_urls()).tls_ca_file(ca),
            None => cache::RedisConfig::cluster(self.seed_urls()),
        }
    }

    /// The nodes, in start order.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// The node listening on `port`.
    pub fn node_mut(&mut self, port: u16) -> &mut RedisServer {
        self.nodes
            .iter_mut()
            .find(|node| node.port() == port)
            .expect("a node of this cluster")
    }

    /// The node listening on `port`.
    fn node_on(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .find(|node| node.port() == port)
            .expect("a node of this cluster")
    }

    /// What a live node says of every node (`CLUSTER NODES`).
    pub fn topology(&self) -> Vec<NodeInfo> {
        let mut last_error = String::new();
        for node in &self.nodes {
            let Ok(mut connection) = node
                .client()
                .get_connection_with_timeout(Duration::from_secs(1))
            else {
                continue;
            };
            match redis::cmd("CLUSTER")
                .arg("NODES")
                .query::<String>(&mut connection)
            {
                Ok(text) => return parse_nodes(&text),
                Err(error) => last_error = error.to_string(),
            }
        }
        panic!("no node answered CLUSTER NODES: {last_error}");
    }

    /// The ports of the live primaries.
    pub fn primary_ports(&self) -> Vec<u16> {
        self.topology()
            .into_iter()
            .filter(|node| node.primary && node.serves_slots && !node.failed)
            .map(|node| node.port)
            .collect()
    }

    /// The port of the primary serving `key`.
    pub fn primary_for(&self, key: &str) -> u16 {
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut self.any_connection())
            .expect("CLUSTER KEYSLOT");
        let slots: Vec<(u16, u16, (String, u16))> = redis::cmd("CLUSTER")
            .arg("SLOTS")
            .query(&mut self.any_connection())
            .map(|ranges: Vec<redis::Value>| {
                ranges
                    .into_iter()
                    .filter_map(|range| {
                        redis::from_redis_value::<(u16, u16, (String, u16))>(truncate(range)).ok()
                    })
                    .collect()
            })
            .expect("CLUSTER SLOTS");
        slots
            .into_iter()
            .find(|(start, end, _)| (*start..=*end).contains(&slot))
            .map(|(_, _, (_, port))| port)
            .expect("every slot is served")
    }

    /// A replica of the primary on `primary_port`.
    pub fn replica_of(&self, primary_port: u16) -> u16 {
        // Just after the cluster forms, a node may not have heard of every replica yet.
        let deadline = Instant::now() + SETTLE;
        loop {
            let topology = self.topology();
            let replica = topology
                .iter()
                .find(|node| node.port == primary_port)
                .and_then(|primary| {
                    topology.iter().find(|node| {
                        node.primary_id.as_deref() == Some(&primary.id) && !node.failed
                    })
                });
            if let Some(replica) = replica {
                return replica.port;
            }
            assert!(Instant::now() < deadline, "the primary has no live replica");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `CLUSTER FAILOVER` on the replica at `replica_port`: it becomes the primary, its old
    /// primary its replica, without losing writes. Waits until the cluster agrees.
    pub fn fail_over_to(&self, replica_port: u16) {
        let replica = self
            .nodes
            .iter()
            .find(|node| node.port() == replica_port)
            .expect("a node of this cluster");
        let deadline = Instant::now() + SETTLE;
        // A manual failover that does not complete in time (the replica could not catch up
        // with a busy primary) is abandoned by Redis: ask again.
        'asking: loop {
            let () = redis::cmd("CLUSTER")
                .arg("FAILOVER")
                .query(&mut replica.connection())
                .expect("CLUSTER FAILOVER");
            let ask_again = Instant::now() + Duration::from_secs(10);
            loop {
                if self
                    .topology()
                    .iter()
                    .any(|node| node.port == replica_port && node.primary)
                {
                    break 'asking;
                }
                assert!(Instant::now() < deadline, "the failover never happened");
                if Instant::now() > ask_again {
                    continue 'asking;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.wait_until_ok();
    }

    /// Moves `slots` slots from the primary on `from_port` to the one on `to_port` with
    /// `redis-cli --cluster reshard` (keys migrate with them).
    pub fn reshard(&self, from_port: u16, to_port: u16, slots: u32) {
        let topology = self.topology();
        let id = |port: u16| {
            topology
                .iter()
                .find(|node| node.port == port)
                .map(|node| node.id.clone())
                .expect("a known node")
        };
        let output = Command::new("redis-cli")
            .arg("--cluster")
            .arg("reshard")
            .arg(format!("127.0.0.1:{from_port}"))
            .args(["--cluster-from", &id(from_port)])
            .args(["--cluster-to", &id(to_port)])
            .args(["--cluster-slots", &slots.to_string()])
            .arg("--cluster-yes")
            .output()
            .expect("run redis-cli --cluster reshard");
        assert!(
            output.status.success(),
            "redis-cli --cluster reshard failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Waits until the cluster's view has 3 primaries serving slots and 3 replicas.
    fn wait_for_roles(&self) {
        let deadline = Instant::now() + SETTLE;
        loop {
            let topology = self.topology();
            let primaries = topology
                .iter()
                .filter(|node| node.primary && node.serves_slots)
                .count();
            let replicas = topology
                .iter()
                .filter(|node| node.primary_id.is_some())
                .count();
            if primaries == 3 && replicas == 3 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the cluster never settled into 3 primaries and 3 replicas: {topology:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until every live node reports `cluster_state:ok` and agrees on the primaries.
    pub fn wait_until_ok(&self) {
        let deadline = Instant::now() + SETTLE;
        loop {
            let states: Vec<bool> = self
                .nodes
                .iter()
                .filter_map(|node| {
                    let mut connection = node
                        .client()
                        .get_connection_with_timeout(Duration::from_millis(500))
                        .ok()?;
                    let info: String = redis::cmd("CLUSTER")
                        .arg("INFO")
                        .query(&mut connection)
                        .ok()?;
                    Some(info.contains("cluster_state:ok"))
                })
                .collect();
            if !states.is_empty() && states.iter().all(|ok| *ok) {
                return;
            }
            assert!(Instant::now() < deadline, "the cluster never became ok");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every key on every primary (`KEYS *` is fine on a private test cluster).
    pub fn all_keys(&self) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for port in self.primary_ports() {
            let node = self
                .nodes
                .iter()
                .find(|node| node.port() == port)
                .expect("a node of this cluster");
            let found: Vec<String> = redis::cmd("KEYS")
                .arg("*")
                .query(&mut node.connection())
                .expect("KEYS on a primary");
            keys.extend(found);
        }
        keys
    }

    /// A cluster-aware blocking connection, for reading and writing keys from a test.
    pub fn connection(&self) -> redis::cluster::ClusterConnection {
        redis::cluster::ClusterClient::new(self.seed_urls())
            .expect("loopback seeds parse")
            .get_connection()
            .expect("connect to the test cluster")
    }

    fn any_connection(&self) -> redis::Connection {
        self.nodes
            .iter()
            .find_map(|node| {
                node.client()
                    .get_connection_with_timeout(Duration::from_secs(1))
                    .ok()
            })
            .expect("a live node")
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        self.nodes.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TLS node's TLS port.
fn tls_port(node: &RedisServer) -> u16 {
    node.tls_url()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("a rediss:// URL ends with its port")
}

/// `[start, end, [host, port, id], replicas…]` cut to its first three items.
fn truncate(range: redis::Value) -> redis::Value {
    match range {
        redis::Value::Array(mut items) => {
            items.truncate(3);
            if let Some(redis::Value::Array(node)) = items.get_mut(2) {
                node.truncate(2);
            }
            redis::Value::Array(items)
        }
        other => other,
    }
}

fn parse_nodes(text: &str) -> Vec<NodeInfo> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 8 {
                return None;
            }
            let address = fields[1].split('@').next()?;
            let port = address.rsplit(':').next()?.parse().ok()?;
            let flags = fields[2];
            Some(NodeInfo {
                id: fields[0].to_owned(),
                port,
                primary: flags.contains("master"),
                primary_id: (fields[3] != "-").then(|| fields[3].to_owned()),
                failed: flags.contains("fail"),
                serves_slots: fields.len() > 8,
            })
        })
        .collect()
}
