//! `#[cache::set]` over Redis and in process: hits and misses, the stored JSON, TTLs, what is
//! cached for `Result` and `Option` returns, falsy values, undecodable values; and the disabled
//! backend.

use std::sync::atomic::{AtomicBool, Ordering};

use cache::{Cache, KeyTtl};
use serde::{Deserialize, Serialize};
use serde_json::json;

use cache_tests::{Calls, Fixture, Kind, assert_key_ttl_about, assert_ttl_about};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Organisation {
    id: u32,
    name: String,
    tags: Vec<String>,
}

/// Deliberately neither `Serialize` nor `Deserialize`: errors are never cached.
#[derive(Debug, PartialEq)]
struct ApiError(&'static str);

type ApiResult<T> = Result<T, ApiError>;

/// An error that could be stored: an alias over it must still cache only `Ok`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct StorableError {
    code: u16,
}

type Fallible<T> = Result<T, StorableError>;

struct Client {
    cache: Cache,
    calls: Calls,
    fail: AtomicBool,
}

impl Client {
    fn new(cache: Cache) -> Client {
        Client {
            cache,
            calls: Calls::default(),
            fail: AtomicBool::new(false),
        }
    }

    fn calls(&self) -> usize {
        self.calls.get()
    }

    fn failing(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }

    #[cache::set("organisation-{id}", ttl = "7d", cache = self.cache)]
    async fn organisation(&self, id: u32) -> Organisation {
        self.calls.record();
        Organisation {
            id,
            name: format!("Organisation {id}"),
            tags: vec!["central".into()],
        }
    }

    #[cache::set("organisation-{id}-name", cache = self.cache)]
    async fn name_default_ttl(&self, id: u32) -> String {
        self.calls.record();
        format!("Organisation {id}")
    }

    #[cache::set("organisation-{id}-short", ttl = "1h 30m", cache = self.cache)]
    async fn name_ninety_minutes(&self, id: u32) -> String {
        self.calls.record();
        format!("Org {id}")
    }

    #[cache::set("short-{id}", ttl = "1s", cache = self.cache)]
    async fn short_lived(&self, id: u32) -> u32 {
        self.calls.record();
        id
    }

    #[cache::set("result-{id}", ttl = "1h", cache = self.cache)]
    async fn result(&self, id: u32) -> Result<u32, ApiError> {
        self.calls.record();
        if self.fail.load(Ordering::SeqCst) {
            Err(ApiError("upstream failed"))
        } else {
            Ok(id * 10)
        }
    }

    #[cache::set("alias-{id}", ttl = "1h", cache = self.cache)]
    async fn alias(&self, id: u32) -> ApiResult<u32> {
        self.calls.record();
        if self.fail.load(Ordering::SeqCst) {
            Err(ApiError("upstream failed"))
        } else {
            Ok(id * 100)
        }
    }

    #[cache::set("fallible-{id}", ttl = "1h", cache = self.cache)]
    async fn fallible(&self, id: u32) -> Fallible<u32> {
        self.calls.record();
        if self.fail.load(Ordering::SeqCst) {
            Err(StorableError { code: 503 })
        } else {
            Ok(id + 1)
        }
    }

    #[cache::set("io-{id}", cache = self.cache)]
    async fn io_result(&self, id: u32) -> std::io::Result<String> {
        self.calls.record();
        if self.fail.load(Ordering::SeqCst) {
            Err(std::io::Error::other("upstream failed"))
        } else {
            Ok(format!("io {id}"))
        }
    }

    #[cache::set("option-{id}", cache = self.cache)]
    async fn option(&self, id: u32) -> Option<u32> {
        self.calls.record();
        id.is_multiple_of(2).then_some(id)
    }

    #[cache::set("result-option-{id}", cache = self.cache)]
    async fn result_option(&self, id: u32) -> Result<Option<String>, ApiError> {
        self.calls.record();
        Ok(id.is_multiple_of(2).then(|| format!("even {id}")))
    }

    #[cache::set("falsy-none", cache = self.cache)]
    async fn none(&self) -> Option<Organisation> {
        self.calls.record();
        None
    }

    #[cache::set("falsy-empty-list", cache = self.cache)]
    async fn empty_list(&self) -> Vec<Organisation> {
        self.calls.record();
        Vec::new()
    }

