//! Cancellation: callers drop futures at any point (a request timeout, a client that went
//! away, the losing branch of a `select!`).
//!
//! - A `#[cache::delete]` future dropped after its body started still invalidates: many writes
//!   are dropped at random points, concurrently with readers (also dropped at random), and at
//!   quiescence no key is stale. A hand-written write that deletes after its body, without the
//!   runtime's guard, fails the same check (so the check can fail).
//! - A single-flight leader dropped mid-body hands over: its followers get the right value.
//! - A reader dropped while holding a lease does not make later readers wait for it.
//!
//! Bounds on time are liveness bounds, far above what the behaviour needs: the tests check
//! counters, how often a body ran and what the store holds, never how long a call took.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cache::Cache;
use cache_tests::{
    Checker, Held, Quiescence, RedisCluster, RedisServer, Rng, Truth, Versioned, eventually, live,
    spawn_callers,
};

const KEYS: u32 = 8;
const READERS: usize = 12;
const WRITERS: usize = 4;
/// How long readers and writers run (together, so that the last operations on a key mix both).
const RUN_FOR: Duration = Duration::from_millis(600);

struct Store {
    cache: Cache,
    truth: Arc<Truth>,
    rng: Mutex<Rng>,
    /// Writes whose body bumped the version.
    bumped: AtomicU64,
    /// Reads whose body ran; the first `block_first` of them never return (until dropped).
    bodies: AtomicUsize,
    block_first: usize,
}

impl Store {
    fn new(cache: Cache, truth: Arc<Truth>, seed: u64) -> Arc<Store> {
        Arc::new(Store {
            cache,
            truth,
            rng: Mutex::new(Rng::new(seed)),
            bumped: AtomicU64::new(0),
            bodies: AtomicUsize::new(0),
            block_first: 0,
        })
    }

    fn blocking_first(cache: Cache, truth: Arc<Truth>, block_first: usize) -> Arc<Store> {
        Arc::new(Store {
            block_first,
            ..Arc::into_inner(Store::new(cache, truth, 0)).unwrap()
        })
    }

    fn pause(&self, max_millis: u64) -> Duration {
        self.rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .duration_up_to(Duration::from_millis(max_millis))
    }

    fn bodies(&self) -> usize {
        self.bodies.load(Ordering::SeqCst)
    }

    #[cache::set("item-{id}", ttl = "1h", cache = self.cache)]
    async fn read(&self, id: u32) -> Versioned {
        let body = self.bodies.fetch_add(1, Ordering::SeqCst);
        let value = self.truth.read(id);
        if body < self.block_first {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.pause(3)).await;
        value
    }

    /// The write under test: the runtime invalidates even if this future is dropped mid-body.
    #[cache::delete("item-{id}", cache = self.cache)]
    async fn write(&self, id: u32) -> u64 {
        tokio::time::sleep(self.pause(2)).await;
        let version = self.truth.bump(id);
        self.bumped.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(self.pause(2)).await;
        version
    }

    /// The control: the same write, deleting by hand after the body, with nothing to finish
    /// the job if the future is dropped (what Notify's `finally` does in Python, where a call
    /// is not dropped halfway).
    async fn write_by_hand(&self, id: u32) -> u64 {
        tokio::time::sleep(self.pause(2)).await;
        let version = self.truth.bump(id);
        self.bumped.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(self.pause(2)).await;
        let _ = self.cache.delete([format!("item-{id}")]).await;
        version
    }
}

/// A lease that outlives every wait of a test: if it is gone, it was released, not expired.
const LONG_LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct Outcome {
    writes: u64,
    writes_dropped: u64,
    reads: u64,
    reads_dropped: u64,
    /// Writes dropped after their body bumped the version (the ones that must still invalidate).
    dropped_after_the_write: u64,
    /// The keys at quiescence, once the dropped readers' leases have been given back.
    quiescence: Quiescence,
    invalidations_retried: u64,
    invalidations_lost: u64,
}

