//! The consistency checker: many concurrent readers and writers over a small key space, against
//! an in-test source of truth that versions every write ([`Truth`]). Reads go through
//! `#[cache::set]`, whose body fetches from the source and then sleeps 0–5 ms (the window between
//! fetch and fill, where the stale-set race lives); writes go through `#[cache::delete]`, whose
//! body bumps the version. At quiescence (every task done, every handle's invalidations
//! flushed), every key must be absent or hold the source's current version.
//!
//! On Redis, several handles stand for several processes (single-flight is per handle). With
//! leases the checker must find no stale key; with `.leases(false)` it must find some, which
//! shows the checker can fail. Run with `--nocapture` to see the figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cache::Cache;
use cache::RedisConfig;
use cache_tests::{
    Checker, RedisCluster, RedisServer, Rng, StaleWindows, Store, Truth, Versioned, WindowSummary,
};

/// Key space: few keys, so readers and writers collide constantly.
const KEYS: u32 = 8;
/// Concurrent tasks (readers and writers mixed).
const TASKS: usize = 32;
/// Operations per task.
const OPS_PER_TASK: usize = 100;
/// Share of operations that are writes.
const WRITE_PERCENT: u64 = 20;
/// Longest pause in a read's body between fetching and returning (the fill window).
const FILL_WINDOW: Duration = Duration::from_millis(5);
/// Handles on one Redis: stand-ins for processes.
const HANDLES: usize = 4;
/// Bound on a whole round: a liveness check, not a speed one.
const ROUND_LIVENESS: Duration = Duration::from_secs(30);
/// Rounds with leases (each must leave no stale key).
const LEASE_ROUNDS: u64 = 3;
/// Bound on rounds without leases until one leaves a stale key (about 4 rounds in 5 do).
const NO_LEASE_ROUNDS: u64 = 10;

#[derive(Debug, Default)]
struct Round {
    ops: u64,
    reads: u64,
    writes: u64,
    /// Keys holding a version older than the source's at quiescence.
    stale_keys: Vec<(u32, Versioned, u64)>,
    /// Lease markers left behind at quiescence (no read is in flight, so none should remain).
    markers_left: Vec<String>,
    /// Values that are neither absent, a value nor a marker.
    garbage: Vec<String>,
    /// Reads that returned another item, or a version the source never produced.
    wrong_values: u64,
    /// Reads that returned a version older than a write of the same key that had returned
    /// before the read began (not asserted here: see the report).
    stale_reads: u64,
    /// How long each handle went on serving a superseded version (from the superseding
    /// write's return to the last such read), shortest first.
    stale_windows: Vec<Duration>,
    /// The handles' counters, summed.
    fills_refused: u64,
    coalesced: u64,
    lease_waits: u64,
    hits: u64,
    misses: u64,
    errors: u64,
    elapsed: Duration,
    /// The source of truth of the round, for checks after it (the near caches').
    truth: Arc<Truth>,
}

/// One round of the workload over `caches` (one [`Store`] per handle, tasks spread over them),
/// then the check at quiescence.
async fn round(caches: &[Cache], checker: &Checker, seed: u64) -> Round {
    let truth = Arc::new(Truth::default());
    let stores: Vec<Arc<Store>> = caches
        .iter()
        .enumerate()
        .map(|(index, cache)| {
            Arc::new(Store::new(
                cache.clone(),
                truth.clone(),
                seed ^ ((index as u64 + 1) * 0x5851_f42d),
                FILL_WINDOW,
            ))
        })
        .collect();
    let stale_reads = Arc::new(AtomicU64::new(0));
    let windows = Arc::new(StaleWindows::default());
    let wrong_values = Arc::new(AtomicU64::new(0));
    let writes = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let reader = task % stores.len();
        let store = stores[reader].clone();
        let truth = truth.clone();
        let stale_reads = stale_reads.clone();
        let windows = windows.clone();
        let wrong_values = wrong_values.clone();
        let writes = writes.clone();
        let mut rng = Rng::new(seed.wrapping_add(task as u64 * 0x9e37));
        tasks.push(tokio::spawn(async move {
            for _ in 0..OPS_PER_TASK {
                let id = rng.below(u64::from(KEYS)) as u32;
                if rng.percent(WRITE_PERCENT) {
                    let version = store.write(id).await;
                    truth.completed(id, version);
                    writes.fetch_add(1, Ordering::Relaxed);
                } else {
                    let floor = truth.floor(id);
                    let value = store.read(id).await;
                    if value.id != id || value.version > truth.read(id).version {
                        wrong_values.fetch_add(1, Ordering::Relaxed);
                    } else if value.version < floor {
                        stale_reads.fetch_add(1, Ordering::Relaxed);
                        let superseded = truth
                            .superseded_at(id, value.version)
                            .expect("a write newer than the value had returned");
                        windows.record(reader, id, value.version, superseded);
                    }
                }
            }
        }));
    }
    tokio::time::timeout(ROUND_LIVENESS, async {
        for task in tasks {
            task.await.expect("a workload task panicked");
        }
        for cache in caches {
            cache.flush_invalidations().await;
        }
    })
    .await
    .expect("the workload hung");
    let elapsed = started.elapsed();

    let ops = (TASKS * OPS_PER_TASK) as u64;
    let writes = writes.load(Ordering::Relaxed);
    let mut result = Round {
        ops,
        reads: ops - writes,
        writes,
        wrong_values: wrong_values.load(Ordering::Relaxed),
        stale_reads: stale_reads.load(Ordering::Relaxed),
        stale_windows: windows.lengths(),
        elapsed,
        truth: truth.clone(),
        ..Round::default()
    };
    for cache in caches {
        let stats = cache.stats();
        result.fills_refused += stats.fills_refused;
        result.coalesced += stats.coalesced;
        result.lease_waits += stats.lease_waits;
        result.hits += stats.hits;
        result.misses += stats.misses;
        result.errors += stats.errors;
    }
    let found = checker.check(&truth, KEYS).await;
    result.stale_keys = found.stale_keys;
    result.markers_left = found.markers_left;
    result.garbage = found.garbage;
    result
}

