//! Pattern scans: `SCAN MATCH` step by step on every primary (never `KEYS`, which blocks the
//! server), every primary at once, for deleting or listing the keys that match, with the
//! passes a cluster needs when slots move while it is scanned.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::RedisBackend;
use super::connection::Node;
use super::topology::Topology;
use crate::Error;

/// How many keys one `SCAN` step asks for; each step's matches are unlinked in one command,
/// while the next step is asked for. Chosen by measurement (`cargo bench -p cache-tests
/// --bench pattern_scan`, a million unrelated keys): Redis's CPU for the whole scan is the same
/// from 100 to 10,000 within the noise of a run, and a larger count saves round trips (about
/// 1,100 per million keys at 1,000, 280 at 5,000) but holds the server longer at each step
/// (a mean `SCAN` of about 0.8 ms at 1,000, 3–5 ms at 5,000, 6–12 ms at 10,000), which every
/// other client of the server waits through. 1,000 keeps a step near a millisecond.
const SCAN_COUNT: usize = 1000;

/// How many times a cluster scan is repeated because slots moved during it.
const SCAN_PASSES: usize = 3;

/// What a scan does with the keys it finds.
enum Found<'a> {
    /// Unlinks them, counting those that existed: one `UNLINK` per batch on one server, one
    /// per slot, in turn, on a cluster (see [`RedisBackend::unlink_by_slot`]).
    Delete(&'a AtomicU64),
    /// Collects them, up to `limit`.
    List {
        keys: &'a Mutex<Vec<String>>,
        limit: usize,
    },
}

impl Found<'_> {
    /// Whether the scan may stop: enough keys listed.
    fn is_full(&self) -> bool {
        match self {
            Found::Delete(_) => false,
            Found::List { keys, limit } => lock(keys).len() >= *limit,
        }
    }

    async fn take(
        &self,
        backend: &RedisBackend,
        keys: Vec<String>,
        on_cluster: bool,
    ) -> Result<(), Error> {
        if keys.is_empty() {
            return Ok(());
        }
        match self {
            Found::Delete(deleted) if on_cluster => {
                deleted.fetch_add(backend.unlink_by_slot(keys).await?, Relaxed);
            }
            Found::Delete(deleted) => {
                deleted.fetch_add(backend.delete(&keys).await?, Relaxed);
            }
            Found::List { keys: found, .. } => lock(found).extend(keys),
        }
        Ok(())
    }
}

