//! An organisation's services, usage and team.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn services_are_active_first_then_by_name() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let reply = api
        .get(&format!(
            "/organisations/{}/services",
            example.organisation_id
        ))
        .await;
    assert_eq!(reply.status, 200);
    let services = reply.body.as_array().unwrap();
    assert!(services.len() >= 6);
    assert!(
        services
            .iter()
            .any(|s| s["id"] == example.service_id.to_string())
    );
    for s in services {
        let mut keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["active", "id", "name", "restricted"]);
    }
    let order: Vec<(bool, String)> = services
        .iter()
        .map(|s| {
            (
                !s["active"].as_bool().unwrap(),
                s["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected = order.clone();
    expected.sort();
    assert_eq!(order, expected);
    // The organisation's live count agrees with its services.
    let live = services
        .iter()
        .filter(|s| s["active"] == true && s["restricted"] == false)
        .count();
    let org = api
        .get(&format!("/organisations/{}", example.organisation_id))
        .await;
    assert_eq!(org.body["count_of_live_services"], live);
    let none = api
        .get(&format!(
            "/organisations/{}/services",
            example.organisation_without_services_id
        ))
        .await;
    assert_eq!(none.body, json!([]));
    let unknown = api
        .get(&format!("/organisations/{}/services", Uuid::new_v4()))
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn linking_a_service_moves_it_into_the_organisation() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let org = example.organisation_without_services_id;
    let reply = api
        .post(
            &format!("/organisations/{org}/service"),
            json!({"service_id": example.unassigned_service_id}),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let services = api
        .get(&format!("/organisations/{org}/services"))
        .await
        .body;
    assert_eq!(services.as_array().unwrap().len(), 1);
    assert_eq!(services[0]["id"], example.unassigned_service_id.to_string());

    let invalid = api
        .post(
            &format!("/organisations/{org}/service"),
            json!({"service_id": "nope"}),
        )
        .await;
    assert_eq!(
        validation_messages(&invalid),
        ["service_id is not a valid UUID"]
    );
    let missing = api
        .post(&format!("/organisations/{org}/service"), json!({}))
        .await;
    assert_eq!(
        validation_messages(&missing),
        ["service_id is a required property"]
    );
    let unknown = api
        .post(
            &format!("/organisations/{org}/service"),
            json!({"service_id": Uuid::new_v4()}),
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn services_with_usage_needs_a_year() {
    let server = start().await;
    let api = Api::new(&server);
    let org = server.seed().examples.organisation_id;
    let reply = api
        .get(&format!(
            "/organisations/{org}/services-with-usage?year=2023"
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let services = reply.body["services"].as_array().unwrap();
    assert!(!services.is_empty());
    for s in services {
        for field in [
            "service_id",
            "service_name",
            "free_sms_limit",
            "sms_remainder",
            "sms_billable_units",
            "chargeable_billable_sms",
            "sms_cost",
            "letter_cost",
            "emails_sent",
            "active",
        ] {
            assert!(s.get(field).is_some(), "{field} missing from {s}");
        }
    }
    assert_eq!(reply.body["updated_at"], Value::Null);
    // The same year gives the same figures.
    let again = api
        .get(&format!(
            "/organisations/{org}/services-with-usage?year=2023"
        ))
        .await;
    assert_eq!(again.body, reply.body);
    for bad in ["", "?year=", "?year=last"] {
        let reply = api
            .get(&format!("/organisations/{org}/services-with-usage{bad}"))
            .await;
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(
            reply.body,
            json!({"result": "error", "message": "No valid year provided"})
        );
    }
}

#[tokio::test]
async fn users_are_listed_and_can_be_removed() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let path = format!("/organisations/{}/users", example.organisation_id);
    let reply = api.get(&path).await;
    assert_eq!(reply.status, 200);
    let users = reply.body["data"].as_array().unwrap();
    assert!(users.len() >= 2);
    let user = users
        .iter()
        .find(|u| u["id"] == example.user_id.to_string())
        .expect("the example user is listed");
    for field in [
        "id",
        "name",
        "email_address",
        "auth_type",
        "mobile_number",
        "organisations",
        "organisation_permissions",
        "permissions",
        "platform_admin",
        "services",
        "state",
        "logged_in_at",
        "password_changed_at",
    ] {
        assert!(user.get(field).is_some(), "{field} missing from {user}");
    }
    assert!(
        user["organisations"]
            .as_array()
            .unwrap()
            .contains(&json!(example.organisation_id.to_string()))
    );
    assert_eq!(user["state"], "active");

    let removed = api.delete(&format!("{path}/{}", example.user_id)).await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let after = api.get(&path).await;
    assert_eq!(
        after.body["data"].as_array().unwrap().len(),
        users.len() - 1
    );
    let again = api.delete(&format!("{path}/{}", example.user_id)).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.body["message"], "User not found");
    let unknown = api.delete(&format!("{path}/{}", Uuid::new_v4())).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["message"], "No result found");

    // And added back, with a permission.
    let added = api
        .post(
            &format!("{path}/{}", example.user_id),
            json!({"permissions": [{"permission": "can_make_services_live"}]}),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(
        added.body["data"]["organisation_permissions"][example.organisation_id.to_string()],
        json!(["can_make_services_live"])
    );
    assert_eq!(
        api.get(&path).await.body["data"].as_array().unwrap().len(),
        users.len()
    );
}

/// Observed on the real API: the users of an organisation that does not exist are an empty
/// list, not a 404.
#[tokio::test]
async fn users_of_an_unknown_organisation_are_200_and_empty() {
    let server = start().await;
    let reply = Api::new(&server)
        .get(&format!("/organisations/{}/users", Uuid::new_v4()))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, json!({"data": []}));
}

/// Observed on the real API: users carry `created_at` and `receives_new_features_email`.
#[tokio::test]
async fn users_carry_created_at_and_receives_new_features_email() {
    let server = start().await;
    let org = server.seed().examples.organisation_id;
    let reply = Api::new(&server)
        .get(&format!("/organisations/{org}/users"))
        .await;
    let users = reply.body["data"].as_array().unwrap();
    assert!(!users.is_empty());
    for user in users {
        let created_at = user["created_at"].as_str().expect("created_at is text");
        assert!(
            created_at.ends_with('Z') && created_at.contains('T'),
            "{user}"
        );
        assert!(user["receives_new_features_email"].is_boolean(), "{user}");
    }
}

/// Observed on the real API: a body on `DELETE …/users/{user_id}` (the admin app sends its
/// acting user) is ignored, whatever it holds.
#[tokio::test]
async fn removing_a_user_ignores_any_body() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let path = format!(
        "/organisations/{}/users/{}",
        example.organisation_id, example.user_id
    );
    let removed = send(
        api.request(Method::DELETE, &path)
            .json(&json!({"created_by": Uuid::new_v4(), "anything": [1, 2]})),
    )
    .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let users = api
        .get(&format!("/organisations/{}/users", example.organisation_id))
        .await;
    assert!(
        !users.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == example.user_id.to_string())
    );
    // Not even JSON, and not said to be.
    let again = send(api.request(Method::DELETE, &path).body("not json")).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.body["message"], "User not found");
}
