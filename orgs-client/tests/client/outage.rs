//! Redis dying mid-run: every call still returns correct data, straight from the API.

use crate::common;

use cache_tests::Kind;
use common::World;
use orgs_client::OrganisationUpdate;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_fail_open_when_redis_is_killed() {
    let mut world = World::new(Kind::Redis).await;
    let e = world.stub.seed().examples.clone();
    let orgs = &world.orgs;
    let org = e.organisation_id;

    // Warm the cache while Redis is up.
    let organisations = orgs.get_organisations().await.unwrap();
    let name = orgs.get_organisation_name(org).await.unwrap();
    let pool = orgs.get_email_branding_pool(org).await.unwrap();
    assert_eq!(world.calls("GET", "/organisations"), 1);
    assert!(world.cache.stats().sets >= 3, "{:?}", world.cache.stats());

    world
        .fixture
        .server_mut()
        .expect("a Redis world has a server")
        .kill();

    // Reads: correct data from the API.
    assert_eq!(orgs.get_organisations().await.unwrap(), organisations);
    assert_eq!(world.calls("GET", "/organisations"), 2);
    assert_eq!(orgs.get_organisation_name(org).await.unwrap(), name);
    assert_eq!(orgs.get_email_branding_pool(org).await.unwrap(), pool);
    assert!(orgs.get_domains().await.unwrap().contains(&e.nested_domain));
    assert_eq!(orgs.get_organisation(org).await.unwrap().name, name);

    // Writes: applied, and their (failed) invalidation does not fail them.
    orgs.update_organisation(org, &OrganisationUpdate::new().name("Renamed in an outage"))
        .await
        .unwrap();
    assert_eq!(
        orgs.get_organisation_name(org).await.unwrap(),
        "Renamed in an outage"
    );
    orgs.add_brandings_to_email_branding_pool(org, &[e.email_branding_not_in_pool])
        .await
        .unwrap();
    assert_eq!(
        orgs.get_email_branding_pool(org).await.unwrap().len(),
        pool.len() + 1
    );
    orgs.archive_organisation(e.organisation_without_services_id)
        .await
        .unwrap();
    assert!(
        !orgs
            .get_organisation(e.organisation_without_services_id)
            .await
            .unwrap()
            .active
    );
    // The cache was tried and failed (each try bounded by the handle's timeout, not by a clock
    // this test reads): the answers above came from the API.
    assert!(world.cache.stats().errors > 0, "{:?}", world.cache.stats());
}
