//! The cache hit path, measured side by side with a hand-written baseline in the same run.
//!
//! - `redis_hit`: a `#[cache::set]` method over a Redis handle (a real `redis-server` on a free
//!   loopback port) against `format!` + `GET` through a `MultiplexedConnection` +
//!   `serde_json::from_slice`. A hit is one plain `GET` (the lease script runs only on a miss).
//! - `redis_hit_no_leases`: the same, with the handle built with `.leases(false)` (a plain `GET`).
//! - `redis_cluster_hit`: the same method over a Redis Cluster (3 primaries, 3 replicas)
//!   against the standalone hand-written baseline: what a cluster costs a hit.
//! - `redis_cluster_hit_same_cluster`: the same method against a hand-written `GET` on the same
//!   cluster through redis-rs's async `ClusterConnection`: the toolkit's own cost on a cluster.
//! - `redis_tls_hit`: the same over TLS (`rediss://`, a CA made for the run) against a
//!   hand-written TLS baseline (`redis::Client::build_with_tls` + `GET` + `from_slice`).
//! - `memory_hit`: the same method over `Cache::in_memory()` against a plain
//!   `moka::sync::Cache<String, Arc<[u8]>>` get + `serde_json::from_slice`.
//! - `key`: `cache::__private::key` (what generated code calls) against `format!`.
//!
//! Before the groups run it prints allocations per key and per hit (a counting global allocator);
//! after them, the annotated/baseline ratio of each group, read from criterion's estimates; then,
//! with `--bench`, a paired cross-check in alternating batches: wall time and this process's CPU
//! time per call, each as min / median / max of the per-round ratios. The paired check also
//! measures the Redis hit against the hand-written `GET` inside `tokio::time::timeout` (as the
//! toolkit bounds every command): what the toolkit adds beyond the bound on the wait.
//!
//! Run with `cargo bench -p cache-tests --bench hit_path`: with the runtime's `metrics` feature
//! (cache-tests enables it by default) and a Prometheus recorder installed, so every hit is
//! counted and timed. `cargo bench -p cache-tests --bench hit_path --no-default-features` measures
//! the runtime without the feature. Each run prints which it measured; compare the runs' paired
//! ratios, each against the same hand-written baseline.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt;
use std::future::Future;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime};

use cache_tests::{RedisCluster, RedisServer, TestCerts};
use criterion::Criterion;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use serde::{Deserialize, Serialize};
use tokio::runtime::Runtime;

// ---------------------------------------------------------------------------------------------
// Counting allocator

/// Wraps the system allocator, counting fresh allocations and reallocations (from every thread).
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static REALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static GLOBAL: Counting = Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations and reallocations per call, averaged over many calls.
#[derive(Clone, Copy)]
struct PerCall {
    allocations: f64,
    reallocations: f64,
}

impl fmt::Display for PerCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:6.2} allocations", self.allocations)?;
        if self.reallocations > 0.0 {
            write!(f, " + {:.2} reallocations", self.reallocations)?;
        }
        Ok(())
    }
}

const COUNTED_CALLS: usize = 2_000;

fn counters() -> (usize, usize) {
    (ALLOCATIONS.load(Relaxed), REALLOCATIONS.load(Relaxed))
}

fn per_call(before: (usize, usize), after: (usize, usize)) -> PerCall {
    PerCall {
        allocations: (after.0 - before.0) as f64 / COUNTED_CALLS as f64,
        reallocations: (after.1 - before.1) as f64 / COUNTED_CALLS as f64,
    }
}

fn count_sync<T>(mut call: impl FnMut() -> T) -> PerCall {
    for _ in 0..100 {
        black_box(call());
    }
    let before = counters();
    for _ in 0..COUNTED_CALLS {
        black_box(call());
    }
    per_call(before, counters())
}

async fn count_async<T, F: Future<Output = T>>(mut call: impl FnMut() -> F) -> PerCall {
    for _ in 0..100 {
        black_box(call().await);
    }
    let before = counters();
    for _ in 0..COUNTED_CALLS {
        black_box(call().await);
    }
    per_call(before, counters())
}

// ---------------------------------------------------------------------------------------------
// The cached value: an organisation with its services, about 2 KB of JSON

