//! `#[cache::delete_by_pattern("item-{name}-*")]` with hostile arguments: whatever `name`
//! contains (`*`, `?`, `[`, `]`, `^`, `-`, `\`, ...), exactly the keys starting with
//! `item-<name>-` literally are deleted, and no other key, on Redis and in process.
//!
//! Each case seeds keys under its own handle with a key prefix that is itself random (so the
//! prefix's escaping is exercised too), calls the method, then checks every key.

use std::collections::BTreeSet;
use std::time::Duration;

use cache::Cache;
use cache_tests::{Calls, RedisCluster, RedisServer};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const ALPHABET: &[char] = &[
    '*', '?', '[', ']', '^', '-', '\\', 'a', 'b', 'c', 'z', '0', 'é', ':', ' ',
];

struct Items {
    cache: Cache,
    calls: Calls,
}

impl Items {
    #[cache::delete_by_pattern("item-{name}-*", cache = self.cache)]
    async fn forget(&self, name: &str) {
        self.calls.record();
    }
}

#[derive(Debug, Clone)]
struct Case {
    prefix: String,
    name: String,
    /// Keys under `item-<name>-`, which must go.
    matching_suffixes: Vec<String>,
    /// Anything at all (some of which may happen to start with `item-<name>-`).
    others: Vec<String>,
}

impl Case {
    /// Every key the case seeds (without the handle's prefix), and those that must be deleted.
    fn keys(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let name = &self.name;
        let mut keys: BTreeSet<String> = self.others.iter().cloned().collect();
        keys.extend(
            self.matching_suffixes
                .iter()
                .map(|suffix| format!("item-{name}-{suffix}")),
        );
        // Near misses, and keys other names' patterns could match if `name` were a glob.
        keys.extend([
            format!("item-{name}"),
            format!("item-{name}x-1"),
            format!("item{name}-1"),
            format!("Item-{name}-1"),
            format!("xitem-{name}-1"),
            "item-a-1".to_owned(),
            "item--1".to_owned(),
            "item-*-1".to_owned(),
            "item-\\-1".to_owned(),
            "item-[a]-1".to_owned(),
            "item-".to_owned(),
        ]);
        let literal = format!("item-{name}-");
        let doomed = keys
            .iter()
            .filter(|key| key.starts_with(&literal))
            .cloned()
            .collect();
        (keys, doomed)
    }
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..=max)
        .prop_map(|chars| chars.into_iter().collect())
}

fn cases() -> impl Strategy<Value = Case> {
    let other = prop_oneof![
        text(10),
        text(6).prop_map(|rest| format!("item-{rest}")),
        (text(4), text(4)).prop_map(|(a, b)| format!("item-{a}-{b}")),
    ];
    (
        text(4),
        text(6),
        prop::collection::vec(text(6), 0..6),
        prop::collection::vec(other, 0..12),
    )
        .prop_map(|(prefix, name, matching_suffixes, others)| Case {
            prefix,
            name,
            matching_suffixes,
            others,
        })
}

/// Seeds the case's keys through `cache`, calls the method, and returns the seeded keys still
/// present, checked one by one through the handle (independent of any glob matching).
async fn run(cache: &Cache, case: &Case) -> (BTreeSet<String>, BTreeSet<String>) {
    let (keys, doomed) = case.keys();
    for key in &keys {
        cache
            .set(key, &1u8, Some(Duration::from_secs(600)))
            .await
            .expect("seed");
    }
    let items = Items {
        cache: cache.clone(),
        calls: Calls::default(),
    };
    items.forget(&case.name).await;
    assert_eq!(items.calls.get(), 1);
    let mut left = BTreeSet::new();
    for key in &keys {
        if cache.ttl(key).await.expect("ttl") != cache::KeyTtl::Missing {
            left.insert(key.clone());
        }
    }
    let expected = keys.difference(&doomed).cloned().collect();
    (left, expected)
}

