//! The near cache, measured in one run against a real `redis-server` on a free loopback port.
//!
//! 1. Hit cost, paired rounds: a `#[cache::set]` method over a Redis handle with a near cache
//!    (a local hit of a `Clone` type: moka get + a clone of the value decoded once), the same
//!    key read as a type that is not `Clone` (moka get + `serde_json::from_slice`), the method
//!    over a Redis handle without a near cache (a `GET` round trip), and two hand-written
//!    floors: `format!` key + a plain `moka::sync::Cache<String, Arc<[u8]>>` get +
//!    `serde_json::from_slice` (the floor), and `format!` key + a
//!    `moka::sync::Cache<String, Organisation>` get (a clone); and the method returning
//!    `Arc<Organisation>` (a near hit clones the `Arc`). Each round times every variant
//!    once, in a rotating order; the ratios are taken within each round.
//! 2. Invalidation latency: a raw redis-rs client overwrites a key whose copy is held locally;
//!    the time from Redis acknowledging that `SET` to its writer until this process stops
//!    serving the old value (the stale-read window), and how many reads were served stale
//!    meanwhile, over `INVALIDATIONS` overwrites.
//! 3. The same on a Redis Cluster (3 primaries, 3 replicas): keys on each primary in turn,
//!    overwritten through a raw connection to that primary, so each node's tracking
//!    connection is measured.
//!
//! 0. Decode or clone: `serde_json::from_slice` against `.clone()` of the decoded value, for
//!    the ~2 KB organisation and a ~200 KB catalogue, in interleaved rounds (why a near hit
//!    of a `Clone` type hands back a clone of the value it decoded once).
//!
//! Run with `cargo bench -p cache-tests --bench near_cache` (part 0 alone with
//! `NEAR_CACHE_BENCH=decode`, parts 0 and 1 with `NEAR_CACHE_BENCH=hits`); it prints `/proc/loadavg` before and
//! after. Speed is never asserted; only the hit-only precondition is checked (a body run would
//! mean a miss was measured).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use cache_tests::{RedisCluster, RedisServer};
use redis::aio::MultiplexedConnection;
use serde::{Deserialize, Serialize};

const ROUNDS: usize = 15;
const LOCAL_CALLS: u32 = 20_000;
const REDIS_CALLS: u32 = 2_000;
const INVALIDATIONS: u64 = 10_000;
const ORG_ID: u64 = 42;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Organisation {
    id: String,
    name: String,
    active: bool,
    organisation_type: String,
    domains: Vec<String>,
    notes: Option<String>,
    services: Vec<ServiceSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ServiceSummary {
    id: String,
    name: String,
    active: bool,
    restricted: bool,
    go_live_at: Option<String>,
}

/// About 1.9 KB of JSON, like an organisation with ten services.
fn organisation() -> Organisation {
    let services = (0..10)
        .map(|n| ServiceSummary {
            id: format!("6f1c2a3b-4d5e-4f60-8a71-b2c3d4e5f6{n:02}"),
            name: format!("Service number {n} of the borough council, with a long name"),
            active: n != 3,
            restricted: n % 4 == 0,
            go_live_at: (n % 3 != 0).then(|| format!("2024-0{}-1{n}T09:30:00.000000Z", n % 9 + 1)),
        })
        .collect();
    Organisation {
        id: "6f1c2a3b-4d5e-4f60-8a71-b2c3d4e5f607".into(),
        name: "Borough Council of Kingsbridge-upon-Avon".into(),
        active: true,
        organisation_type: "local".into(),
        domains: vec!["kingsbridge.gov.uk".into(), "kbc.example.org".into()],
        notes: Some("Went live after a pilot with the revenues team; contact the digital lead before changing branding.".into()),
        services,
    }
}

/// About 200 KB of JSON: a catalogue of a thousand services.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Catalogue {
    id: String,
    services: Vec<ServiceSummary>,
}

fn catalogue() -> Catalogue {
    let services = (0..1100)
        .map(|n| ServiceSummary {
            id: format!("6f1c2a3b-4d5e-4f60-8a71-{n:012}"),
            name: format!("Service number {n} of the borough council, with a long name"),
            active: n % 7 != 3,
            restricted: n % 4 == 0,
            go_live_at: (n % 3 != 0)
                .then(|| format!("2024-0{}-1{}T09:30:00.000000Z", n % 9 + 1, n % 10)),
        })
        .collect();
    Catalogue {
        id: "catalogue-of-kingsbridge".into(),
        services,
    }
}

