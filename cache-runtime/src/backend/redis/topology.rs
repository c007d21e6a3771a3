//! What a pattern scan must know of a cluster at one moment: the primaries to scan, what each
//! primary says it serves, and the nodes receiving a slot still being migrated.
//!
//! Each primary is asked about itself (`CLUSTER NODES`, its own `myself` line), never one
//! node about all: a node learns of a finished slot move by gossip, so a replica or a third
//! primary can name the old owner for a while after the keys have moved. A scan that compared
//! such a stale map before and after its pass would see nothing move, and miss the keys.

use std::collections::{BTreeMap, BTreeSet};

use redis::RedisResult;
use redis::Value;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};

use super::connection::{AnyConnection, Node};

/// Rounds of asking newly named primaries about themselves before the topology is taken as
/// known (a failover or a new node during the first round).
const DISCOVERY_ROUNDS: usize = 3;

/// A cluster (or one server) as a scan sees it.
#[derive(Debug)]
pub(crate) struct Topology {
    /// The nodes to scan: each primary once (for one server: itself).
    pub(crate) primaries: Vec<Node>,
    /// What each node asked says of itself, by node id: its role, configuration epoch and
    /// slots. Empty for one server.
    claims: BTreeMap<String, Claim>,
    /// The nodes receiving a slot still being migrated: a key may reach one of them after it
    /// was scanned, while no primary's claim has changed yet.
    pub(crate) receiving: Vec<Node>,
}

/// What a node says of itself on its own `CLUSTER NODES` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Claim {
    primary: bool,
    epoch: String,
    slots: Vec<String>,
}

impl Topology {
    /// Whether a slot may have moved between `earlier` and this: a primary serves other slots
    /// or has taken a new epoch (a slot came to it, and went again), or changed role.
    pub(crate) fn moved_since(&self, earlier: &Topology) -> bool {
        self.claims != earlier.claims || self.primaries != earlier.primaries
    }

    /// One server: nothing can move.
    pub(crate) fn is_single(&self) -> bool {
        self.claims.is_empty()
    }
}

/// One primary's answer about itself, and the primaries it knows of.
struct Report {
    node: Node,
    id: String,
    claim: Claim,
    receiving: Vec<Node>,
    /// The primaries serving slots that this node knows of (by id), with their addresses as
    /// it gives them.
    known: Vec<(String, Node)>,
}

impl AnyConnection {
    /// The topology now: the primaries named by `CLUSTER SLOTS`, each asked about itself, then
    /// any primary one of them knows and the slot map did not name.
    pub(crate) async fn topology(&mut self) -> RedisResult<Topology> {
        let AnyConnection::Cluster(connection) = self else {
            return Ok(Topology {
                primaries: vec![Node::This],
                claims: BTreeMap::new(),
                receiving: Vec::new(),
            });
        };
        let slots: Vec<Value> = redis::from_redis_value(
            connection
                .route_command(
                    redis::cmd("CLUSTER").arg("SLOTS").clone(),
                    RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
                )
                .await?,
        )?;
        // The addresses the cluster connection knows its nodes by, from the slot map.
        let addresses = slot_map_primaries(slots)?;
        let mut to_ask: BTreeMap<String, Node> = addresses.clone();
        let mut reports: BTreeMap<String, Report> = BTreeMap::new();
        let mut asked: BTreeSet<Node> = BTreeSet::new();
        for _ in 0..DISCOVERY_ROUNDS {
            let round: Vec<Node> = to_ask
                .values()
                .filter(|node| asked.insert((*node).clone()))
                .cloned()
                .collect();
            if round.is_empty() {
                break;
            }
            let answers = round.into_iter().map(|node| {
                let mut connection = AnyConnection::Cluster(connection.clone());
                async move {
                    let nodes: String = connection
                        .query_on(&node, redis::cmd("CLUSTER").arg("NODES"))
                        .await?;
                    RedisResult::Ok(own_report(&nodes, node))
                }
            });
            for report in futures_util::future::try_join_all(answers).await? {
                let Some(report) = report else { continue };
                for (id, node) in &report.known {
                    let node = addresses.get(id).unwrap_or(node);
                    to_ask.entry(id.clone()).or_insert_with(|| node.clone());
                }
                reports.insert(report.id.clone(), report);
            }
        }
        let mut primaries = Vec::new();
        let mut receiving = Vec::new();
        let mut claims = BTreeMap::new();
        for (id, report) in reports {
            if report.claim.primary {
                primaries.push(report.node.clone());
            }
            receiving.extend(report.receiving.into_iter().map(|node| {
                // The slot map's spelling of the node, where it has one.
                addresses
                    .iter()
                    .find(|(_, known)| **known == node)
                    .map_or(node, |(_, known)| known.clone())
            }));
            claims.insert(id, report.claim);
        }
        primaries.sort();
        primaries.dedup();
        receiving.sort();
        receiving.dedup();
        Ok(Topology {
            primaries,
            claims,
            receiving,
        })
    }
}

