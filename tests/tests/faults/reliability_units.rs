//! Focused checks of each reliability mechanism, one behaviour per test: single-flight, lease
//! refusal, waiting for another handle's fill, strict deletes, retried and lost invalidations,
//! and the circuit breaker.
//!
//! Each test checks the mechanism (counters, how often a body ran, what Redis holds, which
//! commands Redis held or ran), never how long something took: the wall clock only bounds a
//! wait so that a hang fails the test ([`live`], [`eventually`]). Short settings keep the suite
//! fast: cache timeout 50 ms, retry budget 300 ms where a budget must run out; the breaker's
//! cool-down is its default of 2 s, so that a loaded machine cannot outlast it between two
//! steps of a test.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cache::{BreakerState, Cache, CacheBuilder};
use cache_tests::{
    Fixture, Forwarder, Held, Kind, RedisServer, Truth, Versioned, eventually, live, live_within,
    spawn_callers,
};
use tokio::sync::watch;

/// Concurrent callers of one key in the single-flight tests.
const CALLERS: usize = 16;
/// Cache timeout where a test makes Redis hang.
const TIMEOUT: Duration = Duration::from_millis(50);
/// Breaker cool-down in these tests: the default. Shorter, a busy machine could let it run out
/// between opening the breaker and the calls that must be skipped.
const COOL_DOWN: Duration = Duration::from_secs(2);
/// Cache timeout where Redis holds a script back (`CLIENT PAUSE ... WRITE`) while it answers
/// `GET`: long enough that the `GET` is answered on a busy machine, so the call really does
/// time out on the script.
const SCRIPT_TIMEOUT: Duration = Duration::from_millis(500);
/// A lease that outlives every wait of a test: if it is gone, it was released, not expired.
const LONG_LEASE: Duration = Duration::from_secs(60);
/// Liveness bound on flushing invalidations whose retry may wait out its backoff (up to 2 s)
/// and the breaker's cool-down.
const FLUSH_LIVENESS: Duration = Duration::from_secs(15);
/// A port nothing listens on: connections to it are refused.
const NOWHERE: u16 = 1;

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
        eventually("bodies reaching the gate", async || self.entered() >= count).await;
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

// 1. Single-flight.

/// N concurrent misses of one key run the body once; the others are coalesced.
async fn single_flight_runs_the_body_once(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone(), Arc::new(Gate::new(false)));
    let tasks = spawn_callers(CALLERS, || {
        let client = client.clone();
        async move { client.read(1).await }
    })
    .await;
    client.gate.wait_for_entered(1).await;
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
    let tasks = spawn_callers(CALLERS, || {
        let client = client.clone();
        async move { client.fallible(7).await }
    })
    .await;
    client.gate.wait_for_entered(1).await;
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
    let tasks = spawn_callers(CALLERS, || {
        let client = client.clone();
        async move { client.opaque(7).await }
    })
    .await;
    client.gate.wait_for_entered(1).await;
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

/// A key whose body never finishes delays no other key: every read of other keys completes
/// (each within the liveness bound) while key 1's body is still held at the gate, which opens
/// only afterwards. Were they queued behind key 1, they would hang and fail.
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
    assert!(!slow.is_finished(), "the slow key is still in its body");
    assert_eq!(client.gate.entered(), 1, "key 1's body is still held");
    assert_eq!(client.reads(), 11, "key 1's body, and one per other key");
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
    eventually("the second reader finding the lease", async || {
        second.cache.stats().lease_waits >= 1
    })
    .await;
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
    eventually("the second reader finding the lease", async || {
        cache.stats().lease_waits >= 1
    })
    .await;
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
    // The write has returned (and invalidated): this read begins after it, while the flight
    // whose leader fetched the old value is still in its body.
    let after = {
        let client = client.clone();
        tokio::spawn(async move { client.read(1).await })
    };
    // It does not join that flight: it fetches for itself, so its body reaches the gate too.
    client.gate.wait_for_entered(2).await;
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

cache_tests::on_both_backends!(
    multi_thread: single_flight_runs_the_body_once,
    single_flight_shares_a_clonable_err,
    single_flight_calls_through_when_the_err_is_not_clone,
    a_slow_key_never_blocks_another_key,
    a_delete_between_fetch_and_fill_refuses_the_fill,
    a_read_that_begins_after_a_write_gets_the_new_value,
);

// 3. Strict deletes and retried invalidation.

