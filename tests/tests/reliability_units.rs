//! Focused checks of each reliability mechanism, one behaviour per test: single-flight, lease
//! refusal, waiting for another handle's fill, strict deletes, retried and lost invalidations,
//! and the circuit breaker.
//!
//! Short settings keep the suite fast: cache timeout 50 ms, breaker cool-down 300 ms, retry
//! budget 300 ms where a budget must run out. Bounds on time are liveness bounds (a hang fails
//! the test), far above what the behaviour needs.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cache::{BreakerState, Cache, CacheBuilder};
use cache_tests::{RedisServer, Truth, Versioned};
use tokio::sync::watch;

use crate::common::{Fixture, Kind, LIVENESS};

/// Concurrent callers of one key in the single-flight tests.
const CALLERS: usize = 16;
/// Cache timeout where a test makes Redis hang.
const TIMEOUT: Duration = Duration::from_millis(50);
/// Breaker cool-down in these tests (the default is 2 s).
const COOL_DOWN: Duration = Duration::from_millis(300);

/// Holds bodies until opened, counting the bodies that reached it.
struct Gate {
    entered: AtomicUsize,
    open: watch::Sender<bool>,
}

impl Gate {
    fn new(open: bool) -> Gate {
        Gate {
            entered: AtomicUsize::new(0),
            open: watch::Sender::new(open),
        }
    }

    async fn pass(&self) {
        self.entered.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.subscribe();
        let _ = open.wait_for(|open| *open).await;
    }

    fn open(&self) {
        self.open.send_replace(true);
    }

    fn entered(&self) -> usize {
        self.entered.load(Ordering::SeqCst)
    }

    /// Waits until `count` bodies have reached the gate.
    async fn wait_for_entered(&self, count: usize) {
        live("bodies reaching the gate", async {
            while self.entered() < count {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ApiError(String);

/// An error that cannot be cloned: single-flight followers must call through themselves.
#[derive(Debug, PartialEq)]
struct OpaqueError(String);

#[derive(Debug)]
enum WriteError {
    Cache(#[allow(dead_code)] cache::Error),
}

impl From<cache::Error> for WriteError {
    fn from(error: cache::Error) -> Self {
        WriteError::Cache(error)
    }
}

struct Client {
    cache: Cache,
    truth: Arc<Truth>,
    gate: Arc<Gate>,
    reads: AtomicUsize,
    writes: AtomicUsize,
}

impl Client {
    fn new(cache: Cache, gate: Arc<Gate>) -> Arc<Client> {
        Client::sharing(cache, gate, Arc::new(Truth::default()))
    }

    fn sharing(cache: Cache, gate: Arc<Gate>, truth: Arc<Truth>) -> Arc<Client> {
        Arc::new(Client {
            cache,
            truth,
            gate,
            reads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        })
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    #[cache::set("item-{id}", cache = self.cache)]
    async fn read(&self, id: u32) -> Versioned {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let value = self.truth.read(id);
        self.gate.pass().await;
        value
    }

    #[cache::set("fallible-{id}", cache = self.cache)]
    async fn fallible(&self, id: u32) -> Result<u32, ApiError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.gate.pass().await;
        Err(ApiError(format!("no item {id}")))
    }

    #[cache::set("opaque-{id}", cache = self.cache)]
    async fn opaque(&self, id: u32) -> Result<u32, OpaqueError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.gate.pass().await;
        Err(OpaqueError(format!("no item {id}")))
    }

    /// Never gated.
    #[cache::set("quick-{id}", cache = self.cache)]
    async fn quick(&self, id: u32) -> u32 {
        self.reads.fetch_add(1, Ordering::SeqCst);
        id * 10
    }

    #[cache::delete("item-{id}", cache = self.cache)]
    async fn write(&self, id: u32) -> u64 {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.truth.bump(id)
    }

    #[cache::delete("item-{id}", strict, cache = self.cache)]
    async fn write_strict(&self, id: u32) -> Result<u64, WriteError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(self.truth.bump(id))
    }
}

/// Awaits `future`, failing the test if it takes longer than [`LIVENESS`].
async fn live<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIVENESS, future)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for more than {LIVENESS:?}"))
}

/// Gives spawned callers time to reach the point where they wait (joining a flight, or polling
/// another reader's lease); they get there in microseconds.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn join_all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::new();
    for task in tasks {
        results.push(live("a caller", task).await.expect("a caller panicked"));
    }
    results
}

fn redis_handle(
    server: &RedisServer,
    configure: impl FnOnce(CacheBuilder) -> CacheBuilder,
) -> Cache {
    configure(Cache::builder().redis(server.url()))
        .build()
        .expect("a valid configuration")
}

/// Whether `key` exists, asked of the server directly.
fn raw_exists(server: &RedisServer, key: &str) -> bool {
    redis::cmd("EXISTS")
        .arg(key)
        .query::<bool>(&mut server.connection())
        .expect("raw EXISTS")
}

/// Generates, for each `async fn name(kind: Kind)`, the tests `on_redis::name` and
/// `in_memory::name` on a two-thread runtime (concurrency matters here).
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::common::Kind::Redis).await
                }
            )*
        }
        mod in_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::common::Kind::Memory).await
                }
            )*
        }
    };
}