/// What differs between the checker's runs.
#[derive(Debug, Clone, Copy)]
struct Settings {
    leases: bool,
    single_flight: bool,
    /// A near cache in every handle.
    near: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            leases: true,
            single_flight: true,
            near: false,
        }
    }
}

/// A Redis to run the workload on: one server, or a cluster.
enum Target {
    Server(RedisServer),
    Cluster(RedisCluster),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Server(_) => "redis",
            Target::Cluster(_) => "redis cluster",
        }
    }

    fn config(&self) -> RedisConfig {
        match self {
            Target::Server(server) => server.cache_config(),
            Target::Cluster(cluster) => cluster.cache_config(),
        }
    }

    fn checker(&self) -> Checker {
        match self {
            Target::Server(server) => Checker::Redis(Box::new(server.client())),
            Target::Cluster(cluster) => Checker::Cluster(Box::new(
                redis::cluster::ClusterClient::new(cluster.seed_urls()).expect("seeds parse"),
            )),
        }
    }

    /// Empties the private test server, or every primary of the cluster, between rounds.
    fn flush(&self) {
        match self {
            Target::Server(server) => flush(server),
            Target::Cluster(cluster) => {
                for port in cluster.primary_ports() {
                    let node = cluster
                        .nodes()
                        .iter()
                        .find(|node| node.port() == port)
                        .expect("a node of the cluster");
                    flush(node);
                }
            }
        }
    }
}

fn redis_handles(target: &Target, settings: Settings) -> Vec<Cache> {
    (0..HANDLES)
        .map(|_| {
            Cache::builder()
                .redis_config(target.config())
                // Generous: a loaded 2-core machine must not turn the workload into timeouts.
                .timeout(Duration::from_secs(1))
                .leases(settings.leases)
                .single_flight(settings.single_flight)
                .near_cache(if settings.near { 1 << 20 } else { 0 })
                .build()
                .expect("a valid configuration")
        })
        .collect()
}

fn memory_handle(settings: Settings) -> Cache {
    Cache::builder()
        .in_memory()
        .leases(settings.leases)
        .single_flight(settings.single_flight)
        .build()
        .expect("a valid configuration")
}

/// Empties the private test server between rounds.
fn flush(server: &RedisServer) {
    let _: () = redis::cmd("FLUSHDB")
        .query(&mut server.connection())
        .expect("flush the private test server");
}

fn describe(round: &Round) -> String {
    let windows = match WindowSummary::of(round.stale_windows.clone()) {
        Some(windows) => format!(" ({windows})"),
        None => String::new(),
    };
    format!(
        "{} ops ({} reads, {} writes) in {:.2?}: {} stale keys, {} stale reads{windows}, {} fills \
         refused, {} coalesced, {} lease waits, {} hits, {} misses, {} errors",
        round.ops,
        round.reads,
        round.writes,
        round.elapsed,
        round.stale_keys.len(),
        round.stale_reads,
        round.fills_refused,
        round.coalesced,
        round.lease_waits,
        round.hits,
        round.misses,
        round.errors,
    )
}

