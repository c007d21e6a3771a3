//! Creating, renaming and archiving the suite's own organisations, and the bodies the API
//! refuses: a `null` crown, an actor.

use orgs_client::{Error, NewOrganisation, OrganisationType, OrganisationUpdate};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::scratch::{Scratch, unique_name};
use crate::target::Target;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_rename_and_archive_twice() {
    let target = Target::new().await;
    let orgs = &target.orgs;
    let scratch = Scratch::create(&target, "lifecycle", OrganisationType::Central).await;
    let created = &scratch.organisation;
    assert!(created.active);
    assert_eq!(created.crown, Some(false));
    assert_eq!(created.organisation_type, Some(OrganisationType::Central));
    assert_eq!(created.count_of_live_services, 0);
    assert_eq!(orgs.get_organisation(scratch.id()).await.unwrap(), *created);
    let found = orgs.search(&created.name).await.unwrap();
    assert_eq!(
        found.iter().map(|o| o.id).collect::<Vec<_>>(),
        [scratch.id()]
    );

    let duplicate = NewOrganisation::new(created.name.clone(), OrganisationType::Central, true);
    let error = orgs.create_organisation(&duplicate).await.unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert_eq!(
        error.api_message(),
        Some("Organisation name already exists")
    );

    let renamed = unique_name("renamed");
    orgs.update_organisation(scratch.id(), &OrganisationUpdate::new().name(&renamed))
        .await
        .unwrap();
    assert_eq!(
        orgs.get_organisation_name(scratch.id()).await.unwrap(),
        renamed
    );

    // Archiving renames to `_archived_<YYYY-MM-DD-HH:MM:SS>_<name>`, and can be repeated.
    orgs.archive_organisation(scratch.id()).await.unwrap();
    let archived = orgs.get_organisation(scratch.id()).await.unwrap();
    assert!(!archived.active);
    let stamp = archived
        .name
        .strip_prefix("_archived_")
        .and_then(|rest| rest.strip_suffix(&format!("_{renamed}")))
        .unwrap_or_else(|| panic!("{:?}", archived.name));
    assert_eq!(stamp.len(), "YYYY-MM-DD-HH:MM:SS".len(), "{stamp}");
    assert_eq!(&stamp[10..11], "-", "{stamp}");
    orgs.archive_organisation(scratch.id()).await.unwrap();
    assert_eq!(
        orgs.get_organisation(scratch.id()).await.unwrap().name,
        archived.name
    );
    scratch.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nhs_notify_is_an_organisation_type() {
    let target = Target::new().await;
    let scratch = Scratch::create(&target, "nhs_notify", OrganisationType::NhsNotify).await;
    assert_eq!(
        scratch.organisation.organisation_type,
        Some(OrganisationType::NhsNotify)
    );
    let listed = target.orgs.get_organisations().await.unwrap();
    let entry = listed.iter().find(|o| o.id == scratch.id()).unwrap();
    assert_eq!(entry.organisation_type, Some(OrganisationType::NhsNotify));
    scratch.finish().await;
}

/// Fails unless `error` is a 500 with the API's generic message.
fn assert_server_error(error: &Error) {
    assert_eq!(error.status(), Some(500), "{error:?}");
    assert_eq!(
        error.api_message(),
        Some("Internal server error"),
        "{error:?}"
    );
}

/// What earlier versions of the client sent, sent by hand: the API must refuse it, so a client
/// that sends it again fails this suite's other tests too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_null_crown_and_an_actor_are_refused() {
    let target = Target::new().await;
    let api = &target.api;

    let name = unique_name("null crown");
    let error = api
        .post::<Value>(
            "/organisations",
            &json!({"name": name, "crown": null, "organisation_type": "local",
                    "agreement_signed": null}),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert_eq!(
        error.api_message(),
        Some("crown None is not of type boolean")
    );

    let name = unique_name("actor");
    let outcome = api
        .post::<Value>(
            "/organisations",
            &json!({"name": name, "crown": false, "organisation_type": "local",
                    "agreement_signed": null, "created_by": Uuid::new_v4()}),
        )
        .await;
    // Nothing may have been created; if it was, archive it before failing.
    let leaked = target.orgs.search(&name).await.unwrap();
    for entry in &leaked {
        let organisation = target.orgs.get_organisation(entry.id).await.unwrap();
        Scratch::adopt(&target, organisation).finish().await;
    }
    assert_server_error(&outcome.unwrap_err());
    assert!(leaked.is_empty(), "created despite the error: {leaked:?}");

    let scratch = Scratch::create(&target, "actor on update", OrganisationType::Other).await;
    let error = target
        .orgs
        .update_organisation(
            scratch.id(),
            &OrganisationUpdate::new()
                .name(&unique_name("renamed with an actor"))
                .field("created_by", Uuid::new_v4().to_string()),
        )
        .await
        .unwrap_err();
    assert_server_error(&error);
    assert_eq!(
        target
            .orgs
            .get_organisation_name(scratch.id())
            .await
            .unwrap(),
        scratch.organisation.name
    );
    scratch.finish().await;
}
