//! The near cache against a real `redis-server`: copies are served locally (seen as no `GET`
//! reaching Redis), dropped when another client writes, deletes or flushes, when this process
//! does (before the call returns), when the tracking connection is killed, and when the key's
//! TTL runs out; lease markers are never copied. On a cluster: see [`on_cluster`]; behind
//! Sentinel: [`behind_sentinel`]. Hits that clone instead of decoding: [`reused`].

mod behind_sentinel;
mod on_cluster;
mod reused;

use std::collections::HashMap;
use std::time::Duration;

use cache::{Cache, CacheBuilder, TRACKING_CLIENT_NAME};
use cache_tests::{RedisServer, TestCerts, eventually};
use redis::aio::MultiplexedConnection;

const PREFIX: &str = "near:";

/// Generous: a loaded machine (or a TLS handshake on it) must not turn reads into timeouts.
const TIMEOUT: Duration = Duration::from_secs(2);

fn near_handle(server: &RedisServer) -> Cache {
    Cache::builder()
        .redis(server.url())
        .timeout(TIMEOUT)
        .key_prefix(PREFIX)
        .near_cache(1 << 20)
        .build()
        .expect("a valid configuration")
}

async fn raw(server: &RedisServer) -> MultiplexedConnection {
    server
        .client()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to the test server")
}