    #[cache::set("falsy-false", cache = self.cache)]
    async fn no(&self) -> bool {
        self.calls.record();
        false
    }

    #[cache::set("falsy-zero", cache = self.cache)]
    async fn zero(&self) -> u64 {
        self.calls.record();
        0
    }

    #[cache::set("falsy-empty-string", cache = self.cache)]
    async fn empty_string(&self) -> String {
        self.calls.record();
        String::new()
    }

    #[cache::set("falsy-unit-struct", cache = self.cache)]
    async fn empty_map(&self) -> std::collections::BTreeMap<String, u32> {
        self.calls.record();
        std::collections::BTreeMap::new()
    }
}

// 1. Miss runs the body and stores; hit returns the stored value without running it.

async fn miss_runs_the_body_then_hit_does_not(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());

    let first = client.organisation(7).await;
    assert_eq!(first.name, "Organisation 7");
    assert_eq!(client.calls(), 1, "a miss runs the body");
    let stats = fx.cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.sets), (0, 1, 1));

    let second = client.organisation(7).await;
    assert_eq!(second, first);
    assert_eq!(client.calls(), 1, "a hit does not run the body");
    assert_eq!(fx.cache.stats().hits, 1);

    // Another argument is another key: a miss.
    assert_eq!(client.organisation(8).await.id, 8);
    assert_eq!(client.calls(), 2);
    assert_eq!(client.organisation(8).await.id, 8);
    assert_eq!(client.organisation(7).await.id, 7);
    assert_eq!(client.calls(), 2);
    let stats = fx.cache.stats();
    assert_eq!(
        (stats.hits, stats.misses, stats.sets, stats.errors),
        (3, 2, 2, 0)
    );
}

async fn stored_value_is_plain_json(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    client.organisation(7).await;
    assert_eq!(
        fx.stored("organisation-7").await,
        Some(json!({"id": 7, "name": "Organisation 7", "tags": ["central"]}))
    );
    client.name_default_ttl(7).await;
    assert_eq!(
        fx.stored("organisation-7-name").await,
        Some(json!("Organisation 7"))
    );
    // The explicit API reads what the attribute wrote.
    let read: Option<Organisation> = fx.cache.get("organisation-7").await.unwrap();
    assert_eq!(read.unwrap().name, "Organisation 7");
}

/// On Redis, the stored bytes are exactly the JSON `serde_json` writes, readable by anyone.
#[tokio::test]
async fn redis_stored_bytes_decode_with_serde_json() {
    let fx = Fixture::new(Kind::Redis);
    let client = Client::new(fx.cache.clone());
    let value = client.organisation(7).await;
    let mut connection = fx.server().unwrap().connection();
    let bytes: Vec<u8> = redis::cmd("GET")
        .arg("organisation-7")
        .query(&mut connection)
        .unwrap();
    let decoded: Organisation = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(decoded, value);
    assert_eq!(bytes, serde_json::to_vec(&value).unwrap());
}

async fn json_written_by_another_app_is_a_hit(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    // Python: json.dumps({"id": 7, "name": "Café — Cabinet Office", "tags": ["a", "b"]})
    fx.store_json(
        "organisation-7",
        r#"{"id": 7, "name": "Caf\u00e9 \u2014 Cabinet Office", "tags": ["a", "b"]}"#,
        Some(3600),
    )
    .await;
    let read = client.organisation(7).await;
    assert_eq!(client.calls(), 0, "a value written by another app is a hit");
    assert_eq!(
        read,
        Organisation {
            id: 7,
            name: "Café — Cabinet Office".into(),
            tags: vec!["a".into(), "b".into()],
        }
    );
    // Python: json.dumps("Organisation 8")
    fx.store_json(
        "organisation-8-name",
        r#""Organisation \u00e9ight""#,
        Some(60),
    )
    .await;
    assert_eq!(client.name_default_ttl(8).await, "Organisation éight");
    assert_eq!(client.calls(), 0);
    assert_eq!(fx.cache.stats().hits, 2);
}

// 2. TTLs.

