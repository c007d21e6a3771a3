//! What the suite runs against: the stand-in by default, or the API `ORGS_CONTRACT_API_URL`
//! names, with the credentials the client's `from_vars` reads.

use std::env;

use jsonwebtoken::{EncodingKey, Header};
use notify_stub::{StubConfig, StubServer};
use orgs_client::{ApiClient, InvitesClient, OrganisationsClient};
use serde_json::{Value, json};
use uuid::Uuid;

/// The base URL of the API to check; unset: a stand-in per test.
pub const API_URL_VAR: &str = "ORGS_CONTRACT_API_URL";
/// The user the team and invite tests act with; found in the API's data when unset.
pub const USER_ID_VAR: &str = "ORGS_CONTRACT_USER_ID";

const STUB_SECRET: &str = "contract-admin-secret";
const STUB_ROUTE_SECRET: &str = "contract-route-secret";

/// Why a check that acts as a user was not made.
pub const NO_USER: &str = "no user to act with: set ORGS_CONTRACT_USER_ID (none found among the first organisations' teams)";

/// How many organisations' teams are looked through for a user when none is named.
const USER_SEARCH_LIMIT: usize = 25;

/// One API under test, and clients for it (with no cache: every call reaches the API).
pub struct Target {
    pub api: ApiClient,
    pub orgs: OrganisationsClient,
    pub invites: InvitesClient,
    client_id: String,
    secret: String,
    route_secret: Option<String>,
    http: reqwest::Client,
    /// The stand-in, when the suite runs against one; dropped (stopped) with the target.
    stub: Option<StubServer>,
}

impl Target {
    /// The API named by `ORGS_CONTRACT_API_URL`, or a fresh stand-in.
    pub async fn new() -> Target {
        let var = |name: &str| env::var(name).ok().filter(|value| !value.trim().is_empty());
        match var(API_URL_VAR) {
            Some(url) => {
                let lookup = |name: &str| match name {
                    orgs_client::vars::API_HOST_NAME => Some(url.clone()),
                    _ => var(name),
                };
                assert!(
                    lookup(orgs_client::vars::ADMIN_CLIENT_SECRET).is_some(),
                    "{API_URL_VAR} is set: set ADMIN_CLIENT_SECRET (and ROUTE_SECRET_KEY_1 if \
                     the API is behind its proxy) too"
                );
                Target::with(lookup, None)
            }
            None => Target::stand_in(|config| config).await,
        }
    }

    /// A fresh stand-in, whatever `ORGS_CONTRACT_API_URL` says, set up by `configure` (which
    /// gets the suite's secrets already set): for the suite's checks of its own verdicts.
    pub async fn stand_in(configure: impl FnOnce(StubConfig) -> StubConfig) -> Target {
        let config = StubConfig::new(STUB_SECRET).route_secret(STUB_ROUTE_SECRET);
        let stub = StubServer::start(configure(config))
            .await
            .expect("start the stand-in API");
        let url = stub.url();
        let lookup = |name: &str| match name {
            orgs_client::vars::API_HOST_NAME => Some(url.clone()),
            orgs_client::vars::ADMIN_CLIENT_SECRET => Some(STUB_SECRET.to_owned()),
            orgs_client::vars::ROUTE_SECRET_KEY_1 => Some(STUB_ROUTE_SECRET.to_owned()),
            _ => None,
        };
        Target::with(lookup, Some(stub))
    }

    fn with(lookup: impl Fn(&str) -> Option<String>, stub: Option<StubServer>) -> Target {
        let api = ApiClient::from_vars(&lookup).expect("a valid client configuration");
        Target {
            orgs: OrganisationsClient::new(api.clone(), cache::Cache::disabled()),
            invites: InvitesClient::new(api.clone()),
            client_id: api.client_id().to_owned(),
            secret: lookup(orgs_client::vars::ADMIN_CLIENT_SECRET).unwrap_or_default(),
            route_secret: lookup(orgs_client::vars::ROUTE_SECRET_KEY_1),
            http: reqwest::Client::new(),
            api,
            stub,
        }
    }

    /// The route secret configured, if any.
    pub fn route_secret(&self) -> Option<&str> {
        self.route_secret.as_deref()
    }

    /// A user to act with: `ORGS_CONTRACT_USER_ID`, the stand-in's example user, or the first
    /// member found among the first organisations. `None` when there is none to be found.
    pub async fn user_id(&self) -> Option<Uuid> {
        if let Some(id) = env::var(USER_ID_VAR).ok().filter(|v| !v.trim().is_empty()) {
            return Some(Uuid::parse_str(id.trim()).expect("ORGS_CONTRACT_USER_ID is a UUID"));
        }
        if let Some(stub) = &self.stub {
            return Some(stub.seed().examples.user_id);
        }
        let organisations = self.orgs.get_organisations().await.ok()?;
        for organisation in organisations
            .iter()
            .filter(|o| o.active)
            .take(USER_SEARCH_LIMIT)
        {
            let users = self
                .orgs
                .get_organisation_users(organisation.id)
                .await
                .ok()?;
            if let Some(user) = users.first() {
                return Some(user.id);
            }
        }
        None
    }

    /// A token as the client makes one, with these claims, signed with the configured secret.
    pub fn token(&self, claims: Value) -> String {
        orgs_client::install_jwt_crypto();
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )
        .expect("sign a token")
    }

    /// Claims `{iss, iat}` with `iat` this many seconds from now.
    pub fn claims(&self, iat_offset: i64) -> Value {
        json!({"iss": self.client_id, "iat": now() + iat_offset})
    }

    /// `GET path` with this bearer token (and the route secret, if configured), outside the
    /// client: the status and the JSON body (`Null` when there is none).
    pub async fn get_with_token(&self, path: &str, token: &str) -> (u16, Value) {
        let mut request = self
            .http
            .get(format!("{}{path}", self.api.base_url()))
            .bearer_auth(token);
        if let Some(route_secret) = &self.route_secret {
            request = request.header("X-Custom-Forwarder", route_secret);
        }
        let response = request.send().await.expect("a response");
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("a body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64
}
