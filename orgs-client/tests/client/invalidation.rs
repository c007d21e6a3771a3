//! Each write deletes exactly the keys Notify's admin app deletes for it (on both backends), and
//! the read after it reaches the API again.

use crate::common;

use common::{BACKENDS, World, keys};
use orgs_client::{NewOrganisation, OrganisationType, OrganisationUpdate};
use uuid::Uuid;

/// Seeds `universe`, runs the write, and checks that exactly `expected` are gone.
macro_rules! assert_invalidates {
    ($world:expr, $universe:expr, $expected:expr, $write:expr, $label:expr) => {{
        $world.seed_keys(&$universe).await;
        assert!(
            $world.gone(&$universe).await.is_empty(),
            "{}: seeding failed",
            $label
        );
        $write
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", $label));
        assert_eq!(
            $world.gone(&$universe).await,
            keys(&$expected),
            "{}",
            $label
        );
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_delete_exactly_the_admin_apps_keys() {
    for kind in BACKENDS {
        let name = kind.name();
        let world = World::new(kind).await;
        let e = world.stub.seed().examples.clone();
        let orgs = &world.orgs;
        let org = e.organisation_id;
        let other = e.parent_organisation_id;
        let archivable = e.organisation_without_services_id;
        let services: Vec<Uuid> = orgs
            .get_organisation_services(org)
            .await
            .unwrap()
            .into_iter()
            .map(|service| service.id)
            .collect();
        assert!(services.len() > 1, "the example organisation has services");

        let mut universe: Vec<String> = vec![
            "organisations".into(),
            "domains".into(),
            "live-service-and-organisation-counts".into(),
            format!("user-{}", e.user_id),
            format!("user-{}", Uuid::new_v4()),
            format!("service-{}", e.unassigned_service_id),
            format!("service-{}", Uuid::new_v4()),
        ];
        for id in [org, other, archivable] {
            universe.push(format!("organisation-{id}-name"));
            universe.push(format!("organisation-{id}-email-branding-pool"));
            universe.push(format!("organisation-{id}-letter-branding-pool"));
        }
        universe.extend(services.iter().map(|id| format!("service-{id}")));
        let label = |method: &str| format!("{method} ({name})");

        assert_invalidates!(
            world,
            universe,
            ["organisations"],
            orgs.create_organisation(&NewOrganisation::new(
                format!("Ministry of Keys {name}"),
                OrganisationType::Central,
                true
            )),
            label("create_organisation")
        );

        let mut expected = vec![
            "domains".to_string(),
            "organisations".into(),
            format!("organisation-{org}-name"),
            format!("organisation-{org}-email-branding-pool"),
            format!("organisation-{org}-letter-branding-pool"),
        ];
        expected.extend(services.iter().map(|id| format!("service-{id}")));
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        assert_invalidates!(
            world,
            universe,
            expected,
            orgs.update_organisation(
                org,
                &OrganisationUpdate::new().notes(Some("updated by a test"))
            ),
            label("update_organisation")
        );

        assert_invalidates!(
            world,
            universe,
            [
                format!("service-{}", e.unassigned_service_id).as_str(),
                "live-service-and-organisation-counts",
                "organisations"
            ],
            orgs.update_service_organisation(org, e.unassigned_service_id),
            label("update_service_organisation")
        );

        assert_invalidates!(
            world,
            universe,
            [format!("user-{}", e.user_id).as_str()],
            orgs.remove_user_from_organisation(org, e.user_id),
            label("remove_user_from_organisation")
        );

        assert_invalidates!(
            world,
            universe,
            [
                "organisations",
                "domains",
                format!("organisation-{archivable}-name").as_str()
            ],
            orgs.archive_organisation(archivable),
            label("archive_organisation")
        );

        let email_pool = format!("organisation-{org}-email-branding-pool");
        let letter_pool = format!("organisation-{org}-letter-branding-pool");
        assert_invalidates!(
            world,
            universe,
            [email_pool.as_str()],
            orgs.add_brandings_to_email_branding_pool(org, &[e.email_branding_not_in_pool]),
            label("add_brandings_to_email_branding_pool")
        );
        assert_invalidates!(
            world,
            universe,
            [email_pool.as_str()],
            orgs.remove_email_branding_from_pool(org, e.email_branding_in_pool),
            label("remove_email_branding_from_pool")
        );
        assert_invalidates!(
            world,
            universe,
            [letter_pool.as_str()],
            orgs.remove_letter_branding_from_pool(org, e.letter_branding_in_pool),
            label("remove_letter_branding_from_pool")
        );
        assert_invalidates!(
            world,
            universe,
            [letter_pool.as_str()],
            orgs.add_brandings_to_letter_branding_pool(org, &[e.letter_branding_in_pool]),
            label("add_brandings_to_letter_branding_pool")
        );

        // Invites touch no cached data.
        let invites = &world.invites;
        let no_keys: [&str; 0] = [];
        assert_invalidates!(
            world,
            universe,
            no_keys,
            invites.create_invite(
                org,
                "new.member@digital.cabinet-office.gov.uk",
                e.user_id,
                "https://admin.example",
                &[]
            ),
            label("create_invite")
        );

        world.stub.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_after_a_write_reach_the_api_and_see_it() {
    for kind in BACKENDS {
        let name = kind.name();
        let world = World::new(kind).await;
        let e = world.stub.seed().examples.clone();
        let orgs = &world.orgs;
        let org = e.organisation_id;
        let org_path = format!("/organisations/{org}");

        // Warm every cached read.
        let before = orgs.get_organisations().await.unwrap();
        orgs.get_domains().await.unwrap();
        orgs.get_organisation_name(org).await.unwrap();
        let email_pool = orgs.get_email_branding_pool(org).await.unwrap();
        let letter_pool = orgs.get_letter_branding_pool(org).await.unwrap();
        world.stub.reset_counts();

        // create → the list is read again and has the new organisation.
        let created = orgs
            .create_organisation(&NewOrganisation::new(
                "Department of Fresh Reads",
                OrganisationType::Central,
                false,
            ))
            .await
            .unwrap();
        assert_eq!(created.name, "Department of Fresh Reads");
        assert_eq!(created.organisation_type, Some(OrganisationType::Central));
        let after = orgs.get_organisations().await.unwrap();
        assert_eq!(world.calls("GET", "/organisations"), 1, "{name}");
        assert_eq!(after.len(), before.len() + 1, "{name}");
        assert!(after.iter().any(|o| o.id == created.id));

        // update → name and domains are read again.
        let domain = format!("fresh-{name}.gov.uk");
        orgs.update_organisation(
            org,
            &OrganisationUpdate::new()
                .name("Renamed Digital Service")
                .domains(vec![domain.clone()]),
        )
        .await
        .unwrap();
        assert_eq!(
            orgs.get_organisation_name(org).await.unwrap(),
            "Renamed Digital Service",
            "{name}"
        );
        assert_eq!(world.calls("GET", &org_path), 1, "{name}");
        assert!(
            orgs.get_domains().await.unwrap().contains(&domain),
            "{name}"
        );
        assert_eq!(world.calls("GET", "/organisations"), 2, "{name}");

        // pools → read again with the change.
        orgs.add_brandings_to_email_branding_pool(org, &[e.email_branding_not_in_pool])
            .await
            .unwrap();
        let grown = orgs.get_email_branding_pool(org).await.unwrap();
        assert_eq!(grown.len(), email_pool.len() + 1, "{name}");
        orgs.remove_letter_branding_from_pool(org, e.letter_branding_in_pool)
            .await
            .unwrap();
        let shrunk = orgs.get_letter_branding_pool(org).await.unwrap();
        assert_eq!(shrunk.len() + 1, letter_pool.len(), "{name}");
        assert!(!shrunk.iter().any(|b| b.id == e.letter_branding_in_pool));

        // link a service → it shows in the organisation's services and live counts.
        orgs.update_service_organisation(org, e.unassigned_service_id)
            .await
            .unwrap();
        let services = orgs.get_organisation_services(org).await.unwrap();
        assert!(
            services.iter().any(|s| s.id == e.unassigned_service_id),
            "{name}"
        );

        // remove a user → gone from the team.
        orgs.remove_user_from_organisation(org, e.user_id)
            .await
            .unwrap();
        let users = orgs.get_organisation_users(org).await.unwrap();
        assert!(!users.iter().any(|u| u.id == e.user_id), "{name}");

        // archive → inactive, and the list is read again.
        orgs.archive_organisation(e.organisation_without_services_id)
            .await
            .unwrap();
        let archived = orgs
            .get_organisation(e.organisation_without_services_id)
            .await
            .unwrap();
        assert!(!archived.active, "{name}");
        let listed = orgs.get_organisations().await.unwrap();
        let entry = listed
            .iter()
            .find(|o| o.id == e.organisation_without_services_id)
            .unwrap();
        assert!(!entry.active, "{name}");
        assert_eq!(world.calls("GET", "/organisations"), 3, "{name}");

        world.stub.shutdown().await;
    }
}
