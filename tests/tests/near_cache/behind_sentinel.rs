//! The near cache behind Redis Sentinel: tracking follows the primary the sentinels name, so
//! after a failover the promoted replica's writes reach the copies; and reads that may be kept
//! go over the tracking connection, so a copy always comes from the tracked primary.

use std::time::{Duration, Instant};

use cache::{Cache, RedisConfig};
use cache_tests::{LIVENESS, RedisServer, SentinelServer, eventually};
use redis::aio::MultiplexedConnection;

use super::{PREFIX, TIMEOUT};

const PRIMARY_SET: &str = "near-primary";

async fn raw(server: &RedisServer) -> MultiplexedConnection {
    server
        .client()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to a test server")
}

/// Waits until `INFO replication` on `server` contains `wanted` (Sentinel drops a server's
/// clients while it reconfigures it: an error means ask again).
fn wait_for_replication(server: &RedisServer, wanted: &str) {
    let deadline = Instant::now() + LIVENESS * 6;
    loop {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut server.connection())
            .unwrap_or_default();
        if info.contains(wanted) {
            return;
        }
        assert!(Instant::now() < deadline, "never `{wanted}`:\n{info}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `GET`s answered by either server.
async fn gets(servers: &[&RedisServer]) -> u64 {
    let mut total = 0;
    for server in servers {
        total += super::gets(&mut raw(server).await).await;
    }
    total
}

async fn until_served_locally(cache: &Cache, servers: &[&RedisServer], key: &str, value: &str) {
    eventually("the value is served from the near cache", async || {
        let before = gets(servers).await;
        let got = cache.get::<String>(key).await.unwrap();
        assert_eq!(got.as_deref(), Some(value));
        gets(servers).await == before
    })
    .await;
}

/// Waits until `key` reads as `value`. An error is "not yet": Sentinel closes the demoted
/// primary's clients, the store's connection among them, which costs a read or two.
async fn until_read_as(cache: &Cache, key: &str, value: &str, what: &str) {
    eventually(what, async || {
        cache.get::<String>(key).await.ok().flatten().as_deref() == Some(value)
    })
    .await;
}

async fn store(server: &RedisServer, key: &str, value: &str) {
    let () = redis::cmd("SET")
        .arg(format!("{PREFIX}{key}"))
        .arg(serde_json::to_string(value).unwrap())
        .query_async(&mut raw(server).await)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_follows_the_primary_across_a_failover() {
    let old = RedisServer::start_with(&["--repl-diskless-sync-delay", "0"]);
    let new = RedisServer::start_with(&[
        "--repl-diskless-sync-delay",
        "0",
        "--replicaof",
        "127.0.0.1",
        &old.port().to_string(),
    ]);
    wait_for_replication(&new, "master_link_status:up");
    let sentinel = SentinelServer::start(PRIMARY_SET, old.port());
    sentinel.wait_for_replica(PRIMARY_SET);
    let cache = Cache::builder()
        .redis_config(
            RedisConfig::new(format!("redis://{PRIMARY_SET}/0")).sentinels([sentinel.url()]),
        )
        .timeout(TIMEOUT)
        .key_prefix(PREFIX)
        .near_cache(1 << 20)
        .build()
        .unwrap();
    assert!(
        cache.backend_description().contains("with a near cache"),
        "{}",
        cache.backend_description()
    );
    let both = [&old, &new];
    store(&old, "k", "v1").await;
    until_served_locally(&cache, &both, "k", "v1").await;
    store(&old, "k", "v2").await;
    until_read_as(&cache, "k", "v2", "a write on the primary reaches the copy").await;
    until_served_locally(&cache, &both, "k", "v2").await;

    tokio::task::block_in_place(|| {
        sentinel.fail_over(PRIMARY_SET, new.port());
        wait_for_replication(&old, "role:slave");
    });
    store(&new, "k", "v3").await;
    until_read_as(&cache, "k", "v3", "the promoted replica's write is read").await;
    until_served_locally(&cache, &both, "k", "v3").await;
    store(&new, "k", "v4").await;
    until_read_as(
        &cache,
        "k",
        "v4",
        "the promoted replica's pushes reach the copy",
    )
    .await;
    assert!(
        super::tracking_client(&mut raw(&new).await).await.is_some(),
        "no tracking connection on the new primary"
    );
}
