//! Faults under load, against a real `redis-server`: concurrent readers and writers go through
//! the macros on several handles (stand-ins for processes) while the server is
//!
//! - (a) killed with `SIGKILL` mid-run, then restarted on the same port;
//! - (b) frozen with `SIGSTOP` (a hang), then thawed with `SIGCONT`;
//! - (c) flooded past its `maxclients`, while a fresh handle must open its first connection,
//!   then released.
//!
//! During each: no caller sees an error (the macros fail open), no caller gets a wrong value
//! (another item, a version the source never produced, a marker or garbage), and no call hangs
//! (each is bounded by a liveness bound of 5 s; the real latencies are printed, and copied into
//! docs/RELIABILITY.md, but not asserted). After recovery, hits resume and the breaker closes
//! (within liveness bounds); at quiescence no key is stale.
//!
//! Settings: cache timeout 50 ms, breaker 3 failures / 300 ms cool-down (defaults: 100 ms,
//! 3 / 2 s), leases at their defaults (TTL 10 s, wait 250 ms). Run with `--nocapture` to see the
//! figures.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cache::{BreakerState, Cache};
use cache_tests::{
    Checker, ClientFlood, LIVENESS, Quiescence, RedisServer, Rng, Store, TestCerts, Truth,
    eventually_within,
};

const KEYS: u32 = 8;
/// Reader tasks per handle.
const READERS: usize = 4;
/// Writer tasks per handle.
const WRITERS: usize = 1;
/// Handles present from the start (processes).
const HANDLES: usize = 3;
const TIMEOUT: Duration = Duration::from_millis(50);
const COOL_DOWN: Duration = Duration::from_millis(300);
/// Load before the fault, the fault itself, and after the first hit following recovery.
const WARM_UP: Duration = Duration::from_millis(500);
const FAULT: Duration = Duration::from_secs(1);
const AFTER: Duration = Duration::from_secs(1);
/// Liveness bounds: a call that has not returned after this hung; a recovery slower than that
/// fails the test. Neither is what the test measures.
const CALL_LIVENESS: Duration = LIVENESS;
const RECOVERY_LIVENESS: Duration = Duration::from_secs(10);
/// Longest pause in a read's body between fetching and returning.
const FILL_WINDOW: Duration = Duration::from_millis(2);

#[derive(Debug, Default)]
struct PhaseCounters {
    ops: AtomicU64,
    reads: AtomicU64,
    errors: AtomicU64,
    /// Calls still pending after [`CALL_LIVENESS`]: hangs.
    hung: AtomicU64,
    wrong: AtomicU64,
    stale_reads: AtomicU64,
    worst_micros: AtomicU64,
}

#[derive(Debug, Default)]
struct Shared {
    phase: AtomicUsize,
    stop: AtomicBool,
    phases: [PhaseCounters; 3],
    wrong_examples: Mutex<Vec<String>>,
}

impl Shared {
    fn record(&self, latency: Duration) -> &PhaseCounters {
        let phase = &self.phases[self.phase.load(Ordering::SeqCst)];
        phase.ops.fetch_add(1, Ordering::Relaxed);
        phase.worst_micros.fetch_max(
            u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        phase
    }
}

/// A load of readers and writers over handles that can be added while it runs.
struct Load {
    truth: Arc<Truth>,
    shared: Arc<Shared>,
    caches: Vec<Cache>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    seed: u64,
}

impl Load {
    fn new(seed: u64) -> Load {
        Load {
            truth: Arc::new(Truth::default()),
            shared: Arc::new(Shared::default()),
            caches: Vec::new(),
            tasks: Vec::new(),
            seed,
        }
    }