/// Readers and writers, calls dropped at random points (`timeout` with 0–4 ms for writes, 0–10 ms for reads), then the
/// check at quiescence. `by_hand` uses the control write instead of `#[cache::delete]`.
async fn drop_at_random(checker: Checker, cache: Cache, by_hand: bool, seed: u64) -> Outcome {
    let truth = Arc::new(Truth::default());
    let store = Store::new(cache.clone(), truth.clone(), seed);
    let [writes, writes_dropped, reads, reads_dropped] =
        [(); 4].map(|()| Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    let until = Instant::now() + RUN_FOR;
    for task in 0..READERS + WRITERS {
        let store = store.clone();
        let writer = task >= READERS;
        let (done, dropped) = if writer {
            (writes.clone(), writes_dropped.clone())
        } else {
            (reads.clone(), reads_dropped.clone())
        };
        let mut rng = Rng::new(seed.wrapping_add(task as u64 + 1));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                done.fetch_add(1, Ordering::Relaxed);
                let id = rng.below(u64::from(KEYS)) as u32;
                // Writes take 0–4 ms and reads 0–3 ms (plus the cache): most writes are dropped,
                // a few reads are.
                let deadline =
                    rng.duration_up_to(Duration::from_millis(if writer { 4 } else { 10 }));
                let completed = if writer && by_hand {
                    tokio::time::timeout(deadline, store.write_by_hand(id))
                        .await
                        .is_ok()
                } else if writer {
                    tokio::time::timeout(deadline, store.write(id))
                        .await
                        .is_ok()
                } else {
                    tokio::time::timeout(deadline, store.read(id)).await.is_ok()
                };
                if !completed {
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    live("the workload", async {
        for task in tasks {
            task.await.expect("a task panicked");
        }
        cache.flush_invalidations().await;
    })
    .await;
    // Dropped readers give their leases back in the background.
    eventually("the dropped readers' leases given back", async || {
        checker.check(&truth, KEYS).await.markers_left.is_empty()
    })
    .await;

    let writes = writes.load(Ordering::Relaxed);
    let writes_dropped = writes_dropped.load(Ordering::Relaxed);
    let bumped = store.bumped.load(Ordering::Relaxed);
    let writes_completed = writes - writes_dropped;
    let stats = cache.stats();
    Outcome {
        writes,
        writes_dropped,
        reads: reads.load(Ordering::Relaxed),
        reads_dropped: reads_dropped.load(Ordering::Relaxed),
        dropped_after_the_write: bumped - writes_completed,
        invalidations_retried: stats.invalidations_retried,
        invalidations_lost: stats.invalidations_lost,
        quiescence: checker.check(&truth, KEYS).await,
    }
}

fn redis_handle(server: &RedisServer) -> Cache {
    Cache::builder()
        .redis(server.url())
        // Generous: dropped calls are the point here, not timeouts.
        .timeout(Duration::from_secs(1))
        .build()
        .expect("a valid configuration")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_dropped_writes_still_invalidate() {
    let seed = Rng::random_seed();
    println!("cancellation: seed {seed}");
    let server = RedisServer::start();
    let outcome = drop_at_random(
        Checker::Redis(Box::new(server.client())),
        redis_handle(&server),
        false,
        seed,
    )
    .await;
    println!("cancellation: redis, #[cache::delete]: {outcome:?}");
    assert!(
        outcome.dropped_after_the_write > 0,
        "no write was dropped after its body wrote: the test proves nothing: {outcome:?}"
    );
    assert!(
        outcome.invalidations_retried >= outcome.dropped_after_the_write,
        "{outcome:?}"
    );
    assert_eq!(outcome.invalidations_lost, 0, "{outcome:?}");
    assert!(
        outcome.quiescence.stale_keys.is_empty(),
        "stale keys: {outcome:?}"
    );
    assert!(outcome.quiescence.garbage.is_empty(), "{outcome:?}");

    // The control: without the runtime's guard, the same drops leave stale keys.
    let mut control = Vec::new();
    for round in 0..10u64 {
        let _: () = redis::cmd("FLUSHDB")
            .query(&mut server.connection())
            .unwrap();
        let outcome = drop_at_random(
            Checker::Redis(Box::new(server.client())),
            redis_handle(&server),
            true,
            seed.wrapping_add(round + 1),
        )
        .await;
        let found = !outcome.quiescence.stale_keys.is_empty();
        control.push(outcome);
        if found {
            break;
        }
    }
    let stale: usize = control
        .iter()
        .map(|outcome| outcome.quiescence.stale_keys.len())
        .sum();
    println!(
        "cancellation: redis: {} writes, {} dropped ({} after the body wrote), {} reads ({} dropped): {} stale keys; \
         control (delete by hand): {} round(s), {stale} stale keys",
        outcome.writes,
        outcome.writes_dropped,
        outcome.dropped_after_the_write,
        outcome.reads,
        outcome.reads_dropped,
        outcome.quiescence.stale_keys.len(),
        control.len(),
    );
    assert!(
        stale > 0,
        "the control never left a stale key: the check cannot tell: {control:?}"
    );
}

/// The same on a Redis Cluster: dropped writes still invalidate, whatever primary holds the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_dropped_writes_still_invalidate() {
    let seed = Rng::random_seed();
    println!("cancellation: seed {seed}");
    let cluster = RedisCluster::start();
    let cache = Cache::builder()
        .redis_config(cluster.cache_config())
        .timeout(Duration::from_secs(1))
        .build()
        .expect("a valid configuration");
    let checker = Checker::Cluster(Box::new(
        redis::cluster::ClusterClient::new(cluster.seed_urls()).expect("seeds parse"),
    ));
    let outcome = drop_at_random(checker, cache, false, seed).await;
    println!("cancellation: redis cluster, #[cache::delete]: {outcome:?}");
    assert!(outcome.dropped_after_the_write > 0, "{outcome:?}");
    assert_eq!(outcome.invalidations_lost, 0, "{outcome:?}");
    assert!(
        outcome.quiescence.stale_keys.is_empty(),
        "stale keys: {outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_dropped_writes_still_invalidate() {
    let seed = Rng::random_seed();
    println!("cancellation: seed {seed}");
    let cache = Cache::in_memory();
    let outcome = drop_at_random(Checker::Memory(cache.clone()), cache, false, seed).await;
    println!("cancellation: in process, #[cache::delete]: {outcome:?}");
    assert!(outcome.dropped_after_the_write > 0, "{outcome:?}");
    assert!(
        outcome.invalidations_retried >= outcome.dropped_after_the_write,
        "{outcome:?}"
    );
    assert!(
        outcome.quiescence.stale_keys.is_empty(),
        "stale keys: {outcome:?}"
    );
    assert!(outcome.quiescence.garbage.is_empty(), "{outcome:?}");

    let mut control = Vec::new();
    for round in 0..10u64 {
        let outcome = {
            let cache = Cache::in_memory();
            drop_at_random(
                Checker::Memory(cache.clone()),
                cache,
                true,
                seed.wrapping_add(round + 1),
            )
        }
        .await;
        let found = !outcome.quiescence.stale_keys.is_empty();
        control.push(outcome);
        if found {
            break;
        }
    }
    let stale: usize = control
        .iter()
        .map(|outcome| outcome.quiescence.stale_keys.len())
        .sum();
    println!(
        "cancellation: in process: {} writes, {} dropped ({} after the body wrote), {} reads ({} dropped): {} stale keys; \
         control (delete by hand): {} round(s), {stale} stale keys",
        outcome.writes,
        outcome.writes_dropped,
        outcome.dropped_after_the_write,
        outcome.reads,
        outcome.reads_dropped,
        outcome.quiescence.stale_keys.len(),
        control.len(),
    );
    assert!(stale > 0, "the control never left a stale key: {control:?}");
}

/// A single-flight leader dropped mid-body: one follower takes over, and every follower gets
/// the right value. The new leader finds the dropped leader's lease until its release lands;
/// `lease_wait` is long enough that it fills under its own lease once it has.
async fn dropped_leader_hands_over(cache: Cache) {
    let truth = Arc::new(Truth::default());
    let store = Store::blocking_first(cache.clone(), truth, 1);
    let leader = {
        let store = store.clone();
        tokio::spawn(async move { store.read(1).await })
    };
    eventually("the leader's body", async || store.bodies() == 1).await;
    let followers = spawn_callers(8, || {
        let store = store.clone();
        async move { store.read(1).await }
    })
    .await;
    assert_eq!(store.bodies(), 1, "the followers wait for the leader");
    leader.abort();
    let started = Instant::now();
    for follower in followers {
        let value = live("a follower", follower)
            .await
            .expect("a follower panicked");
        assert_eq!(value, Versioned { id: 1, version: 0 });
    }
    let elapsed = started.elapsed();
    println!(
        "cancellation: {:?}: leader dropped; 8 followers served {elapsed:.2?} later",
        cache.backend_kind()
    );
    assert_eq!(store.bodies(), 2, "one follower took over");
    let stats = cache.stats();
    // The other seven got the new leader's value: from its flight, or (a follower woken only
    // after that flight had landed, on a busy machine) from the store, as a hit.
    assert_eq!(stats.coalesced + stats.hits, 7, "{stats:?}");
    assert_eq!(stats.sets, 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_dropped_single_flight_leader_hands_over() {
    let server = RedisServer::start();
    let cache = Cache::builder()
        .redis(server.url())
        .timeout(Duration::from_secs(1))
        .lease_wait(Duration::from_secs(3))
        .build()
        .unwrap();
    dropped_leader_hands_over(cache).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_dropped_single_flight_leader_hands_over() {
    let cache = Cache::builder()
        .in_memory()
        .lease_wait(Duration::from_secs(3))
        .build()
        .unwrap();
    dropped_leader_hands_over(cache).await;
}

/// A reader dropped while it holds a lease (its body running) gives the lease back: the key is
/// emptied (the lease lasts 60 s, so not by expiry), and a later reader takes its own lease
/// and fills, without waiting (`lease_wait` 3 s) for a fill that will never come.
async fn dropped_lease_holder_does_not_block(first: Cache, second: Cache, checker: Checker) {
    let truth = Arc::new(Truth::default());
    let holder = Store::blocking_first(first, truth.clone(), 1);
    let reader = Store::new(second.clone(), truth, 1);
    let task = {
        let holder = holder.clone();
        tokio::spawn(async move { holder.read(1).await })
    };
    eventually("the holder's body", async || holder.bodies() == 1).await;
    assert!(
        matches!(checker.held("item-1").await, Held::Marker(_)),
        "the holder's lease is on the key"
    );
    task.abort();
    let _ = task.await;
    eventually("the dropped holder's lease given back", async || {
        checker.held("item-1").await == Held::Absent
    })
    .await;
    let value = live("a later read", reader.read(1)).await;
    assert_eq!(value, Versioned { id: 1, version: 0 });
    assert_eq!(reader.bodies(), 1);
    let stats = second.stats();
    assert_eq!(
        (stats.lease_waits, stats.sets),
        (0, 1),
        "the later read waited for nobody and filled the key: {stats:?}"
    );
    let cached = live("a cached read", reader.read(1)).await;
    assert_eq!(cached, value);
    assert_eq!(reader.bodies(), 1, "and it is a hit now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_dropped_lease_holder_does_not_block_other_readers() {
    let server = RedisServer::start();
    let first = Cache::builder()
        .redis(server.url())
        .timeout(Duration::from_secs(1))
        .lease_ttl(LONG_LEASE)
        .build()
        .unwrap();
    let second = Cache::builder()
        .redis(server.url())
        .lease_wait(Duration::from_secs(3))
        .build()
        .unwrap();
    let checker = Checker::Redis(Box::new(server.client()));
    dropped_lease_holder_does_not_block(first, second, checker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_dropped_lease_holder_does_not_block_other_readers() {
    let cache = Cache::builder()
        .in_memory()
        .lease_ttl(LONG_LEASE)
        .lease_wait(Duration::from_secs(3))
        .build()
        .unwrap();
    let checker = Checker::Memory(cache.clone());
    dropped_lease_holder_does_not_block(cache.clone(), cache, checker).await;
}

/// A reader dropped while its lookup is on the wire leaves no lease behind once Redis runs the
/// lookup: the next reader does not wait `lease_wait` for a fill that will never come, and
/// fills the key itself.
///
/// Redis holds writes (`CLIENT PAUSE ... WRITE`, scripts included) but answers `GET`, so the
/// read gets past its `GET` and sends its lookup, which Redis holds; the test sees it held,
/// drops the read, then lets Redis run what it holds: the lookup (which leaves a marker), then
/// the release. `read::find` arms a `LeaseHold` before it sends the lookup, so dropping the
/// call releases the marker in the background, retrying (outside the breaker's accounting)
/// until `lease_ttl` would have expired. The lease lasts 60 s: without that release the marker
/// stays, and the wait for it to go fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_read_dropped_during_its_lookup_leaves_no_lease() {
    let server = RedisServer::start();
    let first = Cache::builder()
        .redis(server.url())
        // Only the drop ends the read: its lookup never times out first.
        .timeout(Duration::from_secs(30))
        .lease_ttl(LONG_LEASE)
        .build()
        .unwrap();
    let truth = Arc::new(Truth::default());
    let store = Store::new(first.clone(), truth.clone(), 1);
    // Connected, and the lookup script loaded.
    live("a warm-up read", store.read(99)).await;
    let scripts = server.script_calls();
    server.hold_writes();
    let read = {
        let store = store.clone();
        tokio::spawn(async move { store.read(1).await })
    };
    eventually("the read's lookup reaching Redis", async || {
        server.held_clients() == 1
    })
    .await;
    read.abort();
    assert!(
        read.await.is_err_and(|error| error.is_cancelled()),
        "the read was dropped mid-lookup"
    );
    assert_eq!(server.script_calls(), scripts, "the lookup has not run yet");
    server.resume_writes();
    server.wait_until_released("item-1", scripts).await;

    let second = Cache::builder()
        .redis(server.url())
        .lease_wait(Duration::from_secs(2))
        .build()
        .unwrap();
    let reader = Store::new(second.clone(), truth, 2);
    live("a later read", reader.read(1)).await;
    let stats = second.stats();
    assert_eq!(
        (stats.lease_waits, stats.sets),
        (0, 1),
        "the later read waited for nobody and filled the key: {stats:?}"
    );
}