fn lock(keys: &Mutex<Vec<String>>) -> std::sync::MutexGuard<'_, Vec<String>> {
    // Only extended and measured under the lock: a panicking holder cannot leave it torn.
    keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl RedisBackend {
    /// Unlinks every key matching `pattern`; returns how many existed. When it returns `Ok`,
    /// every matching key that existed when it was called is gone (keys written meanwhile may
    /// or may not be); when it cannot be sure of that, it fails.
    pub(crate) async fn delete_matching(&self, pattern: &str) -> Result<u64, Error> {
        let deleted = AtomicU64::new(0);
        self.scan(pattern, &Found::Delete(&deleted)).await?;
        Ok(deleted.into_inner())
    }

    pub(crate) async fn keys_matching(
        &self,
        pattern: &str,
        limit: usize,
    ) -> Result<Vec<String>, Error> {
        let keys = Mutex::new(Vec::new());
        self.scan(pattern, &Found::List { keys: &keys, limit })
            .await?;
        let mut found = keys
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A repeated cluster pass, or SCAN itself, can return a key twice.
        found.sort();
        found.dedup();
        found.truncate(limit);
        Ok(found)
    }

    // A scan's commands go whatever the breaker says: a pattern delete is an invalidation, and
    // must not wait out a cool-down while other processes read what it would delete.
    async fn topology(&self) -> Result<Topology, Error> {
        self.query_invalidation(|mut connection| async move { connection.topology().await })
            .await
    }

    /// Scans every primary at once (redis-rs would send `SCAN` to one node). Keys can move
    /// behind a cursor while slots move: a pass during which a primary's claim changed is done
    /// again (if it keeps changing the scan fails rather than pass for complete), and the
    /// nodes receiving a slot still being migrated, at the start or the end of the pass, are
    /// scanned once more after it (a key moves to its new node before it leaves the old one,
    /// so a key missed on both is on the new node by then).
    async fn scan(&self, pattern: &str, found: &Found<'_>) -> Result<(), Error> {
        self.refuse_a_cluster_node().await?;
        for pass in 1..=SCAN_PASSES {
            let before = self.topology().await?;
            let on_cluster = !before.is_single();
            self.scan_nodes(&before.primaries, pattern, found, on_cluster)
                .await?;
            if before.is_single() || found.is_full() {
                return Ok(());
            }
            let after = self.topology().await?;
            if after.moved_since(&before) {
                tracing::info!(pattern, pass, "cluster slots moved during a scan");
                continue;
            }
            let mut receiving = before.receiving;
            receiving.extend(after.receiving.iter().cloned());
            receiving.sort();
            receiving.dedup();
            if receiving.is_empty() {
                return Ok(());
            }
            tracing::info!(
                pattern,
                "cluster slots migrating during a scan; scanning their new nodes again"
            );
            self.scan_nodes(&receiving, pattern, found, on_cluster)
                .await?;
            if !self.topology().await?.moved_since(&after) {
                return Ok(());
            }
            tracing::info!(pattern, pass, "cluster slots moved during a scan");
        }
        Err(Error::ScanIncomplete {
            pattern: pattern.to_owned(),
        })
    }

    /// Scans each of `nodes` to the end, all at once; the first failure stops them all.
    async fn scan_nodes(
        &self,
        nodes: &[Node],
        pattern: &str,
        found: &Found<'_>,
        on_cluster: bool,
    ) -> Result<(), Error> {
        let scans = nodes
            .iter()
            .map(|node| self.scan_node(node, pattern, found, on_cluster));
        futures_util::future::try_join_all(scans).await?;
        Ok(())
    }

    /// One node's `SCAN` from cursor 0 to the end. Each batch found is taken (unlinked) while
    /// the next step is asked for: a node costs one round trip per step, not two.
    async fn scan_node(
        &self,
        node: &Node,
        pattern: &str,
        found: &Found<'_>,
        on_cluster: bool,
    ) -> Result<(), Error> {
        let mut cursor = Some(0);
        let mut batch = Vec::new();
        while cursor.is_some() || !batch.is_empty() {
            let step = async {
                match cursor {
                    Some(cursor) if !found.is_full() => {
                        self.scan_step(node, cursor, pattern).await.map(Some)
                    }
                    _ => Ok(None),
                }
            };
            let (step, taken) = futures_util::future::join(
                step,
                found.take(self, std::mem::take(&mut batch), on_cluster),
            )
            .await;
            taken?;
            match step? {
                Some((next, keys)) => {
                    batch = keys;
                    cursor = (next != 0).then_some(next);
                }
                None => cursor = None,
            }
        }
        Ok(())
    }

    /// Unlinks `keys` of a cluster one slot at a time: one `UNLINK` per slot, each sent when
    /// the one before has been answered. A multi-slot `UNLINK` would be split by redis-rs into
    /// one command per slot, all in flight at once; while slots move, many commands redirected
    /// at once (`MOVED`) can leave redis-rs's cluster connection answering nothing at all
    /// (seen with redis-rs 1.8 during `redis-cli --cluster reshard`), until it is made again.
    async fn unlink_by_slot(&self, keys: Vec<String>) -> Result<u64, Error> {
        let mut by_slot: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        for key in keys {
            by_slot
                .entry(crate::lease::slot(key.as_bytes()))
                .or_default()
                .push(key);
        }
        let mut deleted = 0;
        for keys in by_slot.values() {
            deleted += self.delete(keys).await?;
        }
        Ok(deleted)
    }

    /// `SCAN cursor MATCH pattern COUNT …` on `node`: the next cursor (0 at the end) and the
    /// keys of this step.
    async fn scan_step(
        &self,
        node: &Node,
        cursor: u64,
        pattern: &str,
    ) -> Result<(u64, Vec<String>), Error> {
        self.query_invalidation(|mut connection| async move {
            let mut command = redis::cmd("SCAN");
            command
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT);
            connection.query_on(node, &command).await
        })
        .await
    }
}
