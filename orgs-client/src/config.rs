//! Configuring an [`ApiClient`]: the builder, its defaults, and the admin app's environment names.

use std::fmt;
use std::time::Duration;

use crate::api_client::ApiClient;
use crate::secret::Secret;
use crate::{Error, ServiceApiKey};

/// Client id the admin app authenticates as.
pub const DEFAULT_CLIENT_ID: &str = "notify-admin";

/// How long a request may take before it counts as no response (as Notify's Python client).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The `User-Agent` of every request: this crate's name and version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Environment variables read by [`ApiClientBuilder::from_vars`], named as in Notify's admin app.
pub mod vars {
    /// Base URL of the API, e.g. `https://api.notifications.service.gov.uk`.
    pub const API_HOST_NAME: &str = "API_HOST_NAME";
    /// Client id (token issuer); `notify-admin` when unset.
    pub const ADMIN_CLIENT_USER_NAME: &str = "ADMIN_CLIENT_USER_NAME";
    /// Secret that signs tokens.
    pub const ADMIN_CLIENT_SECRET: &str = "ADMIN_CLIENT_SECRET";
    /// Sent as `X-Custom-Forwarder` when set.
    pub const ROUTE_SECRET_KEY_1: &str = "ROUTE_SECRET_KEY_1";
}

/// Configures an [`ApiClient`]. Start from [`ApiClient::builder`] or [`ApiClientBuilder::from_env`].
///
/// ```
/// use std::time::Duration;
/// use orgs_client::ApiClient;
///
/// let api = ApiClient::builder("https://api.notifications.service.gov.uk")
///     .secret("admin-secret")              // client id stays `notify-admin`
///     .route_secret("route-secret")        // sent as X-Custom-Forwarder
///     .timeout(Duration::from_secs(10))
///     .build()?;                           // never connects
/// assert_eq!(api.client_id(), "notify-admin");
/// # Ok::<(), orgs_client::Error>(())
/// ```
///
/// `Debug` shows `***` for the secret and the route secret.
#[derive(Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ApiClientBuilder {
    pub(crate) base_url: String,
    pub(crate) client_id: String,
    pub(crate) secret: Option<Secret>,
    pub(crate) route_secret: Option<Secret>,
    pub(crate) timeout: Duration,
}

