//! The blocking hit path, paired with a hand-written blocking baseline in the same run.
//!
//! - `redis`: a `#[cache::set]` blocking `fn` over a Redis handle (a real `redis-server` on a free
//!   loopback port) against `format!` + `GET` through redis-rs's synchronous `Connection` +
//!   `serde_json::from_slice`, the way a blocking client would cache by hand.
//! - `async`: the same method as an `async fn` on a 2-worker Tokio runtime against a hand-written
//!   `GET` on a `MultiplexedConnection` made on that runtime: what driving connections on the
//!   toolkit's own background runtime costs async callers.
//! - `memory`: the same `fn` over `Cache::in_memory()` against a `moka::sync::Cache` get +
//!   `serde_json::from_slice`.
//!
//! Rounds alternate the two sides (each round times a batch of each), so that both see the same
//! machine load; it prints the per-round ratio annotated/baseline as min/median/max, the
//! per-call medians, and the load average before and after. Run with
//! `cargo bench -p cache-tests --bench blocking_hit`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cache::Cache;
use cache_tests::RedisServer;
use serde::{Deserialize, Serialize};

const ROUNDS: usize = 31;
const BATCH: usize = 2_000;

#[derive(Clone, Serialize, Deserialize)]
struct Template {
    id: u64,
    name: String,
    body: String,
}

fn template(id: u64) -> Template {
    Template {
        id,
        name: format!("Template {id}"),
        body: "Dear ((name)), your application has been received.".repeat(4),
    }
}

struct Client {
    cache: Cache,
}

impl Client {
    #[cache::set("service-{service_id}-template", cache = self.cache)]
    fn template(&self, service_id: u64) -> Template {
        template(service_id)
    }

    #[cache::set("service-{service_id}-template", cache = self.cache)]
    async fn template_async(&self, service_id: u64) -> Template {
        template(service_id)
    }
}

/// Per-call time of `calls` calls of `call`.
fn time(mut call: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..BATCH {
        call();
    }
    started.elapsed() / BATCH as u32
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn pair(name: &str, mut annotated: impl FnMut(), mut baseline: impl FnMut()) {
    pair_batches(name, || time(&mut annotated), || time(&mut baseline));
}

/// As [`pair`], with each side timing a whole batch itself (per call).
fn pair_batches(
    name: &str,
    mut annotated: impl FnMut() -> Duration,
    mut baseline: impl FnMut() -> Duration,
) {
    // Warm up: connections made, caches filled, code paged in.
    annotated();
    baseline();
    let (mut ratios, mut ours, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Alternate which side goes first, so neither always follows the other.
        let (a, b) = if round % 2 == 0 {
            let a = annotated();
            (a, baseline())
        } else {
            let b = baseline();
            (annotated(), b)
        };
        ours.push(a.as_nanos() as f64);
        theirs.push(b.as_nanos() as f64);
        ratios.push(a.as_secs_f64() / b.as_secs_f64());
    }
    let (min, max) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    println!(
        "{name:<7} annotated/baseline ratio: min {min:.2} median {:.2} max {max:.2}; \
         per call: annotated {:.1} µs, baseline {:.1} µs (medians of {ROUNDS} rounds of {BATCH})",
        median(&mut ratios),
        median(&mut ours) / 1000.0,
        median(&mut theirs) / 1000.0,
    );
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_else(|_| "unknown".to_owned())
}

fn main() {
    println!("load average before: {}", loadavg().trim());
    let server = RedisServer::start();

    let client = Client {
        cache: Cache::redis(&server.url()).expect("a valid URL"),
    };
    assert_eq!(client.template(42).id, 42);
    let mut connection = server.connection();
    pair(
        "redis",
        || {
            black_box(client.template(black_box(42)));
        },
        || {
            let key = format!("service-{}-template", black_box(42));
            let bytes: Vec<u8> = redis::cmd("GET").arg(&key).query(&mut connection).unwrap();
            black_box(serde_json::from_slice::<Template>(&bytes).unwrap());
        },
    );
    assert_eq!(client.cache.stats().errors, 0, "every call was a hit");

    // The async hit path too, since connections now live on the toolkit's background runtime:
    // an async method on a 2-worker runtime against a hand-written `GET` on a multiplexed
    // connection made (and driven) on that same runtime.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut multiplexed = runtime
        .block_on(server.client().get_multiplexed_async_connection())
        .unwrap();
    let client = Arc::new(client);
    pair_batches(
        "async",
        || {
            let client = client.clone();
            runtime.block_on(async move {
                let started = Instant::now();
                for _ in 0..BATCH {
                    black_box(client.template_async(black_box(42)).await);
                }
                started.elapsed() / BATCH as u32
            })
        },
        || {
            let connection = &mut multiplexed;
            runtime.block_on(async move {
                let started = Instant::now();
                for _ in 0..BATCH {
                    let key = format!("service-{}-template", black_box(42));
                    let bytes: Vec<u8> = redis::cmd("GET")
                        .arg(&key)
                        .query_async(connection)
                        .await
                        .unwrap();
                    black_box(serde_json::from_slice::<Template>(&bytes).unwrap());
                }
                started.elapsed() / BATCH as u32
            })
        },
    );
    assert_eq!(client.cache.stats().errors, 0, "every call was a hit");

    let memory = Client {
        cache: Cache::in_memory(),
    };
    memory.template(42);
    let moka: moka::sync::Cache<String, Arc<[u8]>> = moka::sync::Cache::new(1_000);
    moka.insert(
        "service-42-template".to_owned(),
        serde_json::to_vec(&template(42)).unwrap().into(),
    );
    pair(
        "memory",
        || {
            black_box(memory.template(black_box(42)));
        },
        || {
            let key = format!("service-{}-template", black_box(42));
            let bytes = moka.get(&key).unwrap();
            black_box(serde_json::from_slice::<Template>(&bytes).unwrap());
        },
    );
    println!("load average after: {}", loadavg().trim());
}
