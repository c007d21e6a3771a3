//! Pattern scans: `SCAN MATCH` step by step on every primary (never `KEYS`, which blocks the
//! server), for deleting or listing the keys that match, with the passes a cluster needs when
//! slots move while it is scanned.

use super::RedisBackend;
use super::connection::Node;
use super::topology::Topology;
use crate::Error;

/// How many keys one `SCAN` step asks for; each step's matches are unlinked in one command.
const SCAN_COUNT: usize = 1000;

/// How many times a cluster scan is repeated because slots moved during it.
const SCAN_PASSES: usize = 3;

/// Where a scan over every primary has got to.
struct Scan {
    /// The nodes this phase scans: every primary, or (catching up) the receiving nodes.
    nodes: Vec<Node>,
    /// The cluster when this pass began.
    start: Topology,
    /// Index in `nodes` of the node being scanned.
    node: usize,
    cursor: u64,
    /// 1 for the first pass over the primaries.
    pass: usize,
    /// Whether this phase scans the receiving nodes again, after a pass over every primary.
    catching_up: bool,
}

impl Scan {
    fn new(topology: Topology, pass: usize) -> Scan {
        Scan {
            nodes: topology.primaries.clone(),
            start: topology,
            node: 0,
            cursor: 0,
            pass,
            catching_up: false,
        }
    }
}

impl RedisBackend {
    /// `SCAN MATCH` + `UNLINK` step by step on every primary: never `KEYS`, which blocks the
    /// server.
    pub(crate) async fn delete_matching(&self, pattern: &str) -> Result<u64, Error> {
        let mut deleted = 0;
        let mut scan = self.scan_start().await?;
        while let Some(keys) = self.scan_next(&mut scan, pattern).await? {
            deleted += self.delete(&keys).await?;
        }
        Ok(deleted)
    }

    pub(crate) async fn keys_matching(
        &self,
        pattern: &str,
        limit: usize,
    ) -> Result<Vec<String>, Error> {
        let mut found = Vec::new();
        let mut scan = self.scan_start().await?;
        while found.len() < limit {
            match self.scan_next(&mut scan, pattern).await? {
                Some(keys) => found.extend(keys),
                None => break,
            }
        }
        // A repeated cluster pass, or SCAN itself, can return a key twice.
        found.sort();
        found.dedup();
        found.truncate(limit);
        Ok(found)
    }

    async fn scan_start(&self) -> Result<Scan, Error> {
        Ok(Scan::new(self.topology().await?, 1))
    }

    async fn topology(&self) -> Result<Topology, Error> {
        self.query(|mut connection| async move { connection.topology().await })
            .await
    }

    /// The next batch of keys matching `pattern`, or `None` when every primary has been
    /// scanned. On a cluster every primary is visited (redis-rs would send `SCAN` to one node).
    /// Keys can move behind the cursor: a pass during which a primary's claim changed is done again
    /// (if it keeps changing the scan fails rather than pass for complete), and the nodes
    /// receiving a slot still being migrated, at the start or the end of the pass, are scanned
    /// once more after it (a key moves to its new node before it leaves the old one, so a key
    /// missed on both is on the new node by then).
    async fn scan_next(
        &self,
        scan: &mut Scan,
        pattern: &str,
    ) -> Result<Option<Vec<String>>, Error> {
        loop {
            let Some(node) = scan.nodes.get(scan.node) else {
                if scan.start.is_single() {
                    return Ok(None);
                }
                let now = self.topology().await?;
                if now.moved_since(&scan.start) {
                    if scan.pass == SCAN_PASSES {
                        return Err(Error::ScanIncomplete {
                            pattern: pattern.to_owned(),
                        });
                    }
                    tracing::info!(pattern, "cluster slots moved during a scan; scanning again");
                    *scan = Scan::new(now, scan.pass + 1);
                    continue;
                }
                if scan.catching_up {
                    return Ok(None);
                }
                let mut receiving = std::mem::take(&mut scan.start.receiving);
                receiving.extend(now.receiving);
                receiving.sort();
                receiving.dedup();
                if receiving.is_empty() {
                    return Ok(None);
                }
                tracing::info!(
                    pattern,
                    "cluster slots migrating during a scan; scanning their new nodes again"
                );
                scan.nodes = receiving;
                scan.node = 0;
                scan.cursor = 0;
                scan.catching_up = true;
                continue;
            };
            let cursor = scan.cursor;
            let (next, keys): (u64, Vec<String>) = self
                .query(|mut connection| async move {
                    let mut command = redis::cmd("SCAN");
                    command
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT);
                    connection.query_on(node, &command).await
                })
                .await?;
            if next == 0 {
                scan.node += 1;
            }
            scan.cursor = next;
            return Ok(Some(keys));
        }
    }
}