    fn add_handle(&mut self, cache: Cache) {
        let index = self.caches.len() as u64;
        self.caches.push(cache.clone());
        let store = Arc::new(Store::new(
            cache,
            self.truth.clone(),
            self.seed ^ (index + 1),
            FILL_WINDOW,
        ));
        for task in 0..READERS + WRITERS {
            let writer = task >= READERS;
            let store = store.clone();
            let shared = self.shared.clone();
            let truth = self.truth.clone();
            let mut rng = Rng::new(self.seed.wrapping_add(index * 1000 + task as u64));
            self.tasks.push(tokio::spawn(async move {
                while !shared.stop.load(Ordering::SeqCst) {
                    let id = rng.below(u64::from(KEYS)) as u32;
                    if writer {
                        let started = Instant::now();
                        let result = tokio::time::timeout(CALL_LIVENESS, store.try_write(id)).await;
                        let phase = shared.record(started.elapsed());
                        match result {
                            Ok(Ok(version)) => truth.completed(id, version),
                            Ok(Err(_)) => {
                                phase.errors.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(_) => {
                                phase.hung.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    } else {
                        let floor = truth.floor(id);
                        let started = Instant::now();
                        let result = tokio::time::timeout(CALL_LIVENESS, store.try_read(id)).await;
                        let phase = shared.record(started.elapsed());
                        phase.reads.fetch_add(1, Ordering::Relaxed);
                        let Ok(result) = result else {
                            phase.hung.fetch_add(1, Ordering::Relaxed);
                            continue;
                        };
                        match result {
                            Err(_) => {
                                phase.errors.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok(value)
                                if value.id != id || value.version > truth.read(id).version =>
                            {
                                phase.wrong.fetch_add(1, Ordering::Relaxed);
                                shared
                                    .wrong_examples
                                    .lock()
                                    .unwrap()
                                    .push(format!("item {id}: got {value:?}"));
                            }
                            Ok(value) if value.version < floor => {
                                phase.stale_reads.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok(_) => {}
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }));
        }
    }

    fn enter(&self, phase: usize) {
        self.shared.phase.store(phase, Ordering::SeqCst);
    }

    fn hits(&self, caches: &[Cache]) -> u64 {
        caches.iter().map(|cache| cache.stats().hits).sum()
    }

    async fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for task in self.tasks.drain(..) {
            tokio::time::timeout(RECOVERY_LIVENESS, task)
                .await
                .expect("a load task hung")
                .expect("a load task panicked");
        }
    }
}

fn handle(server: &RedisServer) -> Cache {
    Cache::builder()
        .redis_config(server.cache_config())
        .timeout(TIMEOUT)
        .circuit_breaker(3, COOL_DOWN)
        .build()
        .expect("a valid configuration")
}

/// What one fault came to.
#[derive(Debug)]
struct Report {
    fault: &'static str,
    ops: u64,
    reads: u64,
    errors_seen: u64,
    hung_calls: u64,
    wrong_values: u64,
    stale_reads: [u64; 3],
    worst: [Duration; 3],
    breaker_opened: u64,
    breaker_skipped: u64,
    cache_errors: u64,
    first_hit: Duration,
    breaker_closed: Duration,
    quiescence: Quiescence,
    invalidations_retried: u64,
    invalidations_lost: u64,
}

impl Report {
    fn line(&self) -> String {
        format!(
            "faults: {}: {} ops ({} reads), {} errors seen by callers, {} calls hung, {} wrong values, \
             worst latency before/during/after {:.1?}/{:.1?}/{:.1?}, breaker opened {} times \
             (skipped {} operations), first hit {:.1?} after recovery, breaker closed after \
             {:.1?}, {} cache errors absorbed, {} invalidations retried, {} lost, {} stale keys \
             at quiescence, {} lease markers left, stale reads before/during/after {}/{}/{}",
            self.fault,
            self.ops,
            self.reads,
            self.errors_seen,
            self.hung_calls,
            self.wrong_values,
            self.worst[0],
            self.worst[1],
            self.worst[2],
            self.breaker_opened,
            self.breaker_skipped,
            self.first_hit,
            self.breaker_closed,
            self.cache_errors,
            self.invalidations_retried,
            self.invalidations_lost,
            self.quiescence.stale_keys.len(),
            self.quiescence.markers_left.len(),
            self.stale_reads[0],
            self.stale_reads[1],
            self.stale_reads[2],
        )
    }

    #[track_caller]
    fn assert_healthy(&self) {
        assert_eq!(self.errors_seen, 0, "callers saw errors: {self:#?}");
        assert_eq!(
            self.hung_calls, 0,
            "calls still pending after {CALL_LIVENESS:?}: {self:#?}"
        );
        assert_eq!(self.wrong_values, 0, "callers got wrong values: {self:#?}");
        assert!(
            self.quiescence.stale_keys.is_empty(),
            "stale keys at quiescence: {self:#?}"
        );
        assert!(
            self.quiescence.garbage.is_empty(),
            "garbage at quiescence: {self:#?}"
        );
        assert_eq!(self.invalidations_lost, 0, "{self:#?}");
        assert!(self.ops > 0 && self.reads > 0);
    }
}

/// Drives one fault: warm-up, `inject`, hold, `recover`, wait for hits on `watched` (all
/// handles when empty) and for every breaker to close, more load, then the check at quiescence.
async fn run_fault(
    fault: &'static str,
    server: &mut RedisServer,
    inject: impl FnOnce(&mut RedisServer, &mut Load),
    recover: impl FnOnce(&mut RedisServer, &mut Load),
) -> Report {
    let seed = Rng::random_seed();
    println!("faults: {fault}: seed {seed}");
    let mut load = Load::new(seed);
    for _ in 0..HANDLES {
        let cache = handle(server);
        // Connect first (with TLS, the handshake), as a service does at start-up.
        let _ = cache.ping().await;
        load.add_handle(cache);
    }
    tokio::time::sleep(WARM_UP).await;
    assert!(
        load.hits(&load.caches) > 0,
        "{fault}: no hits before the fault"
    );

    load.enter(1);
    let handles_before = load.caches.len();
    tokio::task::block_in_place(|| inject(server, &mut load));
    tokio::time::sleep(FAULT).await;

    // Recovery: the handles added during the fault (if any) are the ones that must recover.
    let watched: Vec<Cache> = if load.caches.len() > handles_before {
        load.caches[handles_before..].to_vec()
    } else {
        load.caches.clone()
    };
    let hits = load.hits(&watched);
    tokio::task::block_in_place(|| recover(server, &mut load));
    load.enter(2);
    let recovered = Instant::now();
    eventually_within(
        RECOVERY_LIVENESS,
        &format!("{fault}: a hit after recovery"),
        async || load.hits(&watched) > hits,
    )
    .await;
    let first_hit = recovered.elapsed();
    eventually_within(
        RECOVERY_LIVENESS,
        &format!("{fault}: every breaker closing after recovery"),
        async || {
            load.caches
                .iter()
                .all(|cache| cache.breaker_state() == BreakerState::Closed)
        },
    )
    .await;
    let breaker_closed = recovered.elapsed();
    tokio::time::sleep(AFTER).await;
    load.stop().await;
    for cache in &load.caches {
        tokio::time::timeout(RECOVERY_LIVENESS, cache.flush_invalidations())
            .await
            .unwrap_or_else(|_| panic!("{fault}: invalidations still pending"));
    }

    // Quiescence: every key absent, or holding the source's version.
    let quiescence = Checker::Redis(Box::new(server.client()))
        .check(&load.truth, KEYS)
        .await;

    let shared = &load.shared;
    let sum = |field: fn(&PhaseCounters) -> &AtomicU64| -> u64 {
        shared
            .phases
            .iter()
            .map(|phase| field(phase).load(Ordering::Relaxed))
            .sum()
    };
    let stats: Vec<_> = load.caches.iter().map(Cache::stats).collect();
    let report = Report {
        fault,
        ops: sum(|phase| &phase.ops),
        reads: sum(|phase| &phase.reads),
        errors_seen: sum(|phase| &phase.errors),
        hung_calls: sum(|phase| &phase.hung),
        wrong_values: sum(|phase| &phase.wrong),
        stale_reads: std::array::from_fn(|index| {
            shared.phases[index].stale_reads.load(Ordering::Relaxed)
        }),
        worst: std::array::from_fn(|index| {
            Duration::from_micros(shared.phases[index].worst_micros.load(Ordering::Relaxed))
        }),
        breaker_opened: stats.iter().map(|stats| stats.breaker_opened).sum(),
        breaker_skipped: stats.iter().map(|stats| stats.breaker_skipped).sum(),
        cache_errors: stats.iter().map(|stats| stats.errors).sum(),
        first_hit,
        breaker_closed,
        quiescence,
        invalidations_retried: stats.iter().map(|stats| stats.invalidations_retried).sum(),
        invalidations_lost: stats.iter().map(|stats| stats.invalidations_lost).sum(),
    };
    let examples = shared.wrong_examples.lock().unwrap();
    if !examples.is_empty() {
        println!(
            "faults: {fault}: wrong values, e.g. {:?}",
            &examples[..examples.len().min(5)]
        );
    }
    println!("{}", report.line());
    report
}

/// (a) `kill -9` mid-run, restart on the same port (an empty server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_under_load_then_restarted() {
    let mut server = RedisServer::start();
    let report = run_fault(
        "kill -9 + restart",
        &mut server,
        |server, _| server.kill(),
        |server, _| server.restart(),
    )
    .await;
    report.assert_healthy();
    assert!(report.breaker_opened > 0, "{report:#?}");
}

/// (b) `SIGSTOP` (a hang: connections stay open, nothing answers), then `SIGCONT`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_hung_under_load_then_resumed() {
    let mut server = RedisServer::start();
    let report = run_fault(
        "SIGSTOP + SIGCONT",
        &mut server,
        |server, _| server.pause(),
        |server, _| server.resume(),
    )
    .await;
    report.assert_healthy();
    assert!(
        report.breaker_opened > 0,
        "the breaker must open during a hang: {report:#?}"
    );
    assert!(
        report.breaker_skipped > 0,
        "calls must skip the hung server: {report:#?}"
    );
}

/// (c) Every client slot taken (`--maxclients 10`) while a fresh handle must open its first
/// connection; then the flood is released and the fresh handle must start hitting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_flooded_past_maxclients_then_released() {
    let mut server = RedisServer::start_with(&["--maxclients", "10"]);
    let flood: Arc<Mutex<Option<ClientFlood>>> = Arc::default();
    let (taken, released) = (flood.clone(), flood.clone());
    let report = run_fault(
        "maxclients flood",
        &mut server,
        move |server, load| {
            let flood = ClientFlood::exhaust(server, 100);
            println!(
                "faults: maxclients flood: {} connections hold the remaining slots",
                flood.len()
            );
            *taken.lock().unwrap() = Some(flood);
            // A new process starts while the server refuses clients.
            load.add_handle(handle(server));
        },
        move |_, _| {
            released
                .lock()
                .unwrap()
                .take()
                .expect("the flood is held")
                .release();
        },
    )
    .await;
    report.assert_healthy();
}

/// (a) over TLS: the reconnection after a restart includes the handshake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_redis_killed_under_load_then_restarted() {
    let certs = TestCerts::generate();
    let mut server = RedisServer::start_tls(&certs, false);
    let report = run_fault(
        "TLS: kill -9 + restart",
        &mut server,
        |server, _| server.kill(),
        |server, _| server.restart(),
    )
    .await;
    report.assert_healthy();
    assert!(report.breaker_opened > 0, "{report:#?}");
}

/// (b) over TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_redis_hung_under_load_then_resumed() {
    let certs = TestCerts::generate();
    let mut server = RedisServer::start_tls(&certs, false);
    let report = run_fault(
        "TLS: SIGSTOP + SIGCONT",
        &mut server,
        |server, _| server.pause(),
        |server, _| server.resume(),
    )
    .await;
    report.assert_healthy();
    assert!(report.breaker_opened > 0, "{report:#?}");
}