/// Redis down: a strict delete returns `Err` and does not run the body; a plain delete runs the
/// body and queues a retry, which succeeds once Redis is back.
///
/// The handle reaches Redis through a [`Forwarder`] (a name): Redis is killed and the name leads
/// nowhere, then a new server holding the old value comes up behind the name. The value is in
/// place before the retry can reach the server, so the retry must be what removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_delete_refuses_to_write_while_redis_is_down() {
    let mut server = RedisServer::start();
    let name = Forwarder::start(server.port());
    let cache = Cache::builder()
        .redis(name.url())
        .timeout(TIMEOUT)
        .circuit_breaker(3, COOL_DOWN)
        .build()
        .expect("a valid configuration");
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
    name.point_to(NOWHERE);
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
    assert_eq!(cache.pending_invalidations(), 1, "a retry is queued");
    assert!(cache.stats().invalidations_retried >= 1);

    // Redis back behind the name, still holding the value the write must remove.
    let back = RedisServer::start();
    back.raw_set("item-1", r#"{"id":1,"version":1}"#);
    assert_eq!(
        cache.pending_invalidations(),
        1,
        "still being retried: Redis cannot be reached yet"
    );
    name.point_to(back.port());
    live_within(
        FLUSH_LIVENESS,
        "the retried invalidation",
        cache.flush_invalidations(),
    )
    .await;
    assert_eq!(cache.pending_invalidations(), 0);
    let stats = cache.stats();
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
    assert_eq!(back.raw_get("item-1"), None, "the retry deleted the key");
    assert!(
        live("a strict write", client.write_strict(1)).await.is_ok(),
        "strict deletes work again"
    );
}

/// A hung Redis with the breaker open: the delete is still sent (deletes are not skipped), it
/// times out, and the background retry removes the old value once Redis answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_that_times_out_is_retried_until_redis_answers() {
    let server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(3, COOL_DOWN)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    live("a read", client.read(1)).await;
    assert!(server.raw_exists("item-1"));

    server.pause();
    open_the_breaker(&client).await;
    let skipped = cache.stats().breaker_skipped;
    assert_eq!(live("a write", client.write(1)).await, 1);
    let stats = cache.stats();
    assert_eq!(
        stats.breaker_skipped, skipped,
        "the delete was sent: {stats:?}"
    );
    assert_eq!(stats.breaker_opened, 1, "no probe reached the hung server");
    assert_eq!(cache.pending_invalidations(), 1);
    server.resume();

    live_within(
        FLUSH_LIVENESS,
        "the retried invalidation",
        cache.flush_invalidations(),
    )
    .await;
    let stats = cache.stats();
    assert!(stats.invalidations_retried >= 1, "{stats:?}");
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
    assert!(
        !server.raw_exists("item-1"),
        "the retry removed the old value"
    );
}

