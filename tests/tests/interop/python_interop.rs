//! One Redis shared with Notify's Python admin app (`tests/python/notify_cache.py`, which reads,
//! writes, deletes and builds keys exactly as the reference describes): values each way, deletes
//! each way, a Python reader hammering keys while Rust fills are in flight, and a mixed run of
//! Rust and Python readers and writers on the same keys.
//!
//! python3 with redis-py is required (scripts/test installs redis-py): without it these tests
//! fail saying so, rather than pass for nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use cache::Cache;
use cache_tests::{NotifyPython, RedisServer, Rng, finish_python};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A Rust service caching the same API as Notify's app, under the same keys.
struct Api {
    cache: Cache,
    calls: AtomicUsize,
    /// What the "API" answers for `item-{id}`.
    answer: Value,
}

impl Api {
    fn new(cache: Cache, answer: Value) -> Api {
        Api {
            cache,
            calls: AtomicUsize::new(0),
            answer,
        }
    }

    #[cache::set("item-{id}", cache = self.cache)]
    async fn item(&self, id: u32) -> Value {
        self.calls.fetch_add(1, SeqCst);
        // Long enough that Python reads land while the fill is in flight.
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.answer.clone()
    }

    #[cache::delete("item-{id}", cache = self.cache)]
    async fn update(&self, id: u32) {}
}

/// A generous bound: these tests check what each side reads and writes, and a fresh handle's
/// first call waits for its connection, which a busy machine can make slower than 100 ms.
fn handle(server: &RedisServer) -> Cache {
    Cache::builder()
        .redis(server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The values Notify's API returns that a careless reader could mistake for a miss, and text
/// Python's encoder escapes.
fn awkward_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(false),
        json!([]),
        json!(0),
        json!(""),
        json!({"name": "Cafés à Zürich — ключ 🚀", "tags": ["ü", "\u{2028}"]}),
    ]
}

#[tokio::test]
async fn python_writes_and_rust_reads_each_awkward_value() {
    let server = RedisServer::start();
    let python = NotifyPython::new(&server.url());
    for (id, value) in (0u32..).zip(awkward_values()) {
        python.set(&format!("item-{id}"), &value.to_string());
        let api = Api::new(handle(&server), json!("not this"));
        assert_eq!(api.item(id).await, value, "item-{id}");
        assert_eq!(api.calls.load(SeqCst), 0, "item-{id} was a hit");
        // The explicit API reads it too.
        let read: Option<Value> = api.cache.get(&format!("item-{id}")).await.unwrap();
        assert_eq!(read, Some(value));
    }
}

#[tokio::test]
async fn rust_writes_and_python_reads_each_awkward_value() {
    let server = RedisServer::start();
    let python = NotifyPython::new(&server.url());
    for (id, value) in (0u32..).zip(awkward_values()) {
        let api = Api::new(handle(&server), value.clone());
        assert_eq!(api.item(id).await, value);
        assert_eq!(api.calls.load(SeqCst), 1);
        assert_eq!(python.get(&format!("item-{id}")), Some(value), "item-{id}");
    }
}