// 1. Single-flight.

/// N concurrent misses of one key run the body once; the others are coalesced.
async fn single_flight_runs_the_body_once(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone(), Arc::new(Gate::new(false)));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.read(1).await })
        })
        .collect();
    client.gate.wait_for_entered(1).await;
    settle().await;
    client.gate.open();
    let values = join_all(tasks).await;
    assert!(
        values
            .iter()
            .all(|value| *value == Versioned { id: 1, version: 0 })
    );
    assert_eq!(client.reads(), 1, "the body ran once for {CALLERS} callers");
    let stats = fx.cache.stats();
    assert_eq!(stats.coalesced, CALLERS as u64 - 1, "{stats:?}");
    assert_eq!(
        (stats.misses, stats.hits, stats.sets),
        (1, 0, 1),
        "{stats:?}"
    );
}

/// An `Err` of a `Clone` type is shared with the followers: the body still runs once.
async fn single_flight_shares_a_clonable_err(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone(), Arc::new(Gate::new(false)));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.fallible(7).await })
        })
        .collect();
    client.gate.wait_for_entered(1).await;
    settle().await;
    client.gate.open();
    for result in join_all(tasks).await {
        assert_eq!(result, Err(ApiError("no item 7".into())));
    }
    assert_eq!(client.reads(), 1, "the body ran once");
    let stats = fx.cache.stats();
    assert_eq!(stats.coalesced, CALLERS as u64 - 1, "{stats:?}");
    assert_eq!(stats.sets, 0, "an Err is never stored");
    assert!(!fx.exists("fallible-7").await, "no value and no lease left");
}

/// An `Err` that cannot be cloned cannot be shared: each follower calls through itself.
async fn single_flight_calls_through_when_the_err_is_not_clone(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone(), Arc::new(Gate::new(false)));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.opaque(7).await })
        })
        .collect();
    client.gate.wait_for_entered(1).await;
    settle().await;
    assert_eq!(client.reads(), 1, "the followers wait for the leader");
    client.gate.open();
    for result in join_all(tasks).await {
        assert_eq!(result, Err(OpaqueError("no item 7".into())));
    }
    assert_eq!(client.reads(), CALLERS, "each follower called through");
    let stats = fx.cache.stats();
    assert_eq!((stats.coalesced, stats.sets), (0, 0), "{stats:?}");
    assert!(!fx.exists("opaque-7").await, "no value and no lease left");
}

/// A key whose body never finishes delays no other key.
async fn a_slow_key_never_blocks_another_key(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone(), Arc::new(Gate::new(false)));
    let slow = {
        let client = client.clone();
        tokio::spawn(async move { client.read(1).await })
    };
    client.gate.wait_for_entered(1).await;
    let started = Instant::now();
    for id in 2..12 {
        assert_eq!(live("another key", client.quick(id)).await, id * 10);
        assert_eq!(live("another key, cached", client.quick(id)).await, id * 10);
    }
    let elapsed = started.elapsed();
    println!("reliability: {kind:?}: 20 reads of other keys while one key hangs: {elapsed:.2?}");
    assert!(
        elapsed < Duration::from_secs(2),
        "other keys took {elapsed:?} while key 1 hung"
    );
    assert!(!slow.is_finished(), "the slow key is still in its body");
    client.gate.open();
    live("the slow key", slow).await.unwrap();
    assert_eq!(fx.cache.stats().hits, 10);
}