/// Decode against clone, for one value: per-call ns of each, timed in the same round.
fn decode_and_clone<T>(value: &T, calls: u32) -> (f64, f64)
where
    T: Clone + serde::de::DeserializeOwned + Serialize,
{
    let json = serde_json::to_vec(value).unwrap();
    let started = Instant::now();
    for _ in 0..calls {
        black_box(serde_json::from_slice::<T>(black_box(&json)).unwrap());
    }
    let decode = started.elapsed().as_nanos() as f64 / f64::from(calls);
    let started = Instant::now();
    for _ in 0..calls {
        black_box(black_box(value).clone());
    }
    let clone = started.elapsed().as_nanos() as f64 / f64::from(calls);
    (decode, clone)
}

/// Part 0: decoding a near copy's JSON against cloning a value decoded once.
fn decode_or_clone() {
    println!("decode or clone, {ROUNDS} interleaved rounds:");
    let small = organisation();
    let large = catalogue();
    for (name, bytes) in [
        ("organisation", serde_json::to_vec(&small).unwrap().len()),
        ("catalogue", serde_json::to_vec(&large).unwrap().len()),
    ] {
        println!("  {name}: {bytes} bytes of JSON");
    }
    let mut rows: [Vec<f64>; 6] = Default::default();
    for round in 0..ROUNDS {
        // Alternate which size goes first, so neither always runs on a warm cache.
        for turn in 0..2 {
            let (decode, clone, at) = if (round + turn) % 2 == 0 {
                let (decode, clone) = decode_and_clone(&small, 20_000);
                (decode, clone, 0)
            } else {
                let (decode, clone) = decode_and_clone(&large, 200);
                (decode, clone, 3)
            };
            rows[at].push(decode / 1000.0);
            rows[at + 1].push(clone / 1000.0);
            rows[at + 2].push(decode / clone);
        }
    }
    let [a, b, c, d, e, f] = &mut rows;
    report("2 KB: serde_json::from_slice", "µs", a);
    report("2 KB: clone", "µs", b);
    report("2 KB: decode / clone", "x ", c);
    report("200 KB: serde_json::from_slice", "µs", d);
    report("200 KB: clone", "µs", e);
    report("200 KB: decode / clone", "x ", f);
}

/// The annotated client: what an application writes.
struct Organisations {
    cache: cache::Cache,
    body_runs: AtomicUsize,
    fallback: Organisation,
}

impl Organisations {
    #[cache::set("organisation-{org_id}", cache = self.cache)]
    async fn get(&self, org_id: u64) -> Result<Organisation, std::io::Error> {
        let _ = org_id;
        self.body_runs.fetch_add(1, Relaxed);
        Ok(self.fallback.clone())
    }

    /// The value behind an `Arc`: a near hit hands back a clone of the `Arc` (a count
    /// increment), not of the organisation. (Its own key: a near copy keeps the value decoded
    /// for the first type that reads it.)
    #[cache::set("organisation-shared-{org_id}", cache = self.cache)]
    async fn get_shared(&self, org_id: u64) -> Result<Arc<Organisation>, std::io::Error> {
        let _ = org_id;
        self.body_runs.fetch_add(1, Relaxed);
        Ok(Arc::new(self.fallback.clone()))
    }

    /// The same key, as a type that is not `Clone`: every near hit decodes.
    #[cache::set("organisation-{org_id}", cache = self.cache)]
    async fn get_decoded(&self, org_id: u64) -> Result<NotClone, std::io::Error> {
        let _ = org_id;
        self.body_runs.fetch_add(1, Relaxed);
        Ok(NotClone(self.fallback.clone()))
    }
}

/// An organisation that cannot be cloned, so a near hit of it decodes.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct NotClone(Organisation);

/// The hand-written floor for a hit that clones: a plain moka cache of decoded values.
fn clone_floor_get(floor: &moka::sync::Cache<String, Organisation>, org_id: u64) -> Organisation {
    let key = format!("organisation-{org_id}");
    floor.get(&key).expect("the floor is filled")
}

/// The hand-written floor: a plain moka cache of JSON bytes.
fn floor_get(floor: &moka::sync::Cache<String, Arc<[u8]>>, org_id: u64) -> Organisation {
    let key = format!("organisation-{org_id}");
    let bytes = floor.get(&key).expect("the floor is filled");
    serde_json::from_slice(&bytes).expect("valid JSON")
}

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

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// min / median / max of `values`.
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[0],
        values[values.len() / 2],
        values[values.len() - 1],
    )
}