#[tokio::test]
async fn deletes_work_each_way() {
    let server = RedisServer::start();
    let python = NotifyPython::new(&server.url());
    let api = Api::new(handle(&server), json!({"v": 1}));

    // Rust caches, Python deletes: Rust misses.
    api.item(1).await;
    assert_eq!(python.delete(&["item-1"]), 1);
    api.item(1).await;
    assert_eq!(
        api.calls.load(SeqCst),
        2,
        "Rust missed after Python's delete"
    );

    // Python caches, Rust deletes: Python misses.
    python.set("item-2", r#"{"v": 2}"#);
    api.update(2).await;
    assert_eq!(python.get("item-2"), None);
}

/// Counts a Python hammer reported.
#[derive(Debug, Deserialize)]
struct Hammered {
    reads: u64,
    hits: u64,
    misses: u64,
    empty_seen: u64,
    exceptions: u64,
    non_json: u64,
    first_errors: Vec<String>,
}

/// Rust fills `keys` over and over (each round deletes them, then reads them all concurrently,
/// each read a miss that leases the key and fills it 2 ms later) until the Python hammer has
/// done its reads. Returns what it counted and how many Rust fills ran.
async fn hammer_during_fills(server: &RedisServer, cache: Cache, reads: u64) -> (Hammered, usize) {
    let python = NotifyPython::new(&server.url());
    let ids: Vec<u32> = (0..8).collect();
    let keys: Vec<String> = ids.iter().map(|id| format!("item-{id}")).collect();
    let api = Arc::new(Api::new(
        cache,
        json!({"id": "6ce466d0", "name": "Notify — ünïcode", "empty": [], "off": false}),
    ));
    let mut hammer = python.spawn_hammer(reads, &keys);
    while hammer.try_wait().expect("poll the hammer").is_none() {
        api.cache.delete(&keys).await.unwrap();
        let reads = ids.iter().map(|&id| {
            let api = api.clone();
            tokio::spawn(async move { api.item(id).await })
        });
        for read in reads.collect::<Vec<_>>() {
            read.await.unwrap();
        }
    }
    let counts: Hammered = serde_json::from_value(finish_python(hammer).unwrap()).unwrap();
    (counts, api.calls.load(SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_never_trips_on_a_rust_fill_in_flight() {
    let server = RedisServer::start();
    let (counts, fills) = hammer_during_fills(&server, handle(&server), 20_000).await;
    println!("python hammer during {fills} Rust fills (leases on): {counts:?}");
    assert_eq!(counts.reads, 20_000);
    assert_eq!(counts.hits + counts.misses, counts.reads);
    assert!(
        counts.empty_seen > 0,
        "the hammer read keys while fills were in flight: {counts:?}"
    );
    assert_eq!(counts.exceptions, 0, "{:?}", counts.first_errors);
    assert_eq!(counts.non_json, 0, "{counts:?}");
}

/// The control: the lease marker of the previous format, in the key, is what Notify's page
/// failed on. A Python read of it raises; the Rust reader replaces it (never serving it), and
/// Python then reads the value.
#[tokio::test]
async fn an_old_format_marker_trips_python_and_rust_replaces_it() {
    let server = RedisServer::start();
    let python = NotifyPython::new(&server.url());
    let api = Api::new(handle(&server), json!({"v": "fresh"}));
    let old = "!cache-lease:00112233445566778899aabbccddeeff";
    for (id, ttl) in [(1u32, Some(60_000u64)), (2, None)] {
        let key = format!("item-{id}");
        let mut set = redis::cmd("SET");
        set.arg(&key).arg(old);
        if let Some(ttl) = ttl {
            set.arg("PX").arg(ttl);
        }
        let () = set.query(&mut server.connection()).unwrap();
        let failed = python.try_run(&["get", &key]).unwrap_err();
        assert!(failed.contains("JSONDecodeError"), "{failed}");

        assert_eq!(api.item(id).await, json!({"v": "fresh"}), "{key}");
        assert_eq!(python.get(&key), Some(json!({"v": "fresh"})), "{key}");
    }
    assert_eq!(api.calls.load(SeqCst), 2, "an old marker is never served");
}

/// A cached value in the mixed run: which key, at which version, filled by which side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Item {
    id: String,
    version: u64,
    by: String,
}

/// The Rust side of the mixed run: the "API" is a version counter per key in Redis, shared
/// with the Python side (`truth:item-N`).
struct Versions {
    cache: Cache,
    truth: redis::aio::MultiplexedConnection,
}

impl Versions {
    #[cache::set("item-{id}", cache = self.cache)]
    async fn read(&self, id: u32) -> Item {
        let version: Option<u64> = redis::cmd("GET")
            .arg(format!("truth:item-{id}"))
            .query_async(&mut self.truth.clone())
            .await
            .unwrap();
        // The window in which a write can make this value stale.
        tokio::time::sleep(Duration::from_millis(3)).await;
        Item {
            id: format!("item-{id}"),
            version: version.unwrap_or(0),
            by: "rust".into(),
        }
    }

    #[cache::delete("item-{id}", cache = self.cache)]
    async fn write(&self, id: u32) {
        let _: u64 = redis::cmd("INCR")
            .arg(format!("truth:item-{id}"))
            .query_async(&mut self.truth.clone())
            .await
            .unwrap();
    }
}

/// What the keys held at quiescence.
#[derive(Debug, Default)]
struct Quiet {
    stale_by_rust: Vec<(String, u64, u64)>,
    stale_by_python: Vec<(String, u64, u64)>,
    markers: Vec<String>,
    token_keys: Vec<String>,
}

const MIXED_KEYS: u32 = 24;

/// One round: Rust readers and writers (4 + 2 tasks) and Python readers and writers (2 + 2
/// threads) on the same keys until the Python side has done its operations; then what the keys
/// hold against the versions.
async fn mixed_round(server: &RedisServer, leases: bool, seed: u64) -> (Quiet, u64, Value) {
    let python = NotifyPython::new(&server.url());
    let keys: Vec<String> = (0..MIXED_KEYS).map(|id| format!("item-{id}")).collect();
    let cache = Cache::builder()
        .redis(server.url())
        .leases(leases)
        .build()
        .unwrap();
    let truth = server
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let versions = Arc::new(Versions { cache, truth });
    let mut child = python.spawn_mixed(2, 2, 400, &keys);
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let ops = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for task in 0..6u64 {
        let (versions, running, ops) = (versions.clone(), running.clone(), ops.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed + task);
            while running.load(SeqCst) {
                let id = rng.below(u64::from(MIXED_KEYS)) as u32;
                if task < 4 {
                    versions.read(id).await;
                } else {
                    versions.write(id).await;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                ops.fetch_add(1, SeqCst);
            }
        }));
    }
    while child.try_wait().expect("poll python").is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.store(false, SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    let python_counts = finish_python(child).unwrap();

    let mut quiet = Quiet::default();
    let mut connection = server.connection();
    for key in &keys {
        let held: Option<Vec<u8>> = redis::cmd("GET").arg(key).query(&mut connection).unwrap();
        let truth: Option<u64> = redis::cmd("GET")
            .arg(format!("truth:{key}"))
            .query(&mut connection)
            .unwrap();
        let truth = truth.unwrap_or(0);
        match held {
            None => {}
            Some(bytes) if bytes.is_empty() => quiet.markers.push(key.clone()),
            Some(bytes) => {
                let item: Item = serde_json::from_slice(&bytes).expect("JSON in every key");
                if item.version != truth {
                    let stale = (key.clone(), item.version, truth);
                    match item.by.as_str() {
                        "rust" => quiet.stale_by_rust.push(stale),
                        _ => quiet.stale_by_python.push(stale),
                    }
                }
            }
        }
    }
    quiet.token_keys = redis::cmd("KEYS")
        .arg("*!lease*")
        .query(&mut connection)
        .unwrap();
    (quiet, ops.load(SeqCst), python_counts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_readers_and_writers_leave_no_key_stale_by_a_rust_fill() {
    let server = RedisServer::start();
    let seed = Rng::random_seed();
    for round in 0..2 {
        let (quiet, rust_ops, python) = mixed_round(&server, true, seed + round * 10).await;
        println!(
            "leases on, round {round} (seed {seed}): {rust_ops} Rust ops, Python {python}: {quiet:?}"
        );
        assert_eq!(python["exceptions"], 0, "{python}");
        assert!(quiet.stale_by_rust.is_empty(), "{quiet:?}");
        assert!(quiet.markers.is_empty(), "{quiet:?}");
        assert!(quiet.token_keys.is_empty(), "{quiet:?}");
    }
}

/// The control: without leases the same run can leave a key stale by a Rust fill, and the
/// checker finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_leases_the_mixed_run_can_leave_a_rust_fill_stale() {
    let server = RedisServer::start();
    let seed = Rng::random_seed();
    let mut found = Vec::new();
    for round in 0..10 {
        let (quiet, rust_ops, python) = mixed_round(&server, false, seed + round * 10).await;
        println!(
            "leases off, round {round} (seed {seed}): {rust_ops} Rust ops, Python {python}: {quiet:?}"
        );
        found = quiet.stale_by_rust;
        if !found.is_empty() {
            break;
        }
    }
    assert!(
        !found.is_empty(),
        "10 rounds without leases left no key stale by a Rust fill"
    );
}

/// Services keyed by a string id, as Notify's admin app keys them.
struct Services {
    cache: Cache,
    calls: AtomicUsize,
}

impl Services {
    #[cache::set("service-{service_id}", cache = self.cache)]
    async fn service(&self, service_id: String) -> Value {
        self.calls.fetch_add(1, SeqCst);
        json!({"id": service_id.to_lowercase(), "by": "rust"})
    }

    #[cache::delete("service-{service_id}", cache = self.cache)]
    async fn update(&self, service_id: &str) {}

    #[cache::delete_by_pattern("service-{service_id}-template-*", cache = self.cache)]
    async fn archive_templates(&self, service_id: &str) {}

    #[cache::set("code-{code}", cache = self.cache)]
    async fn code(&self, code: cache::Verbatim<String>) -> u32 {
        code.0.len() as u32
    }
}

const UPPER: &str = "6CE466D0-1B7C-4C2C-9C47-7A1B8A2C3D4E";
const LOWER: &str = "6ce466d0-1b7c-4c2c-9c47-7a1b8a2c3d4e";

/// Upper- and lower-case UUID strings name one key, whichever side builds it, reads, writes or
/// deletes; `Verbatim` keeps an argument's case.
#[tokio::test]
async fn uuid_strings_in_either_case_name_one_key_on_both_sides() {
    let server = RedisServer::start();
    let python = NotifyPython::new(&server.url());
    let services = Services {
        cache: handle(&server),
        calls: AtomicUsize::new(0),
    };
    let spec = |id: &str| format!("service-{{service_id}}?service_id={id}");
    assert_eq!(python.key(&spec(UPPER)), format!("service-{LOWER}"));

    // Python writes under an upper-case argument; Rust reads it under either case.
    python.set(&spec(UPPER), r#"{"by": "python"}"#);
    for id in [UPPER, LOWER] {
        assert_eq!(
            services.service(id.to_owned()).await,
            json!({"by": "python"})
        );
    }
    assert_eq!(services.calls.load(SeqCst), 0, "both were hits");

    // Rust deletes with an upper-case argument: Python misses under either case.
    services.update(UPPER).await;
    assert_eq!(python.get(&spec(LOWER)), None);
    assert_eq!(python.get(&spec(UPPER)), None);

    // Rust fills with an upper-case argument; Python hits under either case.
    services.service(UPPER.to_owned()).await;
    for id in [UPPER, LOWER] {
        assert_eq!(
            python.get(&spec(id)),
            Some(json!({"id": LOWER, "by": "rust"}))
        );
    }
    assert!(!server.raw_exists(&format!("service-{UPPER}")));

    // Pattern deletes follow the same rule.
    python.set(&format!("service-{LOWER}-template-a"), "1");
    services.archive_templates(UPPER).await;
    assert_eq!(python.get(&format!("service-{LOWER}-template-a")), None);

    // Opted out: the key keeps the argument's case.
    services.code(cache::Verbatim(UPPER.to_owned())).await;
    assert!(server.raw_exists(&format!("code-{UPPER}")));
}
