//! How a stub server is set up: who may call it, where it keeps its data, how slow it is.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use uuid::Uuid;

/// The client id the admin app signs its tokens with (`ADMIN_CLIENT_USER_NAME` in Notify).
pub const DEFAULT_ADMIN_CLIENT_ID: &str = "notify-admin";

/// Settings for [`StubServer::start`](crate::StubServer::start), built up builder-style.
///
/// ```
/// use std::time::Duration;
/// use notify_stub::StubConfig;
///
/// let config = StubConfig::new("admin-secret")
///     .route_secret("route-secret")
///     .latency(Duration::from_millis(20));
/// ```
#[derive(Clone)]
pub struct StubConfig {
    pub(crate) admin_client_id: String,
    pub(crate) admin_secret: String,
    pub(crate) route_secret: Option<String>,
    pub(crate) proxy: bool,
    pub(crate) service_api_keys: HashMap<Uuid, Vec<String>>,
    pub(crate) latency: Duration,
    pub(crate) database_path: Option<PathBuf>,
    pub(crate) listen: SocketAddr,
    pub(crate) invite_emails_fail: bool,
}

impl StubConfig {
    /// A configuration accepting tokens from the admin client (`notify-admin`) signed with
    /// `admin_secret`; no route secret, the proxy on, no latency, a temporary database, a free
    /// loopback port.
    pub fn new(admin_secret: impl Into<String>) -> Self {
        StubConfig {
            admin_client_id: DEFAULT_ADMIN_CLIENT_ID.to_owned(),
            admin_secret: admin_secret.into(),
            route_secret: None,
            proxy: true,
            service_api_keys: HashMap::new(),
            latency: Duration::ZERO,
            database_path: None,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            invite_emails_fail: false,
        }
    }

    /// Use another client id for the admin client (the `iss` its tokens carry).
    pub fn admin_client_id(mut self, id: impl Into<String>) -> Self {
        self.admin_client_id = id.into();
        self
    }

    /// The route secret the proxy in front of the API expects in `X-Custom-Forwarder` (see
    /// [`proxy`](Self::proxy)): with the proxy on, a request without it, or with another value,
    /// is refused with 403.
    pub fn route_secret(mut self, secret: impl Into<String>) -> Self {
        self.route_secret = Some(secret.into());
        self
    }

    /// Whether the stub also plays the proxy (route service) that stands in front of Notify's
    /// API. On by default.
    ///
    /// Notify's API application never looks at `X-Custom-Forwarder`: the proxy in front of it
    /// checks the header against the route secret, which is why the admin app sends it when it
    /// calls the API directly. With the proxy on and a [`route_secret`](Self::route_secret)
    /// set, the stub checks the header as that proxy does, before the API's own token checks.
    /// Off, the stub is the API application alone and answers without the header, as the real
    /// API application does. Without a route secret there is nothing to check either way.
    pub fn proxy(mut self, enabled: bool) -> Self {
        self.proxy = enabled;
        self
    }

    /// Also accept tokens issued by a service API key: `iss` = `service_id`, signed with
    /// `secret`. May be called several times, also for the same service (it may have several keys).
    pub fn service_api_key(mut self, service_id: Uuid, secret: impl Into<String>) -> Self {
        self.service_api_keys
            .entry(service_id)
            .or_default()
            .push(secret.into());
        self
    }

    /// Wait this long before answering each request, to stand in for network distance.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Keep the data in this SQLite file (created and seeded if it holds no organisations yet,
    /// reused as it is otherwise, never deleted). By default a temporary file is used and
    /// removed when the server stops.
    pub fn database_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.database_path = Some(path.into());
        self
    }

    /// Play an API that cannot queue emails (off by default): an organisation invite is saved,
    /// then the request fails with a 500, as Notify's API does when its email queue is out of
    /// reach. For testing how a client or a test suite tells that apart from a refused request.
    pub fn invite_emails_fail(mut self, fail: bool) -> Self {
        self.invite_emails_fail = fail;
        self
    }

    /// Listen on this address (default `127.0.0.1:0`: a free loopback port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }
}

// Secrets stay out of logs and test output.
impl std::fmt::Debug for StubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StubConfig")
            .field("admin_client_id", &self.admin_client_id)
            .field("admin_secret", &"<redacted>")
            .field(
                "route_secret",
                &self.route_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("proxy", &self.proxy)
            .field(
                "service_api_keys",
                &self.service_api_keys.keys().collect::<Vec<_>>(),
            )
            .field("latency", &self.latency)
            .field("database_path", &self.database_path)
            .field("listen", &self.listen)
            .field("invite_emails_fail", &self.invite_emails_fail)
            .finish()
    }
}
