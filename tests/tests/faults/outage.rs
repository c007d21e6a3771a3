//! Redis going away: killed (`SIGKILL`), unreachable from the start, or hung (`SIGSTOP`). Cached
//! calls keep succeeding with the body's value and never hang; errors are counted; once Redis is
//! back, values are cached again with no action from the application.
//!
//! Every call is bounded by [`cache_tests::LIVENESS`] (5 s) to turn a hang into a failure; that bound is a
//! liveness check, not a speed assertion.

use std::time::Duration;

use cache::Cache;
use cache_tests::{Calls, RedisServer, eventually_within, live, live_within};

struct Client {
    cache: Cache,
    calls: Calls,
}

impl Client {
    fn new(cache: Cache) -> Client {
        Client {
            cache,
            calls: Calls::default(),
        }
    }

    #[cache::set("user-{id}", ttl = "1h", cache = self.cache)]
    async fn user(&self, id: u32) -> String {
        self.calls.record();
        format!("user {id}")
    }

    #[cache::set("user-{id}-result", cache = self.cache)]
    async fn user_result(&self, id: u32) -> Result<u32, String> {
        self.calls.record();
        Ok(id)
    }

    #[cache::delete("user-{id}", "users", cache = self.cache)]
    #[cache::delete_by_pattern("user-{id}-*", cache = self.cache)]
    async fn update(&self, id: u32) -> u32 {
        self.calls.record();
        id
    }
}

/// Calls through the cache while Redis is unavailable: every call returns the body's value.
async fn calls_succeed_without_redis(client: &Client, round: u32) {
    let errors = client.cache.stats().errors;
    let calls = client.calls.get();
    for id in [1, 2, 1] {
        assert_eq!(live("get", client.user(id)).await, format!("user {id}"));
    }
    assert_eq!(live("get", client.user_result(3)).await, Ok(3));
    assert_eq!(live("delete", client.update(1)).await, 1);
    assert_eq!(
        client.calls.get(),
        calls + 5,
        "round {round}: without Redis every call runs its body"
    );
    let stats = client.cache.stats();
    // Reads of keys whose invalidation from an earlier round is still being retried skip the
    // cache altogether; the other reads and the invalidation fail (or are skipped by the open
    // breaker), and each failure is counted. The invalidation is queued for retry.
    assert!(
        stats.errors >= errors + 3,
        "round {round}: errors counted: {stats:?} (before: {errors})"
    );
    assert!(
        client.cache.pending_invalidations() >= 1,
        "round {round}: the failed invalidation is retried: {stats:?}"
    );
}

/// Polls until a value is cached again (two calls, one body run); `within` is a liveness bound.
async fn wait_until_cached_again(client: &Client, within: Duration) {
    let mut id = 1000;
    eventually_within(within, "values being cached again", async || {
        id += 1;
        let calls = client.calls.get();
        assert_eq!(live("get", client.user(id)).await, format!("user {id}"));
        assert_eq!(live("get", client.user(id)).await, format!("user {id}"));
        client.calls.get() == calls + 1
    })
    .await;
}

fn handle(server: &RedisServer) -> Cache {
    Cache::builder()
        .redis(server.url())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap()
}

#[tokio::test]
async fn redis_killed_then_restarted() {
    let mut server = RedisServer::start();
    let client = Client::new(handle(&server));
    client.user(1).await;
    client.user(1).await;
    assert_eq!(client.calls.get(), 1, "cached while Redis is up");
    assert_eq!(client.cache.stats().errors, 0);

    server.kill();
    for round in 0..2 {
        calls_succeed_without_redis(&client, round).await;
    }

    server.restart();
    wait_until_cached_again(&client, Duration::from_secs(10)).await;
    // User 1's invalidation from the outage is retried with backoff; until it lands, reads of
    // user 1 skip the cache (by design). Wait for it, rather than for some time to pass.
    live_within(
        Duration::from_secs(15),
        "the retried invalidations",
        client.cache.flush_invalidations(),
    )
    .await;
    // A restarted server is empty: user 1 is a miss once, then cached.
    let calls = client.calls.get();
    client.user(1).await;
    client.user(1).await;
    assert_eq!(client.calls.get(), calls + 1);
    let mut connection = server.connection();
    let stored: Vec<u8> = redis::cmd("GET")
        .arg("user-1")
        .query(&mut connection)
        .unwrap();
    assert_eq!(serde_json::from_slice::<String>(&stored).unwrap(), "user 1");
}

/// Killed twice: reconnection is not a one-off.
#[tokio::test]
async fn redis_killed_and_restarted_twice() {
    let mut server = RedisServer::start();
    let client = Client::new(handle(&server));
    for _ in 0..2 {
        wait_until_cached_again(&client, Duration::from_secs(10)).await;
        server.kill();
        calls_succeed_without_redis(&client, 0).await;
        server.restart();
    }
    wait_until_cached_again(&client, Duration::from_secs(10)).await;
}

/// Redis down before the handle's first use: the lazy connection fails, calls still succeed, and
/// caching starts once Redis is up.
#[tokio::test]
async fn redis_down_from_the_start() {
    let mut server = RedisServer::start();
    server.kill();
    let client = Client::new(handle(&server));
    calls_succeed_without_redis(&client, 0).await;
    calls_succeed_without_redis(&client, 1).await;
    server.restart();
    wait_until_cached_again(&client, Duration::from_secs(10)).await;
}

/// A hung Redis (`SIGSTOP`): calls complete within the handle's timeout, then resume.
#[tokio::test]
async fn redis_paused_then_resumed() {
    let server = RedisServer::start();
    let client = Client::new(handle(&server));
    client.user(1).await;
    client.user(1).await;
    assert_eq!(client.calls.get(), 1);

    server.pause();
    for round in 0..2 {
        calls_succeed_without_redis(&client, round).await;
    }
    server.resume();
    wait_until_cached_again(&client, Duration::from_secs(10)).await;
    // (What the hung server received is executed when it resumes, so keys written during the
    // hang are in an undefined state; a fresh key is cached normally.)
    let calls = client.calls.get();
    for _ in 0..3 {
        assert_eq!(client.user(77).await, "user 77");
    }
    assert_eq!(client.calls.get(), calls + 1);
}

/// The explicit API does not fail open: it reports the outage as an error, promptly.
#[tokio::test]
async fn explicit_api_reports_errors_while_redis_is_down() {
    let mut server = RedisServer::start();
    let cache = handle(&server);
    cache.set("k", &1, None).await.unwrap();
    server.kill();
    let read = live("get", cache.get::<u32>("k")).await;
    assert!(read.is_err(), "{read:?}");
    assert!(live("set", cache.set("k", &2, None)).await.is_err());
    assert!(live("delete", cache.delete(["k"])).await.is_err());
    assert!(live("pattern", cache.delete_matching("k*")).await.is_err());
    assert!(cache.stats().errors >= 4);
}
