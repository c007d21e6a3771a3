//! Creating, renaming and archiving the suite's own organisations, and the bodies the API
//! refuses: a `null` crown, an actor.

use crate::harness::Checked;
use notify_stub::{NHS_EMAIL_BRANDING_ID, NHS_LETTER_BRANDING_ID};
use orgs_client::{Error, NewOrganisation, OrganisationType, OrganisationUpdate};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::scratch::{Scratch, unique_name};
use crate::target::Target;

pub async fn create_rename_and_archive_twice() -> Checked {
    let target = Target::new().await;
    let orgs = &target.orgs;
    let scratch = Scratch::create(&target, "lifecycle", OrganisationType::Central).await;
    let created = &scratch.organisation;
    assert!(created.active);
    assert_eq!(created.crown, Some(false));
    assert_eq!(created.organisation_type, Some(OrganisationType::Central));
    assert_eq!(created.count_of_live_services, 0);
    // Every new organisation may be asked to join its services.
    assert_eq!(created.permissions, ["can_ask_to_join_a_service"]);
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
    Ok(())
}

pub async fn nhs_notify_is_an_organisation_type() -> Checked {
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
    Ok(())
}

/// Fails unless organisation `org` has Notify's NHS brandings as its defaults and in its pools.
async fn assert_nhs_branded(target: &Target, org: Uuid, label: &str) {
    let organisation = target.orgs.get_organisation(org).await.unwrap();
    assert_eq!(
        organisation.email_branding_id,
        Some(NHS_EMAIL_BRANDING_ID),
        "{label}"
    );
    assert_eq!(
        organisation.letter_branding_id,
        Some(NHS_LETTER_BRANDING_ID),
        "{label}"
    );
    let email = target.orgs.get_email_branding_pool(org).await.unwrap();
    assert!(
        email.iter().any(|b| b.id == NHS_EMAIL_BRANDING_ID),
        "{label}: {email:?}"
    );
    let letter = target.orgs.get_letter_branding_pool(org).await.unwrap();
    assert!(
        letter.iter().any(|b| b.id == NHS_LETTER_BRANDING_ID),
        "{label}: {letter:?}"
    );
}

/// An NHS organisation gets the NHS email and letter brandings (Notify's fixed ids) and both
/// pools: when created, and when its type changes to an NHS one.
pub async fn nhs_organisations_get_the_nhs_brandings_and_pools() -> Checked {
    let target = Target::new().await;
    let created = Scratch::create(&target, "nhs_local", OrganisationType::NhsLocal).await;
    assert_nhs_branded(&target, created.id(), "created nhs_local").await;

    let changed = Scratch::create(&target, "becomes nhs_gp", OrganisationType::Other).await;
    assert_eq!(changed.organisation.email_branding_id, None);
    target
        .orgs
        .update_organisation(
            changed.id(),
            &OrganisationUpdate::new().organisation_type(OrganisationType::NhsGp),
        )
        .await
        .unwrap();
    assert_nhs_branded(&target, changed.id(), "other, then nhs_gp").await;
    created.finish().await;
    changed.finish().await;
    Ok(())
}

/// Adding an id that is no branding to a pool is a 404, and adds nothing.
pub async fn an_unknown_branding_added_to_a_pool_is_404_and_adds_nothing() -> Checked {
    let target = Target::new().await;
    let orgs = &target.orgs;
    let scratch = Scratch::create(&target, "pools", OrganisationType::Other).await;
    let org = scratch.id();
    let error = orgs
        .add_brandings_to_email_branding_pool(org, &[NHS_EMAIL_BRANDING_ID, Uuid::new_v4()])
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(orgs.get_email_branding_pool(org).await.unwrap(), []);
    let error = orgs
        .add_brandings_to_letter_branding_pool(org, &[NHS_LETTER_BRANDING_ID, Uuid::new_v4()])
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(orgs.get_letter_branding_pool(org).await.unwrap(), []);
    scratch.finish().await;
    Ok(())
}

/// A type that is none of Notify's is refused with every type listed, in Notify's order.
pub async fn an_unknown_type_lists_notifys_types_in_order() -> Checked {
    let target = Target::new().await;
    let name = unique_name("unknown type");
    let error = target
        .api
        .post::<Value>(
            "/organisations",
            &json!({"name": name, "crown": false, "organisation_type": "county"}),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert_eq!(
        error.api_message(),
        Some(
            "organisation_type county is not one of [central, local, nhs_central, nhs_local, \
             nhs_gp, nhs_notify, emergency_service, school_or_college, other]"
        )
    );
    Ok(())
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
pub async fn a_null_crown_and_an_actor_are_refused() -> Checked {
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
    Ok(())
}
