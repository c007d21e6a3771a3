//! The near cache on a Redis Cluster (3 primaries, 3 replicas): tracking follows every primary,
//! so a write by another client to a key on any of them reaches this process's copy; a lost
//! tracking connection on one node drops the copies until that node is tracked again; and a key
//! whose slot moved, or whose primary failed over, is still invalidated.

use std::collections::HashMap;

use cache::Cache;
use cache_tests::{RedisCluster, eventually};
use redis::aio::MultiplexedConnection;

use super::{PREFIX, TIMEOUT};

fn near_handle(cluster: &RedisCluster) -> Cache {
    Cache::builder()
        .redis_config(cluster.cache_config())
        .timeout(TIMEOUT)
        .key_prefix(PREFIX)
        .near_cache(1 << 20)
        .build()
        .expect("a valid cluster configuration")
}

async fn node(cluster: &RedisCluster, port: u16) -> MultiplexedConnection {
    cluster
        .nodes()
        .iter()
        .find(|node| node.port() == port)
        .expect("a node of the cluster")
        .client()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to a node of the test cluster")
}

/// `GET`s answered by every node of the cluster.
async fn gets(cluster: &RedisCluster) -> u64 {
    let mut total = 0;
    for server in cluster.nodes() {
        let mut connection = node(cluster, server.port()).await;
        total += super::gets(&mut connection).await;
    }
    total
}

/// Reads `key` through the handle; whether any node saw a `GET` meanwhile.
async fn read(cache: &Cache, cluster: &RedisCluster, key: &str) -> (Option<String>, bool) {
    let before = gets(cluster).await;
    let value = cache.get::<String>(key).await.unwrap();
    (value, gets(cluster).await != before)
}

async fn until_served_locally(cache: &Cache, cluster: &RedisCluster, key: &str, value: &str) {
    eventually("the value is served from the near cache", async || {
        let (got, went_to_redis) = read(cache, cluster, key).await;
        assert_eq!(got.as_deref(), Some(value));
        !went_to_redis
    })
    .await;
}

/// Writes `value` (as JSON) under `key` through another client, as another process would.
fn store(cluster: &RedisCluster, key: &str, value: &str) {
    let () = redis::cmd("SET")
        .arg(format!("{PREFIX}{key}"))
        .arg(serde_json::to_string(value).unwrap())
        .query(&mut cluster.connection())
        .expect("raw SET on the cluster");
}

async fn until_read_as(cache: &Cache, key: &str, value: Option<&str>, what: &str) {
    eventually(what, async || {
        cache.get::<String>(key).await.unwrap().as_deref() == value
    })
    .await;
}

/// One key (without the prefix) per primary, by primary port.
fn key_per_primary(cluster: &RedisCluster) -> Vec<(u16, String)> {
    let mut found: HashMap<u16, String> = HashMap::new();
    for n in 0.. {
        let key = format!("k{n}");
        found
            .entry(cluster.primary_for(&format!("{PREFIX}{key}")))
            .or_insert(key);
        if found.len() == 3 {
            break;
        }
    }
    let mut keys: Vec<(u16, String)> = found.into_iter().collect();
    keys.sort();
    keys
}