/// A UUID as the `uuid` crate displays it: hex digits encoded on the stack, one `write_str`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Uuid(u128);

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 36];
        let mut nibble = 0;
        for (index, byte) in text.iter_mut().enumerate() {
            if matches!(index, 8 | 13 | 18 | 23) {
                *byte = b'-';
            } else {
                *byte = HEX[((self.0 >> (124 - 4 * nibble)) & 0xf) as usize];
                nibble += 1;
            }
        }
        f.write_str(std::str::from_utf8(&text).expect("hex digits and hyphens are ASCII"))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Organisation {
    id: String,
    name: String,
    active: bool,
    crown: bool,
    organisation_type: String,
    agreement_signed: bool,
    agreement_signed_at: Option<String>,
    agreement_signed_by_id: Option<String>,
    domains: Vec<String>,
    email_branding_id: Option<String>,
    letter_branding_id: Option<String>,
    notes: Option<String>,
    count_of_live_services: u32,
    services: Vec<ServiceSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ServiceSummary {
    id: String,
    name: String,
    active: bool,
    restricted: bool,
    research_mode: bool,
    count_as_live: bool,
    go_live_at: Option<String>,
}

const ORG_ID: Uuid = Uuid(0x6f1c_2a3b_4d5e_4f60_8a71_b2c3_d4e5_f607);

fn organisation() -> Organisation {
    let uuid = |n: u128| Uuid(ORG_ID.0 ^ (n * 0x0101_0101_0101)).to_string();
    let services = [
        "Apply for a blue badge",
        "Renew your passport",
        "Register to vote",
        "Pay your council tax",
        "Report a pothole",
        "Book a school place",
        "Apply for a parking permit",
        "Bin collection reminders",
        "Library overdue notices",
        "Housing repairs updates",
    ]
    .iter()
    .enumerate()
    .map(|(n, name)| ServiceSummary {
        id: uuid(n as u128 + 1),
        name: (*name).to_owned(),
        active: n != 3,
        restricted: n % 4 == 0,
        research_mode: false,
        count_as_live: n != 7,
        go_live_at: (n % 3 != 0).then(|| format!("2024-0{}-1{}T09:30:00.000000Z", n % 9 + 1, n)),
    })
    .collect();
    Organisation {
        id: ORG_ID.to_string(),
        name: "Borough Council of Kingsbridge-upon-Avon".to_owned(),
        active: true,
        crown: false,
        organisation_type: "local".to_owned(),
        agreement_signed: true,
        agreement_signed_at: Some("2023-11-02T14:05:12.000000Z".to_owned()),
        agreement_signed_by_id: Some(uuid(100)),
        domains: vec![
            "kingsbridge.gov.uk".to_owned(),
            "kingsbridge-avon.gov.uk".to_owned(),
            "kbc.example.org".to_owned(),
        ],
        email_branding_id: Some(uuid(200)),
        letter_branding_id: None,
        notes: Some(
            "Went live after a pilot with the revenues team; contact the digital lead before \
             changing branding."
                .to_owned(),
        ),
        count_of_live_services: 8,
        services,
    }
}

/// The annotated client: what an application writes.
struct Organisations {
    cache: cache::Cache,
    /// How often the body (the "API call") ran: a hit never runs it.
    body_runs: AtomicUsize,
    fallback: Organisation,
}

impl Organisations {
    fn new(cache: cache::Cache) -> Self {
        Organisations {
            cache,
            body_runs: AtomicUsize::new(0),
            fallback: organisation(),
        }
    }

    #[cache::set("organisation-{org_id}", cache = self.cache)]
    async fn get(&self, org_id: Uuid) -> Result<Organisation, std::io::Error> {
        // Only on a miss (e.g. a cache timeout under load): counted and reported, never a panic.
        let _ = org_id;
        self.body_runs.fetch_add(1, Relaxed);
        Ok(self.fallback.clone())
    }

    /// Fails loudly if the cache missed so far: the benchmark is of the hit path only.
    fn check_all_hits(&self, what: &str) {
        let stats = self.cache.stats();
        let runs = self.body_runs.load(Relaxed);
        if runs > 0 || stats.misses > 0 || stats.errors > 0 {
            eprintln!(
                "WARNING {what}: {runs} body runs, {} misses, {} errors out of {} reads: \
                 some iterations were not hits, so the figures include misses",
                stats.misses,
                stats.errors,
                stats.hits + stats.misses
            );
        }
    }
}

fn org_key(id: Uuid) -> String {
    format!("organisation-{id}")
}

fn decode(bytes: &[u8]) -> Organisation {
    serde_json::from_slice(bytes).expect("the stored JSON decodes as an Organisation")
}

// ---------------------------------------------------------------------------------------------
// Setup shared by the allocation counts and the criterion groups

struct Fixture {
    runtime: Runtime,
    _server: RedisServer,
    redis_client: Organisations,
    redis_plain_client: Organisations,
    redis_baseline: MultiplexedConnection,
    _tls_server: RedisServer,
    _certs: TestCerts,
    redis_tls_client: Organisations,
    redis_tls_baseline: MultiplexedConnection,
    _cluster: RedisCluster,
    redis_cluster_client: Organisations,
    redis_cluster_baseline: ClusterConnection,
    memory_client: Organisations,
    memory_baseline: moka::sync::Cache<String, Arc<[u8]>>,
    key_cache: cache::Cache,
}

/// One current-thread runtime for everything: both sides run on the bench thread, and the Redis
/// connection's driver task is polled there too.
fn bench_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build a tokio runtime")
}

