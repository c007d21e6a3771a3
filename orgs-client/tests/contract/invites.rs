//! Organisation invites: created with `permissions` (always sent, may be empty) and answered
//! with them.

use orgs_client::{InviteStatus, OrganisationType};
use serde_json::{Value, json};

use crate::scratch::Scratch;
use crate::target::Target;

/// Notify's simulated addresses: accepted as recipients, never emailed.
const SIMULATED: [&str; 3] = [
    "simulate-delivered@notifications.service.gov.uk",
    "simulate-delivered-2@notifications.service.gov.uk",
    "simulate-delivered-3@notifications.service.gov.uk",
];
const LINK_HOST: &str = "https://www.notifications.service.gov.uk";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_are_created_with_permissions_and_come_back_with_them() {
    let target = Target::new().await;
    let Some(user) = target.user_id().await else {
        eprintln!("skipped: no user to invite on behalf of (set ORGS_CONTRACT_USER_ID)");
        return;
    };
    let scratch = Scratch::create(&target, "invites", OrganisationType::Other).await;
    let invites = &target.invites;
    let org = scratch.id();

    let plain = invites
        .create_invite(org, SIMULATED[0], user, LINK_HOST, &[])
        .await
        .expect("an invite with no permissions");
    assert_eq!(plain.organisation, org);
    assert_eq!(plain.email_address, SIMULATED[0]);
    assert_eq!(plain.invited_by, user);
    assert_eq!(plain.status, InviteStatus::Pending);
    assert!(plain.permissions.is_empty(), "{plain:?}");
    assert!(
        plain.extra.get("permissions").is_none(),
        "permissions decodes as a field: {plain:?}"
    );

    let trusted = invites
        .create_invite(
            org,
            SIMULATED[1],
            user,
            LINK_HOST,
            &["can_make_services_live"],
        )
        .await
        .expect("an invite with a permission");
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
}