// 2. Leases.

/// A delete between a reader's fetch and its fill: the fill is refused, the key stays absent,
/// and the next read fetches the new value.
async fn a_delete_between_fetch_and_fill_refuses_the_fill(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone(), Arc::new(Gate::new(false)));
    let reader = {
        let client = client.clone();
        tokio::spawn(async move { client.read(1).await })
    };
    client.gate.wait_for_entered(1).await;
    assert_eq!(live("the write", client.write(1)).await, 1);
    client.gate.open();
    let old = live("the reader", reader).await.unwrap();
    assert_eq!(
        old,
        Versioned { id: 1, version: 0 },
        "fetched before the write"
    );
    let stats = fx.cache.stats();
    assert_eq!((stats.fills_refused, stats.sets), (1, 0), "{stats:?}");
    assert!(!fx.exists("item-1").await, "the stale value was not stored");
    let fresh = live("the next read", client.read(1)).await;
    assert_eq!(fresh, Versioned { id: 1, version: 1 });
    assert_eq!(
        fx.stored("item-1").await,
        Some(serde_json::to_value(fresh).unwrap())
    );
}

/// Herd control across processes: a reader on a second handle finds the first handle's lease,
/// waits for its fill and gets a hit instead of running the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_on_another_handle_waits_for_the_fill() {
    let server = RedisServer::start();
    let truth = Arc::new(Truth::default());
    let first = Client::sharing(
        redis_handle(&server, |builder| builder),
        Arc::new(Gate::new(false)),
        truth.clone(),
    );
    let second = Client::sharing(
        redis_handle(&server, |builder| {
            builder.lease_wait(Duration::from_secs(3))
        }),
        Arc::new(Gate::new(true)),
        truth,
    );
    let filling = {
        let first = first.clone();
        tokio::spawn(async move { first.read(1).await })
    };
    first.gate.wait_for_entered(1).await;
    let waiting = {
        let second = second.clone();
        tokio::spawn(async move { second.read(1).await })
    };
    settle().await;
    assert!(
        !waiting.is_finished(),
        "the second reader waits for the fill"
    );
    first.gate.open();
    let expected = Versioned { id: 1, version: 0 };
    assert_eq!(live("the filling reader", filling).await.unwrap(), expected);
    assert_eq!(live("the waiting reader", waiting).await.unwrap(), expected);
    assert_eq!(second.reads(), 0, "the waiting reader did not run the body");
    let stats = second.cache.stats();
    assert!(stats.lease_waits >= 1, "{stats:?}");
    assert_eq!((stats.hits, stats.misses), (1, 0), "{stats:?}");
}

/// The same in process: two readers of one handle without single-flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_a_reader_waits_for_another_readers_fill() {
    let cache = Cache::builder()
        .in_memory()
        .single_flight(false)
        .lease_wait(Duration::from_secs(3))
        .build()
        .unwrap();
    let client = Client::new(cache.clone(), Arc::new(Gate::new(false)));
    let filling = {
        let client = client.clone();
        tokio::spawn(async move { client.read(1).await })
    };
    client.gate.wait_for_entered(1).await;
    let waiting = {
        let client = client.clone();
        tokio::spawn(async move { client.read(1).await })
    };
    settle().await;
    assert!(
        !waiting.is_finished(),
        "the second reader waits for the fill"
    );
    client.gate.open();
    let expected = Versioned { id: 1, version: 0 };
    assert_eq!(live("the filling reader", filling).await.unwrap(), expected);
    assert_eq!(live("the waiting reader", waiting).await.unwrap(), expected);
    assert_eq!(client.reads(), 1, "the waiting reader did not run the body");
    let stats = cache.stats();
    assert!(stats.lease_waits >= 1, "{stats:?}");
    assert_eq!((stats.hits, stats.misses), (1, 1), "{stats:?}");
}