/// The sanity every round must pass, leases or not.
#[track_caller]
fn assert_sane(round: &Round, what: &str) {
    assert_eq!(round.wrong_values, 0, "{what}: wrong values: {round:?}");
    assert!(round.garbage.is_empty(), "{what}: garbage left: {round:?}");
    assert!(
        round.markers_left.is_empty(),
        "{what}: lease markers left at quiescence: {round:?}"
    );
    assert_eq!(round.errors, 0, "{what}: cache errors: {round:?}");
    assert!(
        round.hits > 0 && round.misses > 0,
        "{what}: the workload must both hit and miss: {round:?}"
    );
}

/// Leases on: no stale key. Leases off (same workload, same checker): stale keys are found, so
/// the checker can fail. Several rounds without leases, bounded, until one leaves a stale key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_leases_leave_no_stale_key_and_without_them_the_checker_finds_some() {
    leases_leave_no_stale_key_and_without_them_the_checker_finds_some(Target::Server(
        RedisServer::start(),
    ))
    .await;
}

/// The same on a Redis Cluster (3 primaries, 3 replicas): keys spread over the primaries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_leases_leave_no_stale_key_and_without_them_the_checker_finds_some() {
    leases_leave_no_stale_key_and_without_them_the_checker_finds_some(Target::Cluster(
        RedisCluster::start(),
    ))
    .await;
}

async fn leases_leave_no_stale_key_and_without_them_the_checker_finds_some(target: Target) {
    let seed = Rng::random_seed();
    let name = target.name();
    println!("consistency: {name}: seed {seed}");
    let checker = target.checker();

    let mut with = Vec::new();
    for attempt in 0..LEASE_ROUNDS {
        target.flush();
        let round = round(
            &redis_handles(&target, Settings::default()),
            &checker,
            seed.wrapping_sub(attempt),
        )
        .await;
        println!(
            "consistency: {name}, leases on, {HANDLES} handles, round {}: {}",
            attempt + 1,
            describe(&round)
        );
        assert_sane(&round, "leases on");
        assert!(
            round.stale_keys.is_empty(),
            "leases on: stale keys at quiescence (id, cached, source version): {:?}\n{round:?}",
            round.stale_keys
        );
        with.push(round);
    }

    let mut without = Vec::new();
    for attempt in 0..NO_LEASE_ROUNDS {
        target.flush();
        let round = round(
            &redis_handles(
                &target,
                Settings {
                    leases: false,
                    ..Settings::default()
                },
            ),
            &checker,
            seed.wrapping_add(1 + attempt),
        )
        .await;
        println!(
            "consistency: {name}, leases off, round {}: {}",
            attempt + 1,
            describe(&round)
        );
        assert_sane(&round, "leases off");
        let found = !round.stale_keys.is_empty();
        without.push(round);
        if found {
            break;
        }
    }
    let with_ops: u64 = with.iter().map(|round| round.ops).sum();
    let ops: u64 = without.iter().map(|round| round.ops).sum();
    let stale: usize = without.iter().map(|round| round.stale_keys.len()).sum();
    println!(
        "consistency: {name}: leases on: {with_ops} ops in {} round(s), 0 stale keys; leases off: {ops} ops in {} round(s), {stale} stale keys",
        with.len(),
        without.len(),
    );
    assert!(
        stale > 0,
        "without leases the stale-set race must show in {} rounds; if it does not, the checker \
         cannot tell stale from fresh",
        without.len()
    );
}

/// The same workload on the in-process backend (one handle: one process), leases on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_leases_leave_no_stale_key() {
    let seed = Rng::random_seed();
    println!("consistency: seed {seed}");
    let cache = memory_handle(Settings::default());
    let checker = Checker::Memory(cache.clone());
    let result = round(std::slice::from_ref(&cache), &checker, seed).await;
    println!("consistency: in process, leases on: {}", describe(&result));
    assert_sane(&result, "in process");
    assert!(
        result.stale_keys.is_empty(),
        "in process: stale keys at quiescence (id, cached, source version): {:?}\n{result:?}",
        result.stale_keys
    );
    println!(
        "consistency: in process, leases on: {} ops, {} stale keys",
        result.ops,
        result.stale_keys.len()
    );
}

/// Read-your-writes: a read that begins after a write of the same key has returned never
/// returns the value from before that write. With leases and without single-flight this holds
/// on Redis (several handles); the value a lease-protected fill stores is never older than a
/// finished write, and a reader waiting on another's lease sees the delete and fetches anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_without_single_flight_no_read_is_older_than_a_finished_write() {
    let seed = Rng::random_seed();
    println!("consistency: seed {seed}");
    let target = Target::Server(RedisServer::start());
    let checker = target.checker();
    let settings = Settings {
        single_flight: false,
        ..Settings::default()
    };
    let result = round(&redis_handles(&target, settings), &checker, seed).await;
    println!(
        "consistency: redis, leases on, single-flight off: {}",
        describe(&result)
    );
    assert_sane(&result, "single-flight off");
    assert!(result.stale_keys.is_empty(), "{result:?}");
    assert_eq!(
        result.stale_reads, 0,
        "reads returned values older than a write that had finished before they began"
    );
}

