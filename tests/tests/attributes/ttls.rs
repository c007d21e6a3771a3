//! `Cache::ttls`: many keys' time to live in one call, over Redis (one pipeline of `PTTL`) and in
//! process, agreeing with `Cache::ttl` key by key, in the order asked, under the key prefix.

use std::time::Duration;

use cache::KeyTtl;

use cache_tests::{Fixture, Kind};

const HOUR: Duration = Duration::from_secs(3600);
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

/// `ttl` is at most `full` and not far below it (a test takes seconds, not minutes).
#[track_caller]
fn assert_about(ttl: KeyTtl, full: Duration) {
    match ttl {
        KeyTtl::Expires(left) => assert!(
            left <= full && left + Duration::from_secs(60) > full,
            "{left:?} left of {full:?}"
        ),
        other => panic!("expected about {full:?} left, got {other:?}"),
    }
}

async fn ttls_in_order(kind: Kind) {
    let fx = Fixture::with(kind, |builder| builder.key_prefix("admin:"));
    let cache = &fx.cache;
    cache
        .set("organisations", &[1, 2], Some(HOUR))
        .await
        .unwrap();
    cache.set("domains", &["gov.uk"], Some(WEEK)).await.unwrap();
    if kind.is_redis() {
        // Written by another program, without expiry.
        fx.store_json("admin:persistent", "1", None).await;
        // Outside the prefix: not the handle's key of that name.
        fx.store_json("nothing-here", "1", Some(60)).await;
    }

    let keys = ["domains", "nothing-here", "organisations", "persistent"];
    let ttls = cache.ttls(&keys).await.unwrap();
    assert_eq!(ttls.len(), keys.len());
    assert_about(ttls[0], WEEK);
    assert_eq!(ttls[1], KeyTtl::Missing);
    assert_about(ttls[2], HOUR);
    let persistent = if kind.is_redis() {
        KeyTtl::Persistent
    } else {
        KeyTtl::Missing
    };
    assert_eq!(ttls[3], persistent);

    // The same answers as one `ttl` per key (variants; the time left moves on).
    for (key, batch) in keys.iter().zip(&ttls) {
        let single = cache.ttl(key).await.unwrap();
        assert_eq!(
            std::mem::discriminant(&single),
            std::mem::discriminant(batch),
            "{key}: {single:?} alone, {batch:?} in the batch"
        );
    }

    // Owned keys work too, and nothing asked is nothing answered.
    let owned: Vec<String> = vec!["organisations".to_owned()];
    assert_about(cache.ttls(&owned).await.unwrap()[0], HOUR);
    assert!(cache.ttls::<&str>(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn ttls_on_redis() {
    ttls_in_order(Kind::Redis).await;
}

#[tokio::test]
async fn ttls_in_process() {
    ttls_in_order(Kind::Memory).await;
}

#[tokio::test]
async fn ttls_of_a_disabled_cache_are_missing() {
    let cache = cache::Cache::disabled();
    assert_eq!(
        cache.ttls(&["a", "b"]).await.unwrap(),
        [KeyTtl::Missing, KeyTtl::Missing]
    );
}

#[tokio::test]
async fn ttls_report_an_unreachable_redis() {
    // A port nothing listens on: the error, not a list of `Missing`.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = cache::Cache::builder()
        .redis(format!("redis://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let error = cache.ttls(&["a"]).await.unwrap_err();
    assert!(error.to_string().contains("refused"), "{error}");
    assert_eq!(cache.stats().errors, 1);
}
