//! Errors that tell the truth: a connection that cannot be made says why (refused, host name,
//! `WRONGPASS`, `NOAUTH`, database index, a `rediss://` URL naming a plain-text port, a port
//! that does not speak Redis's protocol), at once rather than after a timeout, on one line, in
//! the explicit API's error and in one log line per cause; a cluster node reached as a single
//! server says to set `REDIS_CLUSTER`; absurd settings are refused naming the setting;
//! warnings that would repeat on every call are rate-limited.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache::{Cache, CacheBuilder, Error};
use cache_tests::{CapturedLogs, RedisCluster, RedisServer, capture_logs};

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

/// `rediss://` to a port that speaks plain text: the handshake never completes (or reads
/// bytes that are not TLS). The error says so, well before the connect timeout would.
#[tokio::test]
async fn rediss_to_a_plain_text_port_says_the_tls_handshake_failed() {
    let server = RedisServer::start();
    let cache = Cache::builder()
        .redis(format!("rediss://127.0.0.1:{}", server.port()))
        .connect_timeout(Duration::from_secs(4))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let error = cache.ping().await.expect_err("no TLS on that port");
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("TLS handshake failed") && text.contains("plain text"),
        "{text}"
    );
    assert!(!text.contains("no connection within"), "{text}");
}

/// A port that answers with something other than Redis's protocol (an HTTP server): redis-rs's
/// parse error spans several lines; the error is shown on one, and says what it means.
#[tokio::test]
async fn a_reply_of_several_lines_is_shown_on_one() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut http = std::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 for an HTTP server (scripts/test installs it with redis-py)");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < cache_tests::LIVENESS,
            "the HTTP server never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let cache = Cache::builder()
        .redis(format!("redis://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let error = cache.ping().await.expect_err("HTTP is not RESP");
    let _ = http.kill();
    let _ = http.wait();
    let text = error.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("Redis's protocol"), "{text}");
}

/// A `redis://` URL naming one node of a cluster: keys of other nodes answer `MOVED`, keys of
/// two slots `CROSSSLOT`, and a pattern scan would see one node's keys only. Each is an error
/// that says to set `REDIS_CLUSTER`, logged once.
#[tokio::test(flavor = "current_thread")]
async fn a_plain_url_to_a_cluster_node_says_to_set_redis_cluster() {
    let cluster = RedisCluster::start();
    let port = cluster.primary_ports()[0];
    let (captured, _guard) = capture();
    let cache = Cache::builder()
        .redis(format!("redis://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(5))
        .circuit_breaker(0, Duration::ZERO)
        .build()
        .unwrap();
    let says_what_to_do = |error: &Error, seen: &str| {
        assert!(matches!(error, Error::ClusterNode { .. }), "{error:?}");
        assert!(error.is_permanent());
        let text = error.to_string();
        assert!(
            text.contains("REDIS_CLUSTER=1") && text.contains("RedisConfig::cluster"),
            "{text}"
        );
        assert!(text.contains(seen), "{text}");
    };
    let elsewhere: Vec<String> = (0..)
        .map(|n| format!("organisation-{n}-name"))
        .filter(|key| cluster.primary_for(key) != port)
        .take(5)
        .collect();
    for key in &elsewhere {
        let error = cache.set(key, &"Cabinet Office", None).await.unwrap_err();
        says_what_to_do(&error, "MOVED");
    }
    let (a, b) = (&elsewhere[0], &elsewhere[1]);
    assert_ne!(cluster.slot_of(a), cluster.slot_of(b));
    let error = cache.delete([a, b]).await.unwrap_err();
    says_what_to_do(&error, "CROSSSLOT");
    let error = cache.delete_matching("organisation-*").await.unwrap_err();
    says_what_to_do(&error, "cluster_enabled:1");

    let text = captured.text();
    let logged = text
        .lines()
        .filter(|line| line.contains("REDIS_CLUSTER=1"))
        .count();
    assert_eq!(logged, 1, "logged once:\n{text}");
}
