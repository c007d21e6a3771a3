//! Configuration from the admin app's variable names, without touching the process environment.

use std::collections::HashMap;
use std::net::TcpListener;

use cache::BackendKind;
use orgs_client::{Error, InvitesClient, OrganisationsClient};

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn lookup(vars: &[(&str, String)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[tokio::test]
async fn builds_without_connecting_to_the_api_or_redis() {
    let api = format!("http://127.0.0.1:{}", closed_port());
    let redis = format!("redis://127.0.0.1:{}", closed_port());
    let orgs = OrganisationsClient::from_vars(lookup(&[
        ("API_HOST_NAME", api.clone()),
        ("ADMIN_CLIENT_SECRET", "secret".into()),
        ("ROUTE_SECRET_KEY_1", "route".into()),
        ("REDIS_URL", redis),
        ("CACHE_TIMEOUT", "50ms".into()),
    ]))
    .expect("nothing is contacted while building");
    assert_eq!(orgs.api().base_url(), api);
    assert_eq!(orgs.api().client_id(), "notify-admin");
    assert_eq!(orgs.cache().backend_kind(), BackendKind::Redis);
    // Neither is reachable: the cache fails open, the API call is a 503.
    let error = orgs.get_organisations().await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
}

#[test]
fn redis_is_optional_and_can_be_switched_off() {
    let base = [
        ("API_HOST_NAME", "http://127.0.0.1:1".to_owned()),
        ("ADMIN_CLIENT_SECRET", "secret".to_owned()),
        ("ADMIN_CLIENT_USER_NAME", "another-admin".to_owned()),
    ];
    let orgs = OrganisationsClient::from_vars(lookup(&base)).unwrap();
    assert_eq!(orgs.cache().backend_kind(), BackendKind::Disabled);
    assert_eq!(orgs.api().client_id(), "another-admin");

    let mut off = base.to_vec();
    off.push(("REDIS_URL", "redis://127.0.0.1:1".into()));
    off.push(("REDIS_ENABLED", "0".into()));
    let orgs = OrganisationsClient::from_vars(lookup(&off)).unwrap();
    assert_eq!(orgs.cache().backend_kind(), BackendKind::Disabled);

    let invites = InvitesClient::from_vars(lookup(&base)).unwrap();
    assert_eq!(invites.api().client_id(), "another-admin");
}

#[test]
fn missing_or_invalid_settings_are_named() {
    let error = OrganisationsClient::from_vars(lookup(&[])).unwrap_err();
    assert!(
        matches!(&error, Error::Config(text) if text.contains("API_HOST_NAME")),
        "{error}"
    );

    let error = OrganisationsClient::from_vars(lookup(&[
        ("API_HOST_NAME", "http://127.0.0.1:1".into()),
        ("ADMIN_CLIENT_SECRET", "secret".into()),
        ("REDIS_ENABLED", "maybe".into()),
    ]))
    .unwrap_err();
    assert!(error.to_string().contains("REDIS_ENABLED"), "{error}");

    let error = OrganisationsClient::from_vars(lookup(&[
        ("API_HOST_NAME", "api.notifications.service.gov.uk".into()),
        ("ADMIN_CLIENT_SECRET", "secret".into()),
    ]))
    .unwrap_err();
    assert!(error.to_string().contains("base URL"), "{error}");
}