/// The hand-written in-process store, weighed and expiring as the in-process backend's, holding
/// `json` under `key`.
fn moka_baseline(key: &str, json: &[u8]) -> moka::sync::Cache<String, Arc<[u8]>> {
    let store = moka::sync::Cache::builder()
        .max_capacity(cache::DEFAULT_MEMORY_CAPACITY_BYTES)
        .weigher(|key: &String, value: &Arc<[u8]>| {
            u32::try_from(key.len() + value.len()).unwrap_or(u32::MAX)
        })
        .time_to_live(cache::DEFAULT_TTL)
        .build();
    store.insert(key.to_owned(), Arc::from(json));
    store
}

impl Fixture {
    fn new() -> Fixture {
        let runtime = bench_runtime();
        let server = RedisServer::start();
        let org = organisation();
        let json = serde_json::to_vec(&org).expect("encode the organisation");
        println!(
            "cached value: an Organisation with {} services, {} bytes of JSON",
            org.services.len(),
            json.len()
        );
        let key = org_key(ORG_ID);

        let redis_cache = cache::Cache::redis(&server.url()).expect("a loopback URL is valid");
        let redis_client = Organisations::new(redis_cache);
        let redis_plain_client = Organisations::new(
            cache::Cache::builder()
                .redis(server.url())
                .leases(false)
                .build()
                .expect("a loopback URL is valid"),
        );
        let certs = TestCerts::generate();
        let tls_server = RedisServer::start_tls(&certs, false);
        let redis_tls_client = Organisations::new(
            cache::Cache::builder()
                .redis_config(tls_server.cache_config())
                .build()
                .expect("a valid TLS configuration"),
        );
        let cluster = RedisCluster::start();
        let redis_cluster_client = Organisations::new(
            cache::Cache::builder()
                .redis_config(cluster.cache_config())
                .build()
                .expect("a valid cluster configuration"),
        );
        let memory_client = Organisations::new(cache::Cache::in_memory());
        let memory_baseline = moka_baseline(&key, &json);

        let redis_baseline = runtime.block_on(async {
            for client in [
                &redis_client,
                &redis_plain_client,
                &redis_tls_client,
                &redis_cluster_client,
                &memory_client,
            ] {
                client
                    .cache
                    .set(&key, &org, None)
                    .await
                    .unwrap_or_else(|error| panic!("pre-populating {key} failed: {error}"));
                let read = client.get(ORG_ID).await.expect("the body never fails");
                assert_eq!(read, org, "the cached organisation reads back unchanged");
            }
            let manager = server
                .client()
                .get_multiplexed_async_connection()
                .await
                .expect("connect the baseline to the test redis-server");
            let bytes: Option<Vec<u8>> = redis::cmd("GET")
                .arg(&key)
                .query_async(&mut manager.clone())
                .await
                .expect("baseline GET");
            let bytes = bytes.expect("the baseline reads the key the cache stored");
            assert_eq!(bytes, json, "Redis holds exactly the JSON encoding");
            let tls = redis::Client::build_with_tls(
                tls_server.tls_url(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(std::fs::read(&certs.ca_cert).expect("read the test CA")),
                },
            )
            .expect("a TLS client")
            .get_multiplexed_async_connection()
            .await
            .expect("connect the TLS baseline");
            let cluster_connection = redis::cluster::ClusterClient::new(cluster.seed_urls())
                .expect("loopback seeds parse")
                .get_async_connection()
                .await
                .expect("connect the cluster baseline");
            (manager, tls, cluster_connection)
        });
        let (redis_baseline, redis_tls_baseline, redis_cluster_baseline) = redis_baseline;
        redis_client.check_all_hits("redis setup");
        redis_plain_client.check_all_hits("redis (no leases) setup");
        redis_tls_client.check_all_hits("redis TLS setup");
        redis_cluster_client.check_all_hits("redis cluster setup");
        memory_client.check_all_hits("memory setup");

        Fixture {
            runtime,
            _server: server,
            redis_client,
            redis_plain_client,
            redis_baseline,
            _tls_server: tls_server,
            _certs: certs,
            redis_tls_client,
            redis_tls_baseline,
            _cluster: cluster,
            redis_cluster_client,
            redis_cluster_baseline,
            memory_client,
            memory_baseline,
            key_cache: cache::Cache::in_memory(),
        }
    }
}