/// Read-your-writes with single-flight: a read that *begins* after a write of its key has
/// returned does not receive the value a concurrent flight fetched before that write.
///
/// The write's invalidation forgets the handle's calls in flight for its keys
/// (`Flights::forget`), so the late read starts a flight of its own instead of joining the one
/// whose leader fetched the old value.
async fn a_read_that_begins_after_a_write_gets_the_new_value(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone(), Arc::new(Gate::new(false)));
    let before = {
        let client = client.clone();
        tokio::spawn(async move { client.read(1).await })
    };
    client.gate.wait_for_entered(1).await;
    assert_eq!(live("the write", client.write(1)).await, 1);
    // The write has returned (and invalidated): this read begins after it.
    let after = {
        let client = client.clone();
        tokio::spawn(async move { client.read(1).await })
    };
    settle().await;
    client.gate.open();
    assert_eq!(
        live("the read before", before).await.unwrap(),
        Versioned { id: 1, version: 0 },
        "overlapped the write: either version is right"
    );
    assert_eq!(
        live("the read after", after).await.unwrap(),
        Versioned { id: 1, version: 1 },
        "a read that began after the write returned the value from before it"
    );
}

on_both!(
    single_flight_runs_the_body_once,
    single_flight_shares_a_clonable_err,
    single_flight_calls_through_when_the_err_is_not_clone,
    a_slow_key_never_blocks_another_key,
    a_delete_between_fetch_and_fill_refuses_the_fill,
    a_read_that_begins_after_a_write_gets_the_new_value,
);

// 3. Strict deletes and retried invalidation.

