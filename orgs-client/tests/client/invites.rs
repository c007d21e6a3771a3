//! Organisation team invitations against the stand-in API.

use crate::common;

use cache_tests::Kind;
use common::World;
use orgs_client::InviteStatus;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_get_cancel_accept() {
    let world = World::new(Kind::Memory).await;
    let e = world.stub.seed().examples.clone();
    let invites = &world.invites;
    let org = e.organisation_id;

    let before = invites.get_invites(org).await.unwrap();
    let created = invites
        .create_invite(
            org,
            "someone.new@digital.cabinet-office.gov.uk",
            e.user_id,
            "https://admin.example",
            &["can_make_services_live"],
        )
        .await
        .unwrap();
    assert_eq!(created.organisation, org);
    assert_eq!(
        created.email_address,
        "someone.new@digital.cabinet-office.gov.uk"
    );
    assert_eq!(created.invited_by, e.user_id);
    assert_eq!(created.status, InviteStatus::Pending);
    assert!(created.created_at.is_some());
    assert_eq!(created.permissions, ["can_make_services_live"]);
    assert!(created.extra.is_empty(), "{:?}", created.extra);

    let after = invites.get_invites(org).await.unwrap();
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.iter().any(|invite| invite.id == created.id));
    assert!(after.iter().all(|invite| invite.organisation == org));

    assert_eq!(invites.get_invite(org, created.id).await.unwrap(), created);

    let cancelled = invites.cancel_invite(org, created.id).await.unwrap();
    assert_eq!(cancelled.id, created.id);
    assert_eq!(cancelled.status, InviteStatus::Cancelled);
    assert_eq!(
        invites.get_invite(org, created.id).await.unwrap().status,
        InviteStatus::Cancelled
    );

    let second = invites
        .create_invite(
            org,
            "another@digital.cabinet-office.gov.uk",
            e.user_id,
            "https://admin.example",
            &[],
        )
        .await
        .unwrap();
    assert!(second.permissions.is_empty());
    let accepted = invites.accept_invite(org, second.id).await.unwrap();
    assert_eq!(accepted.status, InviteStatus::Accepted);

    // An unknown invite is a 404 error, not a panic or a default.
    let missing = invites.get_invite(org, Uuid::new_v4()).await.unwrap_err();
    assert_eq!(missing.status(), Some(404), "{missing}");
    // A malformed email address is the API's validation error.
    let invalid = invites
        .create_invite(org, "not an email", e.user_id, "https://admin.example", &[])
        .await
        .unwrap_err();
    assert_eq!(invalid.status(), Some(400), "{invalid}");
    assert!(
        invalid.api_message().unwrap().contains("email_address"),
        "{invalid}"
    );
}
