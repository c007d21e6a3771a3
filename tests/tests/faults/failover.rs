//! Failover: the old primary is demoted to a replica (still reachable, answering `READONLY` to
//! writes) and the promoted replica takes over, found either through a name that moves (a
//! forwarder stands for the DNS name) or through Redis Sentinel. The handle drops its connection
//! on `READONLY` (or when the connection is killed) and connects again, so invalidations pending
//! during the switch land on the new primary: no key is left stale.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cache::{Cache, RedisConfig};
use cache_tests::{
    Forwarder, LIVENESS, RedisServer, SentinelServer, Truth, Versioned, live_within,
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

fn try_query<T: redis::FromRedisValue>(
    server: &RedisServer,
    args: &[&str],
) -> redis::RedisResult<T> {
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query(&mut server.connection())
}

fn query<T: redis::FromRedisValue>(server: &RedisServer, args: &[&str]) -> T {
    try_query(server, args).unwrap_or_else(|error| panic!("{args:?}: {error}"))
}

/// `INFO replication` while a server may be reconfigured: Sentinel drops its normal clients
/// (`CLIENT KILL TYPE normal`) when it turns it into a replica, so an error means "ask again".
fn replication_info(server: &RedisServer) -> String {
    try_query(server, &["INFO", "replication"]).unwrap_or_else(|error| format!("(error: {error})"))
}

/// Waits until `replica` reports its link to the primary up.
fn wait_until_synced(replica: &RedisServer) {
    let deadline = Instant::now() + LIVENESS * 3;
    loop {
        let info = replication_info(replica);
        if info.contains("master_link_status:up") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never synced:\n{info}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stored(server: &RedisServer, id: u32) -> Option<Versioned> {
    let bytes: Option<Vec<u8>> = query(server, &["GET", &format!("item-{id}")]);
    bytes.map(|bytes| serde_json::from_slice(&bytes).expect("a cached item is JSON"))
}

/// A primary, and a replica of it that has synced.
fn primary_and_replica() -> (RedisServer, RedisServer) {
    // Diskless replication waits 5 s for more replicas by default: start syncing at once.
    let old = RedisServer::start_with(&["--repl-diskless-sync-delay", "0"]);
    let new = RedisServer::start_with(&[
        "--repl-diskless-sync-delay",
        "0",
        "--replicaof",
        "127.0.0.1",
        &old.port().to_string(),
    ]);
    wait_until_synced(&new);
    (old, new)
}

/// Waits until `server` reports the replica role.
fn wait_until_replica(server: &RedisServer) {
    let deadline = Instant::now() + LIVENESS * 6;
    loop {
        let info = replication_info(server);
        if info.contains("role:slave") {
            return;
        }
        assert!(Instant::now() < deadline, "never demoted:\n{info}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Caches every key through `cache`, fails over with `switch`, writes every key, and checks
/// that no key is stale on the new primary. Returns a line of figures.
async fn across_a_failover(
    how: &str,
    cache: Cache,
    old: &RedisServer,
    new: &RedisServer,
    switch: impl FnOnce(),
) {
    let items = Items {
        cache,
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
    let replicated: i64 = query(old, &["WAIT", "1", "5000"]);
    assert_eq!(replicated, 1, "the replica has every key");

    tokio::task::block_in_place(switch);
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

    // The first hit served by the new primary (a liveness wait; its time is only reported).
    let first_hit = live_within(LIVENESS * 4, "a hit after the switch", async {
        loop {
            let hits = items.cache.stats().hits;
            items.read(0).await;
            if items.cache.stats().hits > hits {
                return switched.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;

    let mut stale = Vec::new();
    for id in 0..KEYS {
        let truth = items.truth.read(id);
        if let Some(held) = stored(new, id).filter(|held| *held != truth) {
            stale.push((id, held.version, truth.version));
        }
        assert_eq!(items.read(id).await, truth, "read after the failover");
    }
    let stats = items.cache.stats();
    println!(
        "failover ({how}): {KEYS} keys, invalidations landed {flushed:?} after the switch, first \
         hit on the new primary after {first_hit:?}, {} stale keys; stats {stats:?}",
        stale.len()
    );
    assert!(stale.is_empty(), "stale keys (id, held, truth): {stale:?}");
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidations_during_a_failover_land_on_the_new_primary() {
    let (old, new) = primary_and_replica();
    let name = Forwarder::start(old.port());
    // Room for a busy machine: the test is about where invalidations land, not timeouts.
    let cache = Cache::builder()
        .redis(name.url())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    // The switch: promote the replica, demote the old primary under it, move the name.
    across_a_failover("a name that moves", cache, &old, &new, || {
        let () = query(&new, &["REPLICAOF", "NO", "ONE"]);
        let () = query(&old, &["REPLICAOF", "127.0.0.1", &new.port().to_string()]);
        name.point_to(new.port());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidations_during_a_sentinel_failover_land_on_the_new_primary() {
    let (old, new) = primary_and_replica();
    let sentinel = SentinelServer::start("cache-primary", old.port());
    sentinel.wait_for_replica("cache-primary");
    let cache = Cache::builder()
        .redis_config(RedisConfig::new("redis://cache-primary/0").sentinels([sentinel.url()]))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(
        cache.backend_description().contains("via Sentinel"),
        "{}",
        cache.backend_description()
    );
    across_a_failover("Sentinel", cache, &old, &new, || {
        sentinel.fail_over("cache-primary", new.port());
        wait_until_replica(&old);
    })
    .await;
}
