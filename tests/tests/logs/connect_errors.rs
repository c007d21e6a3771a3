//! Errors that tell the truth: a connection that cannot be made says why (refused, host name,
//! `WRONGPASS`, `NOAUTH`, database index), at once rather than after a timeout, in the explicit
//! API's error and in one log line per cause; absurd settings are refused naming the setting;
//! warnings that would repeat on every call are rate-limited.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache::{Cache, CacheBuilder, Error};
use cache_tests::{CapturedLogs, RedisServer, capture_logs};

/// This thread's logs at debug level and above.
fn capture() -> (CapturedLogs, tracing::subscriber::DefaultGuard) {
    capture_logs(tracing::Level::DEBUG)
}

struct Client {
    cache: Cache,
    calls: AtomicUsize,
}

impl Client {
    fn new(cache: Cache) -> Client {
        Client {
            cache,
            calls: AtomicUsize::new(0),
        }
    }

    #[cache::set("organisation-{id}-name", cache = self.cache)]
    async fn name(&self, id: u32) -> Result<String, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(format!("Organisation {id}"))
    }
}

/// Pings `url` (with a generous timeout, so that only the cause can explain a failure) and
/// returns the error's text.
async fn cause(url: &str) -> String {
    let cache = Cache::builder()
        .redis(url)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let error = cache
        .ping()
        .await
        .expect_err("the connection cannot be made");
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    error.to_string()
}

#[tokio::test]
async fn each_cause_is_named() {
    let refused = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        cause(&format!("redis://127.0.0.1:{port}")).await
    };
    assert!(refused.contains("connection refused"), "{refused}");

    let dns = cause("redis://no-such-host.invalid:6379").await;
    assert!(dns.contains("does not resolve"), "{dns}");

    let server = RedisServer::start_with(&["--requirepass", "right-password"]);
    let port = server.port();
    let wrong = cause(&format!("redis://:wrong-password@127.0.0.1:{port}")).await;
    assert!(wrong.contains("WRONGPASS"), "{wrong}");
    assert!(!wrong.contains("wrong-password"), "{wrong}");

    let open = RedisServer::start();
    let db = cause(&format!("redis://127.0.0.1:{}/99", open.port())).await;
    assert!(db.contains("database index"), "{db}");
}

#[tokio::test]
async fn a_missing_password_is_named() {
    let server = RedisServer::start_with(&["--requirepass", "right-password"]);
    let cache = Cache::builder()
        .redis(server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let error = cache.ping().await.expect_err("the server wants a password");
    assert!(error.to_string().contains("NOAUTH"), "{error}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_cause_is_logged_once_not_once_per_call() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (captured, _guard) = capture();
    let client = Client::new(
        Cache::builder()
            .redis(format!("redis://127.0.0.1:{port}"))
            // Keep the breaker out of it: every call goes to the connection.
            .circuit_breaker(0, Duration::ZERO)
            .build()
            .unwrap(),
    );
    for id in 0..20 {
        assert_eq!(client.name(id).await, Ok(format!("Organisation {id}")));
        // Let the reconnection back-off pass now and then, so that attempts are repeated.
        if id % 5 == 4 {
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
    }
    assert_eq!(
        client.calls.load(Ordering::SeqCst),
        20,
        "every call failed open"
    );
    let text = captured.text();
    let errors = text
        .lines()
        .filter(|line| line.contains("ERROR") && line.contains("cannot connect to Redis"))
        .count();
    assert_eq!(errors, 1, "one error line for one cause:\n{text}");
    let warnings = text
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("connection refused"))
        .count();
    assert!(
        warnings <= 2,
        "the calls' own warnings are rate-limited:\n{text}"
    );
    assert!(text.contains("connection refused"), "{text}");
}

fn from_vars(vars: &[(&str, &str)]) -> Result<Cache, Error> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    CacheBuilder::from_vars(|name| vars.get(name).cloned())?.build()
}

#[test]
fn absurd_settings_are_refused_naming_the_setting() {
    let error = from_vars(&[
        ("REDIS_URL", "redis://127.0.0.1:1"),
        ("CACHE_TIMEOUT", "100y"),
    ])
    .unwrap_err();
    assert!(error.to_string().contains("CACHE_TIMEOUT"), "{error}");
    let error = from_vars(&[("CACHE_DEFAULT_TTL", "1000y")]).unwrap_err();
    assert!(error.to_string().contains("CACHE_DEFAULT_TTL"), "{error}");
    let error = from_vars(&[("CACHE_CONNECT_TIMEOUT", "3d")]).unwrap_err();
    assert!(
        error.to_string().contains("CACHE_CONNECT_TIMEOUT"),
        "{error}"
    );
    let error = Cache::builder()
        .in_memory()
        .timeout(Duration::from_secs(100 * 365 * 86_400))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("timeout"), "{error}");
    let error = Cache::builder()
        .in_memory()
        .lease_ttl(Duration::from_secs(86_400))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("lease_ttl"), "{error}");
}

#[tokio::test(flavor = "current_thread")]
async fn repeated_warnings_are_rate_limited_with_a_count() {
    let server = RedisServer::start();
    let (captured, _guard) = capture();
    let client = Client::new(Cache::redis(&server.url()).unwrap());
    // Out of memory, no eviction: every write (lease or value) is refused with OOM.
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("1")
        .query(&mut server.connection())
        .unwrap();
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("noeviction")
        .query(&mut server.connection())
        .unwrap();
    for id in 0..200 {
        assert_eq!(client.name(id).await, Ok(format!("Organisation {id}")));
    }
    let text = captured.text();
    let warnings = text
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("OOM"))
        .count();
    assert!(client.cache.stats().errors >= 200, "every miss met OOM");
    assert!(
        (1..=2).contains(&warnings),
        "{warnings} OOM warnings for 200 misses:\n{text}"
    );
}
