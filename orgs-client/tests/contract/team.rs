//! Taking a member out of an organisation's team: no body needed, any body ignored.

use crate::harness::{Checked, skip};
use crate::target::NO_USER;
use orgs_client::OrganisationType;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::scratch::Scratch;
use crate::target::Target;

/// Adds `user` to `org`'s team, outside the client (it has no method for this).
async fn add_member(target: &Target, org: Uuid, user: Uuid) {
    target
        .api
        .post::<Value>(
            &format!("/organisations/{org}/users/{user}"),
            &json!({"permissions": []}),
        )
        .await
        .expect("add a member");
}

async fn is_member(target: &Target, org: Uuid, user: Uuid) -> bool {
    let users = target.orgs.get_organisation_users(org).await.unwrap();
    users.iter().any(|member| member.id == user)
}

pub async fn removing_a_member_needs_no_body_and_ignores_one() -> Checked {
    let target = Target::new().await;
    let Some(user) = target.user_id().await else {
        return skip(NO_USER);
    };
    let mut scratch = Scratch::create(&target, "team", OrganisationType::Other).await;
    let org = scratch.id();
    scratch.added_member(user);

    add_member(&target, org, user).await;
    assert!(is_member(&target, org, user).await);
    // The client sends no body.
    target
        .orgs
        .remove_user_from_organisation(org, user)
        .await
        .unwrap();
    assert!(!is_member(&target, org, user).await);

    // A body (the admin app sends its acting user) is ignored.
    add_member(&target, org, user).await;
    target
        .api
        .delete(
            &format!("/organisations/{org}/users/{user}"),
            Some(&json!({"created_by": user})),
        )
        .await
        .unwrap();
    assert!(!is_member(&target, org, user).await);

    scratch.finish().await;
    Ok(())
}