async fn baseline_redis_hit(mut connection: impl ConnectionLike, id: Uuid) -> Organisation {
    let key = format!("organisation-{id}");
    let bytes: Option<Vec<u8>> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut connection)
        .await
        .expect("baseline GET failed");
    decode(&bytes.expect("baseline key is missing from Redis"))
}

/// The hand-written `GET` bounded as the toolkit bounds every command (`timeout`, 100 ms): what
/// the toolkit adds beyond the bound on the wait.
async fn bounded_baseline_redis_hit(connection: impl ConnectionLike, id: Uuid) -> Organisation {
    tokio::time::timeout(
        Duration::from_millis(100),
        baseline_redis_hit(connection, id),
    )
    .await
    .expect("baseline GET timed out")
}

fn baseline_memory_hit(store: &moka::sync::Cache<String, Arc<[u8]>>, id: Uuid) -> Organisation {
    let key = format!("organisation-{id}");
    let bytes = store
        .get(key.as_str())
        .expect("baseline key is missing from moka");
    decode(&bytes)
}

/// What generated code writes: each argument through `KeyArg` (Notify's UUID rule for strings).
fn annotated_key(cache: &cache::Cache, id: Uuid) -> String {
    #[allow(unused_imports)]
    use cache::__private::{KeyDisplay as _, KeyStr as _};
    let id = (&cache::__private::KeyArg(&id)).key_part();
    cache::__private::key(cache, format_args!("service-{}-templates", id))
}

fn baseline_key(id: Uuid) -> String {
    format!("service-{}-templates", id)
}

// ---------------------------------------------------------------------------------------------
// Allocation counts (printed, not asserted)

fn print_allocations(fixture: &Fixture) {
    let id = ORG_ID;
    let json = serde_json::to_vec(&organisation()).expect("encode the organisation");
    println!("\nallocations (averaged over {COUNTED_CALLS} calls, all threads counted):");
    let cache = &fixture.key_cache;
    let key = count_sync(|| annotated_key(cache, black_box(id)));
    let format = count_sync(|| baseline_key(black_box(id)));
    let decode_only = count_sync(|| decode(black_box(&json)));
    println!("  key    annotated (__private::key): {key} per key");
    println!("  key    baseline (format!):         {format} per key");
    println!("  decode serde_json::from_slice:     {decode_only} per value (in both hit paths)");

    let memory_client = &fixture.memory_client;
    let memory_baseline = &fixture.memory_baseline;
    let (memory_annotated, memory_base) = fixture.runtime.block_on(async {
        let annotated = count_async(|| memory_client.get(black_box(id))).await;
        let baseline =
            count_async(|| async { baseline_memory_hit(memory_baseline, black_box(id)) }).await;
        (annotated, baseline)
    });
    println!("  memory_hit annotated:              {memory_annotated} per hit");
    println!("  memory_hit baseline:               {memory_base} per hit");

    let redis_client = &fixture.redis_client;
    let connection = &fixture.redis_baseline;
    let (redis_annotated, redis_base) = fixture.runtime.block_on(async {
        let annotated = count_async(|| redis_client.get(black_box(id))).await;
        let baseline = count_async(|| baseline_redis_hit(connection.clone(), black_box(id))).await;
        (annotated, baseline)
    });
    let plain_client = &fixture.redis_plain_client;
    let redis_plain = fixture
        .runtime
        .block_on(count_async(|| plain_client.get(black_box(id))));
    println!("  redis_hit  annotated:              {redis_annotated} per hit");
    println!("  redis_hit  annotated, no leases:   {redis_plain} per hit");
    println!("  redis_hit  baseline:               {redis_base} per hit");
    let cluster_client = &fixture.redis_cluster_client;
    let cluster_connection = &fixture.redis_cluster_baseline;
    let (cluster_annotated, cluster_base) = fixture.runtime.block_on(async {
        let annotated = count_async(|| cluster_client.get(black_box(id))).await;
        let baseline =
            count_async(|| baseline_redis_hit(cluster_connection.clone(), black_box(id))).await;
        (annotated, baseline)
    });
    println!("  redis_cluster_hit annotated:       {cluster_annotated} per hit");
    println!("  redis_cluster_hit baseline:        {cluster_base} per hit (same cluster)");
    println!();
    memory_client.check_all_hits("memory allocation count");
    redis_client.check_all_hits("redis allocation count");
    cluster_client.check_all_hits("redis cluster allocation count");
}

