//! Authentication: tokens, the route secret, service API keys, and the headers every request carries.

use crate::common;

use std::collections::HashSet;

use common::raw_server::RawServer;
use common::{ADMIN_SECRET, ROUTE_SECRET};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use notify_stub::{StubConfig, StubServer};
use orgs_client::{
    ApiClient, Error, InvitesClient, NewOrganisation, OrganisationType, OrganisationUpdate,
    OrganisationsClient, ServiceApiKey,
};
use serde_json::{Value, json};
use uuid::Uuid;

fn client(api: ApiClient) -> OrganisationsClient {
    OrganisationsClient::new(api, cache::Cache::disabled())
}

async fn listing_error(api: ApiClient) -> Error {
    client(api).get_organisations().await.unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secrets_and_issuers_are_refused_with_the_apis_message() {
    let stub = common::stub().await;
    let base = || ApiClient::builder(stub.url()).route_secret(ROUTE_SECRET);

    let error = listing_error(base().secret("not-the-secret").build().unwrap()).await;
    assert_eq!(error.status(), Some(403), "{error}");
    assert_eq!(
        error.api_message(),
        Some("token: Invalid token: API key not found")
    );
    let Error::Api { details, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        details.as_ref().and_then(|d| d["token"][0].as_str()),
        Some("Invalid token: API key not found")
    );

    // An issuer that looks like a service id but is unknown.
    let unknown_service = base()
        .client_id(Uuid::new_v4().to_string())
        .secret(ADMIN_SECRET)
        .build()
        .unwrap();
    let error = listing_error(unknown_service).await;
    assert_eq!(error.status(), Some(403), "{error}");
    assert_eq!(
        error.api_message(),
        Some("token: Invalid token: service not found")
    );

    // Any other issuer may not call admin endpoints (Notify answers 401 here).
    let stranger = base()
        .client_id("someone-else")
        .secret(ADMIN_SECRET)
        .build()
        .unwrap();
    let error = listing_error(stranger).await;
    assert_eq!(error.status(), Some(401), "{error}");
    assert_eq!(
        error.api_message(),
        Some("token: Unauthorized: not allowed to perform this action")
    );

    // The right credentials work.
    let ok = base().secret(ADMIN_SECRET).build().unwrap();
    assert!(!client(ok).get_organisations().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route_secret_is_enforced() {
    let stub = common::stub().await;
    let without = ApiClient::builder(stub.url())
        .secret(ADMIN_SECRET)
        .build()
        .unwrap();
    let error = listing_error(without).await;
    assert_eq!(error.status(), Some(403), "{error}");
    assert_eq!(
        error.api_message(),
        Some("Forbidden: X-Custom-Forwarder header missing")
    );

    let wrong = ApiClient::builder(stub.url())
        .secret(ADMIN_SECRET)
        .route_secret("not-the-route-secret")
        .build()
        .unwrap();
    let error = listing_error(wrong).await;
    assert_eq!(error.status(), Some(403), "{error}");
    assert!(
        !error.to_string().contains("not-the-route-secret"),
        "{error}"
    );

    assert!(client(common::api(&stub)).get_organisations().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_api_key_authenticates_as_its_service() {
    let service_id = Uuid::new_v4();
    let secret = Uuid::new_v4().to_string();
    let stub =
        StubServer::start(StubConfig::new(ADMIN_SECRET).service_api_key(service_id, &secret))
            .await
            .unwrap();
    let key = ServiceApiKey::parse(&format!("my_service_key-{service_id}-{secret}")).unwrap();
    let api = ApiClient::builder(stub.url())
        .service_api_key(&key)
        .build()
        .unwrap();
    assert_eq!(api.client_id(), service_id.to_string());
    let examples = stub.seed().examples.clone();
    let organisation = client(api)
        .get_organisation(examples.organisation_id)
        .await
        .unwrap();
    assert_eq!(organisation.name, examples.organisation_name);

    // The same service id with another secret is refused.
    let wrong = ServiceApiKey::parse(&format!("k-{service_id}-{}", Uuid::new_v4())).unwrap();
    let api = ApiClient::builder(stub.url())
        .service_api_key(&wrong)
        .build()
        .unwrap();
    let error = listing_error(api).await;
    assert_eq!(error.status(), Some(403), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_carries_a_fresh_token_the_route_secret_and_the_user_agent() {
    let server = RawServer::start(204, "application/json", "").await;
    let api = ApiClient::builder(&server.url)
        .secret("raw-secret")
        .route_secret("raw-route")
        .build()
        .unwrap();
    let orgs = client(api);
    let org = Uuid::new_v4();
    orgs.update_service_organisation(org, Uuid::new_v4())
        .await
        .unwrap();
    orgs.remove_user_from_organisation(org, Uuid::new_v4())
        .await
        .unwrap();
    orgs.archive_organisation(org).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = false;
    validation.set_issuer(&["notify-admin"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for request in &requests {
        let bearer = request
            .header("authorization")
            .expect("an Authorization header");
        let token = bearer.strip_prefix("Bearer ").expect("the Bearer scheme");
        let claims = jsonwebtoken::decode::<Value>(
            token,
            &DecodingKey::from_secret(b"raw-secret"),
            &validation,
        )
        .expect("a token signed with the secret")
        .claims;
        let iat = claims["iat"].as_u64().unwrap();
        assert!(now.abs_diff(iat) <= 5, "iat {iat} vs now {now}");
        assert_eq!(claims.as_object().unwrap().len(), 2, "{claims}");
        assert_eq!(
            request.header("x-custom-forwarder").as_deref(),
            Some("raw-route")
        );
        assert_eq!(
            request.header("user-agent"),
            Some(format!("orgs-client/{}", env!("CARGO_PKG_VERSION")))
        );
    }

    let [link, remove, archive] = &requests[..] else {
        unreachable!()
    };
    assert!(
        link.request_line()
            .starts_with(&format!("POST /organisations/{org}/service "))
    );
    assert_eq!(
        link.header("content-type").as_deref(),
        Some("application/json")
    );
    let body: Value = serde_json::from_str(&link.body).unwrap();
    assert!(body["service_id"].is_string(), "{body}");

    assert!(remove.request_line().starts_with("DELETE "));
    // The API ignores a body here, so none is sent.
    assert_eq!(remove.body, "");
    assert!(remove.header("content-type").is_none());

    assert!(
        archive
            .request_line()
            .starts_with(&format!("POST /organisations/{org}/archive "))
    );
}

/// The exact bodies of the writes Notify's real API refused from earlier versions of this
/// client: a create must carry a boolean `crown` and no actor, an update no actor, and an invite
/// its `permissions`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_bodies_are_what_the_real_api_accepts() {
    let server = RawServer::start(
        201,
        "application/json",
        r#"{"id": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6", "name": "X", "active": true}"#,
    )
    .await;
    let api = ApiClient::builder(&server.url).secret("s").build().unwrap();
    let orgs = client(api.clone());
    let org = Uuid::new_v4();
    orgs.create_organisation(&NewOrganisation::new("X", OrganisationType::Local, false))
        .await
        .unwrap();
    orgs.create_organisation(
        &NewOrganisation::new("Y", OrganisationType::NhsNotify, true).agreement_signed(true),
    )
    .await
    .unwrap();
    let bodies: Vec<Value> = server
        .requests()
        .iter()
        .map(|request| serde_json::from_str(&request.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"name": "X", "crown": false, "organisation_type": "local", "agreement_signed": null}),
            json!({"name": "Y", "crown": true, "organisation_type": "nhs_notify", "agreement_signed": true}),
        ]
    );
    // No route secret configured: no header.
    assert!(server.requests()[0].header("x-custom-forwarder").is_none());

    // An update lists the organisation's services first (`[]` here), then sends only the
    // fields set.
    let server = RawServer::start(200, "application/json", "[]").await;
    let api = ApiClient::builder(&server.url).secret("s").build().unwrap();
    client(api.clone())
        .update_organisation(org, &OrganisationUpdate::new().name("Z"))
        .await
        .unwrap();
    let update = server.requests().pop().unwrap();
    assert!(
        update
            .request_line()
            .starts_with(&format!("POST /organisations/{org} "))
    );
    assert_eq!(
        serde_json::from_str::<Value>(&update.body).unwrap(),
        json!({"name": "Z"})
    );

    // `[]` is not an invite, so these calls fail to decode; the bodies sent are what matter.
    let invites = InvitesClient::new(api);
    let inviter = Uuid::new_v4();
    let _ = invites
        .create_invite(org, "a@b.gov.uk", inviter, "https://admin.example", &[])
        .await;
    let _ = invites
        .create_invite(
            org,
            "c@d.gov.uk",
            inviter,
            "https://admin.example",
            &["can_make_services_live"],
        )
        .await;
    let invite_bodies: Vec<Value> = server
        .requests()
        .iter()
        .filter(|request| request.request_line().contains("/invite "))
        .map(|request| serde_json::from_str(&request.body).unwrap())
        .collect();
    assert_eq!(
        invite_bodies,
        [
            json!({
                "email_address": "a@b.gov.uk", "invited_by": inviter,
                "invite_link_host": "https://admin.example", "permissions": []
            }),
            json!({
                "email_address": "c@d.gov.uk", "invited_by": inviter,
                "invite_link_host": "https://admin.example",
                "permissions": ["can_make_services_live"]
            }),
        ]
    );
}
