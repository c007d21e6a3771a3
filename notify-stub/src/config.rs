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
    pub(crate) service_api_keys: HashMap<Uuid, Vec<String>>,
    pub(crate) latency: Duration,
    pub(crate) database_path: Option<PathBuf>,
    pub(crate) listen: SocketAddr,
}

impl StubConfig {
    /// A configuration accepting tokens from the admin client (`notify-admin`) signed with
    /// `admin_secret`; no route secret, no latency, a temporary database, a free loopback port.
    pub fn new(admin_secret: impl Into<String>) -> Self {
        StubConfig {
            admin_client_id: DEFAULT_ADMIN_CLIENT_ID.to_owned(),
            admin_secret: admin_secret.into(),
            route_secret: None,
            service_api_keys: HashMap::new(),
            latency: Duration::ZERO,
            database_path: None,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }

    /// Use another client id for the admin client (the `iss` its tokens carry).
    pub fn admin_client_id(mut self, id: impl Into<String>) -> Self {
        self.admin_client_id = id.into();
        self
    }

    /// Require `X-Custom-Forwarder: <secret>` on every request (403 without it).
    pub fn route_secret(mut self, secret: impl Into<String>) -> Self {
        self.route_secret = Some(secret.into());
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
            .field(
                "service_api_keys",
                &self.service_api_keys.keys().collect::<Vec<_>>(),
            )
            .field("latency", &self.latency)
            .field("database_path", &self.database_path)
            .field("listen", &self.listen)
            .finish()
    }
}