#[test]
fn hostile_pattern_arguments_on_redis() {
    let server = RedisServer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut raw = server.connection();
    // Keys outside every case's namespace: none may ever be deleted.
    let sentinels = [
        "item-a-1",
        "item--1",
        "item-*-1",
        "item-\\-1",
        "item-",
        "*",
        "\\",
    ];
    for key in sentinels {
        let () = redis::cmd("SET").arg(key).arg("1").query(&mut raw).unwrap();
    }
    let case_number = std::sync::atomic::AtomicUsize::new(0);
    let raw = std::sync::Mutex::new(raw);

    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&cases(), |case| {
            let n = case_number.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let prefix = format!("case-{n}-{}|", case.prefix);
            let cache = Cache::builder()
                .redis(server.url())
                .key_prefix(prefix.clone())
                .build()
                .unwrap();
            let (left, expected) = runtime.block_on(run(&cache, &case));
            prop_assert_eq!(&left, &expected, "prefix {:?}", prefix);

            // Nothing else in the whole database changed: the sentinels and this case's survivors.
            let mut raw = raw.lock().unwrap();
            let all: BTreeSet<String> = redis::cmd("KEYS").arg("*").query(&mut *raw).unwrap();
            let mut everything: BTreeSet<String> =
                sentinels.iter().map(|key| key.to_string()).collect();
            everything.extend(expected.iter().map(|key| format!("{prefix}{key}")));
            prop_assert_eq!(&all, &everything);

            // Clear only this case's own keys.
            let own: Vec<String> = expected
                .iter()
                .map(|key| format!("{prefix}{key}"))
                .collect();
            if !own.is_empty() {
                let _: u64 = redis::cmd("DEL").arg(&own).query(&mut *raw).unwrap();
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(case_number.into_inner(), 48);
}

/// The same on a Redis Cluster: the pattern delete scans every primary, and keys spread over
/// all of them.
#[test]
fn hostile_pattern_arguments_on_a_cluster() {
    let cluster = RedisCluster::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut raw = cluster.connection();
    let sentinels = [
        "item-a-1",
        "item--1",
        "item-*-1",
        "item-\\-1",
        "item-",
        "*",
        "\\",
    ];
    for key in sentinels {
        let () = redis::cmd("SET").arg(key).arg("1").query(&mut raw).unwrap();
    }
    let case_number = std::sync::atomic::AtomicUsize::new(0);
    let raw = std::sync::Mutex::new(raw);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&cases(), |case| {
            let n = case_number.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let prefix = format!("case-{n}-{}|", case.prefix);
            // A generous bound: each case's handle connects to every node afresh, and what is
            // checked is which keys are left, not how fast the cluster answers a busy machine.
            let cache = Cache::builder()
                .redis_config(cluster.cache_config())
                .key_prefix(prefix.clone())
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let (left, expected) = runtime.block_on(run(&cache, &case));
            prop_assert_eq!(&left, &expected, "prefix {:?}", prefix);

            let all = cluster.all_keys();
            let mut everything: BTreeSet<String> =
                sentinels.iter().map(|key| key.to_string()).collect();
            everything.extend(expected.iter().map(|key| format!("{prefix}{key}")));
            prop_assert_eq!(&all, &everything);

            for key in &expected {
                let _: u64 = redis::cmd("DEL")
                    .arg(format!("{prefix}{key}"))
                    .query(&mut *raw.lock().unwrap())
                    .unwrap();
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(case_number.into_inner(), 24);
}

#[test]
fn hostile_pattern_arguments_in_memory() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 512,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&cases(), |case| {
            let cache = Cache::builder()
                .in_memory()
                .key_prefix(case.prefix.clone())
                .build()
                .unwrap();
            let (left, expected) = runtime.block_on(run(&cache, &case));
            prop_assert_eq!(&left, &expected);
            let listed: BTreeSet<String> = runtime
                .block_on(cache.keys_matching("*", usize::MAX))
                .unwrap()
                .into_iter()
                .collect();
            prop_assert_eq!(&listed, &expected);
            Ok(())
        })
        .unwrap();
}

/// The property has teeth: the same keys, deleted with the argument left unescaped, lose more.
#[tokio::test]
async fn an_unescaped_glob_argument_would_delete_other_keys() {
    let cache = Cache::in_memory();
    for key in ["item-a-1", "item-b-1", "item-*-1"] {
        cache.set(key, &1u8, None).await.unwrap();
    }
    assert_eq!(cache.delete_matching("item-*-*").await.unwrap(), 3);

    for key in ["item-a-1", "item-b-1", "item-*-1"] {
        cache.set(key, &1u8, None).await.unwrap();
    }
    let items = Items {
        cache: cache.clone(),
        calls: Calls::default(),
    };
    items.forget("*").await;
    let mut left = cache.keys_matching("*", 10).await.unwrap();
    left.sort();
    assert_eq!(left, ["item-a-1", "item-b-1"]);
}