/// The same read-your-writes check with the defaults (single-flight on): no read, leader or
/// follower, returns a version older than a write of its key that had returned before the read
/// began, with four handles on one Redis.
///
/// The runtime hands a follower the leader's value only if the store vouched for it (a lookup
/// that hit, or a fill its lease let through) after the follower began, and otherwise (a fill
/// that was refused, or a value vouched for too early) the follower fetches for itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_no_read_is_older_than_a_finished_write() {
    let seed = Rng::random_seed();
    println!("consistency: seed {seed}");
    let target = Target::Server(RedisServer::start());
    let checker = target.checker();
    let result = round(&redis_handles(&target, Settings::default()), &checker, seed).await;
    println!("consistency: redis, defaults: {}", describe(&result));
    assert_sane(&result, "defaults");
    assert_eq!(
        result.stale_reads, 0,
        "single-flight followers returned values older than a write that had finished before \
         their call began: {result:?}"
    );
}

/// The same read-your-writes check in process (one handle, defaults), as in
/// [`redis_no_read_is_older_than_a_finished_write`].
///
/// Here every write goes through the readers' own handle, whose invalidation forgets the calls
/// in flight for its keys (`Flights::forget`) and removes each key with a per-key compute that
/// is serialised with fills, so neither a follower nor a late fill brings the old value back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_no_read_is_older_than_a_finished_write() {
    let seed = Rng::random_seed();
    println!("consistency: seed {seed}");
    let cache = memory_handle(Settings::default());
    let checker = Checker::Memory(cache.clone());
    let result = round(std::slice::from_ref(&cache), &checker, seed).await;
    println!("consistency: in process, defaults: {}", describe(&result));
    assert_sane(&result, "in process");
    assert_eq!(
        result.stale_reads, 0,
        "single-flight followers returned values older than a write that had finished before \
         their call began: {result:?}"
    );
}

/// Near caches in every handle (four processes' worth, each with its tracking connection or, on
/// a cluster, one per primary): no stale key in Redis at quiescence, and once the last
/// invalidations have been pushed, no handle serves a stale copy either. Reads older than a
/// finished write of another handle are the near cache's price (the push is still in flight):
/// counted, with how long each handle went on serving the old value, and printed, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_near_caches_leave_no_stale_key_or_copy_once_quiet() {
    near_caches_leave_no_stale_key_or_copy_once_quiet(Target::Server(RedisServer::start())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_near_caches_leave_no_stale_key_or_copy_once_quiet() {
    near_caches_leave_no_stale_key_or_copy_once_quiet(Target::Cluster(RedisCluster::start())).await;
}

async fn near_caches_leave_no_stale_key_or_copy_once_quiet(target: Target) {
    let checker = target.checker();
    let name = target.name();
    let settings = Settings {
        near: true,
        ..Settings::default()
    };
    let mut windows = Vec::new();
    let mut stale_reads = 0;
    for round_number in 0..LEASE_ROUNDS {
        let seed = Rng::random_seed();
        target.flush();
        let caches = redis_handles(&target, settings);
        for cache in &caches {
            assert!(
                cache.backend_description().contains("with a near cache"),
                "{}",
                cache.backend_description()
            );
        }
        let result = round(&caches, &checker, seed).await;
        println!(
            "consistency: {name}, near caches on, round {round_number} (seed {seed}): {}",
            describe(&result)
        );
        assert_sane(&result, "near caches");
        assert!(result.stale_keys.is_empty(), "{result:?}");
        windows.extend_from_slice(&result.stale_windows);
        stale_reads += result.stale_reads;
        for cache in &caches {
            for id in 0..KEYS {
                let current = result.truth.read(id).version;
                cache_tests::eventually("every near copy is current once quiet", async || {
                    let held = cache.get::<Versioned>(&format!("item-{id}")).await.unwrap();
                    held.is_none_or(|held| held.version == current)
                })
                .await;
            }
        }
    }
    let windows = WindowSummary::of(windows).map_or_else(|| "none".to_owned(), |w| w.to_string());
    println!(
        "consistency: {name}, near caches on, {LEASE_ROUNDS} rounds: {stale_reads} stale reads; {windows}"
    );
}
