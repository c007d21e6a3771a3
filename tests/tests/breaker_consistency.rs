//! The circuit breaker never costs consistency or the API: single-flight holds whatever it
//! says, an invalidation that could land is sent while it is open, and a process starved of CPU
//! neither opens it nor turns hits into body runs; nor does one huge value.
//!
//! A binary of its own, not a module of `faults`: its tests load the machine on purpose (10,000
//! callers, worker threads blocked, a 50 MB value), and binaries run one after another.
//!
//! Each test checks a mechanism (how often a body ran, what Redis holds when a write returns,
//! the breaker's counters), never how long something took: the wall clock only bounds waits, so
//! that a hang fails the test.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache::{BreakerState, Cache};
use cache_tests::{RedisServer, eventually, live, live_within};

const TIMEOUT: Duration = Duration::from_millis(100);

/// Each test loads the machine on purpose (10,000 callers, threads blocked, a 50 MB value):
/// one at a time, so that none measures another's load.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits until the handle has a connection (a ping bypasses the breaker): on a busy machine the
/// first connection can take longer than the timeout, and the calls meanwhile fail open.
async fn connected(cache: &Cache) {
    eventually("a connection", async || cache.ping().await.is_ok()).await;
}

/// Reads `id` until its value is stored: a fill can time out on a busy machine.
async fn warm(client: &Client, server: &RedisServer, id: u32) {
    connected(&client.cache).await;
    eventually("a stored value", async || {
        client.call(id).await;
        server.raw_exists(&format!("organisation-{id}"))
    })
    .await;
}
/// A crowd's liveness: 10,000 callers on a busy two-core machine.
const CROWD_LIVENESS: Duration = Duration::from_secs(120);

struct Client {
    cache: Cache,
    /// Body runs.
    runs: AtomicUsize,
    /// Calls begun, counted before each call; a body waits for `crowd` of them.
    begun: AtomicUsize,
    crowd: usize,
}

impl Client {
    fn new(cache: Cache, crowd: usize) -> Arc<Client> {
        Arc::new(Client {
            cache,
            runs: AtomicUsize::new(0),
            begun: AtomicUsize::new(0),
            crowd,
        })
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    async fn call(&self, id: u32) -> String {
        self.begun.fetch_add(1, Ordering::SeqCst);
        self.organisation(id).await
    }

    /// The slow API call: it ends only once the whole crowd has begun (so every caller is
    /// concurrent with it), then takes 50 ms more.
    #[cache::set("organisation-{id}", cache = self.cache)]
    async fn organisation(&self, id: u32) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        while self.begun.load(Ordering::SeqCst) < self.crowd {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        format!("organisation {id}")
    }

    #[cache::delete("organisation-{id}", cache = self.cache)]
    async fn rename(&self, id: u32) {
        let _ = id;
    }
}

fn handle(server: &RedisServer, cool_down: Duration) -> Cache {
    Cache::builder()
        .redis(server.url())
        .timeout(TIMEOUT)
        .circuit_breaker(3, cool_down)
        .build()
        .unwrap()
}

/// 10,000 callers of one cold key while Redis freezes (their `GET`s time out, the breaker
/// opens) and comes back (the breaker closes): the body runs once, and every caller gets its
/// value. Callers whose `GET` times out after the leader landed began before it landed, so they
/// take its value rather than each run the body with Redis skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_on_a_cold_key_runs_the_body_once_while_the_breaker_opens_and_closes() {
    const CROWD: usize = 10_000;
    let _one = ONE_AT_A_TIME.lock().await;
    let server = RedisServer::start();
    let cache = handle(&server, Duration::from_millis(300));
    connected(&cache).await;
    let client = Client::new(cache.clone(), CROWD);