async fn attribute_ttl_is_set(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    client.organisation(7).await;
    assert_ttl_about(fx.ttl_seconds("organisation-7").await, 7 * 24 * 3600);
    assert_key_ttl_about(fx.cache.ttl("organisation-7").await.unwrap(), 604_800);

    client.name_ninety_minutes(7).await;
    assert_ttl_about(fx.ttl_seconds("organisation-7-short").await, 5400);
    assert_key_ttl_about(fx.cache.ttl("organisation-7-short").await.unwrap(), 5400);

    assert_eq!(fx.cache.ttl("never-stored").await.unwrap(), KeyTtl::Missing);
    assert_eq!(fx.ttl_seconds("never-stored").await, -2);
}

async fn no_ttl_means_the_default_of_24_hours(kind: Kind) {
    let fx = Fixture::new(kind);
    assert_eq!(fx.cache.default_ttl(), cache::DEFAULT_TTL);
    assert_eq!(cache::DEFAULT_TTL.as_secs(), 86_400);
    let client = Client::new(fx.cache.clone());
    client.name_default_ttl(1).await;
    assert_ttl_about(fx.ttl_seconds("organisation-1-name").await, 86_400);
    assert_key_ttl_about(fx.cache.ttl("organisation-1-name").await.unwrap(), 86_400);
}

async fn no_ttl_means_the_configured_default(kind: Kind) {
    let fx = Fixture::with(kind, |builder| {
        builder.default_ttl(std::time::Duration::from_secs(3600))
    });
    let client = Client::new(fx.cache.clone());
    client.name_default_ttl(1).await;
    assert_ttl_about(fx.ttl_seconds("organisation-1-name").await, 3600);
    assert_key_ttl_about(fx.cache.ttl("organisation-1-name").await.unwrap(), 3600);
    // An attribute's own TTL still wins over the default.
    client.organisation(1).await;
    assert_ttl_about(fx.ttl_seconds("organisation-1").await, 604_800);
}

