//! A Redis Cluster over TLS (clients, cluster bus and replication), reached through
//! `rediss://` seeds and the test CA, as an ACL user: reads route by slot, stacked deletes
//! span slots, a pattern delete reaches every primary, and every primary served the handle on
//! its TLS port as that user.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use cache::Cache;
use cache_tests::{RedisCluster, TestCerts, Truth, Versioned};

const KEYS: u32 = 32;

struct Store {
    cache: Cache,
    truth: Arc<Truth>,
}

impl Store {
    #[cache::set("item-{id}", ttl = "1h", cache = self.cache)]
    async fn read(&self, id: u32) -> Versioned {
        self.truth.read(id)
    }

    #[cache::delete("item-{a}", "item-{b}", "item-{c}", cache = self.cache)]
    async fn write_three(&self, a: u32, b: u32, c: u32) {
        for id in [a, b, c] {
            self.truth.bump(id);
        }
    }

    #[cache::delete_by_pattern("item-*", cache = self.cache)]
    async fn clear(&self) {}
}

fn item_keys(cluster: &RedisCluster) -> BTreeSet<String> {
    cluster
        .all_keys()
        .into_iter()
        .filter(|key| key.starts_with("item-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_cluster_as_an_acl_user() {
    let certs = TestCerts::generate();
    let cluster = RedisCluster::start_tls(&certs);
    for node in cluster.nodes() {
        let () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg("cache")
            .arg("on")
            .arg(">pass-for-tests")
            .arg("~*")
            .arg("+@all")
            .query(&mut node.connection())
            .expect("ACL SETUSER on a node");
    }
    let seeds: Vec<String> = cluster
        .tls_seed_urls()
        .iter()
        .map(|url| url.replace("rediss://", "rediss://cache:pass-for-tests@"))
        .collect();
    let store = Store {
        cache: Cache::builder()
            .redis_config(cache::RedisConfig::cluster(seeds).tls_ca_file(&certs.ca_cert))
            .timeout(Duration::from_secs(2))
            .build()
            .expect("a valid TLS cluster configuration"),
        truth: Arc::new(Truth::default()),
    };
    let description = store.cache.backend_description().to_owned();
    assert!(description.contains("rediss://"), "{description}");
    assert!(!description.contains("pass-for-tests"), "{description}");

    for id in 0..KEYS {
        assert_eq!(store.read(id).await, store.truth.read(id));
        assert_eq!(store.read(id).await, store.truth.read(id));
    }
    let primaries: BTreeSet<u16> = (0..KEYS)
        .map(|id| cluster.primary_for(&format!("item-{id}")))
        .collect();
    assert_eq!(primaries.len(), 3, "the keys spread over every primary");
    assert_eq!(item_keys(&cluster).len(), KEYS as usize);
    let stats = store.cache.stats();
    assert_eq!(stats.hits, u64::from(KEYS), "{stats:?}");

    store.write_three(1, 2, 3).await;
    let left = item_keys(&cluster);
    for id in [1, 2, 3] {
        assert!(!left.contains(&format!("item-{id}")), "item-{id} deleted");
        assert_eq!(store.read(id).await, store.truth.read(id));
    }

    // Every primary served the handle as `cache` on its TLS port.
    for port in cluster.primary_ports() {
        let node = cluster
            .nodes()
            .iter()
            .find(|node| node.port() == port)
            .expect("a node of this cluster");
        let clients: String = redis::cmd("CLIENT")
            .arg("LIST")
            .query(&mut node.connection())
            .expect("CLIENT LIST");
        let tls_address = node.tls_url().replace("rediss://", "laddr=");
        assert!(
            clients
                .lines()
                .any(|client| client.contains(&tls_address) && client.contains("user=cache")),
            "no TLS client as `cache` on the primary {port}:\n{clients}"
        );
    }

    assert_eq!(
        store.cache.delete_matching("item-*").await.unwrap(),
        KEYS as u64
    );
    for id in 0..KEYS {
        store.read(id).await;
    }
    store.clear().await;
    assert!(
        item_keys(&cluster).is_empty(),
        "the pattern delete reached every primary"
    );
    let stats = store.cache.stats();
    assert_eq!(stats.errors, 0, "{stats:?}");
    assert_eq!(stats.invalidations_lost, 0, "{stats:?}");
}
