//! Corrupt and foreign contents under a key: garbage bytes, truncated JSON, JSON of the wrong
//! shape, another client's lease marker (the empty string; expiring, and persistent as a raw
//! `SET key ""` would leave it), a marker of the previous format (`!cache-lease:<hex>`, left by
//! an instance not yet upgraded). Each is recovered: the call returns the
//! body's value, and afterwards the key holds the right value (for a live foreign lease: once it
//! has expired, on the next read). A lease marker is never handed to a caller as a value.
//!
//! Garbage, truncated JSON and foreign markers can only be planted in Redis (in process, only
//! the handle writes, and only JSON); wrong shapes are checked on both backends.

use std::time::{Duration, Instant};

use cache::Cache;
use cache_tests::{Calls, Fixture, Kind, eventually, live};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Organisation {
    id: u32,
    name: String,
    tags: Vec<String>,
}

struct Client {
    cache: Cache,
    calls: Calls,
}

impl Client {
    fn new(cache: Cache) -> Client {
        Client {
            cache,
            calls: Calls::default(),
        }
    }

    #[cache::set("organisation-{id}", ttl = "1h", cache = self.cache)]
    async fn organisation(&self, id: u32) -> Organisation {
        self.calls.record();
        Organisation {
            id,
            name: format!("Organisation {id}"),
            tags: vec!["central government".into()],
        }
    }

    /// Accepts any JSON at all: if a marker were ever decoded as a value, it would be here.
    #[cache::set("anything-{id}", ttl = "1h", cache = self.cache)]
    async fn anything(&self, id: u32) -> serde_json::Value {
        self.calls.record();
        serde_json::json!({ "id": id })
    }
}

fn expected(id: u32) -> Organisation {
    Organisation {
        id,
        name: format!("Organisation {id}"),
        tags: vec!["central government".into()],
    }
}

/// The raw bytes under `key` on the fixture's Redis.
fn raw(fx: &Fixture, key: &str) -> Option<Vec<u8>> {
    fx.server().expect("raw access needs Redis").raw_get(key)
}

/// Sets `key` to `bytes` on the fixture's Redis, expiring after `px` ms (never when `None`).
async fn plant(fx: &Fixture, key: &str, bytes: &[u8], px: Option<u64>) {
    let server = fx.server().expect("raw access needs Redis");
    let mut connection = server
        .client()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to the test redis-server");
    let mut command = redis::cmd("SET");
    command.arg(key).arg(bytes);
    if let Some(px) = px {
        command.arg("PX").arg(px);
    }
    let () = command.query_async(&mut connection).await.expect("raw SET");
}

/// A call over a bad value returns the body's value; afterwards the key holds the right value
/// and the next call is a hit.
async fn assert_recovered(fx: &Fixture, client: &Client, id: u32, what: &str) {
    let key = format!("organisation-{id}");
    let calls = client.calls.get();
    assert_eq!(
        live("a read", client.organisation(id)).await,
        expected(id),
        "{what}: the body's value is returned"
    );
    assert_eq!(client.calls.get(), calls + 1, "{what}: a miss");
    assert_eq!(
        fx.stored(&key).await,
        Some(serde_json::to_value(expected(id)).unwrap()),
        "{what}: the key holds the right value afterwards"
    );
    assert_eq!(live("a read", client.organisation(id)).await, expected(id));
    assert_eq!(client.calls.get(), calls + 1, "{what}: then a hit");
}

