//! Leases in a keyspace shared with a reader that only checks truthiness (Notify's Python app),
//! on one server and on a cluster, for every shape of key name: while a fill is in flight the
//! key is empty and the fill's token sits in a side key of the same slot; a plain `DEL` of the
//! key defeats the fill, a plain `SET` is never overwritten by it, and nothing is left behind.
//!
//! The Python side's commands are sent raw here (`GET`, `DEL`, `SET ... EX`, what redis-py
//! sends), so that the cluster runs them too; `python_interop.rs` runs the real Python program.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

use cache::Cache;
use cache_tests::{RedisCluster, RedisServer, eventually};
use redis::ConnectionLike;
use tokio::sync::Semaphore;

/// A cached call whose body waits at a gate, so that the test can act while its fill is in
/// flight.
struct Gated {
    cache: Cache,
    started: AtomicBool,
    gate: Semaphore,
}

impl Gated {
    #[cache::set("item-{id}", cache = self.cache)]
    async fn item(&self, id: u32) -> String {
        self.started.store(true, SeqCst);
        let _permit = self.gate.acquire().await.expect("gate open");
        format!("value-{id}")
    }
}

/// Key prefixes giving every shape of key name: plain, hash-tagged, a `}` with no tag, a `{`
/// with no tag, an empty tag.
const PREFIXES: [&str; 5] = ["", "{tenant-1}:", "odd}", "odd{", "a{}b:"];

/// What the Python app does while the fill is in flight.
#[derive(Debug, Clone, Copy)]
enum Race {
    Nothing,
    /// `DEL key`: its write happened; the value being fetched may be stale.
    Delete,
    /// `SET key <json> EX <ttl>`: its own fresher value.
    Set,
}

fn raw_get(raw: &mut dyn ConnectionLike, key: &str) -> Option<Vec<u8>> {
    redis::cmd("GET").arg(key).query(raw).expect("raw GET")
}

fn raw_keys_with_tokens(raw: &mut dyn ConnectionLike, keys: &[String]) -> Vec<String> {
    keys.iter()
        .filter(|key| raw_get(raw, key).is_some())
        .cloned()
        .collect()
}

