//! Organisation invites: created with `permissions` (always sent, may be empty) and answered
//! with them.
//!
//! Notify's API saves an invite, then queues its email; without its email queue it answers 500
//! after saving. That is the environment's problem, not the client's: the check then verifies
//! the saved invite instead of the answer and reports itself ignored, with the reason. A 500
//! with nothing saved is still a failure.

use orgs_client::{Invite, InviteStatus, OrganisationType};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Checked, skip};
use crate::scratch::Scratch;
use crate::target::{NO_USER, Target};

/// Notify's simulated addresses: accepted as recipients, never emailed.
const SIMULATED: [&str; 3] = [
    "simulate-delivered@notifications.service.gov.uk",
    "simulate-delivered-2@notifications.service.gov.uk",
    "simulate-delivered-3@notifications.service.gov.uk",
];
const LINK_HOST: &str = "https://www.notifications.service.gov.uk";

/// An invite created through the client, or saved by an API that then failed (500): the
/// environment note says so. `Err` is a failure of the request itself.
async fn create(
    target: &Target,
    org: Uuid,
    email: &str,
    user: Uuid,
    permissions: &[&str],
) -> Result<(Invite, Option<String>), String> {
    let sent = target
        .invites
        .create_invite(org, email, user, LINK_HOST, permissions)
        .await;
    judge(target, org, email, sent).await
}

/// What `sent`, a request to invite `email` to `org`, comes to: see [`create`].
async fn judge(
    target: &Target,
    org: Uuid,
    email: &str,
    sent: Result<Invite, orgs_client::Error>,
) -> Result<(Invite, Option<String>), String> {
    let error = match sent {
        Ok(invite) => return Ok((invite, None)),
        Err(error) if error.status() == Some(500) => error,
        Err(error) => return Err(error.to_string()),
    };
    let saved = target
        .invites
        .get_invites(org)
        .await
        .map_err(|listing| format!("{error}; then listing the invites: {listing}"))?
        .into_iter()
        .find(|invite| invite.email_address == email);
    match saved {
        Some(invite) => Ok((
            invite,
            Some(format!("the invite to {email} was saved, then: {error}")),
        )),
        None => Err(format!("{error}, and nothing was saved")),
    }
}

/// Ignored with the environment notes, if there are any.
fn verdict(notes: Vec<String>) -> Checked {
    if notes.is_empty() {
        return Ok(());
    }
    skip(format!(
        "environment: the API saved the invites but answered 500, as it does when it cannot \
         queue their emails; the saved invites were checked instead ({})",
        notes.join("; ")
    ))
}

pub async fn invites_are_created_with_permissions_and_come_back_with_them() -> Checked {
    let target = Target::new().await;
    let Some(user) = target.user_id().await else {
        return skip(NO_USER);
    };
    let scratch = Scratch::create(&target, "invites", OrganisationType::Other).await;
    let invites = &target.invites;
    let org = scratch.id();
    let mut environment = Vec::new();

    let (plain, note) = create(&target, org, SIMULATED[0], user, &[])
        .await
        .unwrap_or_else(|error| panic!("an invite with no permissions: {error}"));
    environment.extend(note);
    assert_eq!(plain.organisation, org);
    assert_eq!(plain.email_address, SIMULATED[0]);
    assert_eq!(plain.invited_by, user);
    assert_eq!(plain.status, InviteStatus::Pending);
    assert!(plain.permissions.is_empty(), "{plain:?}");
    assert!(
        plain.extra.get("permissions").is_none(),
        "permissions decodes as a field: {plain:?}"
    );

    let (trusted, note) = create(
        &target,
        org,
        SIMULATED[1],
        user,
        &["can_make_services_live"],
    )
    .await
    .unwrap_or_else(|error| panic!("an invite with a permission: {error}"));
    environment.extend(note);
    assert_eq!(trusted.permissions, ["can_make_services_live"]);

    let listed = invites.get_invites(org).await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(invites.get_invite(org, trusted.id).await.unwrap(), trusted);
    let cancelled = invites.cancel_invite(org, plain.id).await.unwrap();
    assert_eq!(cancelled.status, InviteStatus::Cancelled);

    // Without `permissions` the API fails (a 500, not a validation error) and saves nothing.
    let error = target
        .api
        .post::<Value>(
            &format!("/organisation/{org}/invite"),
            &json!({"email_address": SIMULATED[2], "invited_by": user,
                    "invite_link_host": LINK_HOST}),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500), "{error:?}");
    assert_eq!(invites.get_invites(org).await.unwrap().len(), 2);

    scratch.finish().await;
    verdict(environment)
}

/// The suite's own verdicts, on a stand-in whatever the target: an API that saves an invite and
/// then fails is reported as the environment's problem; a 500 with nothing saved is a failure.
pub async fn an_invite_saved_then_500_is_the_environment_and_one_not_saved_a_failure() -> Checked {
    let target = Target::stand_in(|config| config.invite_emails_fail(true)).await;
    let user = target.user_id().await.expect("the stand-in's example user");
    let org = target.orgs.get_organisations().await.unwrap()[0].id;

    let (invite, note) = create(
        &target,
        org,
        SIMULATED[0],
        user,
        &["can_make_services_live"],
    )
    .await
    .expect("saved, then 500: not a failure");
    assert_eq!(invite.permissions, ["can_make_services_live"]);
    let note = note.expect("an environment note");
    assert!(
        note.contains("was saved, then") && note.contains("500"),
        "{note}"
    );
    let reported = verdict(vec![note]).expect_err("reported as ignored");
    assert!(reported.0.starts_with("environment:"), "{reported:?}");

    // A refused request (an unknown organisation: 404) is a failure.
    let error = create(&target, Uuid::new_v4(), SIMULATED[1], user, &[])
        .await
        .expect_err("a refused request is a failure");
    assert!(error.contains("404"), "{error}");
    // So is a 500 with nothing saved (here: no `permissions`, which the client always sends).
    let sent = target
        .api
        .post::<Value>(
            &format!("/organisation/{org}/invite"),
            &json!({"email_address": SIMULATED[2], "invited_by": user}),
        )
        .await
        .map(|value| serde_json::from_value::<Invite>(value["data"].clone()).expect("an invite"));
    let error = judge(&target, org, SIMULATED[2], sent)
        .await
        .expect_err("a 500 with nothing saved is a failure");
    assert!(error.contains("nothing was saved"), "{error}");
    Ok(())
}