/// Reads distinct keys of a hung Redis until the breaker opens. How many it takes depends on
/// the load: a timeout seen late by a starved process is not counted against Redis.
async fn open_the_breaker(client: &Client) {
    live_within(FLUSH_LIVENESS, "the breaker opening", async {
        let mut id = 10_000;
        while !matches!(client.cache.breaker_state(), BreakerState::Open { .. }) {
            id += 1;
            client.quick(id).await;
        }
    })
    .await;
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
    // Three timeouts on time open it; on a loaded machine some are seen late and not counted.
    open_the_breaker(&client).await;
    let stats = cache.stats();
    assert_eq!(stats.breaker_opened, 1, "{stats:?}");
    assert_eq!(stats.breaker_skipped, 0, "{stats:?}");
    assert!(stats.errors >= 3, "{stats:?}");
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
        "reliability: hung Redis, timeout {TIMEOUT:?}: 20 reads with the breaker open took \
         {skipping:.2?}; {stats:?}"
    );
    assert_eq!(
        stats.breaker_skipped, 20,
        "each read skipped Redis instead of waiting: {stats:?}"
    );
    assert_eq!(stats.breaker_opened, 1, "{stats:?}");

    server.resume();
    live_within(FLUSH_LIVENESS, "the breaker closing", async {
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

/// A lookup whose answer is lost: Redis holds writes (`CLIENT PAUSE ... WRITE`, which holds
/// scripts too) while it still answers `GET`, so a read's `GET` finds nothing, its lease
/// script waits in Redis past the timeout, and Redis runs it (leaving a marker) after the read
/// has given up. The read's lease hold stays armed and releases the marker in the background,
/// so the key is not left with a lease nobody owns: the next reader, on another handle, takes
/// its own lease and fills, without waiting for a fill that will never come.
///
/// `read::find` arms a `LeaseHold` before it sends the lookup and leaves it armed when the
/// lookup times out, so the hold's drop releases the marker, retrying (outside the breaker's
/// accounting) until `lease_ttl` would have expired. Without that release the marker would
/// stay for the lease's 60 s, and the wait for its release fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_answered_too_late_leaves_no_lease_behind() {
    let server = RedisServer::start();
    // No breaker: this is about the lost answer, not about skipping.
    let cache = redis_handle(&server, |builder| {
        builder
            .timeout(SCRIPT_TIMEOUT)
            .circuit_breaker(0, COOL_DOWN)
            .lease_ttl(LONG_LEASE)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    // Connected, and the lookup script loaded (a first use sends EVALSHA, then SCRIPT LOAD).
    live("a warm-up read", client.read(99)).await;
    let scripts = server.script_calls();
    server.hold_writes();
    assert_eq!(
        live("a read", client.read(1)).await,
        Versioned { id: 1, version: 0 }
    );
    let stats = cache.stats();
    assert_eq!(
        (stats.errors, stats.sets),
        (1, 1),
        "the lookup timed out, and nothing was stored after the warm-up's fill: {stats:?}"
    );
    assert_eq!(
        server.held_clients(),
        1,
        "Redis holds the read's lookup, to run it later"
    );
    assert_eq!(server.script_calls(), scripts, "and has not run it yet");
    server.resume_writes();
    server.wait_until_released("item-1", scripts).await;

    let other = Client::sharing(
        redis_handle(&server, |builder| {
            builder.lease_wait(Duration::from_secs(2))
        }),
        Arc::new(Gate::new(true)),
        client.truth.clone(),
    );
    live("a read on another handle", other.read(1)).await;
    let stats = other.cache.stats();
    assert_eq!(
        (stats.lease_waits, stats.sets),
        (0, 1),
        "the next reader waited on nobody and filled the key: {stats:?}"
    );
    assert!(server.raw_exists("item-1"));
}

/// Read-your-writes while the handle still has an invalidation to deliver: a write whose delete
/// could not land returns with its invalidation queued for retry; a read by the same handle
/// does not return the value from before that write, although Redis still holds it and answers
/// reads.
///
/// Redis is made a replica of a primary that does not exist: it keeps its data and answers
/// `GET`, but refuses writes (`READONLY`), so the delete is retried for as long as the test
/// needs, while a read that asked Redis would find the old value.
///
/// The handle registers the keys and patterns of its pending invalidations
/// (`Pending::covers`), and a read of a covered key is a miss that does not fill until the
/// retry has landed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_does_not_return_a_value_the_handle_has_yet_to_invalidate() {
    let server = RedisServer::start();
    let cache = redis_handle(&server, |builder| {
        builder.timeout(TIMEOUT).circuit_breaker(3, COOL_DOWN)
    });
    let client = Client::new(cache.clone(), Arc::new(Gate::new(true)));
    assert_eq!(live("a read", client.read(1)).await.version, 0);

    let () = redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(NOWHERE)
        .query(&mut server.connection())
        .expect("REPLICAOF");
    assert_eq!(live("a write", client.write(1)).await, 1);
    client.truth.completed(1, 1);
    assert_eq!(cache.pending_invalidations(), 1, "the delete is retried");
    assert_eq!(
        Held::classify(server.raw_get("item-1")),
        Held::Value(Versioned { id: 1, version: 0 }),
        "Redis still holds the value from before the write"
    );
    assert_eq!(
        cache.breaker_state(),
        BreakerState::Closed,
        "Redis answers: a read would ask it"
    );

    let value = live("a read", client.read(1)).await;
    let pending = cache.pending_invalidations();
    println!(
        "reliability: read with {pending} invalidation(s) pending returned version {}",
        value.version
    );
    assert_eq!(
        value.version, 1,
        "a read after the write returned the value from before it (the handle still had \
         {pending} invalidation(s) to deliver)"
    );
    assert_eq!(
        pending, 1,
        "the invalidation was still pending during the read"
    );

    let () = redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query(&mut server.connection())
        .expect("REPLICAOF NO ONE");
    live_within(
        FLUSH_LIVENESS,
        "the retried invalidation",
        cache.flush_invalidations(),
    )
    .await;
    assert_eq!(server.raw_get("item-1"), None, "the retry landed");
    assert_eq!(cache.stats().invalidations_lost, 0);
}

// 5. Paths that need a Redis answering some commands and not others.

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
    let tasks = spawn_callers(CALLERS, || {
        let client = client.clone();
        async move { client.read(7).await }
    })
    .await;
    gate.wait_for_entered(1).await;
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
    let before = server.script_calls();
    for _ in 0..2 {
        assert_eq!(
            live("a read", client.read(1)).await,
            Versioned { id: 1, version: 0 }
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let scripts = server.script_calls() - before;
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