/// Redis down: a strict delete returns `Err` and does not run the body; a plain delete runs the
/// body and queues a retry, which succeeds once Redis is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_delete_refuses_to_write_while_redis_is_down() {
    let mut server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(3, COOL_DOWN)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    live("a read", client.read(1)).await;
    assert_eq!(
        live("a strict write", client.write_strict(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(cache.stats().invalidations_retried, 0);

    server.kill();
    let writes = client.writes();
    let refused = live("a strict write", client.write_strict(1)).await;
    assert!(
        matches!(refused, Err(WriteError::Cache(_))),
        "a strict delete must fail while Redis is down: {refused:?}"
    );
    assert_eq!(client.writes(), writes, "the body did not run");
    assert_eq!(client.truth.read(1).version, 1, "nothing was written");

    assert_eq!(
        live("a plain write", client.write(1)).await,
        2,
        "the body ran"
    );
    assert_eq!(client.writes(), writes + 1);
    assert!(cache.pending_invalidations() >= 1, "a retry is queued");
    assert!(cache.stats().invalidations_retried >= 1);

    // Let the retry back off (50 ms, doubling): its next attempt is then hundreds of ms away.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(cache.pending_invalidations(), 1, "still being retried");
    server.restart();
    // Plant the value the retry must remove (a restarted server is otherwise empty); the retry's
    // next attempt comes after this.
    let mut connection = server.connection();
    let _: () = redis::cmd("SET")
        .arg("item-1")
        .arg(r#"{"id":1,"version":1}"#)
        .query(&mut connection)
        .unwrap();
    live("the retried invalidation", cache.flush_invalidations()).await;
    assert_eq!(cache.pending_invalidations(), 0);
    let stats = cache.stats();
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
    let left: Option<String> = redis::cmd("GET")
        .arg("item-1")
        .query(&mut connection)
        .unwrap();
    assert_eq!(left, None, "the retry deleted the key");
    assert!(
        live("a strict write", client.write_strict(1)).await.is_ok(),
        "strict deletes work again"
    );
}

/// A hung Redis with the breaker open: the delete is not even sent, only the background retry
/// can remove the old value, and it does once Redis answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skipped_invalidation_is_retried_until_redis_answers() {
    let server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(3, COOL_DOWN)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    live("a read", client.read(1)).await;
    assert!(raw_exists(&server, "item-1"));

    server.pause();
    for id in 0..3 {
        live("a read", client.quick(id)).await;
    }
    assert!(
        matches!(cache.breaker_state(), BreakerState::Open { .. }),
        "{:?}",
        cache.breaker_state()
    );
    let skipped = cache.stats().breaker_skipped;
    assert_eq!(live("a write", client.write(1)).await, 1);
    assert!(
        cache.stats().breaker_skipped > skipped,
        "the delete was skipped"
    );
    assert_eq!(cache.pending_invalidations(), 1);
    server.resume();

    live("the retried invalidation", cache.flush_invalidations()).await;
    let stats = cache.stats();
    assert!(stats.invalidations_retried >= 1, "{stats:?}");
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
    assert!(
        !raw_exists(&server, "item-1"),
        "the retry removed the old value"
    );
}

/// An invalidation that never succeeds is given up after its budget, logged and counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_past_its_retry_budget_is_counted_lost() {
    let mut server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder
            .timeout(TIMEOUT)
            .circuit_breaker(3, COOL_DOWN)
            .invalidation_retry_for(Duration::from_millis(300))
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    server.kill();
    live("a write", client.write(1)).await;
    assert_eq!(cache.pending_invalidations(), 1);
    assert_eq!(
        cache.stats().invalidations_lost,
        0,
        "not yet: it is being retried"
    );
    live("the retries", cache.flush_invalidations()).await;
    let stats = cache.stats();
    assert_eq!(stats.invalidations_lost, 1, "{stats:?}");
    assert_eq!(stats.invalidations_retried, 1, "{stats:?}");
    assert_eq!(cache.pending_invalidations(), 0);
}

// 4. The circuit breaker.

/// A hung Redis: the first `threshold` operations pay the timeout, then the breaker opens and
/// the next ones skip Redis at once; after Redis answers a probe, it closes and values are
/// cached again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_after_the_threshold_skips_then_closes() {
    let server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(3, COOL_DOWN)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    assert_eq!(live("a read", client.quick(1)).await, 10);
    assert_eq!(cache.breaker_state(), BreakerState::Closed);

    server.pause();
    let started = Instant::now();
    for id in 100..103 {
        assert_eq!(live("a read", client.quick(id)).await, id * 10);
    }
    let paying = started.elapsed();
    let stats = cache.stats();
    assert_eq!(stats.breaker_opened, 1, "{stats:?}");
    assert_eq!(stats.breaker_skipped, 0, "{stats:?}");
    match cache.breaker_state() {
        BreakerState::Open { probe_in } => assert!(probe_in <= COOL_DOWN, "{probe_in:?}"),
        other => panic!("expected the breaker open, got {other:?}"),
    }

    let started = Instant::now();
    for id in 200..220 {
        assert_eq!(live("a read", client.quick(id)).await, id * 10);
    }
    let skipping = started.elapsed();
    let stats = cache.stats();
    println!(
        "reliability: hung Redis, timeout {TIMEOUT:?}: 3 reads that paid the timeout took \
         {paying:.2?}; 20 reads with the breaker open took {skipping:.2?}; {stats:?}"
    );
    assert_eq!(
        stats.breaker_skipped, 20,
        "each read skipped Redis instead of waiting: {stats:?}"
    );
    assert_eq!(stats.breaker_opened, 1, "{stats:?}");

    server.resume();
    live("the breaker closing", async {
        let mut id = 300;
        while cache.breaker_state() != BreakerState::Closed {
            id += 1;
            client.quick(id).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let reads = client.reads();
    assert_eq!(live("a read", client.quick(1000)).await, 10_000);
    assert_eq!(live("a read", client.quick(1000)).await, 10_000);
    assert_eq!(
        client.reads(),
        reads + 1,
        "cached again after the breaker closed"
    );
}

/// A lookup whose answer is lost (the call timed out while Redis was hung, and Redis ran the
/// script when it came back) leaves no lease marker behind, so the next reader of the key
/// neither waits `lease_wait` nor calls through without storing.
///
/// `read::find` arms a `LeaseHold` before it sends the lookup and leaves it armed when the
/// lookup errors, so the hold's drop releases the marker in the background, retrying (outside
/// the breaker's accounting) until `lease_ttl` would have expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_that_timed_out_leaves_no_lease_behind() {
    let server = RedisServer::start();
    // No breaker: this is about the lost answer, not about skipping.
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(0, COOL_DOWN)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    // Connected, and the lookup script loaded (a first use sends EVALSHA, then SCRIPT LOAD).
    live("a warm-up read", client.read(99)).await;
    server.pause();
    assert_eq!(
        live("a read", client.read(1)).await,
        Versioned { id: 1, version: 0 }
    );
    assert_eq!(cache.stats().errors, 1, "the lookup timed out");
    server.resume();

    // Give Redis a moment to run what it received while hung, and the handle to clean up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut connection = server.connection();
    let held: Option<String> = redis::cmd("GET")
        .arg("item-1")
        .query(&mut connection)
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg("item-1")
        .query(&mut connection)
        .unwrap();
    println!("reliability: after a timed-out lookup, item-1 holds {held:?} (PTTL {ttl} ms)");

    let other = Client::sharing(
        redis_handle(&server, |builder| {
            builder.lease_wait(Duration::from_secs(2))
        }),
        Arc::new(Gate::new(true)),
        client.truth.clone(),
    );
    let started = Instant::now();
    live("a read on another handle", other.read(1)).await;
    let elapsed = started.elapsed();
    println!("reliability: the next reader of item-1 took {elapsed:.2?}");
    assert!(
        !held
            .as_deref()
            .unwrap_or_default()
            .starts_with("!cache-lease:"),
        "an orphan lease marker holds the key for {ttl} ms: {held:?}"
    );
    assert_eq!(other.cache.stats().lease_waits, 0);
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
}

/// Read-your-writes across an outage: a write made while Redis was unreachable returns with
/// its invalidation queued for retry; a read by the same handle after Redis is back does not
/// return the value from before that write, although Redis still holds it. Here: cool-down
/// 1 s, so no retry attempt reached the hung server, and the read comes about 450 ms before
/// the retry's next scheduled attempt.
///
/// The handle registers the keys and patterns of its pending invalidations
/// (`Pending::covers`), and a read of a covered key is a miss that does not fill until the
/// retry has landed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_after_recovery_does_not_return_a_value_the_handle_has_yet_to_invalidate() {
    let cool_down = Duration::from_secs(1);
    let server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(3, cool_down)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    assert_eq!(live("a read", client.read(1)).await.version, 0);

    server.pause();
    for id in 0..3 {
        live("a read", client.quick(id)).await;
    }
    let opened = Instant::now();
    assert!(matches!(cache.breaker_state(), BreakerState::Open { .. }));
    // The write's delete is skipped (never sent); its retries (at about 0, 50, 150, 350 and
    // 750 ms) are skipped too while the breaker is open; the next comes at about 1.55 s.
    assert_eq!(live("a write", client.write(1)).await, 1);
    client.truth.completed(1, 1);
    tokio::time::sleep(Duration::from_millis(850)).await;
    server.resume();
    tokio::time::sleep(
        (opened + cool_down + Duration::from_millis(100)).saturating_duration_since(Instant::now()),
    )
    .await;

    let pending = cache.pending_invalidations();
    let value = live("a read after recovery", client.read(1)).await;
    live("the retried invalidation", cache.flush_invalidations()).await;
    println!(
        "reliability: read after recovery with {pending} invalidation(s) pending returned version {}",
        value.version
    );
    assert_eq!(
        value.version, 1,
        "a read after the write returned the value from before it (the handle still had \
         {pending} invalidation(s) to deliver)"
    );
}

// 5. Paths that need a Redis answering some commands and not others.

/// Script calls the server has run (`EVAL` and `EVALSHA`), from `INFO commandstats`.
fn script_calls(server: &RedisServer) -> u64 {
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut server.connection())
        .expect("INFO commandstats");
    ["evalsha", "eval"]
        .iter()
        .map(|command| {
            stats
                .lines()
                .find_map(|line| line.strip_prefix(&format!("cmdstat_{command}:calls=")))
                .and_then(|rest| rest.split(',').next())
                .and_then(|calls| calls.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

/// During a Redis outage, concurrent misses of one key still run the body once: a read whose
/// `GET` fails joins the flight like any other miss, so an outage does not multiply the load
/// on the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_does_not_multiply_body_runs() {
    let mut server = RedisServer::start();
    let cache = redis_handle(&server, |builder| builder.timeout(TIMEOUT));
    let gate = Arc::new(Gate::new(false));
    let client = Client::new(cache.clone(), gate.clone());
    live("a warm-up read", client.quick(1)).await;
    server.kill();
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.read(7).await })
        })
        .collect();
    gate.wait_for_entered(1).await;
    settle().await;
    gate.open();
    let values = join_all(tasks).await;
    assert!(
        values
            .iter()
            .all(|value| *value == Versioned { id: 7, version: 0 })
    );
    let stats = cache.stats();
    assert_eq!(
        gate.entered(),
        1,
        "one body run for {CALLERS} callers: {stats:?}"
    );
    assert_eq!(stats.coalesced, CALLERS as u64 - 1, "{stats:?}");
}