impl ApiClientBuilder {
    /// A builder for the API at `base_url`, as client `notify-admin`, with no secret yet.
    pub fn new(base_url: impl Into<String>) -> Self {
        ApiClientBuilder {
            base_url: base_url.into(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            secret: None,
            route_secret: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The token issuer (`iss`); `notify-admin` by default.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// The secret that signs tokens (the admin app's `ADMIN_CLIENT_SECRET`).
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(Secret::new(secret));
        self
    }

    /// Authenticates as a service: the issuer becomes the key's service id and the key's secret
    /// signs tokens. Parse the key with [`ServiceApiKey::parse`].
    pub fn service_api_key(mut self, key: &ServiceApiKey) -> Self {
        self.client_id = key.service_id().to_string();
        self.secret = Some(key.secret().clone());
        self
    }

    /// Sends `X-Custom-Forwarder: <secret>` on every request, to call the API without the proxy
    /// that normally adds it.
    pub fn route_secret(mut self, secret: impl Into<String>) -> Self {
        self.route_secret = Some(Secret::new(secret));
        self
    }

    /// How long a request may take in all (30 s by default); a slower one fails with status 503.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A builder configured from the process environment (see [`from_vars`](Self::from_vars)).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// A builder configured through `lookup`, with the admin app's names:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `API_HOST_NAME` | base URL of the API | required |
    /// | `ADMIN_CLIENT_USER_NAME` | client id (token issuer) | `notify-admin` |
    /// | `ADMIN_CLIENT_SECRET` | secret that signs tokens | required |
    /// | `ROUTE_SECRET_KEY_1` | sent as `X-Custom-Forwarder` | none |
    ///
    /// Blank values count as unset.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let base_url = var(vars::API_HOST_NAME)
            .ok_or_else(|| Error::Config(format!("{} is not set", vars::API_HOST_NAME)))?;
        let secret = var(vars::ADMIN_CLIENT_SECRET)
            .ok_or_else(|| Error::Config(format!("{} is not set", vars::ADMIN_CLIENT_SECRET)))?;
        let mut builder = ApiClientBuilder::new(base_url.trim()).secret(secret);
        if let Some(client_id) = var(vars::ADMIN_CLIENT_USER_NAME) {
            builder = builder.client_id(client_id.trim());
        }
        if let Some(route_secret) = var(vars::ROUTE_SECRET_KEY_1) {
            builder = builder.route_secret(route_secret);
        }
        Ok(builder)
    }

    /// Checks the configuration and builds the client. Makes no connection.
    pub fn build(self) -> Result<ApiClient, Error> {
        ApiClient::from_builder(self)
    }
}

/// The cache handle from `REDIS_URL`, `REDIS_ENABLED` and the toolkit's `CACHE_*` variables.
/// Never connects; with nothing set the cache is disabled.
pub(crate) fn cache_from_vars(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<cache::Cache, Error> {
    // The cache's errors already hide Redis passwords; keep their text (ours is `Clone`).
    cache::CacheBuilder::from_vars(lookup)
        .and_then(cache::CacheBuilder::build)
        .map_err(|error| Error::Config(error.to_string()))
}

impl fmt::Debug for ApiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClientBuilder")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("secret", &self.secret)
            .field("route_secret", &self.route_secret)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{ApiClientBuilder, DEFAULT_CLIENT_ID, DEFAULT_TIMEOUT, USER_AGENT};
    use crate::Error;

    fn from(vars: &[(&str, &str)]) -> Result<ApiClientBuilder, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        ApiClientBuilder::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn admin_app_names_are_read() {
        let builder = from(&[
            ("API_HOST_NAME", "http://localhost:6011"),
            ("ADMIN_CLIENT_SECRET", "dev-notify-secret-key"),
            ("ROUTE_SECRET_KEY_1", "route"),
        ])
        .unwrap();
        assert_eq!(builder.base_url, "http://localhost:6011");
        assert_eq!(builder.client_id, DEFAULT_CLIENT_ID);
        assert_eq!(
            builder.secret.as_ref().unwrap().expose(),
            "dev-notify-secret-key"
        );
        assert_eq!(builder.route_secret.as_ref().unwrap().expose(), "route");
        assert_eq!(builder.timeout, DEFAULT_TIMEOUT);

        let builder = from(&[
            ("API_HOST_NAME", "http://localhost:6011"),
            ("ADMIN_CLIENT_SECRET", "s"),
            ("ADMIN_CLIENT_USER_NAME", "other-admin"),
            ("ROUTE_SECRET_KEY_1", "  "),
        ])
        .unwrap();
        assert_eq!(builder.client_id, "other-admin");
        assert!(builder.route_secret.is_none());
    }

    #[test]
    fn missing_variables_are_named() {
        let error = from(&[("ADMIN_CLIENT_SECRET", "s")]).unwrap_err();
        assert!(error.to_string().contains("API_HOST_NAME"), "{error}");
        let error =
            from(&[("API_HOST_NAME", "http://x"), ("ADMIN_CLIENT_SECRET", "")]).unwrap_err();
        assert!(error.to_string().contains("ADMIN_CLIENT_SECRET"), "{error}");
    }

    #[test]
    fn debug_hides_secrets() {
        let builder = ApiClientBuilder::new("http://x")
            .secret("admin-hunter2")
            .route_secret("route-hunter2");
        let shown = format!("{builder:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }

    #[test]
    fn user_agent_names_the_crate_and_version() {
        assert_eq!(
            USER_AGENT,
            format!("orgs-client/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}