// ---------------------------------------------------------------------------------------------
// Paired timing: a cross-check of the criterion groups that resists a changing machine load

/// Per-call times from alternating batches of the two sides (A B, then B A, ...), so a load change
/// on a shared machine hits both sides alike; medians over the rounds. Wall time, and the CPU time
/// this process spent (every thread: the caller's runtime, the cache's background one, the
/// Redis connection's driver), which a busy machine disturbs less.
struct Paired {
    annotated_ns: f64,
    baseline_ns: f64,
    /// Median of the per-round ratios annotated / baseline.
    ratio: f64,
    /// The lowest and highest per-round ratio.
    ratio_min: f64,
    ratio_max: f64,
    /// CPU time per call, median over the rounds.
    annotated_cpu_ns: f64,
    baseline_cpu_ns: f64,
    /// Median, lowest and highest per-round ratio of CPU time per call.
    cpu_ratio: f64,
    cpu_ratio_min: f64,
    cpu_ratio_max: f64,
}

const PAIRED_ROUNDS: usize = 60;

/// The middle value (the upper of the two middle ones for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// CPU time this process has used, all threads (`CLOCK_PROCESS_CPUTIME_ID`), in nanoseconds.
fn process_cpu_ns() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant Linux defines.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    now.tv_sec as f64 * 1e9 + now.tv_nsec as f64
}

/// Wall and CPU nanoseconds per call over a batch.
async fn batch_ns<T, F: Future<Output = T>>(
    batch: usize,
    call: &mut impl FnMut() -> F,
) -> (f64, f64) {
    let cpu = process_cpu_ns();
    let start = Instant::now();
    for _ in 0..batch {
        black_box(call().await);
    }
    let wall = start.elapsed().as_nanos() as f64;
    let cpu = process_cpu_ns() - cpu;
    (wall / batch as f64, cpu / batch as f64)
}

/// Median, lowest and highest of the per-round ratios `a / b`.
fn ratios(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
    (
        median(ratios.clone()),
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
    )
}

async fn paired<A, B, FA: Future<Output = A>, FB: Future<Output = B>>(
    batch: usize,
    mut annotated: impl FnMut() -> FA,
    mut baseline: impl FnMut() -> FB,
) -> Paired {
    // Warm both sides up first.
    batch_ns(batch, &mut annotated).await;
    batch_ns(batch, &mut baseline).await;
    let mut a = Vec::with_capacity(PAIRED_ROUNDS);
    let mut b = Vec::with_capacity(PAIRED_ROUNDS);
    for round in 0..PAIRED_ROUNDS {
        if round % 2 == 0 {
            a.push(batch_ns(batch, &mut annotated).await);
            b.push(batch_ns(batch, &mut baseline).await);
        } else {
            b.push(batch_ns(batch, &mut baseline).await);
            a.push(batch_ns(batch, &mut annotated).await);
        }
    }
    let (a_wall, a_cpu): (Vec<f64>, Vec<f64>) = a.into_iter().unzip();
    let (b_wall, b_cpu): (Vec<f64>, Vec<f64>) = b.into_iter().unzip();
    let (ratio, ratio_min, ratio_max) = ratios(&a_wall, &b_wall);
    let (cpu_ratio, cpu_ratio_min, cpu_ratio_max) = ratios(&a_cpu, &b_cpu);
    Paired {
        annotated_ns: median(a_wall),
        baseline_ns: median(b_wall),
        ratio,
        ratio_min,
        ratio_max,
        annotated_cpu_ns: median(a_cpu),
        baseline_cpu_ns: median(b_cpu),
        cpu_ratio,
        cpu_ratio_min,
        cpu_ratio_max,
    }
}