/// The lease script's answer lost on the way back: Redis holds write commands (`CLIENT PAUSE
/// ... WRITE`, which holds scripts too) while it still answers `GET`, so a read's `GET` finds
/// nothing, its script waits in Redis past the timeout, and Redis runs it after the read has
/// given up. The read's lease hold stays armed and releases the marker in the background, so
/// the key is not left with a lease nobody owns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_script_answered_too_late_leaves_no_marker() {
    let server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(0, COOL_DOWN)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    // Connected, and the lookup script loaded.
    live("a warm-up read", client.read(99)).await;
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(300)
        .arg("WRITE")
        .query(&mut server.connection())
        .expect("CLIENT PAUSE WRITE");
    assert_eq!(
        live("a read", client.read(1)).await,
        Versioned { id: 1, version: 0 }
    );
    assert!(
        cache.stats().errors >= 1,
        "the script timed out: {:?}",
        cache.stats()
    );
    // The pause ends; Redis runs the queued script (leaving a marker), then the release.
    tokio::time::sleep(Duration::from_millis(400)).await;
    live("the marker's release", async {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let held: Option<Vec<u8>> = redis::cmd("GET")
                .arg("item-1")
                .query(&mut server.connection())
                .expect("raw GET");
            if held.is_none() {
                return;
            }
        }
    })
    .await;
    // And the next read takes its own lease and fills at once, waiting on nobody.
    let started = Instant::now();
    live("the next read", client.read(1)).await;
    assert_eq!(cache.stats().lease_waits, 0, "{:?}", cache.stats());
    assert!(raw_exists(&server, "item-1"));
    println!(
        "reliability: a lease script answered too late: marker released; next read {:.2?}",
        started.elapsed()
    );
}

/// An error reply to the lease script (here `OOM`: Redis answers reads but refuses writes) means
/// the script stopped before leaving a marker, so nothing is released in the background: the
/// call fails open, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_reply_to_the_lease_script_leaves_nothing_behind() {
    let server = RedisServer::start();
    let cache = redis_handle(&server, |builder| builder.timeout(TIMEOUT));
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    live("a warm-up read", client.read(99)).await;
    let mut connection = server.connection();
    for (name, value) in [("maxmemory-policy", "noeviction"), ("maxmemory", "1")] {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg(name)
            .arg(value)
            .query(&mut connection)
            .expect("CONFIG SET");
    }
    let before = script_calls(&server);
    for _ in 0..2 {
        assert_eq!(
            live("a read", client.read(1)).await,
            Versioned { id: 1, version: 0 }
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let scripts = script_calls(&server) - before;
    assert_eq!(
        scripts, 2,
        "one lease script per read, and no background release after an error reply"
    );
    assert!(cache.stats().errors >= 2, "{:?}", cache.stats());
    assert_eq!(
        cache.breaker_state(),
        BreakerState::Closed,
        "an error reply is an answer"
    );
}
