//! Every read the client makes decodes, in the order and shape the client relies on.

use crate::harness::Checked;
use uuid::Uuid;

use crate::target::Target;

/// A financial year long past, so usage figures are settled.
const USAGE_YEAR: i32 = 2024;

pub async fn every_read_decodes() -> Checked {
    let target = Target::new().await;
    let orgs = &target.orgs;

    let list = orgs.get_organisations().await.expect("GET /organisations");
    assert!(!list.is_empty(), "no organisations to read");
    // Active first.
    let first_inactive = list.iter().position(|o| !o.active).unwrap_or(list.len());
    assert!(list[first_inactive..].iter().all(|o| !o.active));
    let domains = orgs.get_domains().await.expect("domains");
    assert_eq!(
        domains.len(),
        list.iter().map(|o| o.domains.len()).sum::<usize>()
    );

    // An active organisation with domains and live services if there is one.
    let sample = list
        .iter()
        .filter(|o| o.active)
        .max_by_key(|o| (!o.domains.is_empty(), o.count_of_live_services > 0))
        .expect("an active organisation");
    let organisation = orgs
        .get_organisation(sample.id)
        .await
        .expect("one organisation");
    assert_eq!(organisation.id, sample.id);
    assert_eq!(organisation.name, sample.name);
    assert!(organisation.active);
    assert_eq!(
        orgs.get_organisation_name(sample.id).await.expect("name"),
        sample.name
    );

    if let Some(domain) = sample.domains.first() {
        let owner = orgs
            .get_organisation_by_domain(domain)
            .await
            .expect("by domain")
            .expect("the domain's organisation");
        assert!(owner.domains.contains(domain), "{owner:?}");
    }

    let found = orgs.search(&sample.name).await.expect("search");
    assert!(found.iter().any(|o| o.id == sample.id), "{found:?}");

    let services = orgs
        .get_organisation_services(sample.id)
        .await
        .expect("services");
    let first_inactive = services
        .iter()
        .position(|s| !s.active)
        .unwrap_or(services.len());
    assert!(services[first_inactive..].iter().all(|s| !s.active));

    let users = orgs.get_organisation_users(sample.id).await.expect("users");
    for user in &users {
        assert!(user.created_at.is_some(), "{user:?}");
        assert!(user.receives_new_features_email.is_some(), "{user:?}");
    }

    orgs.get_services_and_usage(sample.id, USAGE_YEAR)
        .await
        .expect("services with usage");
    orgs.get_email_branding_pool(sample.id)
        .await
        .expect("email branding pool");
    orgs.get_letter_branding_pool(sample.id)
        .await
        .expect("letter branding pool");
    Ok(())
}

pub async fn unknown_things_are_404_none_or_empty() -> Checked {
    let target = Target::new().await;
    let orgs = &target.orgs;
    let unknown = Uuid::new_v4();

    let error = orgs.get_organisation(unknown).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    // The users of an organisation that does not exist are an empty list, not a 404.
    assert!(
        orgs.get_organisation_users(unknown)
            .await
            .expect("users")
            .is_empty()
    );
    let nowhere = format!("contract-{unknown}.invalid");
    assert_eq!(
        orgs.get_organisation_by_domain(&nowhere)
            .await
            .expect("by domain"),
        None
    );
    let error = orgs
        .get_organisation_by_domain("someone@example.gov.uk")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
    // The invites of an organisation that does not exist are an empty list too.
    assert_eq!(
        target.invites.get_invites(unknown).await.expect("invites"),
        []
    );
    // An unknown invite is a 404 even with a status that is not one: it is looked up first.
    let error = target
        .api
        .post::<serde_json::Value>(
            &format!("/organisation/{unknown}/invite/{}", Uuid::new_v4()),
            &serde_json::json!({"status": "maybe"}),
        )
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    Ok(())
}
