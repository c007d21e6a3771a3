//! Redis dying mid-run: reads still return correct data, straight from the API; writes are
//! refused before they reach the API (the keys they make stale cannot be cleared first), as in
//! Notify's admin app.

use crate::common;

use cache_tests::Kind;
use common::World;
use orgs_client::{NewOrganisation, OrganisationType, OrganisationUpdate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_fail_open_and_writes_are_refused_when_redis_is_killed() {
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

    // Writes: each refused with a cache error, none sent to the API.
    world.stub.reset_counts();
    let refused = [
        orgs.create_organisation(&NewOrganisation::new(
            "Ministry of Outages",
            OrganisationType::Central,
            true,
        ))
        .await
        .map(|_| ()),
        orgs.update_organisation(org, &OrganisationUpdate::new().name("Renamed in an outage"))
            .await,
        orgs.update_service_organisation(org, e.unassigned_service_id)
            .await,
        orgs.remove_user_from_organisation(org, e.user_id).await,
        orgs.archive_organisation(e.organisation_without_services_id)
            .await,
        orgs.add_brandings_to_email_branding_pool(org, &[e.email_branding_not_in_pool])
            .await,
        orgs.add_brandings_to_letter_branding_pool(org, &[e.letter_branding_in_pool])
            .await,
        orgs.remove_email_branding_from_pool(org, e.email_branding_in_pool)
            .await,
        orgs.remove_letter_branding_from_pool(org, e.letter_branding_in_pool)
            .await,
    ];
    for (index, outcome) in refused.iter().enumerate() {
        let error = outcome.as_ref().expect_err("a write with Redis down fails");
        assert!(error.is_cache(), "write {index}: {error:?}");
        assert_eq!(error.status(), None, "write {index}: no request was made");
    }
    let writes: Vec<_> = world
        .stub
        .request_counts()
        .by_path
        .into_iter()
        .filter(|((method, _), _)| method != "GET")
        .collect();
    assert!(writes.is_empty(), "writes reached the API: {writes:?}");

    // Nothing changed on the API's side.
    assert_eq!(orgs.get_organisation(org).await.unwrap().name, name);
    assert_eq!(orgs.get_email_branding_pool(org).await.unwrap(), pool);
    assert!(
        orgs.get_organisation(e.organisation_without_services_id)
            .await
            .unwrap()
            .active
    );
    // The cache was tried and failed (each try bounded by the handle's timeout, not by a clock
    // this test reads).
    assert!(world.cache.stats().errors > 0, "{:?}", world.cache.stats());
}
