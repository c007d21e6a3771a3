//! Failover of a Redis behind a name that moves: the old primary is demoted to a replica (still
//! reachable, answering `READONLY` to writes) and the name now leads to the promoted replica.
//! The handle drops its connection on `READONLY` and connects again, so invalidations pending
//! during the switch land on the new primary: no key is left stale.

use std::sync::Arc;
use std::time::Instant;

use cache::Cache;
use cache_tests::{
    Forwarder, LIVENESS, RedisServer, Truth, Versioned, eventually_within, live_within,
};

const KEYS: u32 = 25;

struct Items {
    cache: Cache,
    truth: Arc<Truth>,
}

impl Items {
    #[cache::set("item-{id}", cache = self.cache)]
    async fn read(&self, id: u32) -> Versioned {
        self.truth.read(id)
    }

    #[cache::delete("item-{id}", cache = self.cache)]
    async fn write(&self, id: u32) -> u64 {
        self.truth.bump(id)
    }
}

fn query<T: redis::FromRedisValue>(server: &RedisServer, args: &[&str]) -> T {
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command
        .query(&mut server.connection())
        .unwrap_or_else(|error| panic!("{args:?}: {error}"))
}

/// Waits until `replica` reports its link to the primary up.
async fn wait_until_synced(replica: &RedisServer) {
    eventually_within(LIVENESS * 3, "the replica's sync", async || {
        let info: String = query(replica, &["INFO", "replication"]);
        info.contains("master_link_status:up")
    })
    .await;
}

fn stored(server: &RedisServer, id: u32) -> Option<Versioned> {
    let bytes: Option<Vec<u8>> = query(server, &["GET", &format!("item-{id}")]);
    bytes.map(|bytes| serde_json::from_slice(&bytes).expect("a cached item is JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidations_during_a_failover_land_on_the_new_primary() {
    // Diskless replication waits 5 s for more replicas by default: start syncing at once.
    let old = RedisServer::start_with(&["--repl-diskless-sync-delay", "0"]);
    let new = RedisServer::start_with(&[
        "--repl-diskless-sync-delay",
        "0",
        "--replicaof",
        "127.0.0.1",
        &old.port().to_string(),
    ]);
    wait_until_synced(&new).await;
    let name = Forwarder::start(old.port());
    let items = Items {
        cache: Cache::redis(&name.url()).unwrap(),
        truth: Arc::new(Truth::default()),
    };
    for id in 0..KEYS {
        items.read(id).await;
    }
    let cached = items.cache.stats().sets;
    assert_eq!(
        cached,
        u64::from(KEYS),
        "every key is cached before the switch"
    );
    let replicated: i64 = query(&old, &["WAIT", "1", "5000"]);
    assert_eq!(replicated, 1, "the replica has every key");

    // The switch: promote the replica, demote the old primary under it, move the name.
    let () = query(&new, &["REPLICAOF", "NO", "ONE"]);
    let () = query(&old, &["REPLICAOF", "127.0.0.1", &new.port().to_string()]);
    name.point_to(new.port());
    let switched = Instant::now();

    for id in 0..KEYS {
        let version = items.write(id).await;
        items.truth.completed(id, version);
    }
    live_within(
        LIVENESS * 4,
        "the pending invalidations landing once the handle reconnects",
        items.cache.flush_invalidations(),
    )
    .await;
    let flushed = switched.elapsed();

    // The first hit served by the new primary.
    eventually_within(LIVENESS * 4, "a hit after the switch", async || {
        let hits = items.cache.stats().hits;
        items.read(0).await;
        items.cache.stats().hits > hits
    })
    .await;
    let first_hit = switched.elapsed();

    let mut stale = Vec::new();
    for id in 0..KEYS {
        let truth = items.truth.read(id);
        if let Some(held) = stored(&new, id).filter(|held| *held != truth) {
            stale.push((id, held.version, truth.version));
        }
        assert_eq!(items.read(id).await, truth, "read after the failover");
    }
    let stats = items.cache.stats();
    println!(
        "failover: {KEYS} keys, invalidations landed {flushed:?} after the switch, first hit on \
         the new primary after {first_hit:?}, {} stale keys; stats {stats:?}",
        stale.len()
    );
    assert!(stale.is_empty(), "stale keys (id, held, truth): {stale:?}");
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
}
