//! Secrets (admin secret, route secret, a service key's secret, tokens) never show in `Debug`,
//! `Display` or logs.

mod common;

use common::capture::Captured;
use common::{ADMIN_SECRET, ROUTE_SECRET};
use notify_stub::{StubConfig, StubServer};
use orgs_client::{ApiClient, ApiClientBuilder, InvitesClient, OrganisationsClient, ServiceApiKey};
use uuid::Uuid;

const KEY_SECRET: &str = "0a6e1c5d-4b5b-4c63-9b0e-5d5e3f1a2b3c";

fn assert_hidden(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret:?} shown in:\n{shown}");
    }
    // The start of any JWT: `{"typ":"JWT"` or `{"alg":` base64-encoded.
    assert!(!shown.contains("eyJ"), "a token shown in:\n{shown}");
}

#[test]
fn debug_and_display_hide_secrets() {
    let key = ServiceApiKey::parse(&format!("key-{}-{KEY_SECRET}", Uuid::new_v4())).unwrap();
    let builder = ApiClientBuilder::new("http://127.0.0.1:1")
        .secret(ADMIN_SECRET)
        .route_secret(ROUTE_SECRET);
    let api = builder.clone().build().unwrap();
    let service_api = ApiClient::builder("http://127.0.0.1:1")
        .service_api_key(&key)
        .route_secret(ROUTE_SECRET)
        .build()
        .unwrap();
    let orgs = OrganisationsClient::new(api.clone(), cache::Cache::in_memory());
    let invites = InvitesClient::new(service_api.clone());
    let bad_key = ServiceApiKey::parse(&format!(
        "key-not-a-service-id-at-all-xxxxxxxxx-{KEY_SECRET}"
    ))
    .unwrap_err();
    let bad_key_error = orgs_client::Error::from(bad_key.clone());

    let shown = format!(
        "{key:?}\n{builder:?}\n{api:?}\n{service_api:?}\n{orgs:?}\n{invites:?}\n{bad_key}\n{bad_key:?}\n{bad_key_error}\n{bad_key_error:?}"
    );
    assert_hidden(&shown, &[ADMIN_SECRET, ROUTE_SECRET, KEY_SECRET]);
    assert!(shown.contains("***"), "{shown}");
}

#[test]
fn configuration_errors_do_not_show_secrets() {
    let error = ApiClient::builder("http://x")
        .secret(ADMIN_SECRET)
        .route_secret(format!("{ROUTE_SECRET}\n"))
        .build()
        .unwrap_err();
    assert_hidden(&format!("{error} {error:?}"), &[ADMIN_SECRET, ROUTE_SECRET]);

    let vars = |name: &str| match name {
        "API_HOST_NAME" => Some("http://127.0.0.1:1".to_owned()),
        "ADMIN_CLIENT_SECRET" => Some(ADMIN_SECRET.to_owned()),
        "REDIS_URL" => Some("http://user:redis-hunter2@host".to_owned()),
        _ => None,
    };
    let error = OrganisationsClient::from_vars(vars).unwrap_err();
    assert_hidden(
        &format!("{error} {error:?}"),
        &[ADMIN_SECRET, "redis-hunter2"],
    );
}

#[test]
fn logs_never_show_secrets_or_tokens() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let service_id = Uuid::new_v4();
        let stub = StubServer::start(
            StubConfig::new(ADMIN_SECRET)
                .route_secret(ROUTE_SECRET)
                .service_api_key(service_id, KEY_SECRET),
        )
        .await
        .unwrap();
        let e = stub.seed().examples.clone();
        let orgs = OrganisationsClient::new(common::api(&stub), cache::Cache::in_memory());
        // Successes, cache hits, writes, and every kind of failure.
        orgs.get_organisations().await.unwrap();
        orgs.get_organisations().await.unwrap();
        orgs.update_organisation(
            e.organisation_id,
            &orgs_client::OrganisationUpdate::new().notes(None),
        )
        .await
        .unwrap();
        orgs.get_organisation(Uuid::new_v4()).await.unwrap_err();
        let wrong_secret = ApiClient::builder(stub.url())
            .secret("wrong-admin-secret")
            .route_secret(ROUTE_SECRET)
            .build()
            .unwrap();
        OrganisationsClient::new(wrong_secret, cache::Cache::disabled())
            .get_organisations()
            .await
            .unwrap_err();
        let key = ServiceApiKey::parse(&format!("k-{service_id}-{KEY_SECRET}")).unwrap();
        let as_service = ApiClient::builder(stub.url())
            .service_api_key(&key)
            .route_secret(ROUTE_SECRET)
            .build()
            .unwrap();
        OrganisationsClient::new(as_service, cache::Cache::disabled())
            .get_organisations()
            .await
            .unwrap();
        let closed = ApiClient::builder("http://127.0.0.1:1")
            .secret(ADMIN_SECRET)
            .route_secret(ROUTE_SECRET)
            .build()
            .unwrap();
        OrganisationsClient::new(closed, cache::Cache::disabled())
            .get_organisations()
            .await
            .unwrap_err();
        stub.shutdown().await;
    });
    let logs = captured.text();
    // The capture works: requests and their outcomes were logged.
    assert!(logs.contains("Notify API request"), "{logs}");
    assert!(logs.contains("status=403"), "{logs}");
    assert!(logs.contains("got no response"), "{logs}");
    assert_hidden(
        &logs,
        &[ADMIN_SECRET, ROUTE_SECRET, KEY_SECRET, "wrong-admin-secret"],
    );
}