async fn values_expire_after_their_ttl(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    assert_eq!(client.short_lived(1).await, 1);
    assert_eq!(client.short_lived(1).await, 1);
    assert_eq!(client.calls(), 1);
    assert!((0..=1).contains(&fx.ttl_seconds("short-1").await));
    // Poll (no fixed sleep) until the value has expired: then the body runs again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while fx.exists("short-1").await {
        assert!(
            std::time::Instant::now() < deadline,
            "a 1 s TTL did not expire within 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(client.short_lived(1).await, 1);
    assert_eq!(client.calls(), 2, "an expired value is a miss");
}

/// A key written by something else without an expiry is reported as persistent.
#[tokio::test]
async fn redis_key_without_expiry_is_persistent() {
    let fx = Fixture::new(Kind::Redis);
    fx.store_json("legacy", "1", None).await;
    assert_eq!(fx.ttl_seconds("legacy").await, -1);
    assert_eq!(fx.cache.ttl("legacy").await.unwrap(), KeyTtl::Persistent);
}

// 3. `Result` and `Option` returns.

async fn err_is_returned_and_not_cached(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    client.failing(true);
    assert_eq!(client.result(3).await, Err(ApiError("upstream failed")));
    assert!(!fx.exists("result-3").await, "an Err is not stored");
    assert_eq!(client.result(3).await, Err(ApiError("upstream failed")));
    assert_eq!(
        client.calls(),
        2,
        "after an Err the next call runs the body again"
    );

    client.failing(false);
    assert_eq!(client.result(3).await, Ok(30));
    assert_eq!(client.calls(), 3);
    assert_eq!(
        fx.stored("result-3").await,
        Some(json!(30)),
        "Ok stores the bare value"
    );

    // Cached now: even a failing upstream is not asked.
    client.failing(true);
    assert_eq!(client.result(3).await, Ok(30));
    assert_eq!(client.calls(), 3);
    assert_eq!(fx.cache.stats().sets, 1);
}

async fn err_through_an_alias_is_not_cached(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    client.failing(true);
    assert_eq!(client.alias(4).await, Err(ApiError("upstream failed")));
    assert!(!fx.exists("alias-4").await, "an Err is not stored");
    assert_eq!(client.alias(4).await, Err(ApiError("upstream failed")));
    assert_eq!(client.calls(), 2);

    client.failing(false);
    assert_eq!(client.alias(4).await, Ok(400));
    assert_eq!(fx.stored("alias-4").await, Some(json!(400)));
    client.failing(true);
    assert_eq!(client.alias(4).await, Ok(400));
    assert_eq!(client.calls(), 3);

    // An alias whose error type could be serialized: still only `Ok` is stored, and bare.
    assert_eq!(client.fallible(4).await, Err(StorableError { code: 503 }));
    assert!(!fx.exists("fallible-4").await, "an Err is not stored");
    assert_eq!(client.fallible(4).await, Err(StorableError { code: 503 }));
    assert_eq!(client.calls(), 5);
    client.failing(false);
    assert_eq!(client.fallible(4).await, Ok(5));
    assert_eq!(
        fx.stored("fallible-4").await,
        Some(json!(5)),
        "not {{\"Ok\": 5}}"
    );
    client.failing(true);
    assert_eq!(client.fallible(4).await, Ok(5));
    assert_eq!(client.calls(), 6);
}

async fn err_through_io_result_is_not_cached(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    client.failing(true);
    assert!(client.io_result(5).await.is_err());
    assert!(client.io_result(5).await.is_err());
    assert_eq!(client.calls(), 2);
    assert!(!fx.exists("io-5").await);
    client.failing(false);
    assert_eq!(client.io_result(5).await.unwrap(), "io 5");
    client.failing(true);
    assert_eq!(client.io_result(5).await.unwrap(), "io 5");
    assert_eq!(client.calls(), 3);
    assert_eq!(fx.stored("io-5").await, Some(json!("io 5")));
}

async fn option_none_is_stored_as_null_and_is_a_hit(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    assert_eq!(client.option(1).await, None);
    assert_eq!(client.option(1).await, None);
    assert_eq!(client.calls(), 1, "a stored None is a hit");

    assert_eq!(client.option(2).await, Some(2));
    assert_eq!(client.option(2).await, Some(2));
    assert_eq!(client.calls(), 2);

    // Ok(None) inside a Result is stored as null too.
    assert_eq!(client.result_option(1).await, Ok(None));
    assert_eq!(client.result_option(1).await, Ok(None));
    assert_eq!(client.result_option(2).await, Ok(Some("even 2".into())));
    assert_eq!(client.result_option(2).await, Ok(Some("even 2".into())));
    assert_eq!(client.calls(), 4);
    let stats = fx.cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.sets), (4, 4, 4));

    assert_eq!(fx.stored("option-1").await, Some(serde_json::Value::Null));
    assert_eq!(fx.stored("option-2").await, Some(json!(2)));
    assert_eq!(
        fx.stored("result-option-1").await,
        Some(serde_json::Value::Null)
    );
    assert_eq!(fx.stored("result-option-2").await, Some(json!("even 2")));
}

// 4. Falsy values are hits.

async fn falsy_values_are_hits(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    for _ in 0..3 {
        assert_eq!(client.none().await, None);
        assert_eq!(client.empty_list().await, Vec::<Organisation>::new());
        assert!(!client.no().await);
        assert_eq!(client.zero().await, 0);
        assert_eq!(client.empty_string().await, "");
        assert!(client.empty_map().await.is_empty());
    }
    assert_eq!(
        client.calls(),
        6,
        "each body ran once; the other calls were hits"
    );
    let stats = fx.cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.sets), (12, 6, 6));
    for (key, json) in [
        ("falsy-none", json!(null)),
        ("falsy-empty-list", json!([])),
        ("falsy-false", json!(false)),
        ("falsy-zero", json!(0)),
        ("falsy-empty-string", json!("")),
        ("falsy-unit-struct", json!({})),
    ] {
        assert_eq!(fx.stored(key).await, Some(json), "{key}");
    }
}

// 7. An undecodable stored value is a miss, overwritten, and counted as an error.

async fn assert_bad_value_is_replaced(fx: &Fixture, client: &Client, key: &str, id: u32) {
    let calls = client.calls();
    let errors = fx.cache.stats().errors;
    let value = client.organisation(id).await;
    assert_eq!(value.id, id, "the body's value is returned");
    assert_eq!(client.calls(), calls + 1, "an undecodable value is a miss");
    assert_eq!(
        fx.cache.stats().errors,
        errors + 1,
        "and counted as an error"
    );
    assert_eq!(
        fx.stored(key).await,
        Some(serde_json::to_value(&value).unwrap()),
        "the bad value is overwritten"
    );
    assert_ttl_about(fx.ttl_seconds(key).await, 604_800);
    assert_eq!(client.organisation(id).await, value);
    assert_eq!(client.calls(), calls + 1, "the next call is a hit");
    assert_eq!(fx.cache.stats().errors, errors + 1);
}

