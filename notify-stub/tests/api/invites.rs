//! Organisation invites: create, list, look up, cancel, accept.

use crate::common;

use common::*;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn invite_lifecycle() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let org = example.organisation_id;
    let base = format!("/organisation/{org}/invite");
    let before = api.get(&base).await;
    assert_eq!(before.status, 200);
    let count = before.body["data"].as_array().unwrap().len();

    let created = api
        .post(
            &base,
            json!({
                "email_address": "new.person@digital.cabinet-office.gov.uk",
                "invited_by": example.user_id,
                "invite_link_host": "https://admin.example",
                "permissions": ["can_make_services_live"],
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let invite = &created.body["data"];
    let mut keys: Vec<&String> = invite.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_at",
            "email_address",
            "id",
            "invited_by",
            "organisation",
            "permissions",
            "status"
        ]
    );
    assert_eq!(invite["permissions"], json!(["can_make_services_live"]));
    assert_eq!(invite["status"], "pending");
    assert_eq!(invite["organisation"], org.to_string());
    assert_eq!(invite["invited_by"], example.user_id.to_string());
    let id = invite["id"].as_str().unwrap();

    let listed = api.get(&base).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), count + 1);
    let one = api.get(&format!("{base}/{id}")).await;
    assert_eq!(one.status, 200);
    assert_eq!(&one.body["data"], invite);
    let by_id = api.get(&format!("/invite/organisation/{id}")).await;
    assert_eq!(&by_id.body["data"], invite);

    let cancelled = api
        .post(&format!("{base}/{id}"), json!({"status": "cancelled"}))
        .await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["data"]["status"], "cancelled");
    let accepted = api
        .post(&format!("{base}/{id}"), json!({"status": "accepted"}))
        .await;
    assert_eq!(accepted.body["data"]["status"], "accepted");
    assert_eq!(
        api.get(&format!("{base}/{id}")).await.body["data"]["status"],
        "accepted"
    );

    let bad_status = api
        .post(&format!("{base}/{id}"), json!({"status": "maybe"}))
        .await;
    assert_eq!(
        validation_messages(&bad_status),
        ["status maybe is not one of [pending, accepted, cancelled, expired]"]
    );
}

#[tokio::test]
async fn invites_validate_and_404() {
    let server = start().await;
    let api = Api::new(&server);
    let org = server.seed().examples.organisation_id;
    let base = format!("/organisation/{org}/invite");
    let missing = api.post(&base, json!({})).await;
    assert_eq!(
        validation_messages(&missing),
        [
            "email_address is a required property",
            "invited_by is a required property"
        ]
    );
    let bad = api
        .post(
            &base,
            json!({"email_address": "not an email", "invited_by": "me"}),
        )
        .await;
    assert_eq!(
        validation_messages(&bad),
        [
            "email_address Not a valid email address",
            "invited_by is not a valid UUID"
        ]
    );
    let unknown_invite = api.get(&format!("{base}/{}", Uuid::new_v4())).await;
    assert_eq!(unknown_invite.status, 404);
    assert_eq!(
        unknown_invite.body,
        json!({"result": "error", "message": "No result found"})
    );
    let unknown_update = api
        .post(
            &format!("{base}/{}", Uuid::new_v4()),
            json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(unknown_update.status, 404);
    // Observed on the real API: the invite is looked up before the body is validated.
    let unknown_bad_status = api
        .post(
            &format!("{base}/{}", Uuid::new_v4()),
            json!({"status": "maybe"}),
        )
        .await;
    assert_eq!(
        unknown_bad_status.status, 404,
        "{}",
        unknown_bad_status.body
    );
    assert_eq!(
        unknown_bad_status.body,
        json!({"result": "error", "message": "No result found"})
    );
    // Observed on the real API: an unknown organisation has no invites, rather than a 404.
    let none = api
        .get(&format!("/organisation/{}/invite", Uuid::new_v4()))
        .await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.body, json!({"data": []}));
    let unknown_org = api
        .post(
            &format!("/organisation/{}/invite", Uuid::new_v4()),
            json!({"email_address": "a@b.gov.uk", "invited_by": Uuid::new_v4(), "permissions": []}),
        )
        .await;
    assert_eq!(unknown_org.status, 404);
}

/// Observed on the real API: the create body needs `permissions` (the endpoint reads it
/// unconditionally, so without it the answer is a 500, not a validation error), and nothing is
/// saved.
#[tokio::test]
async fn an_invite_without_permissions_is_500_and_saves_nothing() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let base = format!("/organisation/{}/invite", example.organisation_id);
    let count = api.get(&base).await.body["data"].as_array().unwrap().len();
    let reply = api
        .post(
            &base,
            json!({
                "email_address": "no.permissions@digital.cabinet-office.gov.uk",
                "invited_by": example.user_id,
                "invite_link_host": "https://admin.example",
            }),
        )
        .await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"result": "error", "message": "Internal server error"})
    );
    assert_eq!(
        api.get(&base).await.body["data"].as_array().unwrap().len(),
        count
    );
}

/// Observed on the real API: `permissions` may be empty, and every invite comes back with it.
#[tokio::test]
async fn invites_come_back_with_their_permissions() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let base = format!("/organisation/{}/invite", example.organisation_id);
    let created = api
        .post(
            &base,
            json!({
                "email_address": "empty.permissions@digital.cabinet-office.gov.uk",
                "invited_by": example.user_id,
                "permissions": [],
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["data"]["permissions"], json!([]));
    // Listed ones (seeded ones included) carry the field too.
    let listed = api.get(&base).await.body;
    for invite in listed["data"].as_array().unwrap() {
        assert!(invite["permissions"].is_array(), "{invite}");
    }
    let bad = api
        .post(
            &base,
            json!({
                "email_address": "bad.permissions@digital.cabinet-office.gov.uk",
                "invited_by": example.user_id,
                "permissions": ["can_do_anything"],
            }),
        )
        .await;
    assert_eq!(
        validation_messages(&bad),
        ["permissions can_do_anything is not one of [can_make_services_live]"]
    );
}

/// A stand-in that cannot queue emails saves the invite, then answers 500, as Notify's API
/// does without its email queue.
#[tokio::test]
async fn with_invite_emails_failing_an_invite_is_saved_then_500() {
    let server = notify_stub::StubServer::start(
        notify_stub::StubConfig::new(SECRET).invite_emails_fail(true),
    )
    .await
    .unwrap();
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let base = format!("/organisation/{}/invite", example.organisation_id);
    let before = api.get(&base).await.body["data"].as_array().unwrap().len();
    let created = api
        .post(
            &base,
            json!({"email_address": "queued.never@digital.cabinet-office.gov.uk",
                   "invited_by": example.user_id, "permissions": []}),
        )
        .await;
    assert_eq!(created.status, 500, "{}", created.body);
    let after = api.get(&base).await.body["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(after.len(), before + 1);
    assert!(
        after
            .iter()
            .any(|invite| invite["email_address"] == "queued.never@digital.cabinet-office.gov.uk")
    );
}