/// The primaries of a `CLUSTER SLOTS` reply, by node id.
fn slot_map_primaries(slots: Vec<Value>) -> RedisResult<BTreeMap<String, Node>> {
    let mut primaries = BTreeMap::new();
    for range in slots {
        // [start, end, [host, port, id, ...], replicas...]
        let Value::Array(items) = range else { continue };
        let Some(Value::Array(primary)) = items.into_iter().nth(2) else {
            continue;
        };
        let mut fields = primary.into_iter();
        let host: String = redis::from_redis_value(fields.next().unwrap_or(Value::Nil))?;
        let port: u16 = redis::from_redis_value(fields.next().unwrap_or(Value::Nil))?;
        let id: String = redis::from_redis_value(fields.next().unwrap_or(Value::Nil))?;
        primaries.insert(id, Node::Primary { host, port });
    }
    Ok(primaries)
}

/// What `queried` says of itself in its `CLUSTER NODES` reply, and the primaries it knows;
/// `None` if the reply has no `myself` line.
fn own_report(nodes: &str, queried: Node) -> Option<Report> {
    let own = nodes.lines().find(|line| is_myself(line))?;
    let fields: Vec<&str> = own.split_whitespace().collect();
    let (id, flags, epoch) = (fields.first()?, fields.get(2)?, fields.get(6)?);
    let mut slots = Vec::new();
    let mut receiving = Vec::new();
    for entry in fields.iter().skip(8) {
        match entry.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
            // Only a node's own line shows its open slots: `[slot-<-source-id]` when it takes
            // a slot, `[slot->-target-id]` when it gives one away.
            Some(open) if open.contains("-<-") => receiving.push(queried.clone()),
            Some(open) => {
                if let Some((_, target)) = open.split_once("->-") {
                    receiving.extend(address_of(nodes, target));
                }
            }
            None => slots.push((*entry).to_owned()),
        }
    }
    let known = nodes
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let serves = fields.len() > 8;
            let flags = fields.get(2)?;
            let primary = flags.split(',').any(|flag| flag == "master")
                && !flags.split(',').any(|flag| flag == "fail");
            (primary && serves)
                .then(|| Some((fields[0].to_owned(), address_of(nodes, fields[0])?)))
                .flatten()
        })
        .collect();
    Some(Report {
        node: queried,
        id: (*id).to_owned(),
        claim: Claim {
            primary: flags.split(',').any(|flag| flag == "master"),
            epoch: (*epoch).to_owned(),
            slots,
        },
        receiving,
        known,
    })
}

fn is_myself(line: &str) -> bool {
    line.split_whitespace()
        .nth(2)
        .is_some_and(|flags| flags.split(',').any(|flag| flag == "myself"))
}

/// The client address of the node with `id` in a `CLUSTER NODES` reply.
fn address_of(nodes: &str, id: &str) -> Option<Node> {
    let line = nodes
        .lines()
        .find(|line| line.split_whitespace().next() == Some(id))?;
    let address = line.split_whitespace().nth(1)?.split(['@', ',']).next()?;
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
d4 127.0.0.1:7004@17004 slave a1 0 0 1 connected
";

    fn node(port: u16) -> Node {
        Node::Primary {
            host: "127.0.0.1".into(),
            port,
        }
    }

    #[test]
    fn a_primary_says_what_it_serves_and_what_it_receives() {
        let report = own_report(NODES, node(7001)).expect("a myself line");
        assert_eq!(report.id, "a1");
        assert_eq!(
            report.claim,
            Claim {
                primary: true,
                epoch: "1".into(),
                slots: vec!["0-5460".into()],
            }
        );
        assert_eq!(report.receiving, vec![node(7003), node(7001)]);
        let known: Vec<&str> = report.known.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(known, ["a1", "b2", "c3"]);

        let settled = NODES.replace(" [93->-c3] [7000-<-b2]", "");
        assert!(
            own_report(&settled, node(7001))
                .unwrap()
                .receiving
                .is_empty()
        );
        assert!(own_report("garbage", node(7001)).is_none());
    }

    #[test]
    fn a_slot_that_came_and_went_changes_the_epoch() {
        let before = own_report(NODES, node(7001)).unwrap().claim;
        let after = own_report(
            &NODES.replace("0 0 1 connected 0-5460", "0 0 7 connected 0-5460"),
            node(7001),
        )
        .unwrap()
        .claim;
        assert_ne!(before, after);
    }
}