async fn wrong_shape_is_a_miss_and_overwritten(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client::new(fx.cache.clone());
    let wrong_shapes = [
        r#"{"unexpected": true}"#,
        r#""a string""#,
        r#"[1, 2, 3]"#,
        r#"{"id": "seven", "name": "x", "tags": []}"#,
        "null",
    ];
    for (id, json) in (1..).zip(wrong_shapes) {
        let key = format!("organisation-{id}");
        fx.store_json(&key, json, Some(60)).await;
        assert_bad_value_is_replaced(&fx, &client, &key, id).await;
    }
    assert_eq!(fx.cache.stats().errors, 5);
}

/// Garbage and truncated JSON can only be planted in Redis (in process, only the handle writes).
/// (An empty value is a lease marker, not garbage: `corruption.rs`.)
#[tokio::test]
async fn redis_garbage_and_truncated_json_are_misses_and_overwritten() {
    let fx = Fixture::new(Kind::Redis);
    let client = Client::new(fx.cache.clone());
    let bad: [&[u8]; 5] = [
        b"\xff\xfe\x00garbage",
        br#"{"id": 2, "name": "Trunc"#,
        b"True",
        b"\x80\x04\x95pickle",
        br#"{"id": 5, "name": "x", "tags": []} trailing"#,
    ];
    for (id, bytes) in (1..).zip(bad) {
        let key = format!("organisation-{id}");
        fx.store_bytes(&key, bytes).await;
        assert_eq!(fx.ttl_seconds(&key).await, -1);
        assert_bad_value_is_replaced(&fx, &client, &key, id).await;
    }
    assert_eq!(fx.cache.stats().errors, 5);
}

cache_tests::on_both_backends!(
    miss_runs_the_body_then_hit_does_not,
    stored_value_is_plain_json,
    json_written_by_another_app_is_a_hit,
    attribute_ttl_is_set,
    no_ttl_means_the_default_of_24_hours,
    no_ttl_means_the_configured_default,
    values_expire_after_their_ttl,
    err_is_returned_and_not_cached,
    err_through_an_alias_is_not_cached,
    err_through_io_result_is_not_cached,
    option_none_is_stored_as_null_and_is_a_hit,
    falsy_values_are_hits,
    wrong_shape_is_a_miss_and_overwritten,
);

// 10. The disabled backend.

#[tokio::test]
async fn disabled_cache_runs_the_body_every_time_and_stores_nothing() {
    let from_vars =
        cache::CacheBuilder::from_vars(|name| (name == "REDIS_ENABLED").then(|| "0".to_owned()))
            .unwrap()
            .build()
            .unwrap();
    for cache in [
        Cache::disabled(),
        Cache::builder().build().unwrap(),
        from_vars,
    ] {
        assert_eq!(cache.backend_kind(), cache::BackendKind::Disabled);
        let client = Client::new(cache.clone());
        for _ in 0..3 {
            assert_eq!(client.organisation(1).await.id, 1);
            assert_eq!(client.option(1).await, None);
            assert!(!client.no().await);
            assert_eq!(client.result(2).await, Ok(20));
        }
        assert_eq!(client.calls(), 12, "every call runs the body");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.errors), (0, 12, 0));
        assert_eq!((stats.sets, stats.deletes), (0, 0), "nothing was stored");
        assert_eq!(
            cache.get::<Organisation>("organisation-1").await.unwrap(),
            None
        );
        assert_eq!(cache.ttl("organisation-1").await.unwrap(), KeyTtl::Missing);
        assert!(cache.keys_matching("*", 100).await.unwrap().is_empty());
        // Even an explicit write stores nothing.
        cache.set("explicit", &1, None).await.unwrap();
        assert_eq!(cache.get::<u32>("explicit").await.unwrap(), None);
        cache.delete(["explicit"]).await.unwrap();
        assert_eq!((cache.stats().sets, cache.stats().deletes), (0, 0));
    }
}
