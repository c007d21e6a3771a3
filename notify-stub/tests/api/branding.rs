//! Email and letter branding pools.

use crate::common;

use common::*;
use notify_stub::{NHS_EMAIL_BRANDING_ID, NHS_LETTER_BRANDING_ID};
use serde_json::{Value, json};
use uuid::Uuid;

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn email_pool_lists_adds_and_removes() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let path = format!(
        "/organisations/{}/email-branding-pool",
        example.organisation_id
    );
    let pool = api.get(&path).await;
    assert_eq!(pool.status, 200);
    let before = ids(&pool);
    assert!(before.contains(&example.email_branding_in_pool.to_string()));
    assert!(!before.contains(&example.email_branding_not_in_pool.to_string()));
    let first = &pool.body["data"][0];
    for field in [
        "id",
        "name",
        "colour",
        "logo",
        "text",
        "alt_text",
        "brand_type",
        "created_at",
        "created_by",
        "updated_at",
    ] {
        assert!(first.get(field).is_some(), "{field} missing from {first}");
    }

    let added = api
        .post(
            &path,
            json!({"branding_ids": [example.email_branding_not_in_pool]}),
        )
        .await;
    assert_eq!(added.status, 204, "{}", added.body);
    let after = ids(&api.get(&path).await);
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.contains(&example.email_branding_not_in_pool.to_string()));

    let removed = api
        .delete(&format!("{path}/{}", example.email_branding_not_in_pool))
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(ids(&api.get(&path).await), before);
    let not_in_pool = api
        .delete(&format!("{path}/{}", example.email_branding_not_in_pool))
        .await;
    assert_eq!(not_in_pool.status, 404);
    assert!(
        not_in_pool.body["message"]
            .as_str()
            .unwrap()
            .contains("not in Government Digital Service's pool")
    );

    let invalid = api.post(&path, json!({"branding_ids": ["x"]})).await;
    assert_eq!(
        validation_messages(&invalid),
        ["branding_ids is not a valid UUID"]
    );
    let missing = api.post(&path, json!({})).await;
    assert_eq!(
        validation_messages(&missing),
        ["branding_ids is a required property"]
    );
}

#[tokio::test]
async fn letter_pool_keeps_the_default_branding() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let org_path = format!("/organisations/{}", example.organisation_id);
    let default = api.get(&org_path).await.body["letter_branding_id"].clone();
    assert_ne!(default, Value::Null);
    let path = format!("{org_path}/letter-branding-pool");
    let pool = api.get(&path).await;
    assert_eq!(pool.status, 200);
    let before = ids(&pool);
    assert!(before.contains(&default.as_str().unwrap().to_owned()));
    assert!(pool.body["data"][0].get("filename").is_some());

    let refused = api
        .delete(&format!("{path}/{}", default.as_str().unwrap()))
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body["message"],
        "You cannot remove an organisation's default letter branding"
    );
    let removed = api
        .delete(&format!("{path}/{}", example.letter_branding_in_pool))
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(ids(&api.get(&path).await).len(), before.len() - 1);
    let restored = api
        .post(
            &path,
            json!({"branding_ids": [example.letter_branding_in_pool]}),
        )
        .await;
    assert_eq!(restored.status, 204);
    assert_eq!(ids(&api.get(&path).await).len(), before.len());
    let unknown_org = api
        .get(&format!(
            "/organisations/{}/letter-branding-pool",
            Uuid::new_v4()
        ))
        .await;
    assert_eq!(unknown_org.status, 404);
}

/// Observed on the real API: an id that is no branding makes adding to a pool a 404 ("No result
/// found"), and the known ids sent with it are not added either.
#[tokio::test]
async fn an_unknown_branding_added_to_a_pool_is_404_and_adds_nothing() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    for (pool, known) in [
        ("email", example.email_branding_not_in_pool),
        ("letter", example.letter_branding_in_pool),
    ] {
        let path = format!(
            "/organisations/{}/{pool}-branding-pool",
            example.organisation_id
        );
        if pool == "letter" {
            // Out of the pool first, so that adding it back would show.
            let removed = api.delete(&format!("{path}/{known}")).await;
            assert_eq!(removed.status, 204, "{}", removed.body);
        }
        let before = ids(&api.get(&path).await);
        let refused = api
            .post(&path, json!({"branding_ids": [known, Uuid::new_v4()]}))
            .await;
        assert_eq!(refused.status, 404, "{pool}: {}", refused.body);
        assert_eq!(
            refused.body,
            json!({"result": "error", "message": "No result found"}),
            "{pool}"
        );
        assert_eq!(ids(&api.get(&path).await), before, "{pool}: nothing added");
        // An email branding is no letter branding, and the other way round.
        let other_kind = match pool {
            "email" => NHS_LETTER_BRANDING_ID,
            _ => NHS_EMAIL_BRANDING_ID,
        };
        let wrong = api.post(&path, json!({"branding_ids": [other_kind]})).await;
        assert_eq!(wrong.status, 404, "{pool}: {}", wrong.body);
    }
}