/// One fill raced by `race`, under `prefix`; `raw` reads and writes around the handle.
async fn fill_raced(cache: Cache, raw: &mut dyn ConnectionLike, prefix: &str, race: Race) {
    let gated = Arc::new(Gated {
        cache,
        started: AtomicBool::new(false),
        gate: Semaphore::new(0),
    });
    let key = format!("{prefix}item-7");
    let reader = tokio::spawn({
        let gated = gated.clone();
        async move { gated.item(7).await }
    });
    eventually("the body runs", async || gated.started.load(SeqCst)).await;

    // In flight: the key is empty (a miss to a truthiness check), and some other key of the
    // same slot holds a token (found by its name's suffix; on a cluster the scan below routes
    // through the slot, so finding it there proves the slot is shared).
    assert_eq!(
        raw_get(raw, &key),
        Some(Vec::new()),
        "{key}: empty while in flight"
    );
    let candidates = token_key_candidates(&key);
    let tokens = raw_keys_with_tokens(raw, &candidates);
    assert_eq!(tokens.len(), 1, "{key}: one token key among {candidates:?}");

    match race {
        Race::Nothing => {}
        Race::Delete => {
            let _: u64 = redis::cmd("DEL").arg(&key).query(raw).unwrap();
        }
        Race::Set => {
            let () = redis::cmd("SET")
                .arg(&key)
                .arg(r#"{"by": "python"}"#)
                .arg("EX")
                .arg(2_419_200)
                .query(raw)
                .unwrap();
        }
    }
    gated.gate.add_permits(1);
    assert_eq!(
        reader.await.unwrap(),
        "value-7",
        "the caller gets its value"
    );

    let held = raw_get(raw, &key);
    match race {
        Race::Nothing => assert_eq!(held.as_deref(), Some(&b"\"value-7\""[..]), "{key}"),
        Race::Delete => assert_eq!(held, None, "{key}: a DEL during the fill defeats it"),
        Race::Set => assert_eq!(
            held.as_deref(),
            Some(&br#"{"by": "python"}"#[..]),
            "{key}: the fill does not overwrite a value SET during it"
        ),
    }
    let stats = gated.cache.stats();
    let refused = u64::from(!matches!(race, Race::Nothing));
    assert_eq!(stats.fills_refused, refused, "{key}: {stats:?}");
    assert!(
        raw_keys_with_tokens(raw, &candidates).is_empty(),
        "{key}: the fill removed its token key"
    );
}

/// The names the token key of `key` can have (the runtime picks one by the key's shape); the
/// numeric tags are found by trying small numbers, as the runtime does.
fn token_key_candidates(key: &str) -> Vec<String> {
    let mut names = vec![format!("{key}!lease"), format!("{key}!lease{{{key}}}")];
    let slot = redis::cluster_routing::Slot::for_key(key);
    let tag = (0u32..)
        .find(|n| redis::cluster_routing::Slot::for_key(n.to_string()) == slot)
        .unwrap();
    names.push(format!("{key}!lease{{{tag}}}"));
    names.push(format!("{{{tag}}}{key}!lease"));
    names
}

#[tokio::test]
async fn on_one_server_a_fill_in_flight_is_empty_and_python_writes_win() {
    let server = RedisServer::start();
    let mut raw = server.connection();
    for prefix in PREFIXES {
        for race in [Race::Nothing, Race::Delete, Race::Set] {
            let cache = Cache::builder()
                .redis(server.url())
                .key_prefix(prefix)
                .build()
                .unwrap();
            fill_raced(cache, &mut raw, prefix, race).await;
            let () = redis::cmd("FLUSHALL").query(&mut raw).unwrap();
        }
    }
}

#[tokio::test]
async fn on_a_cluster_a_fill_in_flight_is_empty_and_python_writes_win() {
    let cluster = RedisCluster::start();
    let mut raw = cluster.connection();
    for prefix in PREFIXES {
        for race in [Race::Nothing, Race::Delete, Race::Set] {
            let cache = Cache::builder()
                .redis_config(cluster.cache_config())
                .key_prefix(prefix)
                .build()
                .unwrap();
            fill_raced(cache, &mut raw, prefix, race).await;
            let key = format!("{prefix}item-7");
            let _: u64 = redis::cmd("DEL").arg(&key).query(&mut raw).unwrap();
        }
    }
}

/// A marker of the previous format (`!cache-lease:<hex>` in the key, left by an instance not
/// yet upgraded) is never served: a reader replaces it and fills, with or without its TTL.
#[tokio::test]
async fn an_old_format_marker_is_replaced_not_served() {
    let server = RedisServer::start();
    let mut raw = server.connection();
    let cache = Cache::builder()
        .redis(server.url())
        .lease_wait(Duration::from_secs(30))
        .build()
        .unwrap();
    let gated = Gated {
        cache: cache.clone(),
        started: AtomicBool::new(false),
        gate: Semaphore::new(10),
    };
    for (id, ttl) in [(1u32, Some(60_000u64)), (2, None)] {
        let key = format!("item-{id}");
        let mut set = redis::cmd("SET");
        set.arg(&key)
            .arg("!cache-lease:0123456789abcdef0123456789abcdef");
        if let Some(ttl) = ttl {
            set.arg("PX").arg(ttl);
        }
        let () = set.query(&mut raw).unwrap();
        // The explicit API treats it as absent.
        assert_eq!(cache.get::<String>(&key).await.unwrap(), None);
        assert_eq!(gated.item(id).await, format!("value-{id}"));
        assert_eq!(
            raw_get(&mut raw, &key),
            Some(format!("\"value-{id}\"").into_bytes()),
            "{key}: replaced by the fill"
        );
    }
    let stats = cache.stats();
    assert_eq!(
        (stats.sets, stats.lease_waits, stats.hits),
        (2, 0, 0),
        "{stats:?}"
    );
}

/// An empty value with no TTL (a lease marker nobody will fill or expire, or a stray empty
/// string) is taken over rather than waited on for `lease_wait`.
#[tokio::test]
async fn an_empty_value_without_ttl_is_taken_over() {
    let server = RedisServer::start();
    server.raw_set("item-3", "");
    let cache = Cache::builder()
        .redis(server.url())
        .lease_wait(Duration::from_secs(30))
        .build()
        .unwrap();
    let gated = Gated {
        cache: cache.clone(),
        started: AtomicBool::new(false),
        gate: Semaphore::new(1),
    };
    assert_eq!(gated.item(3).await, "value-3");
    assert_eq!(server.raw_get("item-3"), Some(b"\"value-3\"".to_vec()));
    assert_eq!(cache.stats().lease_waits, 0);
}
