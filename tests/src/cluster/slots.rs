//! Moving one slot between primaries by hand, step by step (`CLUSTER SETSLOT … IMPORTING /
//! MIGRATING`, `MIGRATE`, `CLUSTER SETSLOT … NODE`), and holding a primary's writes with
//! `CLIENT PAUSE … WRITE`: so a test can make the topology change at a chosen point of a scan.

use std::time::{Duration, Instant};

use super::{RedisCluster, SETTLE};

impl RedisCluster {
    /// The slot of `key`.
    pub fn slot_of(&self, key: &str) -> u16 {
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut self.any_connection())
            .expect("CLUSTER KEYSLOT")
    }

    /// The id of the node on `port`.
    pub fn node_id(&self, port: u16) -> String {
        self.topology()
            .into_iter()
            .find(|node| node.port == port)
            .map(|node| node.id)
            .expect("a known node")
    }

    /// Starts moving `slot` from the primary on `from` to the one on `to` and moves every key
    /// of the slot, but leaves the slot open (`MIGRATING` on `from`, `IMPORTING` on `to`): the
    /// cluster still names `from` as its owner, as in the middle of a `--cluster reshard`.
    pub fn migrate_slot_keys(&self, slot: u16, from: u16, to: u16) -> usize {
        let (from_id, to_id) = (self.node_id(from), self.node_id(to));
        let mut target = self.node_on(to).connection();
        let mut source = self.node_on(from).connection();
        let () = redis::cmd("CLUSTER")
            .arg("SETSLOT")
            .arg(slot)
            .arg("IMPORTING")
            .arg(&from_id)
            .query(&mut target)
            .expect("CLUSTER SETSLOT IMPORTING");
        let () = redis::cmd("CLUSTER")
            .arg("SETSLOT")
            .arg(slot)
            .arg("MIGRATING")
            .arg(&to_id)
            .query(&mut source)
            .expect("CLUSTER SETSLOT MIGRATING");
        let mut moved = 0;
        loop {
            let keys: Vec<String> = redis::cmd("CLUSTER")
                .arg("GETKEYSINSLOT")
                .arg(slot)
                .arg(100)
                .query(&mut source)
                .expect("CLUSTER GETKEYSINSLOT");
            if keys.is_empty() {
                return moved;
            }
            let _: redis::Value = redis::cmd("MIGRATE")
                .arg("127.0.0.1")
                .arg(to)
                .arg("")
                .arg(0)
                .arg(5000)
                .arg("KEYS")
                .arg(&keys)
                .query(&mut source)
                .expect("MIGRATE");
            moved += keys.len();
        }
    }

    /// Ends a move begun by [`migrate_slot_keys`](Self::migrate_slot_keys): `to` owns `slot`.
    /// Waits until every node says so.
    pub fn finish_slot_move(&self, slot: u16, from: u16, to: u16) {
        self.hand_over_slot(slot, from, to);
        self.wait_until_all_see(slot, to);
    }

    /// Ends a move begun by [`migrate_slot_keys`](Self::migrate_slot_keys) on the two primaries
    /// only (`CLUSTER SETSLOT … NODE` on `to`, then `from`), as `redis-cli` does first, and
    /// returns at once: the other nodes learn of it by gossip, so for a while they still name
    /// `from` as the owner.
    pub fn hand_over_slot(&self, slot: u16, from: u16, to: u16) {
        let to_id = self.node_id(to);
        for port in [to, from] {
            let () = redis::cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg("NODE")
                .arg(&to_id)
                .query(&mut self.node_on(port).connection())
                .expect("CLUSTER SETSLOT NODE");
        }
    }

    /// Waits until every node names the primary on `to` as the owner of `slot`.
    pub fn wait_until_all_see(&self, slot: u16, to: u16) {
        let deadline = Instant::now() + SETTLE;
        while !self
            .nodes
            .iter()
            .all(|node| owner_seen_by(node, slot) == Some(to))
        {
            assert!(
                Instant::now() < deadline,
                "the nodes never agreed on the move"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Holds every write sent to the node on `port` (reads still run) until
    /// [`unpause`](Self::unpause), or a minute.
    pub fn pause_writes(&self, port: u16) {
        let () = redis::cmd("CLIENT")
            .arg("PAUSE")
            .arg(60_000)
            .arg("WRITE")
            .query(&mut self.node_on(port).connection())
            .expect("CLIENT PAUSE WRITE");
    }

    /// Lets the node on `port` run the commands it holds.
    pub fn unpause(&self, port: u16) {
        let () = redis::cmd("CLIENT")
            .arg("UNPAUSE")
            .query(&mut self.node_on(port).connection())
            .expect("CLIENT UNPAUSE");
    }

    /// Waits until a client of the node on `port` is held (paused) on `command`.
    pub fn wait_until_held(&self, port: u16, command: &str) {
        let deadline = Instant::now() + SETTLE;
        let wanted = format!("cmd={command}");
        loop {
            let clients: String = redis::cmd("CLIENT")
                .arg("LIST")
                .query(&mut self.node_on(port).connection())
                .expect("CLIENT LIST");
            let held = clients.lines().any(|client| {
                let fields: Vec<&str> = client.split_whitespace().collect();
                fields.contains(&"flags=b") && fields.contains(&wanted.as_str())
            });
            if held {
                return;
            }
            assert!(Instant::now() < deadline, "no client was held on {command}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The port of the primary that `node` says serves `slot`.
fn owner_seen_by(node: &crate::RedisServer, slot: u16) -> Option<u16> {
    let ranges: Vec<redis::Value> = redis::cmd("CLUSTER")
        .arg("SLOTS")
        .query(&mut node.connection())
        .ok()?;
    ranges.into_iter().find_map(|range| {
        let (start, end, (_, port)): (u16, u16, (String, u16)) =
            redis::from_redis_value(super::truncate(range)).ok()?;
        (start..=end).contains(&slot).then_some(port)
    })
}