/// How many `GET`s Redis has answered, from `INFO commandstats`.
async fn gets(raw: &mut MultiplexedConnection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(raw)
        .await
        .unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix("cmdstat_get:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().unwrap())
}

/// Reads `key` through the handle and says whether Redis saw a `GET` for it. The handle's
/// `near_hits` must agree: it counts the read exactly when it found a value without one.
async fn read(cache: &Cache, raw: &mut MultiplexedConnection, key: &str) -> (Option<String>, bool) {
    let before = gets(raw).await;
    let stats_before = cache.stats();
    let value = cache.get::<String>(key).await.unwrap();
    let stats = cache.stats();
    let went_to_redis = gets(raw).await != before;
    let near_hit = value.is_some() && !went_to_redis;
    assert_eq!(
        stats.near_hits - stats_before.near_hits,
        u64::from(near_hit),
        "near_hits after a read that {}",
        if near_hit {
            "was served locally"
        } else {
            "went to Redis or found nothing"
        },
    );
    assert_eq!(
        stats.hits - stats_before.hits,
        u64::from(value.is_some()),
        "hits count near hits too"
    );
    (value, went_to_redis)
}

/// Waits until `key` reads as `value` from the local copy (tracking on, copy stored).
async fn until_served_locally(
    cache: &Cache,
    raw: &mut MultiplexedConnection,
    key: &str,
    value: &str,
) {
    eventually("the value is served from the near cache", async || {
        let (got, went_to_redis) = read(cache, raw, key).await;
        assert_eq!(got.as_deref(), Some(value));
        !went_to_redis
    })
    .await;
}

async fn store(raw: &mut MultiplexedConnection, key: &str, value: &str) {
    let () = redis::cmd("SET")
        .arg(format!("{PREFIX}{key}"))
        .arg(serde_json::to_string(value).unwrap())
        .query_async(raw)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_clients_set_and_del_reach_the_local_copy() {
    let server = RedisServer::start();
    let cache = near_handle(&server);
    let mut raw = raw(&server).await;
    store(&mut raw, "k", "v1").await;
    until_served_locally(&cache, &mut raw, "k", "v1").await;

    store(&mut raw, "k", "v2").await;
    eventually("another client's SET reaches the near cache", async || {
        cache.get::<String>("k").await.unwrap().as_deref() == Some("v2")
    })
    .await;
    until_served_locally(&cache, &mut raw, "k", "v2").await;

    let _: u64 = redis::cmd("DEL")
        .arg(format!("{PREFIX}k"))
        .query_async(&mut raw)
        .await
        .unwrap();
    eventually("another client's DEL reaches the near cache", async || {
        cache.get::<String>("k").await.unwrap().is_none()
    })
    .await;

    // A flush is pushed as a `null` invalidation: every copy goes.
    store(&mut raw, "k", "v3").await;
    until_served_locally(&cache, &mut raw, "k", "v3").await;
    let () = redis::cmd("FLUSHALL").query_async(&mut raw).await.unwrap();
    eventually(
        "another client's FLUSHALL reaches the near cache",
        async || cache.get::<String>("k").await.unwrap().is_none(),
    )
    .await;
    assert!(cache.backend_description().contains("with a near cache"));
}

/// Over TLS the tracking connection copies the data connection's TLS settings (the test CA).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_works_over_tls() {
    let certs = TestCerts::generate();
    let server = RedisServer::start_tls(&certs, true);
    let cache = Cache::builder()
        .redis_config(
            server
                .cache_config()
                .tls_client_cert(&certs.client_cert, &certs.client_key),
        )
        .timeout(TIMEOUT)
        .key_prefix(PREFIX)
        .near_cache(1 << 20)
        .build()
        .unwrap();
    let mut raw = raw(&server).await;
    store(&mut raw, "k", "v1").await;
    until_served_locally(&cache, &mut raw, "k", "v1").await;
    store(&mut raw, "k", "v2").await;
    eventually(
        "another client's SET reaches the near cache over TLS",
        async || cache.get::<String>("k").await.unwrap().as_deref() == Some("v2"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_writes_and_deletes_are_read_at_once() {
    let server = RedisServer::start();
    let cache = near_handle(&server);
    let mut raw = raw(&server).await;
    cache.set("k", "0", None).await.unwrap();
    until_served_locally(&cache, &mut raw, "k", "0").await;
    // Many rounds: the push of the handle's own write races with the read after it, and only
    // the local drop on write makes every round read the new value.
    for round in 1..=200 {
        let value = round.to_string();
        cache.set("k", &value, None).await.unwrap();
        assert_eq!(
            cache.get::<String>("k").await.unwrap(),
            Some(value.clone()),
            "round {round}: the old local copy was served after the write returned"
        );
        until_served_locally(&cache, &mut raw, "k", &value).await;
    }
    cache.delete(["k"]).await.unwrap();
    assert_eq!(cache.get::<String>("k").await.unwrap(), None);
    cache.set("p:1", "x", None).await.unwrap();
    until_served_locally(&cache, &mut raw, "p:1", "x").await;
    cache.delete_matching("p:*").await.unwrap();
    assert_eq!(cache.get::<String>("p:1").await.unwrap(), None);
}

/// The `CLIENT LIST` id of the handle's tracking connection, if there is one.
async fn tracking_client(raw: &mut MultiplexedConnection) -> Option<u64> {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(raw)
        .await
        .unwrap();
    list.lines().find_map(|line| {
        let fields: HashMap<&str, &str> = line
            .split(' ')
            .filter_map(|field| field.split_once('='))
            .collect();
        (fields.get("name") == Some(&TRACKING_CLIENT_NAME)).then(|| fields["id"].parse().unwrap())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_tracking_connection_drops_the_copies_until_tracking_is_back() {
    let server = RedisServer::start();
    let cache = near_handle(&server);
    let mut raw = raw(&server).await;
    store(&mut raw, "k", "v1").await;
    until_served_locally(&cache, &mut raw, "k", "v1").await;
    let first = tracking_client(&mut raw)
        .await
        .expect("a tracking connection");

    let () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(first)
        .query_async::<u64>(&mut raw)
        .await
        .map(|_| ())
        .unwrap();
    // Written while no tracking connection is there to hear of it.
    store(&mut raw, "k", "v2").await;
    eventually("the copy from before the loss is dropped", async || {
        cache.get::<String>("k").await.unwrap().as_deref() == Some("v2")
    })
    .await;

    // Tracking is back on a new connection, and invalidations flow again.
    eventually("a new tracking connection", async || {
        tracking_client(&mut raw)
            .await
            .is_some_and(|id| id != first)
    })
    .await;
    until_served_locally(&cache, &mut raw, "k", "v2").await;
    store(&mut raw, "k", "v3").await;
    eventually(
        "invalidations reach the new tracking connection",
        async || cache.get::<String>("k").await.unwrap().as_deref() == Some("v3"),
    )
    .await;
}

/// Dropping the last clone of a handle stops its tracking thread and closes its connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_handle_closes_its_tracking_connection() {
    let server = RedisServer::start();
    let cache = near_handle(&server);
    let mut raw = raw(&server).await;
    store(&mut raw, "k", "v1").await;
    until_served_locally(&cache, &mut raw, "k", "v1").await;
    assert!(tracking_client(&mut raw).await.is_some());
    let clone = cache.clone();
    drop(cache);
    // A clone keeps it.
    until_served_locally(&clone, &mut raw, "k", "v1").await;
    drop(clone);
    eventually("the tracking connection is closed", async || {
        tracking_client(&mut raw).await.is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_markers_are_never_copied() {
    let server = RedisServer::start();
    let cache = near_handle(&server);
    let mut raw = raw(&server).await;
    // Tracking is on: another key is served locally.
    store(&mut raw, "other", "x").await;
    until_served_locally(&cache, &mut raw, "other", "x").await;

    let () = redis::cmd("SET")
        .arg(format!("{PREFIX}k"))
        .arg("")
        .query_async(&mut raw)
        .await
        .unwrap();
    for _ in 0..5 {
        let (value, went_to_redis) = read(&cache, &mut raw, "k").await;
        assert_eq!(value, None, "a marker reads as absent");
        assert!(
            went_to_redis,
            "a lease marker was served from the near cache"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keys_ttl_bounds_the_local_copy() {
    let server = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let cache = near_handle(&server);
    let mut raw = raw(&server).await;
    // Redis expires keys only when they are read again: no expiry push can help the handle.
    let () = redis::cmd("DEBUG")
        .arg("SET-ACTIVE-EXPIRE")
        .arg(0)
        .query_async(&mut raw)
        .await
        .unwrap();
    let () = redis::cmd("SET")
        .arg(format!("{PREFIX}k"))
        .arg("\"short\"")
        .arg("PX")
        .arg(1500)
        .query_async(&mut raw)
        .await
        .unwrap();
    until_served_locally(&cache, &mut raw, "k", "short").await;
    eventually("the local copy expires with the key", async || {
        cache.get::<String>("k").await.unwrap().is_none()
    })
    .await;
}

/// A user that may not turn tracking on gets no local copies: every read goes to Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_permission_to_track_every_read_goes_to_redis() {
    let server = RedisServer::start();
    let mut raw = raw(&server).await;
    let () = redis::cmd("ACL")
        .arg(&["SETUSER", "app", "on", ">secret", "~*", "+@all", "-client"][..])
        .query_async(&mut raw)
        .await
        .unwrap();
    let cache = Cache::builder()
        .redis(format!("redis://app:secret@127.0.0.1:{}", server.port()))
        .timeout(TIMEOUT)
        .key_prefix(PREFIX)
        .near_cache(1 << 20)
        .build()
        .unwrap();
    store(&mut raw, "k", "v1").await;
    for _ in 0..20 {
        let (value, went_to_redis) = read(&cache, &mut raw, "k").await;
        assert_eq!(value.as_deref(), Some("v1"));
        assert!(went_to_redis, "a copy was served without tracking");
        // Time for the tracking thread to try (and be refused) meanwhile.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(tracking_client(&mut raw).await.is_none());
}

#[test]
fn the_capacity_comes_from_the_environment_within_bounds() {
    let from = |bytes: &str| {
        let vars: HashMap<&str, String> = [
            ("REDIS_URL", "redis://127.0.0.1:1".to_owned()),
            ("CACHE_NEAR_CAPACITY_BYTES", bytes.to_owned()),
        ]
        .into();
        CacheBuilder::from_vars(|name| vars.get(name).cloned()).and_then(CacheBuilder::build)
    };
    let on = from("1048576").unwrap();
    assert!(
        on.backend_description()
            .contains("near cache of 1048576 bytes")
    );
    let off = from("0").unwrap();
    assert!(!off.backend_description().contains("near cache"));
    for bad in ["12", "lots", "-1", "99999999999999999"] {
        let error = from(bad).unwrap_err().to_string();
        assert!(
            error.contains("CACHE_NEAR_CAPACITY_BYTES"),
            "{bad}: {error}"
        );
    }
    // The builder is checked the same way.
    let error = Cache::builder()
        .redis("redis://127.0.0.1:1")
        .near_cache(12)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("near_cache"), "{error}");
}