fn report(name: &str, unit: &str, values: &mut [f64]) {
    let (min, median, max) = spread(values);
    println!(
        "{name:<38} min {min:>10.3} {unit}  median {median:>10.3} {unit}  max {max:>10.3} {unit}"
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    println!("near_cache bench; load average before: {}", loadavg());
    decode_or_clone();
    println!("load average: {}", loadavg());
    // Part 0 alone: `NEAR_CACHE_BENCH=decode cargo bench ...`.
    if std::env::var("NEAR_CACHE_BENCH").as_deref() == Ok("decode") {
        return;
    }
    let server = RedisServer::start();
    let mut raw = server
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let handle = |near: bool| {
        let builder = cache::Cache::builder().redis(server.url());
        let builder = if near {
            builder.near_cache(64 << 20)
        } else {
            builder
        };
        Organisations {
            cache: builder.build().unwrap(),
            body_runs: AtomicUsize::new(0),
            fallback: organisation(),
        }
    };
    let near = handle(true);
    let plain = handle(false);
    let json: Arc<[u8]> = serde_json::to_vec(&organisation()).unwrap().into();
    println!("payload: {} bytes of JSON", json.len());
    let floor = moka::sync::Cache::new(10_000);
    floor.insert(format!("organisation-{ORG_ID}"), json);

    // Fill Redis once, then wait until the near handle serves it locally.
    plain.get(ORG_ID).await.unwrap();
    plain.get_shared(ORG_ID).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        near.get(ORG_ID).await.unwrap();
        near.get_shared(ORG_ID).await.unwrap();
        let before = gets(&mut raw).await;
        for _ in 0..100 {
            near.get(ORG_ID).await.unwrap();
            near.get_shared(ORG_ID).await.unwrap();
        }
        if gets(&mut raw).await == before {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the near cache never served locally"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let clone_floor = moka::sync::Cache::new(10_000);
    clone_floor.insert(format!("organisation-{ORG_ID}"), organisation());

    const VARIANTS: usize = 6;
    let mut ns: [Vec<f64>; VARIANTS] = Default::default();
    let mut redis_over_near = Vec::new();
    let mut near_over_floor = Vec::new();
    let mut near_over_clone_floor = Vec::new();
    let mut decoding_over_near = Vec::new();
    let mut redis_over_shared = Vec::new();
    for round in 0..ROUNDS {
        let mut this = [0.0; VARIANTS];
        for turn in 0..VARIANTS {
            let variant = (round + turn) % VARIANTS;
            let calls = if variant == 1 {
                REDIS_CALLS
            } else {
                LOCAL_CALLS
            };
            let started = Instant::now();
            for _ in 0..calls {
                match variant {
                    0 => drop(black_box(near.get(black_box(ORG_ID)).await.unwrap())),
                    1 => drop(black_box(plain.get(black_box(ORG_ID)).await.unwrap())),
                    2 => drop(black_box(floor_get(&floor, black_box(ORG_ID)))),
                    3 => drop(black_box(
                        near.get_decoded(black_box(ORG_ID)).await.unwrap(),
                    )),
                    4 => drop(black_box(clone_floor_get(&clone_floor, black_box(ORG_ID)))),
                    _ => drop(black_box(near.get_shared(black_box(ORG_ID)).await.unwrap())),
                }
            }
            this[variant] = started.elapsed().as_nanos() as f64 / f64::from(calls);
        }
        for (variant, ns) in ns.iter_mut().enumerate() {
            ns.push(this[variant] / 1000.0);
        }
        redis_over_near.push(this[1] / this[0]);
        near_over_floor.push(this[0] / this[2]);
        near_over_clone_floor.push(this[0] / this[4]);
        decoding_over_near.push(this[3] / this[0]);
        redis_over_shared.push(this[1] / this[5]);
    }
    for (who, handle) in [("near", &near), ("plain", &plain)] {
        // At most the fill of each of the two keys (the organisation, and the one behind an
        // `Arc`), before the rounds.
        let runs = handle.body_runs.load(Relaxed);
        assert!(
            runs <= 2,
            "{who}: the body ran {runs} times: misses were measured"
        );
    }
    println!(
        "hit cost, {ROUNDS} paired rounds ({LOCAL_CALLS} local / {REDIS_CALLS} Redis calls each):"
    );
    let [
        near_ns,
        redis_ns,
        floor_ns,
        decoding_ns,
        clone_floor_ns,
        shared_ns,
    ] = &mut ns;
    report("near-cache hit (annotated, reused)", "µs", near_ns);
    report("near-cache hit (Arc<Organisation>)", "µs", shared_ns);
    report("near-cache hit (not Clone: decodes)", "µs", decoding_ns);
    report("Redis hit (annotated)", "µs", redis_ns);
    report("moka + serde_json floor", "µs", floor_ns);
    report("moka of decoded values floor", "µs", clone_floor_ns);
    report("Redis hit / near hit", "x ", &mut redis_over_near);
    report(
        "Redis hit / near hit of an Arc",
        "x ",
        &mut redis_over_shared,
    );
    report("near hit / serde_json floor", "x ", &mut near_over_floor);
    report("near hit / decoded floor", "x ", &mut near_over_clone_floor);
    report(
        "decoding near hit / near hit",
        "x ",
        &mut decoding_over_near,
    );
    println!("load average: {}", loadavg());
    // Parts 0 and 1 alone: `NEAR_CACHE_BENCH=hits`.
    if std::env::var("NEAR_CACHE_BENCH").as_deref() == Ok("hits") {
        return;
    }

    let (window_us, stale_reads) =
        invalidation_latency(&near.cache, &mut raw, "invalidated", INVALIDATIONS).await;
    print_latency("another client", window_us, stale_reads);
    drop((near, plain, server));

    cluster_invalidation_latency().await;
    println!("load average after: {}", loadavg());
}

/// Invalidation latency on a cluster: a third of the overwrites on a key of each primary.
async fn cluster_invalidation_latency() {
    let cluster = RedisCluster::start();
    let cache = cache::Cache::builder()
        .redis_config(cluster.cache_config())
        .near_cache(64 << 20)
        .build()
        .unwrap();
    let mut window_us = Vec::new();
    let mut stale_reads = Vec::new();
    for primary in cluster.primary_ports() {
        let key = (0..)
            .map(|n| format!("invalidated-{n}"))
            .find(|key| cluster.primary_for(key) == primary)
            .expect("a key on every primary");
        let node = cluster
            .nodes()
            .iter()
            .find(|node| node.port() == primary)
            .expect("a node of the cluster");
        let mut raw = node
            .client()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let (windows, stale) =
            invalidation_latency(&cache, &mut raw, &key, INVALIDATIONS / 3).await;
        window_us.extend(windows);
        stale_reads.extend(stale);
    }
    print_latency(
        "another client on a cluster (3 primaries)",
        window_us,
        stale_reads,
    );
}

/// Overwrites the locally held `key` from a raw client (`raw`, to the node serving it)
/// `count` times: how long the old value was still served after Redis acknowledged each
/// overwrite (µs), and how many reads served it.
async fn invalidation_latency(
    cache: &cache::Cache,
    raw: &mut MultiplexedConnection,
    key: &str,
    count: u64,
) -> (Vec<f64>, Vec<f64>) {
    let mut window_us = Vec::with_capacity(count as usize);
    let mut stale_reads = Vec::with_capacity(count as usize);
    let set = async |raw: &mut MultiplexedConnection, value: u64| {
        let () = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .query_async(raw)
            .await
            .unwrap();
    };
    set(raw, 0).await;
    for value in 0..count {
        // Held locally: two reads in a row, the second without a `GET` reaching Redis.
        loop {
            let first = cache.get::<u64>(key).await.unwrap();
            let before = gets(raw).await;
            let second = cache.get::<u64>(key).await.unwrap();
            if first == Some(value) && second == Some(value) && gets(raw).await == before {
                break;
            }
        }
        set(raw, value + 1).await;
        let acknowledged = Instant::now();
        let mut stale = 0u64;
        while cache.get::<u64>(key).await.unwrap() == Some(value) {
            stale += 1;
        }
        window_us.push(acknowledged.elapsed().as_secs_f64() * 1e6);
        stale_reads.push(stale as f64);
    }
    (window_us, stale_reads)
}

fn print_latency(by: &str, mut window_us: Vec<f64>, mut stale_reads: Vec<f64>) {
    let overwrites = window_us.len();
    let served_stale = stale_reads.iter().filter(|&&n| n > 0.0).count();
    window_us.sort_by(f64::total_cmp);
    let at = |q: f64| window_us[((window_us.len() - 1) as f64 * q) as usize];
    println!(
        "invalidation by {by}, {overwrites} overwrites: from the writer's ack to the first \
         fresh read p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        at(0.5),
        at(0.99),
        window_us[window_us.len() - 1]
    );
    report("stale reads per overwrite", "  ", &mut stale_reads);
    println!("overwrites with at least one stale read: {served_stale} of {overwrites}");
}
