//! Keys from a collection argument: `"service-{service_ids[..]}"` makes one key per element,
//! deleted with the attribute's other keys in the same single round trip.

use std::collections::BTreeSet;

use cache::Cache;
use cache_tests::{Fixture, Kind, RedisServer};

struct Client {
    cache: Cache,
}

impl Client {
    #[cache::delete("organisation-{org_id}", "service-{service_ids[..]}", cache = self.cache)]
    async fn update(&self, org_id: u32, service_ids: &[u32]) -> Result<(), String> {
        let _ = (org_id, service_ids);
        Ok(())
    }

    #[cache::delete("service-{ids[..]}-name", cache = self.cache)]
    #[cache::delete_by_pattern("service-{ids[..]}-template-*", cache = self.cache)]
    fn archive(&self, ids: BTreeSet<String>) {
        drop(ids);
    }
}

async fn seed(cache: &Cache, keys: &[&str]) {
    for key in keys {
        cache.set(key, &true, None).await.unwrap();
    }
}

async fn left(cache: &Cache) -> Vec<String> {
    let mut keys = cache.keys_matching("*", 100).await.unwrap();
    keys.sort();
    keys
}

cache_tests::on_both_backends!(one_key_per_element_with_the_others);

async fn one_key_per_element_with_the_others(kind: Kind) {
    let fx = Fixture::new(kind);
    let client = Client {
        cache: fx.cache.clone(),
    };
    seed(
        &fx.cache,
        &["organisation-1", "service-1", "service-2", "service-3"],
    )
    .await;
    client.update(1, &[1, 2]).await.unwrap();
    assert_eq!(left(&fx.cache).await, ["service-3"], "{kind:?}");
    // An empty collection adds no key.
    client.update(1, &[]).await.unwrap();
    assert_eq!(left(&fx.cache).await, ["service-3"], "{kind:?}");
}

#[tokio::test]
async fn blocking_keys_and_patterns_per_element() {
    let cache = Cache::in_memory();
    seed(
        &cache,
        &[
            "service-a-name",
            "service-a-template-1",
            "service-b-template-2",
            "service-c-name",
            "service-*-template-3",
        ],
    )
    .await;
    let client = Client {
        cache: cache.clone(),
    };
    let ids: BTreeSet<String> = ["a".to_owned(), "b".to_owned(), "*".to_owned()].into();
    tokio::task::spawn_blocking(move || client.archive(ids))
        .await
        .unwrap();
    // `*` is an element's value: escaped, it matched only itself.
    assert_eq!(left(&cache).await, ["service-c-name"]);
}

/// All keys, the collection's included, go in one `UNLINK`.
#[tokio::test]
async fn redis_deletes_them_in_one_round_trip() {
    let server = RedisServer::start();
    let cache = Cache::redis(&server.url()).unwrap();
    let client = Client {
        cache: cache.clone(),
    };
    seed(&cache, &["organisation-1", "service-1", "service-2"]).await;
    let unlinks = || {
        let mut raw = server.connection();
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut raw)
            .unwrap();
        info.lines()
            .find_map(|line| line.strip_prefix("cmdstat_unlink:calls="))
            .and_then(|rest| rest.split(',').next())
            .map_or(0, |calls| calls.parse::<u64>().unwrap())
    };
    let before = unlinks();
    client.update(1, &[1, 2, 3]).await.unwrap();
    assert_eq!(unlinks(), before + 1);
    assert!(left(&cache).await.is_empty());
    assert_eq!(cache.stats().deletes, 4, "{:?}", cache.stats());
}

/// Notify's key rule holds per element: a string element that reads as a UUID goes into its key
/// lower-case, as the same string would as a plain argument.
#[tokio::test]
async fn string_elements_follow_the_uuid_rule() {
    struct Services {
        cache: Cache,
    }
    impl Services {
        #[cache::delete("service-{ids[..]}", cache = self.cache)]
        async fn touch(&self, ids: Vec<String>) {
            drop(ids);
        }
    }
    let cache = Cache::in_memory();
    let lower = "6ce466d0-1b7c-4c2c-9c47-7a1b8a2c3d4e";
    seed(&cache, &[&format!("service-{lower}"), "service-ABC"]).await;
    let services = Services {
        cache: cache.clone(),
    };
    services
        .touch(vec![lower.to_uppercase(), "ABC".to_owned()])
        .await;
    assert!(left(&cache).await.is_empty(), "{:?}", left(&cache).await);
}
