//! Writes are strict, as in Notify's admin app: the keys a write makes stale are gone before the
//! API runs it (and deleted again after), on both backends.

mod common;

use common::watching_proxy::WatchingProxy;
use common::{ADMIN_SECRET, BACKENDS, ROUTE_SECRET, World, keys};
use orgs_client::{
    ApiClient, NewOrganisation, OrganisationType, OrganisationUpdate, OrganisationsClient,
};
use uuid::Uuid;

/// Seeds `universe`, runs the write through the proxy, and checks that when the write reached
/// the API every key in `expected` was already gone and every other key still there.
macro_rules! assert_cleared_first {
    ($world:expr, $proxy:expr, $universe:expr, $expected:expr, $write:expr, $label:expr) => {{
        let label = $label;
        $world.seed_keys(&$universe).await;
        $proxy.watch(&$universe);
        $write
            .await
            .unwrap_or_else(|error| panic!("{label}: {error}"));
        let writes = $proxy.writes();
        assert_eq!(
            writes.len(),
            1,
            "{label}: one write reached the API: {writes:?}"
        );
        let expected = keys(&$expected);
        let stale: Vec<&String> = expected
            .iter()
            .filter(|key| writes[0].present.contains(key))
            .collect();
        assert!(
            stale.is_empty(),
            "{label}: still cached when the API ran the write: {stale:?}"
        );
        // The proxy saw the keys the write leaves alone: its look-ups work.
        assert_eq!(
            writes[0].present.len(),
            $universe.len() - expected.len(),
            "{label}: {:?}",
            writes[0]
        );
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_gone_before_the_api_runs_the_write() {
    for kind in BACKENDS {
        let name = kind.name();
        let world = World::new(kind).await;
        let proxy = WatchingProxy::start(world.stub.url(), world.cache.clone()).await;
        let api = ApiClient::builder(&proxy.url)
            .secret(ADMIN_SECRET)
            .route_secret(ROUTE_SECRET)
            .build()
            .expect("a valid configuration");
        let orgs = OrganisationsClient::new(api, world.cache.clone());
        let e = world.stub.seed().examples.clone();
        let org = e.organisation_id;
        let archivable = e.organisation_without_services_id;
        let services: Vec<Uuid> = orgs
            .get_organisation_services(org)
            .await
            .unwrap()
            .into_iter()
            .map(|service| service.id)
            .collect();

        let mut universe: Vec<String> = vec![
            "organisations".into(),
            "domains".into(),
            "live-service-and-organisation-counts".into(),
            format!("user-{}", e.user_id),
            format!("service-{}", e.unassigned_service_id),
        ];
        for id in [org, archivable] {
            universe.push(format!("organisation-{id}-name"));
            universe.push(format!("organisation-{id}-email-branding-pool"));
            universe.push(format!("organisation-{id}-letter-branding-pool"));
        }
        universe.extend(services.iter().map(|id| format!("service-{id}")));
        let label = |method: &str| format!("{method} ({name})");
        let email_pool = format!("organisation-{org}-email-branding-pool");
        let letter_pool = format!("organisation-{org}-letter-branding-pool");

        assert_cleared_first!(
            world,
            proxy,
            universe,
            ["organisations"],
            orgs.create_organisation(&NewOrganisation::new(
                format!("Ministry of Order {name}"),
                OrganisationType::Central,
                true
            )),
            label("create_organisation")
        );

        let mut expected = vec![
            "domains".to_string(),
            "organisations".into(),
            format!("organisation-{org}-name"),
            email_pool.clone(),
            letter_pool.clone(),
        ];
        expected.extend(services.iter().map(|id| format!("service-{id}")));
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        assert_cleared_first!(
            world,
            proxy,
            universe,
            expected,
            orgs.update_organisation(org, &OrganisationUpdate::new().notes(Some("strict"))),
            label("update_organisation")
        );

        assert_cleared_first!(
            world,
            proxy,
            universe,
            [
                format!("service-{}", e.unassigned_service_id).as_str(),
                "live-service-and-organisation-counts",
                "organisations"
            ],
            orgs.update_service_organisation(org, e.unassigned_service_id),
            label("update_service_organisation")
        );
        assert_cleared_first!(
            world,
            proxy,
            universe,
            [format!("user-{}", e.user_id).as_str()],
            orgs.remove_user_from_organisation(org, e.user_id),
            label("remove_user_from_organisation")
        );
        assert_cleared_first!(
            world,
            proxy,
            universe,
            [
                "organisations",
                "domains",
                format!("organisation-{archivable}-name").as_str()
            ],
            orgs.archive_organisation(archivable),
            label("archive_organisation")
        );
        assert_cleared_first!(
            world,
            proxy,
            universe,
            [email_pool.as_str()],
            orgs.add_brandings_to_email_branding_pool(org, &[e.email_branding_not_in_pool]),
            label("add_brandings_to_email_branding_pool")
        );
        assert_cleared_first!(
            world,
            proxy,
            universe,
            [email_pool.as_str()],
            orgs.remove_email_branding_from_pool(org, e.email_branding_not_in_pool),
            label("remove_email_branding_from_pool")
        );
        assert_cleared_first!(
            world,
            proxy,
            universe,
            [letter_pool.as_str()],
            orgs.remove_letter_branding_from_pool(org, e.letter_branding_in_pool),
            label("remove_letter_branding_from_pool")
        );
        assert_cleared_first!(
            world,
            proxy,
            universe,
            [letter_pool.as_str()],
            orgs.add_brandings_to_letter_branding_pool(org, &[e.letter_branding_in_pool]),
            label("add_brandings_to_letter_branding_pool")
        );

        world.stub.shutdown().await;
    }
}
