//! Token and route-secret checks, each failure with its own status and message.

use crate::common;

use common::*;
use notify_stub::{StubConfig, StubServer};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

/// Sends GET /organisations with this Authorization header (or none).
async fn with_auth(server: &StubServer, authorization: Option<&str>) -> Reply {
    let client = http_client();
    let mut request = client.get(format!("{}/organisations", server.url()));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    send(request).await
}

async fn with_token(server: &StubServer, token: &str) -> Reply {
    with_auth(server, Some(&format!("Bearer {token}"))).await
}

fn assert_token_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"result": "error", "message": {"token": [message]}})
    );
}

#[tokio::test]
async fn a_fresh_admin_token_is_accepted() {
    let server = start().await;
    let reply = with_token(&server, &admin_token()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.as_array().unwrap().len(), 300);
    // The scheme is matched case-insensitively, as Notify's `.title()` does.
    let reply = with_auth(&server, Some(&format!("bearer {}", admin_token()))).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn missing_and_non_bearer_headers_are_401() {
    let server = start().await;
    assert_token_error(
        &with_auth(&server, None).await,
        401,
        "Unauthorized: authentication token must be provided",
    );
    assert_token_error(
        &with_auth(&server, Some("Basic bm90aWZ5OnNlY3JldA==")).await,
        401,
        "Unauthorized: authentication bearer scheme must be used",
    );
    assert_token_error(
        &with_auth(&server, Some("Bear")).await,
        401,
        "Unauthorized: authentication bearer scheme must be used",
    );
}

#[tokio::test]
async fn undecodable_tokens_are_403() {
    let server = start().await;
    let general = "Invalid token: make sure your API token matches the example at \
                   https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header";
    for token in ["not-a-jwt", "a.b.c", "e30.e30", "e30.e30.e30.e30"] {
        assert_token_error(&with_token(&server, token).await, 403, general);
    }
}

#[tokio::test]
async fn issuer_problems_each_have_a_message() {
    let server = start().await;
    let no_iss = signed("HS256", json!({"iat": now()}), SECRET);
    assert_token_error(
        &with_token(&server, &no_iss).await,
        403,
        "Invalid token: iss field not provided",
    );
    assert_token_error(
        &with_token(&server, &token_with("notify-admn", SECRET, 0)).await,
        401,
        "Unauthorized: not allowed to perform this action",
    );
    let unknown_service = Uuid::new_v4().to_string();
    assert_token_error(
        &with_token(&server, &token_with(&unknown_service, SECRET, 0)).await,
        403,
        "Invalid token: service not found",
    );
}

#[tokio::test]
async fn only_hs256_is_accepted() {
    let server = start().await;
    let claims = json!({"iss": "notify-admin", "iat": now()});
    let none = unsigned(claims.clone());
    assert_token_error(
        &with_token(&server, &none).await,
        403,
        "Invalid token: algorithm used is not HS256",
    );
    let hs512 = signed("HS512", claims, SECRET);
    assert_token_error(
        &with_token(&server, &hs512).await,
        403,
        "Invalid token: algorithm used is not HS256",
    );
}

#[tokio::test]
async fn a_wrong_secret_is_refused() {
    let server = start().await;
    assert_token_error(
        &with_token(&server, &token_with("notify-admin", "not-the-secret", 0)).await,
        403,
        "Invalid token: API key not found",
    );
    // A token whose claims were changed after signing fails the same way.
    let good = admin_token();
    let mut parts: Vec<&str> = good.split('.').collect();
    let forged = common::unsigned(json!({"iss": "notify-admin", "iat": now() + 1}));
    let forged_claims = forged.split('.').nth(1).unwrap();
    parts[1] = forged_claims;
    assert_token_error(
        &with_token(&server, &parts.join(".")).await,
        403,
        "Invalid token: API key not found",
    );
}

/// Observed on the real API: one message for an `iat` too far behind or ahead.
#[tokio::test]
async fn iat_more_than_30_seconds_off_either_way_is_403_system_clock() {
    let server = start().await;
    for offset in [-60, 60, -3600, 3600] {
        assert_token_error(
            &with_token(&server, &token_with("notify-admin", SECRET, offset)).await,
            403,
            "Error: Your system clock must be accurate to within 30 seconds",
        );
    }
    // Well inside the bound (leaving room for the seconds a loaded machine may take between
    // signing and checking).
    for offset in [-20, 20] {
        let reply = with_token(&server, &token_with("notify-admin", SECRET, offset)).await;
        assert_eq!(reply.status, 200, "iat offset {offset}: {}", reply.body);
    }
}

/// Observed on the real API: a correctly signed token without `iat` is refused as if no key
/// matched.
#[tokio::test]
async fn a_token_without_iat_is_403_api_key_not_found() {
    let server = start().await;
    let no_iat = signed("HS256", json!({"iss": "notify-admin"}), SECRET);
    assert_token_error(
        &with_token(&server, &no_iat).await,
        403,
        "Invalid token: API key not found",
    );
}

#[tokio::test]
async fn service_api_keys_and_a_custom_admin_id_are_known_clients() {
    let service_id = Uuid::new_v4();
    let server = StubServer::start(
        StubConfig::new("admin")
            .admin_client_id("admin-app")
            .service_api_key(service_id, "key-secret"),
    )
    .await
    .unwrap();
    let id = service_id.to_string();
    assert_eq!(
        with_token(&server, &token_with(&id, "key-secret", 0))
            .await
            .status,
        200
    );
    assert_eq!(
        with_token(&server, &token_with("admin-app", "admin", 0))
            .await
            .status,
        200
    );
    assert_token_error(
        &with_token(&server, &token_with(&id, "admin", 0)).await,
        403,
        "Invalid token: API key not found",
    );
    // The default id is not known once another is configured.
    assert_token_error(
        &with_token(&server, &token_with("notify-admin", "admin", 0)).await,
        401,
        "Unauthorized: not allowed to perform this action",
    );
}

/// The proxy is on by default: with a route secret configured, the header is checked first.
#[tokio::test]
async fn the_route_secret_is_enforced_before_the_token() {
    let server = StubServer::start(StubConfig::new(SECRET).route_secret("route-secret"))
        .await
        .unwrap();
    let api = Api::new(&server);
    let missing = send(api.request(Method::GET, "/organisations")).await;
    assert_eq!(missing.status, 403);
    assert_eq!(
        missing.body,
        json!({"result": "error", "message": "Forbidden: X-Custom-Forwarder header missing"})
    );
    let wrong = send(
        api.request(Method::GET, "/organisations")
            .header("X-Custom-Forwarder", "guess"),
    )
    .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(
        wrong.body["message"],
        "Forbidden: X-Custom-Forwarder header does not match the route secret"
    );
    let right = send(
        api.request(Method::GET, "/organisations")
            .header("X-Custom-Forwarder", "route-secret"),
    )
    .await;
    assert_eq!(right.status, 200);
    // No token but the right header: now the token is what is missing.
    let no_token = send(
        api.raw()
            .get(format!("{}/organisations", server.url()))
            .header("X-Custom-Forwarder", "route-secret"),
    )
    .await;
    assert_eq!(no_token.status, 401);
    // Without a configured secret the header is not needed (see the other tests).
    assert_eq!(server.requests(), 4);
}

/// The real API application never checks `X-Custom-Forwarder` (the proxy in front of it
/// does); with the proxy switched off the stand-in is that application alone.
#[tokio::test]
async fn without_the_proxy_the_route_secret_header_is_not_checked() {
    let server = StubServer::start(
        StubConfig::new(SECRET)
            .route_secret("route-secret")
            .proxy(false),
    )
    .await
    .unwrap();
    let api = Api::new(&server);
    let missing = send(api.request(Method::GET, "/organisations")).await;
    assert_eq!(missing.status, 200, "{}", missing.body);
    let wrong = send(
        api.request(Method::GET, "/organisations")
            .header("X-Custom-Forwarder", "guess"),
    )
    .await;
    assert_eq!(wrong.status, 200, "{}", wrong.body);
    // The API's own checks still apply.
    let no_token = send(api.raw().get(format!("{}/organisations", server.url()))).await;
    assert_eq!(no_token.status, 401);
}

#[tokio::test]
async fn the_status_endpoint_needs_no_token() {
    let server = start().await;
    let reply = send(http_client().get(format!("{}/_status", server.url()))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"status": "ok"}));
}
