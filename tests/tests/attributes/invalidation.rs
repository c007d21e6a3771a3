//! `#[cache::delete]` and `#[cache::delete_by_pattern]` over Redis and in process: invalidation
//! after an `Err`, several keys, stacked attributes, keys built from `self` and argument fields,
//! and the handle's key prefix.

use std::sync::atomic::{AtomicBool, Ordering};

use cache::Cache;

use cache_tests::{Calls, Fixture, Kind};

#[derive(Debug, PartialEq)]
struct ApiError;

struct Owner {
    id: u32,
}

struct Org {
    id: u32,
    owner: Owner,
}

struct Service {
    cache: Cache,
    region: String,
    calls: Calls,
    fail: AtomicBool,
}

impl Service {
    fn new(cache: Cache) -> Service {
        Service {
            cache,
            region: "eu".into(),
            calls: Calls::default(),
            fail: AtomicBool::new(false),
        }
    }

    fn calls(&self) -> usize {
        self.calls.get()
    }

    fn outcome(&self) -> Result<(), ApiError> {
        if self.fail.load(Ordering::SeqCst) {
            Err(ApiError)
        } else {
            Ok(())
        }
    }

    #[cache::set("organisation-{id}-name", cache = self.cache)]
    async fn name(&self, id: u32) -> String {
        self.calls.record();
        format!("Organisation {id}")
    }

    #[cache::set("organisations", cache = self.cache)]
    async fn all(&self) -> Vec<u32> {
        self.calls.record();
        vec![1, 2, 3]
    }

    #[cache::set("service-{id}-templates", cache = self.cache)]
    async fn templates(&self, id: u32) -> Vec<String> {
        self.calls.record();
        vec![format!("template of {id}")]
    }

    #[cache::set("service-{id}-template-{template}", cache = self.cache)]
    async fn template(&self, id: u32, template: u32) -> String {
        self.calls.record();
        format!("template {template} of {id}")
    }

    #[cache::set("{self.region}-organisation-{org.id}-owner-{org.owner.id}", cache = self.cache)]
    async fn owner(&self, org: &Org) -> u32 {
        self.calls.record();
        org.owner.id
    }

    #[cache::delete("organisation-{id}-name", "organisations", cache = self.cache)]
    async fn rename(&self, id: u32, name: &str) -> Result<(), ApiError> {
        self.calls.record();
        assert!(!name.is_empty());
        let _ = id;
        self.outcome()
    }

    #[cache::delete("organisation-{id}-name", cache = self.cache)]
    #[cache::delete("organisations", cache = self.cache)]
    #[cache::delete_by_pattern("service-{id}-template-*", cache = self.cache)]
    async fn archive(&self, id: u32) -> Result<(), ApiError> {
        self.calls.record();
        let _ = id;
        self.outcome()
    }

    #[cache::delete("{self.region}-organisation-{org.id}-owner-{org.owner.id}", cache = self.cache)]
    async fn transfer(&self, org: &Org) {
        self.calls.record();
        let _ = org.id;
    }

    #[cache::delete_by_pattern("{self.region}-organisation-{org.id}-*", cache = self.cache)]
    async fn forget_organisation(&self, org: Org) -> u32 {
        self.calls.record();
        org.id
    }
}

/// Fills the cache through the attributes.
async fn fill(service: &Service, id: u32) {
    service.name(id).await;
    service.all().await;
    service.templates(id).await;
    service.template(id, 1).await;
    service.template(id, 2).await;
}

async fn delete_after_err_still_invalidates(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    service.name(1).await;
    service.all().await;
    assert!(fx.exists("organisation-1-name").await);
    assert!(fx.exists("organisations").await);

    service.fail.store(true, Ordering::SeqCst);
    assert_eq!(
        service.rename(1, "New").await,
        Err(ApiError),
        "the Err is returned"
    );
    assert!(
        !fx.exists("organisation-1-name").await,
        "invalidated after an Err"
    );
    assert!(
        !fx.exists("organisations").await,
        "every key of the attribute"
    );

    let calls = service.calls();
    service.name(1).await;
    service.all().await;
    assert_eq!(service.calls(), calls + 2, "the next reads are misses");
}

async fn several_keys_in_one_attribute(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    service.name(1).await;
    service.name(2).await;
    service.all().await;
    let deletes = fx.cache.stats().deletes;
    assert_eq!(service.rename(1, "New").await, Ok(()));
    assert_eq!(fx.cache.stats().deletes, deletes + 2);
    assert!(!fx.exists("organisation-1-name").await);
    assert!(!fx.exists("organisations").await);
    assert!(fx.exists("organisation-2-name").await, "another id is kept");

    let calls = service.calls();
    service.name(1).await;
    service.all().await;
    service.name(2).await;
    assert_eq!(
        service.calls(),
        calls + 2,
        "only the deleted keys are misses"
    );
}