fn measure_paired(fixture: &Fixture) -> [(&'static str, Paired); 8] {
    let redis_client = &fixture.redis_client;
    let plain_client = &fixture.redis_plain_client;
    let connection = &fixture.redis_baseline;
    let memory_client = &fixture.memory_client;
    let store = &fixture.memory_baseline;
    let tls_client = &fixture.redis_tls_client;
    let tls_connection = &fixture.redis_tls_baseline;
    let cluster_client = &fixture.redis_cluster_client;
    let cluster_connection = &fixture.redis_cluster_baseline;
    let (redis, bounded, plain, tls, cluster, same_cluster, memory, key) =
        fixture.runtime.block_on(async {
            let redis = paired(
                200,
                || redis_client.get(black_box(ORG_ID)),
                || baseline_redis_hit(connection.clone(), black_box(ORG_ID)),
            )
            .await;
            let bounded = paired(
                200,
                || redis_client.get(black_box(ORG_ID)),
                || bounded_baseline_redis_hit(connection.clone(), black_box(ORG_ID)),
            )
            .await;
            let plain = paired(
                200,
                || plain_client.get(black_box(ORG_ID)),
                || baseline_redis_hit(connection.clone(), black_box(ORG_ID)),
            )
            .await;
            let tls = paired(
                200,
                || tls_client.get(black_box(ORG_ID)),
                || baseline_redis_hit(tls_connection.clone(), black_box(ORG_ID)),
            )
            .await;
            let cluster = paired(
                200,
                || cluster_client.get(black_box(ORG_ID)),
                || baseline_redis_hit(connection.clone(), black_box(ORG_ID)),
            )
            .await;
            let same_cluster = paired(
                200,
                || cluster_client.get(black_box(ORG_ID)),
                || baseline_redis_hit(cluster_connection.clone(), black_box(ORG_ID)),
            )
            .await;
            let memory = paired(
                2_000,
                || memory_client.get(black_box(ORG_ID)),
                || async { baseline_memory_hit(store, black_box(ORG_ID)) },
            )
            .await;
            let cache = &fixture.key_cache;
            let key = paired(
                20_000,
                || async { annotated_key(cache, black_box(ORG_ID)) },
                || async { baseline_key(black_box(ORG_ID)) },
            )
            .await;
            (
                redis,
                bounded,
                plain,
                tls,
                cluster,
                same_cluster,
                memory,
                key,
            )
        });
    cluster_client.check_all_hits("redis cluster paired timing");
    tls_client.check_all_hits("redis TLS paired timing");
    redis_client.check_all_hits("redis paired timing");
    plain_client.check_all_hits("redis (no leases) paired timing");
    memory_client.check_all_hits("memory paired timing");
    [
        ("redis_hit", redis),
        ("redis_hit_against_bounded_get", bounded),
        ("redis_hit_no_leases", plain),
        ("redis_tls_hit", tls),
        ("redis_cluster_hit", cluster),
        ("redis_cluster_hit_same_cluster", same_cluster),
        ("memory_hit", memory),
        ("key", key),
    ]
}

// ---------------------------------------------------------------------------------------------
// Criterion groups

/// A Redis group: `client`'s annotated method against the hand-written `GET` on `connection`.
fn redis_group<C: ConnectionLike + Clone>(
    c: &mut Criterion,
    fixture: &Fixture,
    name: &str,
    client: &Organisations,
    connection: &C,
) {
    let mut group = c.benchmark_group(name);
    group.bench_function("annotated", |b| {
        b.to_async(&fixture.runtime)
            .iter(|| client.get(black_box(ORG_ID)))
    });
    group.bench_function("baseline", |b| {
        b.to_async(&fixture.runtime)
            .iter(|| baseline_redis_hit(connection.clone(), black_box(ORG_ID)))
    });
    group.finish();
    client.check_all_hits(name);
}

fn memory_hit(c: &mut Criterion, fixture: &Fixture) {
    let mut group = c.benchmark_group("memory_hit");
    let client = &fixture.memory_client;
    group.bench_function("annotated", |b| {
        b.to_async(&fixture.runtime)
            .iter(|| client.get(black_box(ORG_ID)))
    });
    let store = &fixture.memory_baseline;
    group.bench_function("baseline", |b| {
        b.to_async(&fixture.runtime)
            .iter(|| async { baseline_memory_hit(store, black_box(ORG_ID)) })
    });
    group.finish();
    client.check_all_hits("memory_hit");
}

fn key(c: &mut Criterion, fixture: &Fixture) {
    let mut group = c.benchmark_group("key");
    let cache = &fixture.key_cache;
    group.bench_function("annotated", |b| {
        b.iter(|| annotated_key(cache, black_box(ORG_ID)))
    });
    group.bench_function("baseline", |b| b.iter(|| baseline_key(black_box(ORG_ID))));
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// One side alone, for counting its instructions

/// Runs `hits` hits of one side (`redis-annotated`, `redis-baseline`, `memory-annotated`,
/// `memory-baseline`) after a warm-up, and nothing else: `scripts/hit-instructions` runs it
/// under callgrind twice, with `hits` and twice as many, and takes the difference. Instructions
/// executed do not depend on the machine's load, as time does; they leave out the kernel's side
/// of the socket, which both sides share.
fn run_one_side(side: &str, hits: usize) {
    let runtime = bench_runtime();
    let server = RedisServer::start();
    let org = organisation();
    let key = org_key(ORG_ID);
    let json = serde_json::to_vec(&org).expect("encode the organisation");
    // Under callgrind a command takes some fifty times as long: the handle's timeouts are
    // raised, so none is reached (the code a hit runs is the same; its timer is armed alike).
    let client = Organisations::new(match side {
        "memory-annotated" => cache::Cache::in_memory(),
        _ => cache::Cache::builder()
            .redis(server.url())
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(30))
            .build()
            .expect("a loopback URL is valid"),
    });
    let store = moka_baseline(&key, &json);
    runtime.block_on(async {
        client
            .cache
            .set(&key, &org, None)
            .await
            .unwrap_or_else(|error| panic!("pre-populating {key} failed: {error}"));
        let connection = server
            .client()
            .get_multiplexed_async_connection()
            .await
            .expect("connect the baseline to the test redis-server");
        // The same warm-up for every side, then the counted hits.
        for round in [100, hits] {
            for _ in 0..round {
                let read = match side {
                    "redis-annotated" | "memory-annotated" => {
                        client.get(black_box(ORG_ID)).await.expect("a hit")
                    }
                    "redis-baseline" => baseline_redis_hit(connection.clone(), ORG_ID).await,
                    "memory-baseline" => baseline_memory_hit(&store, black_box(ORG_ID)),
                    other => panic!(
                        "HIT_PATH_SIDE={other}: expected redis-annotated, redis-baseline, \
                         memory-annotated or memory-baseline"
                    ),
                };
                black_box(read);
            }
        }
    });
    client.check_all_hits(side);
}

// ---------------------------------------------------------------------------------------------
// Summary from criterion's estimates

/// Where criterion writes its estimates; given to criterion explicitly, so both agree.
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the workspace's `target/criterion`.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
        .join("target")
        .join("criterion")
}