/// JSON of the wrong shape, on both backends.
async fn wrong_shapes_are_recovered(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    let shapes = [
        r#"{"unexpected": true}"#,
        r#""a string""#,
        "[1, 2, 3]",
        r#"{"id": "seven", "name": "x", "tags": []}"#,
        r#"{"id": 5, "name": null, "tags": []}"#,
        "null",
        "0",
    ];
    for (id, json) in (1..).zip(shapes) {
        fx.store_json(&format!("organisation-{id}"), json, Some(60))
            .await;
        assert_recovered(&fx, &client, id, json).await;
    }
    assert_eq!(
        fx.cache.stats().errors,
        shapes.len() as u64,
        "each counted once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_wrong_shapes_are_recovered() {
    wrong_shapes_are_recovered(Kind::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_wrong_shapes_are_recovered() {
    wrong_shapes_are_recovered(Kind::Memory).await;
}

/// Bytes that are not JSON at all, or JSON cut short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_garbage_and_truncated_json_are_recovered() {
    let fx = Fixture::new(Kind::Redis);
    let client = Client::new(fx.cache.clone());
    let bad: [(&str, &[u8]); 5] = [
        ("garbage", b"\xff\xfe\x00garbage"),
        ("a Python pickle", b"\x80\x04\x95pickle"),
        ("truncated JSON", br#"{"id": 4, "name": "Trunc"#),
        (
            "JSON with trailing bytes",
            br#"{"id": 5, "name": "x", "tags": []} trailing"#,
        ),
        ("Python's True", b"True"),
    ];
    for (id, (what, bytes)) in (1..).zip(bad) {
        plant(&fx, &format!("organisation-{id}"), bytes, None).await;
        assert_recovered(&fx, &client, id, what).await;
    }
    assert_eq!(fx.cache.stats().errors, bad.len() as u64);
}

/// An empty value is a lease marker, not garbage: see the lease tests below.
///
/// Another client's live lease (it expires): the call waits `lease_wait` for that fill, then
/// returns the body's value without storing; once the marker has expired, the next read fills.
///
/// The marker lives far longer than the wait, so the wait can only end by giving up (a lease
/// wait counted, nothing stored, the marker untouched); its expiry is then brought forward
/// (`PEXPIRE`) rather than slept for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_a_foreign_live_lease_is_waited_for_then_filled_after_it_expires() {
    let lease_wait = Duration::from_millis(100);
    let fx = Fixture::with(Kind::Redis, |builder| builder.lease_wait(lease_wait));
    let client = Client::new(fx.cache.clone());
    let marker = b"";
    plant(&fx, "organisation-1", marker, Some(60_000)).await;

    let started = Instant::now();
    assert_eq!(live("a read", client.organisation(1)).await, expected(1));
    let waited = started.elapsed();
    println!(
        "corruption: a read behind a foreign live lease took {waited:.2?} (lease_wait {lease_wait:?})"
    );
    assert_eq!(client.calls.get(), 1);
    let stats = fx.cache.stats();
    assert_eq!(
        (stats.lease_waits, stats.sets, stats.errors),
        (1, 0, 0),
        "it waited for the other fill, then gave up without storing: {stats:?}"
    );
    assert_eq!(
        raw(&fx, "organisation-1").as_deref(),
        Some(&marker[..]),
        "the other client's lease is left alone"
    );

    // The marker expires (its owner never filled): the next read takes its own lease and fills.
    let server = fx.server().unwrap();
    let _: bool = redis::cmd("PEXPIRE")
        .arg("organisation-1")
        .arg(1)
        .query(&mut server.connection())
        .expect("PEXPIRE");
    eventually("the foreign lease expiring", async || {
        !server.raw_exists("organisation-1")
    })
    .await;
    assert_recovered(&fx, &client, 1, "after the foreign lease expired").await;
}

/// A marker without expiry (`SET key ""` by hand, or a client that crashed between two
/// commands of an older protocol), and any marker of the previous format, expiring or not, is
/// taken over at once: no wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_a_persistent_foreign_lease_is_taken_over() {
    let fx = Fixture::with(Kind::Redis, |builder| {
        builder.lease_wait(Duration::from_secs(3))
    });
    let client = Client::new(fx.cache.clone());
    let markers: [(&[u8], Option<u64>); 3] = [
        (b"", None),
        (b"!cache-lease:deadbeef", None),
        (b"!cache-lease:deadbeef", Some(60_000)),
    ];
    for (id, (marker, px)) in (1..).zip(markers) {
        let key = format!("organisation-{id}");
        plant(&fx, &key, marker, px).await;
        let started = Instant::now();
        assert_recovered(&fx, &client, id, "a persistent or old-format marker").await;
        let elapsed = started.elapsed();
        println!(
            "corruption: a foreign marker {:?} ({px:?} ms) was replaced in {elapsed:.2?}",
            String::from_utf8_lossy(marker)
        );
        assert_ttl_about_an_hour(&fx, &key).await;
    }
    assert_eq!(
        fx.cache.stats().lease_waits,
        0,
        "no waiting on a marker that never expires or that no current fill holds"
    );
}

async fn assert_ttl_about_an_hour(fx: &Fixture, key: &str) {
    let ttl = fx.ttl_seconds(key).await;
    assert!(
        (3595..=3600).contains(&ttl),
        "TTL {ttl}s, expected about 1h"
    );
}

/// A return type that accepts any JSON still never receives a marker: markers are not JSON,
/// and are recognised before decoding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_a_marker_is_never_returned_as_a_value() {
    let fx = Fixture::with(Kind::Redis, |builder| {
        builder.lease_wait(Duration::from_millis(50))
    });
    let client = Client::new(fx.cache.clone());
    let markers: [(&[u8], Option<u64>); 4] = [
        (b"", Some(60_000)),
        (b"", None),
        (b"!cache-lease:deadbeef", Some(60_000)),
        (b"!cache-lease:deadbeef", None),
    ];
    for (id, (marker, px)) in (1..).zip(markers) {
        plant(&fx, &format!("anything-{id}"), marker, px).await;
        let value = live("a read", client.anything(id)).await;
        assert_eq!(value, serde_json::json!({ "id": id }), "the body's value");
    }
    assert_eq!(client.calls.get(), 4);
    // Without leases, a marker is a miss as well, and the value overwrites it.
    let without = Client::new(
        Cache::builder()
            .redis(fx.server().unwrap().url())
            .leases(false)
            .build()
            .unwrap(),
    );
    plant(&fx, "anything-5", b"", Some(60_000)).await;
    assert_eq!(
        live("a read", without.anything(5)).await,
        serde_json::json!({ "id": 5 })
    );
    assert_eq!(without.calls.get(), 1);
    assert_eq!(
        raw(&fx, "anything-5").as_deref(),
        Some(&br#"{"id":5}"#[..]),
        "without leases the value replaces the marker"
    );
}

/// The explicit API on a key holding a lease marker (a fill in flight): the key has no value
/// yet, so `get` says `Ok(None)`, as for an absent key, and counts no error.
///
/// `Cache::get` recognises a marker (`lease::is_marker`) before decoding, and counts
/// a key holding a marker as a miss.
async fn explicit_get_treats_a_lease_marker_as_absent(kind: Kind) {
    let fx = Fixture::with(kind, |builder| {
        builder.lease_wait(Duration::from_millis(50))
    });
    // A fill in flight: a body that has not returned yet holds the lease.
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let cache = fx.cache.clone();
    let filling = tokio::spawn(async move {
        struct Slow {
            cache: Cache,
        }
        impl Slow {
            #[cache::set("slow", cache = self.cache)]
            async fn slow(&self, started: tokio::sync::oneshot::Sender<()>) -> u32 {
                let _ = started.send(());
                // Never returns: the test aborts it once it has looked.
                std::future::pending::<u32>().await
            }
        }
        Slow { cache }.slow(started_tx).await
    });
    live("the slow body", started_rx).await.unwrap();
    let got = fx.cache.get::<u32>("slow").await;
    let errors = fx.cache.stats().errors;
    filling.abort();
    assert!(
        matches!(got, Ok(None)),
        "get during a fill: {got:?} ({errors} errors counted)"
    );
    assert_eq!(errors, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_explicit_get_treats_a_lease_marker_as_absent() {
    explicit_get_treats_a_lease_marker_as_absent(Kind::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_explicit_get_treats_a_lease_marker_as_absent() {
    explicit_get_treats_a_lease_marker_as_absent(Kind::Memory).await;
}

/// A key of another Redis type (a hash where a string is expected): `GET` fails with
/// `WRONGTYPE`. The call still returns the body's value and the caller sees no error. (The key
/// is not repaired: the cache never deletes what it cannot read; see docs/RELIABILITY.md.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_a_key_of_another_type_fails_open() {
    let fx = Fixture::new(Kind::Redis);
    let client = Client::new(fx.cache.clone());
    let mut connection = fx.server().unwrap().connection();
    let _: () = redis::cmd("HSET")
        .arg("organisation-1")
        .arg("field")
        .arg("value")
        .query(&mut connection)
        .unwrap();
    for _ in 0..2 {
        assert_eq!(live("a read", client.organisation(1)).await, expected(1));
    }
    assert_eq!(client.calls.get(), 2, "a miss each time");
    let kind: String = redis::cmd("TYPE")
        .arg("organisation-1")
        .query(&mut connection)
        .unwrap();
    println!(
        "corruption: a hash under a cached key: calls fail open; afterwards the key is a {kind}; {:?}",
        fx.cache.stats()
    );
    assert!(fx.cache.stats().errors >= 2);

    // An error reply means the lookup script stopped before leaving a marker: nothing is
    // retried in the background (each call sent one lookup, plus a first `SCRIPT LOAD`). A
    // release would follow at once; half a second lets one show, a busy machine can only hide
    // it (never fail this check wrongly).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let scripts = fx.server().unwrap().script_calls();
    assert!(
        scripts <= 4,
        "{scripts} script calls for 2 reads: an error reply must not start a background release"
    );
}