async fn stacked_attributes_all_invalidate(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    fill(&service, 1).await;
    fill(&service, 10).await;
    // Look-alikes the pattern `service-1-template-*` must not match.
    fx.store_json("service-1-templates-extra", "1", Some(60))
        .await;
    fx.store_json("service-1-template", "1", Some(60)).await;
    let before = fx.all_keys().await;
    assert_eq!(before.len(), 11, "{before:?}");

    for fail in [false, true] {
        fill(&service, 1).await;
        service.fail.store(fail, Ordering::SeqCst);
        let result = service.archive(1).await;
        assert_eq!(result.is_err(), fail);
        let after = fx.all_keys().await;
        let gone: Vec<&String> = before.difference(&after).collect();
        assert_eq!(
            gone,
            [
                "organisation-1-name",
                "organisations",
                "service-1-template-1",
                "service-1-template-2",
            ],
            "after archive (failing: {fail})"
        );
        assert!(after.is_subset(&before));
    }

    let calls = service.calls();
    fill(&service, 1).await;
    assert_eq!(
        service.calls(),
        calls + 4,
        "all but `service-1-templates` were invalidated"
    );
    fill(&service, 10).await;
    assert_eq!(service.calls(), calls + 4, "id 10 is untouched");
}

async fn keys_from_self_and_argument_fields(kind: Kind) {
    let fx = Fixture::new(kind);
    let service = Service::new(fx.cache.clone());
    let org = Org {
        id: 4,
        owner: Owner { id: 9 },
    };
    assert_eq!(service.owner(&org).await, 9);
    assert_eq!(service.owner(&org).await, 9);
    assert_eq!(service.calls(), 1);
    assert_eq!(
        fx.stored("eu-organisation-4-owner-9").await,
        Some(serde_json::json!(9))
    );

    service.transfer(&org).await;
    assert!(!fx.exists("eu-organisation-4-owner-9").await);
    assert_eq!(service.owner(&org).await, 9);
    assert_eq!(service.calls(), 3, "transfer ran, then a miss");

    // A pattern built from `self` and a field of an argument moved into the body.
    let other = Org {
        id: 40,
        owner: Owner { id: 9 },
    };
    service.owner(&other).await;
    fx.store_json("eu-organisation-4-settings", "{}", Some(60))
        .await;
    assert_eq!(service.forget_organisation(org).await, 4);
    assert!(!fx.exists("eu-organisation-4-owner-9").await);
    assert!(!fx.exists("eu-organisation-4-settings").await);
    assert!(fx.exists("eu-organisation-40-owner-9").await);
}

async fn key_prefix_applies_to_sets_deletes_and_patterns(kind: Kind) {
    let fx = Fixture::with(kind, |builder| builder.key_prefix("app:"));
    let service = Service::new(fx.cache.clone());
    fill(&service, 1).await;
    assert_eq!(
        fx.stored("app:organisation-1-name").await,
        Some(serde_json::json!("Organisation 1"))
    );
    if kind.is_redis() {
        // Another app's keys without the prefix: never read, never deleted.
        fx.store_json("organisation-1-name", r#""not ours""#, Some(60))
            .await;
        fx.store_json("service-1-template-1", r#""not ours""#, Some(60))
            .await;
    }
    assert_eq!(service.name(1).await, "Organisation 1");
    assert_eq!(service.calls(), 5, "a hit on the prefixed key");

    service.archive(1).await.unwrap();
    let keys = fx.all_keys().await;
    let mut expected = vec!["app:service-1-templates"];
    if kind.is_redis() {
        expected.extend(["organisation-1-name", "service-1-template-1"]);
    }
    assert_eq!(keys.iter().collect::<Vec<_>>(), expected);
    assert_ne!(
        fx.cache.ttl("service-1-templates").await.unwrap(),
        cache::KeyTtl::Missing,
        "the handle's API adds the prefix too"
    );
}

/// A prefix full of glob metacharacters is matched literally by patterns.
async fn key_prefix_with_glob_characters(kind: Kind) {
    let fx = Fixture::with(kind, |builder| builder.key_prefix("t[1]*?\\:"));
    let service = Service::new(fx.cache.clone());
    fill(&service, 1).await;
    if kind.is_redis() {
        // Would match if the prefix were not escaped.
        fx.store_json("t1xx\\:service-1-template-1", "1", Some(60))
            .await;
        fx.store_json("t[1]*?:service-1-template-1", "1", Some(60))
            .await;
    }
    service.archive(1).await.unwrap();
    let keys = fx.all_keys().await;
    let mut expected = vec!["t[1]*?\\:service-1-templates"];
    if kind.is_redis() {
        expected.extend(["t1xx\\:service-1-template-1", "t[1]*?:service-1-template-1"]);
        expected.sort();
    }
    assert_eq!(keys.iter().collect::<Vec<_>>(), expected);
    assert_eq!(
        fx.cache
            .delete_matching("service-1-*")
            .await
            .expect("explicit pattern delete"),
        1
    );
    let keys = fx.all_keys().await;
    assert_eq!(keys.len(), expected.len() - 1);
}

cache_tests::on_both_backends!(
    delete_after_err_still_invalidates,
    several_keys_in_one_attribute,
    stacked_attributes_all_invalidate,
    keys_from_self_and_argument_fields,
    key_prefix_applies_to_sets_deletes_and_patterns,
    key_prefix_with_glob_characters,
);