/// The `CLIENT LIST` id of the handle's tracking connection on the node at `port`.
async fn tracking_client(cluster: &RedisCluster, port: u16) -> Option<u64> {
    super::tracking_client(&mut node(cluster, port).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_every_primary_reach_the_local_copies() {
    let cluster = RedisCluster::start();
    let cache = near_handle(&cluster);
    assert!(
        cache.backend_description().contains("with a near cache"),
        "{}",
        cache.backend_description()
    );
    let keys = key_per_primary(&cluster);
    for (_, key) in &keys {
        store(&cluster, key, "v1");
        until_served_locally(&cache, &cluster, key, "v1").await;
    }
    for (_, key) in &keys {
        store(&cluster, key, "v2");
        until_read_as(
            &cache,
            key,
            Some("v2"),
            "a SET on this primary reaches the copy",
        )
        .await;
        until_served_locally(&cache, &cluster, key, "v2").await;
        let _: u64 = redis::cmd("DEL")
            .arg(format!("{PREFIX}{key}"))
            .query(&mut cluster.connection())
            .unwrap();
        until_read_as(&cache, key, None, "a DEL on this primary reaches the copy").await;
    }
    // A flush of every primary is pushed as a `null` invalidation: every copy goes, and copies
    // are kept again after it.
    for (_, key) in &keys {
        store(&cluster, key, "v3");
        until_served_locally(&cache, &cluster, key, "v3").await;
    }
    for port in cluster.primary_ports() {
        let () = redis::cmd("FLUSHALL")
            .query_async(&mut node(&cluster, port).await)
            .await
            .unwrap();
    }
    for (_, key) in &keys {
        until_read_as(&cache, key, None, "a FLUSHALL reaches the copy").await;
        store(&cluster, key, "v4");
        until_served_locally(&cache, &cluster, key, "v4").await;
    }
    for (port, _) in &keys {
        assert!(
            tracking_client(&cluster, *port).await.is_some(),
            "no tracking connection on the primary at {port}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_tracking_connection_on_one_node_drops_the_copies() {
    let cluster = RedisCluster::start();
    let cache = near_handle(&cluster);
    let keys = key_per_primary(&cluster);
    for (_, key) in &keys {
        store(&cluster, key, "v1");
        until_served_locally(&cache, &cluster, key, "v1").await;
    }
    let (port, key) = &keys[1];
    let killed = tracking_client(&cluster, *port)
        .await
        .expect("a tracking connection on every primary");
    let _: u64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(killed)
        .query_async(&mut node(&cluster, *port).await)
        .await
        .unwrap();
    // Written while nothing tracks this node for the handle.
    store(&cluster, key, "v2");
    // Once the new value is read, the old one never is again.
    let mut seen_new = false;
    eventually("the copy from before the loss is dropped", async || {
        let value = cache.get::<String>(key).await.unwrap();
        match value.as_deref() {
            Some("v2") => seen_new = true,
            Some("v1") => assert!(!seen_new, "the old copy was served after the new value"),
            other => panic!("unexpected value {other:?}"),
        }
        seen_new
    })
    .await;
    eventually("a new tracking connection on that node", async || {
        tracking_client(&cluster, *port)
            .await
            .is_some_and(|id| id != killed)
    })
    .await;
    until_served_locally(&cache, &cluster, key, "v2").await;
    store(&cluster, key, "v3");
    until_read_as(
        &cache,
        key,
        Some("v3"),
        "invalidations reach the new connection",
    )
    .await;
}

/// A key whose slot moves from its primary to another is still invalidated there. The key
/// starts on the first seed's primary: tracking that node alone would miss the write after the
/// move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_whose_slot_moved_is_still_invalidated() {
    let cluster = RedisCluster::start();
    let cache = near_handle(&cluster);
    let keys = key_per_primary(&cluster);
    let seed_port = cluster.nodes()[0].port();
    let (from, key) = keys
        .iter()
        .find(|(port, _)| *port == seed_port)
        .unwrap_or(&keys[0])
        .clone();
    let to = *cluster
        .primary_ports()
        .iter()
        .find(|port| **port != from)
        .expect("another primary");
    store(&cluster, &key, "v1");
    until_served_locally(&cache, &cluster, &key, "v1").await;

    let slot = cluster.slot_of(&format!("{PREFIX}{key}"));
    assert_eq!(cluster.migrate_slot_keys(slot, from, to), 1);
    cluster.finish_slot_move(slot, from, to);
    assert_eq!(cluster.primary_for(&format!("{PREFIX}{key}")), to);
    until_served_locally(&cache, &cluster, &key, "v1").await;
    store(&cluster, &key, "v2");
    until_read_as(
        &cache,
        &key,
        Some("v2"),
        "a SET on the slot's new primary reaches the copy",
    )
    .await;
    until_served_locally(&cache, &cluster, &key, "v2").await;
    store(&cluster, &key, "v3");
    until_read_as(&cache, &key, Some("v3"), "and so does the next one").await;
}

/// After a failover the promoted replica is tracked too: its writes reach the copies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promoted_replica_is_tracked() {
    let cluster = RedisCluster::start();
    let cache = near_handle(&cluster);
    let keys = key_per_primary(&cluster);
    let (port, key) = &keys[0];
    store(&cluster, key, "v1");
    until_served_locally(&cache, &cluster, key, "v1").await;
    let replica = cluster.replica_of(*port);
    cluster.fail_over_to(replica);
    store(&cluster, key, "v2");
    until_read_as(
        &cache,
        key,
        Some("v2"),
        "the write on the promoted replica is seen",
    )
    .await;
    until_served_locally(&cache, &cluster, key, "v2").await;
    store(&cluster, key, "v3");
    until_read_as(
        &cache,
        key,
        Some("v3"),
        "the promoted replica's pushes reach the copy",
    )
    .await;
    assert!(tracking_client(&cluster, replica).await.is_some());
}

/// Over TLS each node's tracking connection carries the cluster's TLS settings (the test CA).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_works_on_a_tls_cluster() {
    let certs = cache_tests::TestCerts::generate();
    let cluster = RedisCluster::start_tls(&certs);
    let cache = near_handle(&cluster);
    for (_, key) in key_per_primary(&cluster) {
        store(&cluster, &key, "v1");
        until_served_locally(&cache, &cluster, &key, "v1").await;
        store(&cluster, &key, "v2");
        until_read_as(&cache, &key, Some("v2"), "a SET reaches the copy over TLS").await;
    }
}

/// A user that may track but not ask a node its id gets no copies (none could be vouched for),
/// and its reads still work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_permission_to_ask_a_nodes_id_every_read_goes_to_redis() {
    let cluster = RedisCluster::start();
    for server in cluster.nodes() {
        let () = redis::cmd("ACL")
            .arg(
                &[
                    "SETUSER",
                    "app",
                    "on",
                    ">secret",
                    "~*",
                    "+@all",
                    "-cluster|myid",
                ][..],
            )
            .query(&mut server.connection())
            .expect("ACL SETUSER on a node");
    }
    let seeds: Vec<String> = cluster
        .nodes()
        .iter()
        .map(|node| format!("redis://app:secret@127.0.0.1:{}", node.port()))
        .collect();
    let cache = Cache::builder()
        .redis_config(cache::RedisConfig::cluster(seeds))
        .timeout(TIMEOUT)
        .key_prefix(PREFIX)
        .near_cache(1 << 20)
        .build()
        .unwrap();
    let (port, key) = key_per_primary(&cluster).remove(0);
    store(&cluster, &key, "v1");
    for _ in 0..20 {
        let (value, went_to_redis) = read(&cache, &cluster, &key).await;
        assert_eq!(value.as_deref(), Some("v1"));
        assert!(went_to_redis, "a copy was served that no node vouched for");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Tracking itself was allowed: the copies were refused for the id alone.
    assert!(tracking_client(&cluster, port).await.is_some());
}
