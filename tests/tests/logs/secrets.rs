//! No password or token is ever printed: for every URL form redis-rs accepts (and mistyped or
//! malformed ones), around a generated secret, no error, log line, `Debug`, `Display` or
//! `backend_description` shows it.

use std::collections::HashMap;

use cache::{Cache, CacheBuilder, RedisConfig};
use cache_tests::capture_logs;
use proptest::prelude::*;

/// The URL forms a secret can hide in. Port 1 on loopback refuses at once; the socket path
/// does not exist.
fn forms(secret: &str) -> Vec<String> {
    let encoded: String = secret
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect();
    vec![
        format!("redis://:{secret}@127.0.0.1:1/0"),
        format!("redis://user:{secret}@127.0.0.1:1/0"),
        format!("redis://:{encoded}@127.0.0.1:1/0"),
        format!("redis://user:{encoded}@127.0.0.1:1"),
        format!("rediss://user:{secret}@127.0.0.1:1/0"),
        format!("rediss://user:{encoded}@127.0.0.1:1/0#insecure"),
        format!("redis://127.0.0.1:1/0?password={encoded}"),
        format!("redis+unix:///tmp/no-such-cache-tests.sock?pass={encoded}"),
        format!("unix:///tmp/no-such-cache-tests.sock?user=u&pass={encoded}&db=1"),
        format!("redis//:{secret}@127.0.0.1:1"),
        format!("redis:/:{secret}@127.0.0.1:1"),
        format!("http://user:{secret}@127.0.0.1:1"),
        format!("redis://user:{secret}@"),
        format!("redis://:{secret}"),
        secret.to_owned(),
    ]
}

/// Everything a user could see of a handle built from `url`, by builder and by environment.
fn everything_shown(url: &str, runtime: &tokio::runtime::Runtime) -> String {
    let mut shown = String::new();
    let vars: HashMap<&str, &str> = [("REDIS_URL", url)].into_iter().collect();
    let built = [
        Cache::builder().redis(url).build(),
        Cache::builder()
            .redis_config(RedisConfig::new(url).tls_insecure(url.starts_with("rediss")))
            .build(),
        CacheBuilder::from_vars(|name| vars.get(name).map(|value| value.to_string()))
            .and_then(CacheBuilder::build),
    ];
    shown.push_str(&format!("{:?}\n", RedisConfig::new(url)));
    for cache in built {
        match cache {
            Ok(cache) => {
                shown.push_str(&format!("{cache:?}\n{}\n", cache.backend_description()));
                let ping = runtime.block_on(cache.ping());
                shown.push_str(&format!("{ping:?}\n"));
                if let Err(error) = &ping {
                    shown.push_str(&format!("{error}\n"));
                }
                let get = runtime.block_on(cache.get::<String>("k"));
                shown.push_str(&format!("{get:?}\n"));
                if let Err(error) = get {
                    shown.push_str(&format!("{error}\n"));
                }
            }
            Err(error) => shown.push_str(&format!("{error}\n{error:?}\n")),
        }
    }
    shown
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_output_shows_the_secret(tail in "[A-Za-z0-9#/?@:%!$&'()*+,;=~._-]{1,12}") {
        let secret = format!("Zq9Secret{tail}");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (captured, _guard) = capture_logs(tracing::Level::TRACE);
        for url in forms(&secret) {
            let shown = everything_shown(&url, &runtime);
            let logged = captured.text();
            for (what, text) in [("output", &shown), ("log", &logged)] {
                prop_assert!(
                    !text.contains("Zq9Secret"),
                    "the secret of {url:?} appears in the {what}:\n{text}"
                );
            }
        }
    }
}