    // The leader first, in its body with its lease taken; then the crowd, whose `GET`s Redis
    // holds (frozen) while a hog keeps the runtime's threads busy past the timeout, as a
    // loaded machine does: their answers come late, many after the leader landed.
    let leader = {
        let client = client.clone();
        tokio::spawn(async move { client.call(7).await })
    };
    eventually("the leader's body", async || client.runs() == 1).await;
    server.pause();
    let mut tasks: Vec<_> = (1..CROWD)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call(7).await })
        })
        .collect();
    tasks.push(leader);
    let hogs: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..3 {
                    std::thread::sleep(TIMEOUT * 2);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    tasks.extend(hogs.into_iter().map(|hog| {
        tokio::spawn(async move {
            hog.await.unwrap();
            "organisation 7".to_owned()
        })
    }));
    live_within(CROWD_LIVENESS, "the breaker opening", async {
        while !matches!(cache.breaker_state(), BreakerState::Open { .. }) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    server.resume();
    live_within(CROWD_LIVENESS, "the crowd", async {
        for task in tasks {
            assert_eq!(task.await.unwrap(), "organisation 7");
        }
    })
    .await;
    let stats = cache.stats();
    println!(
        "herd: {CROWD} callers of one cold key: {} body runs; {stats:?}",
        client.runs()
    );
    assert!(stats.breaker_opened >= 1, "{stats:?}");
    assert_eq!(
        client.runs(),
        1,
        "one body run for the whole crowd: {stats:?}"
    );
}

/// With the breaker open against a Redis that answers again, a write's delete is sent at once:
/// the key is gone when the write returns, and nothing waits in the background.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_is_sent_while_the_breaker_is_open() {
    let _one = ONE_AT_A_TIME.lock().await;
    let server = RedisServer::start();
    // Open for the whole test: only the write can reach Redis.
    let cache = handle(&server, Duration::from_secs(600));
    let client = Client::new(cache.clone(), 1);
    warm(&client, &server, 1).await;

    server.pause();
    live_within(Duration::from_secs(60), "the breaker opening", async {
        let mut id = 100;
        while !matches!(cache.breaker_state(), BreakerState::Open { .. }) {
            id += 1;
            client.call(id).await;
        }
    })
    .await;
    server.resume();
    // The connection was replaced while Redis was silent: let a new one be made, so that the
    // write's delete can land within its timeout.
    connected(&cache).await;

    let skipped = cache.stats().breaker_skipped;
    live("a write", client.rename(1)).await;
    assert!(
        !server.raw_exists("organisation-1"),
        "the key is gone when the write returns"
    );
    let stats = cache.stats();
    assert_eq!(stats.breaker_skipped, skipped, "the delete was not skipped");
    assert_eq!(
        cache.pending_invalidations(),
        0,
        "nothing left in the background"
    );
    assert!(
        matches!(cache.breaker_state(), BreakerState::Open { .. }),
        "reads still skip Redis"
    );
}

/// A warm key read by 64 tasks while the runtime's threads are kept busy past the timeout (as
/// CPU-bound work or a host with more busy threads than cores would): every read is a hit.
/// Redis answered each time; the replies were late only because nothing read them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_key_stays_a_hit_while_the_runtime_is_starved() {
    const TASKS: usize = 64;
    const READS: usize = 50;
    let _one = ONE_AT_A_TIME.lock().await;
    let server = RedisServer::start();
    let cache = handle(&server, Duration::from_secs(600));
    let client = Client::new(cache.clone(), 1);
    warm(&client, &server, 1).await;
    let runs = client.runs();

    let readers: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..READS {
                    assert_eq!(client.call(1).await, "organisation 1");
                }
            })
        })
        .collect();
    // Two hogs, one per worker thread, each blocking its thread three timeouts at a time.
    let hogs: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..5 {
                    std::thread::sleep(TIMEOUT * 3);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    live_within(Duration::from_secs(120), "the readers", async {
        for task in readers.into_iter().chain(hogs) {
            task.await.unwrap();
        }
    })
    .await;
    let stats = cache.stats();
    println!("starved hits: {stats:?}");
    assert_eq!(client.runs(), runs, "no hit became a body run: {stats:?}");
    assert_eq!(stats.errors, 0, "{stats:?}");
    assert_eq!(stats.breaker_opened, 0, "{stats:?}");
    eventually("the counters", async || {
        cache.stats().hits >= (TASKS * READS) as u64
    })
    .await;
}

/// A 50 MB value is returned uncached, checked before it is sent, while 64 tasks read a warm
/// key on the same connection: every one of their reads is a hit, nothing errs or opens the
/// breaker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_value_is_returned_uncached_and_stalls_no_other_call() {
    struct Big(Cache);
    impl Big {
        #[cache::set("report-{id}", cache = self.0)]
        async fn report(&self, id: u32) -> String {
            "x".repeat(50_000_000 + id as usize)
        }
    }
    const TASKS: usize = 64;
    const READS: usize = 50;
    let _one = ONE_AT_A_TIME.lock().await;
    let server = RedisServer::start();
    let cache = handle(&server, Duration::from_secs(600));
    let client = Client::new(cache.clone(), 1);
    warm(&client, &server, 1).await;

    let readers: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..READS {
                    assert_eq!(client.call(1).await, "organisation 1");
                }
            })
        })
        .collect();
    let big = Big(cache.clone());
    let report = live_within(Duration::from_secs(60), "the huge read", big.report(0)).await;
    assert_eq!(report.len(), 50_000_000);
    live_within(Duration::from_secs(120), "the readers", async {
        for task in readers {
            task.await.unwrap();
        }
    })
    .await;
    let stats = cache.stats();
    assert_eq!(stats.values_too_large, 1, "{stats:?}");
    assert!(!server.raw_exists("report-0"), "not stored");
    println!("huge value beside 64 readers: {stats:?}");
    // Encoding 50 MB keeps a worker thread busy: on a loaded machine a read may give up after
    // its whole patience, failing open. None of that is Redis's silence, so none counts.
    assert_eq!(stats.breaker_opened, 0, "{stats:?}");
}