/// One statistic from criterion's `estimates.json`: point estimate and 95% confidence interval, ns.
struct Estimate {
    point: f64,
    lower: f64,
    upper: f64,
}

impl Estimate {
    fn from_json(json: &serde_json::Value) -> Option<Estimate> {
        Some(Estimate {
            point: json["point_estimate"].as_f64()?,
            lower: json["confidence_interval"]["lower_bound"].as_f64()?,
            upper: json["confidence_interval"]["upper_bound"].as_f64()?,
        })
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{} – {}]",
            time(self.point),
            time(self.lower),
            time(self.upper)
        )
    }
}

/// The mean, and the slope when criterion fitted one (the figure it prints as `time:`), written by
/// this run; `None` if this run did not measure the function (filtered out, or test mode).
fn estimates(
    dir: &Path,
    group: &str,
    function: &str,
    since: SystemTime,
) -> Option<(Estimate, Option<Estimate>)> {
    let path = dir
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let modified = std::fs::metadata(&path)
        .and_then(|meta| meta.modified())
        .ok()?;
    if modified < since {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some((
        Estimate::from_json(&json["mean"])?,
        Estimate::from_json(&json["slope"]),
    ))
}

fn time(ns: f64) -> String {
    let sign = if ns < 0.0 { "-" } else { "" };
    let ns = ns.abs();
    if ns < 1_000.0 {
        format!("{sign}{ns:.1} ns")
    } else {
        format!("{sign}{:.2} µs", ns / 1_000.0)
    }
}

fn comparison(annotated: &Estimate, baseline: &Estimate) -> String {
    let difference = annotated.point - baseline.point;
    format!(
        "ratio {:.3} ({}{} per call)",
        annotated.point / baseline.point,
        if difference >= 0.0 { "+" } else { "" },
        time(difference)
    )
}

fn print_summary(dir: &Path, since: SystemTime) {
    println!("\nsummary (ratio = annotated / baseline; [95% confidence interval]):");
    for group in [
        "redis_hit",
        "redis_hit_no_leases",
        "redis_tls_hit",
        "redis_cluster_hit",
        "redis_cluster_hit_same_cluster",
        "memory_hit",
        "key",
    ] {
        let annotated = estimates(dir, group, "annotated", since);
        let baseline = estimates(dir, group, "baseline", since);
        let (Some((a_mean, a_slope)), Some((b_mean, b_slope))) = (annotated, baseline) else {
            println!(
                "  {group}: not measured by this run (filtered out, or not in benchmark mode); \
                 looked in {}",
                dir.join(group).display()
            );
            continue;
        };
        println!(
            "  {group}: annotated {}, baseline {}, {}  (mean)",
            time(a_mean.point),
            time(b_mean.point),
            comparison(&a_mean, &b_mean)
        );
        println!("      mean:  annotated {a_mean}, baseline {b_mean}");
        if let (Some(a_slope), Some(b_slope)) = (a_slope, b_slope) {
            println!(
                "      slope: annotated {a_slope}, baseline {b_slope}, {}",
                comparison(&a_slope, &b_slope)
            );
        }
    }
}

/// With the `metrics` feature, a Prometheus recorder (no HTTP listener) records every call, as
/// in a service that exports them; without it, there is nothing to install.
fn install_metrics() -> &'static str {
    #[cfg(feature = "metrics")]
    {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .expect("install the Prometheus recorder");
        cache::metrics::describe();
        "on, recorded by metrics-exporter-prometheus"
    }
    #[cfg(not(feature = "metrics"))]
    "off"
}

