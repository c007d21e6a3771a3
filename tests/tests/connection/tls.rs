//! TLS (`rediss://`): a CA file, mutual TLS, the insecure switch for development, configuration
//! from the environment, and a wrong CA reported as such. The read-through, invalidation and
//! lease suites also run over TLS (`on_redis_tls::*` in the files that use `on_both_backends!`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache::{Cache, CacheBuilder, Error, RedisConfig};
use cache_tests::{LIVENESS, RedisServer, TestCerts};

/// The handles' operation timeout: a TLS handshake in a debug build on a busy machine can take
/// longer than the default 100 ms. These tests are about what a handshake does (verifies, is
/// refused, says why), not how fast it is; a refusal comes long before this.
const HANDSHAKE_ROOM: Duration = LIVENESS;

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

    #[cache::delete("organisation-{id}-name", cache = self.cache)]
    async fn rename(&self, id: u32) -> Result<(), String> {
        let _ = id;
        Ok(())
    }
}

/// What `key` holds, as text, read on the server's plain port.
fn raw_get(server: &RedisServer, key: &str) -> Option<String> {
    server
        .raw_get(key)
        .map(|bytes| String::from_utf8(bytes).expect("a text value"))
}

/// Reads through, hits, and invalidates over TLS; the value is in the server.
async fn round_trip(cache: Cache, server: &RedisServer) {
    let client = Client::new(cache);
    let first = tokio::time::timeout(LIVENESS, client.name(7))
        .await
        .unwrap();
    let second = tokio::time::timeout(LIVENESS, client.name(7))
        .await
        .unwrap();
    assert_eq!(first, Ok("Organisation 7".to_owned()));
    assert_eq!(first, second);
    assert_eq!(
        client.calls.load(Ordering::SeqCst),
        1,
        "the second call is a hit"
    );
    assert_eq!(
        raw_get(server, "organisation-7-name").as_deref(),
        Some("\"Organisation 7\"")
    );
    client.rename(7).await.unwrap();
    assert_eq!(raw_get(server, "organisation-7-name"), None);
    let stats = client.cache.stats();
    assert_eq!(stats.errors, 0, "{stats:?}");
}

#[tokio::test]
async fn a_ca_file_verifies_the_server() {
    let certs = TestCerts::generate();
    let server = RedisServer::start_tls(&certs, false);
    let cache = Cache::builder()
        .redis_config(RedisConfig::new(server.tls_url()).tls_ca_file(&certs.ca_cert))
        .timeout(HANDSHAKE_ROOM)
        .build()
        .unwrap();
    assert!(
        cache
            .backend_description()
            .starts_with("Redis at rediss://127.0.0.1:"),
        "{}",
        cache.backend_description()
    );
    cache.ping().await.expect("the TLS server answers");
    round_trip(cache, &server).await;
}

#[tokio::test]
async fn mutual_tls_presents_a_client_certificate() {
    let certs = TestCerts::generate();
    let server = RedisServer::start_tls(&certs, true);
    let without = Cache::builder()
        .redis_config(RedisConfig::new(server.tls_url()).tls_ca_file(&certs.ca_cert))
        .timeout(HANDSHAKE_ROOM)
        .build()
        .unwrap();
    let error = without
        .ping()
        .await
        .expect_err("the server wants a client certificate");
    assert!(
        matches!(error, Error::Connect { .. }),
        "a refused handshake is a connection error, not a timeout: {error}"
    );
    let with = Cache::builder()
        .redis_config(
            RedisConfig::new(server.tls_url())
                .tls_ca_file(&certs.ca_cert)
                .tls_client_cert(&certs.client_cert, &certs.client_key),
        )
        .timeout(HANDSHAKE_ROOM)
        .build()
        .unwrap();
    with.ping()
        .await
        .expect("the client certificate is accepted");
    round_trip(with, &server).await;
}

