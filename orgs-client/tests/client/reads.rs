//! Every read against the stand-in API; cached reads reach the API once, on both backends, and
//! store exactly the JSON the API sent (what Notify's admin app reads from a shared Redis).

use crate::common;

use std::time::Duration;

use cache::KeyTtl;
use cache_tests::Kind;
use common::{BACKENDS, World};
use orgs_client::OrganisationType;
use serde_json::Value;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncached_reads_return_the_seeded_data() {
    let world = World::new(Kind::Memory).await;
    let examples = world.stub.seed().examples.clone();
    let orgs = &world.orgs;

    let gds = orgs
        .get_organisation(examples.organisation_id)
        .await
        .unwrap();
    assert_eq!(gds.id, examples.organisation_id);
    assert_eq!(gds.name, examples.organisation_name);
    assert!(gds.active);
    assert!(gds.domains.contains(&examples.nested_domain), "{gds:?}");

    let by_domain = orgs
        .get_organisation_by_domain(&examples.nested_domain)
        .await
        .unwrap()
        .expect("the nested domain's organisation");
    assert_eq!(by_domain.id, examples.organisation_id);
    let parent = orgs
        .get_organisation_by_domain(&examples.parent_domain)
        .await
        .unwrap()
        .expect("the parent domain's organisation");
    assert_eq!(parent.id, examples.parent_organisation_id);
    // The longest matching suffix wins.
    let sub = format!("team.{}", examples.nested_domain);
    let found = orgs
        .get_organisation_by_domain(&sub)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, examples.organisation_id);
    assert_eq!(
        orgs.get_organisation_by_domain("nobody.example.com")
            .await
            .unwrap(),
        None
    );

    let needle = &examples.organisation_name[..6];
    let results = orgs.search(needle).await.unwrap();
    assert!(
        results
            .iter()
            .any(|entry| entry.id == examples.organisation_id),
        "{needle}: {results:?}"
    );

    let services = orgs
        .get_organisation_services(examples.organisation_id)
        .await
        .unwrap();
    assert!(
        services
            .iter()
            .any(|service| service.id == examples.service_id)
    );
    // Active first.
    let first_inactive = services
        .iter()
        .position(|s| !s.active)
        .unwrap_or(services.len());
    assert!(
        services[first_inactive..].iter().all(|s| !s.active),
        "{services:?}"
    );

    let users = orgs
        .get_organisation_users(examples.organisation_id)
        .await
        .unwrap();
    let user = users
        .iter()
        .find(|user| user.id == examples.user_id)
        .expect("the example user");
    assert!(user.organisations.contains(&examples.organisation_id));
    assert!(user.email_address.contains('@'));
    assert!(user.created_at.is_some(), "{user:?}");
    assert_eq!(user.receives_new_features_email, Some(true), "{user:?}");
    assert!(
        orgs.get_organisation_users(Uuid::new_v4())
            .await
            .unwrap()
            .is_empty()
    );

    let usage = orgs
        .get_services_and_usage(examples.organisation_id, 2024)
        .await
        .unwrap();
    assert!(!usage.services.is_empty());
    assert!(
        usage
            .services
            .iter()
            .all(|s| services.iter().any(|service| service.id == s.service_id)),
        "usage lists only the organisation's services"
    );

    let empty = orgs
        .get_organisation_services(examples.organisation_without_services_id)
        .await
        .unwrap();
    assert!(empty.is_empty());
    let inactive = orgs
        .get_organisation(examples.inactive_organisation_id)
        .await
        .unwrap();
    assert!(!inactive.active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_reads_reach_the_api_once_on_both_backends() {
    for kind in BACKENDS {
        let world = World::new(kind).await;
        let examples = world.stub.seed().examples.clone();
        let orgs = &world.orgs;
        let org = examples.organisation_id;
        let name = kind.name();

        let first = orgs.get_organisations().await.unwrap();
        let second = orgs.get_organisations().await.unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), world.stub.seed().organisations, "{name}");
        assert_eq!(world.calls("GET", "/organisations"), 1, "{name}");
        // Active first, then by name.
        let active = world.stub.seed().active_organisations;
        assert!(first[..active].iter().all(|o| o.active), "{name}");
        assert!(first[active..].iter().all(|o| !o.active), "{name}");

        // Domains come from the cached list: no further call.
        let domains = orgs.get_domains().await.unwrap();
        assert_eq!(orgs.get_domains().await.unwrap(), domains);
        assert_eq!(domains.len(), world.stub.seed().domains, "{name}");
        assert!(domains.contains(&examples.nested_domain));
        assert_eq!(world.calls("GET", "/organisations"), 1, "{name}");

        let org_path = format!("/organisations/{org}");
        assert_eq!(
            orgs.get_organisation_name(org).await.unwrap(),
            examples.organisation_name
        );
        assert_eq!(
            orgs.get_organisation_name(org).await.unwrap(),
            examples.organisation_name
        );
        assert_eq!(world.calls("GET", &org_path), 1, "{name}");

        let email_path = format!("/organisations/{org}/email-branding-pool");
        let email_pool = orgs.get_email_branding_pool(org).await.unwrap();
        assert_eq!(orgs.get_email_branding_pool(org).await.unwrap(), email_pool);
        assert!(
            email_pool
                .iter()
                .any(|b| b.id == examples.email_branding_in_pool)
        );
        assert!(
            !email_pool
                .iter()
                .any(|b| b.id == examples.email_branding_not_in_pool)
        );
        assert_eq!(world.calls("GET", &email_path), 1, "{name}");

        let letter_path = format!("/organisations/{org}/letter-branding-pool");
        let letter_pool = orgs.get_letter_branding_pool(org).await.unwrap();
        assert_eq!(
            orgs.get_letter_branding_pool(org).await.unwrap(),
            letter_pool
        );
        assert!(
            letter_pool
                .iter()
                .any(|b| b.id == examples.letter_branding_in_pool)
        );
        assert_eq!(world.calls("GET", &letter_path), 1, "{name}");

        // Uncached reads reach the API every time.
        orgs.get_organisation(org).await.unwrap();
        orgs.get_organisation(org).await.unwrap();
        assert_eq!(world.calls("GET", &org_path), 3, "{name}");

        // The cached values are the API's JSON, byte for byte the same structure, under the
        // admin app's keys.
        let api = orgs.api();
        let cached = |key: String| {
            let cache = world.cache.clone();
            async move { cache.get::<Value>(&key).await.unwrap().expect(&key) }
        };
        assert_eq!(
            cached("organisations".into()).await,
            api.get::<Value>("/organisations").await.unwrap()
        );
        assert_eq!(
            cached(format!("organisation-{org}-email-branding-pool")).await,
            api.get::<Value>(&email_path).await.unwrap()["data"]
        );
        assert_eq!(
            cached(format!("organisation-{org}-letter-branding-pool")).await,
            api.get::<Value>(&letter_path).await.unwrap()["data"]
        );
        assert_eq!(
            cached(format!("organisation-{org}-name")).await,
            Value::String(examples.organisation_name.clone())
        );
        let all_domains: Vec<Value> = domains.iter().cloned().map(Value::String).collect();
        assert_eq!(cached("domains".into()).await, Value::Array(all_domains));

        world.stub.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_cached_by_another_app_is_served() {
    // What Notify's admin app would have stored: the API's JSON, under its key.
    let world = World::new(Kind::Memory).await;
    let org = Uuid::new_v4();
    world
        .cache
        .set(
            &format!("organisation-{org}-name"),
            &"Set by the admin app",
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        world.orgs.get_organisation_name(org).await.unwrap(),
        "Set by the admin app"
    );
    assert_eq!(world.stub.requests(), 0);

    let listed = serde_json::json!([{
        "id": org, "name": "Shared", "active": true, "count_of_live_services": 0,
        "domains": ["shared.gov.uk"], "organisation_type": "central", "new_field": 1
    }]);
    world
        .cache
        .set("organisations", &listed, None)
        .await
        .unwrap();
    let organisations = world.orgs.get_organisations().await.unwrap();
    assert_eq!(
        organisations[0].organisation_type,
        Some(OrganisationType::Central)
    );
    assert_eq!(world.orgs.get_domains().await.unwrap(), ["shared.gov.uk"]);
    assert_eq!(world.stub.requests(), 0);
}

/// Every cached read stores its value for the admin app's 28 days, set by the client itself:
/// the handle here keeps its default TTL of 24 hours, which none of them uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_reads_keep_values_for_the_admin_apps_28_days() {
    for kind in BACKENDS {
        let name = kind.name();
        let world = World::new(kind).await;
        assert_eq!(world.cache.default_ttl(), cache::DEFAULT_TTL);
        assert_eq!(orgs_client::CACHE_TTL, Duration::from_secs(28 * 86_400));
        let orgs = &world.orgs;
        let org = world.stub.seed().examples.organisation_id;
        orgs.get_organisations().await.unwrap();
        orgs.get_domains().await.unwrap();
        orgs.get_organisation_name(org).await.unwrap();
        orgs.get_email_branding_pool(org).await.unwrap();
        orgs.get_letter_branding_pool(org).await.unwrap();
        for key in [
            "organisations".to_owned(),
            "domains".to_owned(),
            format!("organisation-{org}-name"),
            format!("organisation-{org}-email-branding-pool"),
            format!("organisation-{org}-letter-branding-pool"),
        ] {
            let ttl = world.cache.ttl(&key).await.unwrap();
            let KeyTtl::Expires(left) = ttl else {
                panic!("{key} ({name}): {ttl:?}")
            };
            // Stored with 28 days; less than a day of it spent (a generous bound: seconds are).
            assert!(
                left <= orgs_client::CACHE_TTL
                    && left > orgs_client::CACHE_TTL - Duration::from_secs(86_400),
                "{key} ({name}): {left:?}"
            );
        }
        world.stub.shutdown().await;
    }
}