fn main() {
    // `scripts/hit-instructions` runs one side alone under callgrind (see `run_one_side`).
    if let Ok(side) = std::env::var("HIT_PATH_SIDE") {
        let hits = std::env::var("HIT_PATH_HITS")
            .ok()
            .and_then(|hits| hits.parse().ok())
            .unwrap_or(COUNTED_CALLS);
        install_metrics();
        run_one_side(&side, hits);
        return;
    }
    let started = SystemTime::now();
    let metrics = install_metrics();
    println!("cache-runtime's metrics feature: {metrics}");
    let dir = criterion_dir();
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .without_plots()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .configure_from_args();

    let fixture = Fixture::new();
    print_allocations(&fixture);

    let standalone = &fixture.redis_baseline;
    for (name, client, baseline) in [
        ("redis_hit", &fixture.redis_client, standalone),
        (
            "redis_hit_no_leases",
            &fixture.redis_plain_client,
            standalone,
        ),
        (
            "redis_tls_hit",
            &fixture.redis_tls_client,
            &fixture.redis_tls_baseline,
        ),
        // Against the standalone baseline: what a cluster costs a hit.
        (
            "redis_cluster_hit",
            &fixture.redis_cluster_client,
            standalone,
        ),
    ] {
        redis_group(&mut criterion, &fixture, name, client, baseline);
    }
    // Against a hand-written GET on the same cluster: the toolkit's own cost there.
    redis_group(
        &mut criterion,
        &fixture,
        "redis_cluster_hit_same_cluster",
        &fixture.redis_cluster_client,
        &fixture.redis_cluster_baseline,
    );
    memory_hit(&mut criterion, &fixture);
    key(&mut criterion, &fixture);
    // `cargo bench` passes `--bench`; `cargo test --benches` (a quick, unoptimised check) does not.
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let paired = benchmarking.then(|| measure_paired(&fixture));

    criterion.final_summary();
    print_summary(&dir, started);
    let Some(paired) = paired else { return };
    println!(
        "\npaired cross-check ({PAIRED_ROUNDS} alternating batches per side, medians; \
         steadier than the groups above when the machine's load changes):"
    );
    for (group, figures) in paired {
        println!(
            "  {group}: annotated {}, baseline {}, ratio {:.3} (min {:.3}, max {:.3}); \
             CPU per call {} vs {}, ratio {:.3} (min {:.3}, max {:.3})",
            time(figures.annotated_ns),
            time(figures.baseline_ns),
            figures.ratio,
            figures.ratio_min,
            figures.ratio_max,
            time(figures.annotated_cpu_ns),
            time(figures.baseline_cpu_ns),
            figures.cpu_ratio,
            figures.cpu_ratio_min,
            figures.cpu_ratio_max
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("  load average at the end: {}", load.trim());
    println!("  cache-runtime's metrics feature: {metrics}");
}