#[tokio::test]
async fn a_wrong_ca_is_a_clear_error() {
    let certs = TestCerts::generate();
    let other = TestCerts::generate();
    let server = RedisServer::start_tls(&certs, false);
    let cache = Cache::builder()
        .redis_config(RedisConfig::new(server.tls_url()).tls_ca_file(&other.ca_cert))
        .timeout(HANDSHAKE_ROOM)
        .build()
        .unwrap();
    let error = cache
        .ping()
        .await
        .expect_err("the server's certificate is not trusted");
    let text = error.to_string();
    assert!(text.contains("TLS handshake failed"), "{text}");
    assert!(text.contains("127.0.0.1"), "the message says where: {text}");
    // A cached call fails open: the body runs and returns its value.
    let client = Client::new(cache);
    assert_eq!(client.name(1).await, Ok("Organisation 1".to_owned()));
    assert_eq!(client.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_insecure_switch_skips_verification_and_says_so() {
    let certs = TestCerts::generate();
    let server = RedisServer::start_tls(&certs, false);
    // Without a CA file the system's roots are used, which do not know the test CA.
    let verified = Cache::builder()
        .redis(server.tls_url())
        .timeout(HANDSHAKE_ROOM)
        .build()
        .unwrap();
    let error = verified.ping().await.expect_err("an unknown CA is refused");
    assert!(
        error.to_string().contains("TLS handshake failed"),
        "{error}"
    );
    let insecure = Cache::builder()
        .redis_config(RedisConfig::new(server.tls_url()).tls_insecure(true))
        .timeout(HANDSHAKE_ROOM)
        .build()
        .unwrap();
    assert!(
        insecure
            .backend_description()
            .contains("certificate not verified"),
        "{}",
        insecure.backend_description()
    );
    round_trip(insecure, &server).await;
}

/// A handle configured from `vars` (as environment variables), with room for a handshake.
fn from_vars(vars: &[(&str, String)]) -> Result<Cache, Error> {
    let mut vars: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
    vars.insert(
        "CACHE_TIMEOUT".into(),
        format!("{}s", HANDSHAKE_ROOM.as_secs()),
    );
    CacheBuilder::from_vars(|name| vars.get(name).cloned())?.build()
}

#[tokio::test]
async fn tls_is_configured_from_the_environment() {
    let certs = TestCerts::generate();
    let server = RedisServer::start_tls(&certs, true);
    let path = |path: &std::path::Path| path.to_string_lossy().into_owned();
    let cache = from_vars(&[
        ("REDIS_URL", server.tls_url()),
        ("REDIS_TLS_CA_FILE", path(&certs.ca_cert)),
        ("REDIS_TLS_CERT_FILE", path(&certs.client_cert)),
        ("REDIS_TLS_KEY_FILE", path(&certs.client_key)),
    ])
    .unwrap();
    round_trip(cache, &server).await;

    let half = from_vars(&[
        ("REDIS_URL", server.tls_url()),
        ("REDIS_TLS_CERT_FILE", path(&certs.client_cert)),
    ])
    .unwrap_err();
    assert!(half.to_string().contains("REDIS_TLS_KEY_FILE"), "{half}");

    let missing = from_vars(&[
        ("REDIS_URL", server.tls_url()),
        ("REDIS_TLS_CA_FILE", "/no/such/ca.pem".to_owned()),
    ])
    .unwrap_err();
    assert!(missing.to_string().contains("/no/such/ca.pem"), "{missing}");

    let plain = from_vars(&[
        ("REDIS_URL", server.url()),
        ("REDIS_TLS_CA_FILE", path(&certs.ca_cert)),
    ])
    .unwrap_err();
    assert!(plain.to_string().contains("not rediss://"), "{plain}");

    let insecure = from_vars(&[
        ("REDIS_URL", server.tls_url()),
        ("REDIS_TLS_INSECURE", "1".to_owned()),
        ("REDIS_TLS_CERT_FILE", path(&certs.client_cert)),
        ("REDIS_TLS_KEY_FILE", path(&certs.client_key)),
    ])
    .unwrap();
    insecure
        .ping()
        .await
        .expect("insecure, with the client certificate");
}
