//! Where Redis is and how to reach it: a URL, and TLS material for `rediss://`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use redis::sentinel::{SentinelClient, SentinelNodeConnectionInfo, SentinelServerType};
use redis::{ConnectionAddr, IntoConnectionInfo, TlsCertificates, TlsMode};

use crate::Error;
use crate::backend::{
    ClusterConnector, Connector, NodeSettings, SentinelConnector, SentinelSettings, Standalone,
    cluster_client,
};
use crate::redact::{describe, redact_url};

/// How to reach a Redis server: its URL and, for `rediss://`, the TLS material.
///
/// The URL is `redis://[user[:password]@]host[:port][/db]`, `rediss://…` for TLS, or
/// `redis+unix:///path?db=N&user=U&pass=P`. Without a CA file, a TLS server's certificate is
/// checked against the system's roots.
///
/// ```
/// use cache::{Cache, RedisConfig};
///
/// let redis = RedisConfig::new("rediss://app:secret@cache.internal:6380/0")
///     .tls_ca_file("/etc/ssl/redis-ca.pem");
/// let cache = Cache::builder().redis_config(redis).build();
/// // The CA file does not exist here: the error names it, and never the password.
/// let error = cache.unwrap_err().to_string();
/// assert!(error.contains("redis-ca.pem") && !error.contains("secret"), "{error}");
/// ```
///
/// `Debug` shows the URL without its password.
#[derive(Clone)]
#[must_use]
pub struct RedisConfig {
    url: String,
    ca_file: Option<PathBuf>,
    client_cert: Option<(PathBuf, PathBuf)>,
    insecure: bool,
    sentinels: Vec<String>,
    /// More seed URLs of a cluster, besides `url`; `None` for a single server.
    cluster: Option<Vec<String>>,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_url(&self.url))
            .field("ca_file", &self.ca_file)
            .field("client_cert", &self.client_cert)
            .field("insecure", &self.insecure)
            .field(
                "cluster_seeds",
                &self
                    .cluster
                    .iter()
                    .flatten()
                    .map(|url| redact_url(url))
                    .collect::<Vec<_>>(),
            )
            .field(
                "sentinels",
                &self
                    .sentinels
                    .iter()
                    .map(|url| redact_url(url))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl RedisConfig {
    /// Redis at `url`; nothing is checked or connected until the handle is built and used.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            ca_file: None,
            client_cert: None,
            insecure: false,
            sentinels: Vec::new(),
            cluster: None,
        }
    }

    /// A Redis Cluster, found from these seed nodes (one is enough; more survive one being
    /// down). Their user, password and `rediss://` scheme apply to every node. Keys are routed
    /// to their slot's primary, multi-key deletes split by slot, and pattern deletes scan
    /// every primary. Environment: `REDIS_CLUSTER=1`, with `REDIS_URL` one or several
    /// comma-separated seed URLs.
    ///
    /// ```
    /// let config = cache::RedisConfig::cluster(["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"]);
    /// let cache = cache::Cache::builder().redis_config(config).build()?;
    /// assert!(cache.backend_description().starts_with("Redis Cluster"));
    /// # Ok::<(), cache::Error>(())
    /// ```
    pub fn cluster<S: Into<String>>(seeds: impl IntoIterator<Item = S>) -> Self {
        let mut seeds: Vec<String> = seeds.into_iter().map(Into::into).collect();
        let first = if seeds.is_empty() {
            String::new()
        } else {
            seeds.remove(0)
        };
        RedisConfig {
            cluster: Some(seeds),
            ..RedisConfig::new(first)
        }
    }

    /// Find the primary through Redis Sentinel: the URL's host is then the name of the primary
    /// set (`redis://:password@mymaster/0`), and these are the sentinels' URLs
    /// (`redis://127.0.0.1:26379`, with their own password if they have one). Each new
    /// connection asks the sentinels where the primary is, so after a failover the next one
    /// reaches the promoted replica. `rediss://` nodes are checked against the system's roots
    /// (or not at all with [`tls_insecure`](Self::tls_insecure)); a CA file or client
    /// certificate is not supported with Sentinel yet. Environment: `REDIS_SENTINELS`,
    /// comma-separated.
    pub fn sentinels<S: Into<String>>(mut self, urls: impl IntoIterator<Item = S>) -> Self {
        self.sentinels = urls.into_iter().map(Into::into).collect();
        self
    }

    /// Trust the CA certificates in this PEM file (instead of the system's roots) for
    /// `rediss://`. Environment: `REDIS_TLS_CA_FILE`.
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Present this client certificate and key (PEM files) to the server: mutual TLS.
    /// Environment: `REDIS_TLS_CERT_FILE` and `REDIS_TLS_KEY_FILE`.
    pub fn tls_client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert = Some((cert.into(), key.into()));
        self
    }

    /// **For development only**: accept any server certificate, unchecked (the traffic is
    /// encrypted, but anyone in the middle can read it). Environment: `REDIS_TLS_INSECURE=1`.
    pub fn tls_insecure(mut self, on: bool) -> Self {
        self.insecure = on;
        self
    }

    /// The URL as it may be shown: no password.
    pub(crate) fn redacted(&self) -> String {
        redact_url(&self.url)
    }

    /// Checks everything that can be checked without connecting and makes the connector, with
    /// a description of where it points (no password).
    pub(crate) fn connector(
        &self,
        connect_timeout: Duration,
    ) -> Result<(Connector, String), Error> {
        let mut info = self
            .url
            .as_str()
            .into_connection_info()
            .map_err(|error| Error::InvalidUrl {
                url: self.redacted(),
                reason: format!(
                    "{} (expected redis://[user:password@]host[:port][/db], rediss://… or redis+unix:///path)",
                    error.detail().unwrap_or(&error.to_string()),
                ),
            })?;
        if self.cluster.is_some() {
            return self.cluster_connector(info, connect_timeout);
        }
        if !self.sentinels.is_empty() {
            return self.sentinel_connector(&info, connect_timeout);
        }
        let ConnectionAddr::TcpTls {
            host,
            port,
            insecure,
            ..
        } = info.addr().clone()
        else {
            if self.ca_file.is_some() || self.client_cert.is_some() || self.insecure {
                return Err(Error::Config(format!(
                    "TLS settings are given but the Redis URL `{}` is not rediss://",
                    self.redacted()
                )));
            }
            let address = info.addr().to_string();
            let description = format!("Redis at {}", describe(&info));
            let client = redis::Client::open(info).map_err(|error| Error::InvalidUrl {
                url: self.redacted(),
                reason: error.to_string(),
            })?;
            return Ok((
                Connector::Standalone(Standalone::new(client, connect_timeout, address)),
                description,
            ));
        };
        ensure_crypto_provider();
        if self.insecure && !insecure {
            info = info.set_addr(ConnectionAddr::TcpTls {
                host: host.clone(),
                port,
                insecure: true,
                tls_params: None,
            });
        }
        let description = format!("Redis at {}", describe(&info));
        let client = redis::Client::build_with_tls(info, self.tls_certificates()?)
            .map_err(|error| Error::Config(format!("TLS settings for Redis: {error}")))?;
        Ok((
            Connector::Standalone(Standalone::new(
                client,
                connect_timeout,
                crate::redact::host_port(&host, port),
            )),
            description,
        ))
    }

    /// The CA and client certificate files, read now so that a missing one is an error at
    /// build time.
    fn tls_certificates(&self) -> Result<TlsCertificates, Error> {
        let root_cert = self.ca_file.as_deref().map(read_ca).transpose()?;
        let client_tls = match &self.client_cert {
            Some((cert, key)) => Some(redis::ClientTlsConfig {
                client_cert: read_pem(cert, "client certificate (REDIS_TLS_CERT_FILE)")?,
                client_key: read_pem(key, "client key (REDIS_TLS_KEY_FILE)")?,
            }),
            None => None,
        };
        Ok(TlsCertificates {
            client_tls,
            root_cert,
        })
    }

    fn cluster_connector(
        &self,
        first: redis::ConnectionInfo,
        connect_timeout: Duration,
    ) -> Result<(Connector, String), Error> {
        if !self.sentinels.is_empty() {
            return Err(Error::Config(
                "a Redis Cluster is found from its seed nodes, not through Sentinel".into(),
            ));
        }
        let mut seeds = vec![first];
        for url in self.cluster.iter().flatten() {
            seeds.push(
                url.as_str()
                    .into_connection_info()
                    .map_err(|error| Error::InvalidUrl {
                        url: redact_url(url),
                        reason: format!(
                            "{} (a cluster seed's URL, e.g. redis://10.0.0.1:7000)",
                            error.detail().unwrap_or(&error.to_string())
                        ),
                    })?,
            );
        }
        let tls_seeds = seeds
            .iter()
            .filter(|seed| matches!(seed.addr(), ConnectionAddr::TcpTls { .. }))
            .count();
        if tls_seeds != 0 && tls_seeds != seeds.len() {
            return Err(Error::Config(
                "the cluster's seed URLs mix redis:// and rediss://".into(),
            ));
        }
        if seeds
            .iter()
            .any(|seed| matches!(seed.addr(), ConnectionAddr::Unix(_)))
        {
            return Err(Error::Config(
                "a cluster's seeds are host:port addresses, not unix sockets".into(),
            ));
        }
        let tls = (tls_seeds > 0).then(|| {
            let insecure = self.insecure
                || seeds.iter().any(|seed| {
                    matches!(seed.addr(), ConnectionAddr::TcpTls { insecure: true, .. })
                });
            if insecure {
                TlsMode::Insecure
            } else {
                TlsMode::Secure
            }
        });
        if tls.is_none() && (self.ca_file.is_some() || self.client_cert.is_some() || self.insecure)
        {
            return Err(Error::Config(format!(
                "TLS settings are given but the cluster's seed URLs are not rediss:// (`{}`)",
                self.redacted()
            )));
        }
        let certificates = if tls.is_some() {
            ensure_crypto_provider();
            let certificates = self.tls_certificates()?;
            (certificates.root_cert.is_some() || certificates.client_tls.is_some())
                .then_some(certificates)
        } else {
            None
        };
        let listed: Vec<String> = seeds.iter().map(|seed| seed.addr().to_string()).collect();
        let address = format!("cluster seeds {}", listed.join(", "));
        let description = format!(
            "Redis Cluster from {}{}",
            seeds.iter().map(describe).collect::<Vec<_>>().join(", "),
            if tls == Some(TlsMode::Insecure) {
                " (certificates not verified)"
            } else {
                ""
            }
        );
        let nodes = NodeSettings::new(seeds.clone(), tls, certificates.clone());
        let client = cluster_client(seeds, connect_timeout, tls, certificates)
            .map_err(|error| Error::Config(format!("Redis Cluster settings: {error}")))?;
        Ok((
            Connector::Cluster(ClusterConnector::new(client, address, nodes)),
            description,
        ))
    }

    fn sentinel_connector(
        &self,
        info: &redis::ConnectionInfo,
        connect_timeout: Duration,
    ) -> Result<(Connector, String), Error> {
        let (master, tls) = match info.addr() {
            ConnectionAddr::Tcp(host, _) => (host.clone(), None),
            ConnectionAddr::TcpTls { host, insecure, .. } => (
                host.clone(),
                Some(if *insecure || self.insecure {
                    TlsMode::Insecure
                } else {
                    TlsMode::Secure
                }),
            ),
            _ => {
                return Err(Error::Config(format!(
                    "with Sentinel, the Redis URL names the primary set as its host \
                     (redis://:password@mymaster/0), not a socket: `{}`",
                    self.redacted()
                )));
            }
        };
        if self.ca_file.is_some() || self.client_cert.is_some() {
            return Err(Error::Config(
                "a TLS CA file or client certificate is not supported with Sentinel yet".into(),
            ));
        }
        let mut sentinels = Vec::with_capacity(self.sentinels.len());
        for url in &self.sentinels {
            let sentinel =
                url.as_str()
                    .into_connection_info()
                    .map_err(|error| Error::InvalidUrl {
                        url: redact_url(url),
                        reason: format!(
                            "{} (a sentinel's URL, e.g. redis://127.0.0.1:26379)",
                            error.detail().unwrap_or(&error.to_string())
                        ),
                    })?;
            sentinels.push(sentinel);
        }
        let listed: Vec<String> = sentinels.iter().map(|s| s.addr().to_string()).collect();
        let mut node = SentinelNodeConnectionInfo::default()
            .set_redis_connection_info(info.redis_settings().clone());
        if let Some(tls) = tls {
            ensure_crypto_provider();
            node = node.set_tls_mode(tls);
        }
        let settings = SentinelSettings::new(
            sentinels.clone(),
            master.clone(),
            info.redis_settings().clone(),
            tls,
        );
        let client = SentinelClient::build(
            sentinels,
            master.clone(),
            Some(node),
            SentinelServerType::Master,
        )
        .map_err(|error| Error::Config(format!("Sentinel settings: {error}")))?;
        let address = format!("primary `{master}` via Sentinel at {}", listed.join(", "));
        let description = format!(
            "Redis {address} (db {}{})",
            info.redis_settings().db(),
            if tls.is_some() { ", TLS" } else { "" }
        );
        Ok((
            Connector::Sentinel(SentinelConnector::new(
                client,
                connect_timeout,
                address,
                settings,
            )),
            description,
        ))
    }
}

/// redis-rs asks rustls for the process's default crypto provider; install the workspace's
/// (ring) unless the application chose one first.
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // rustls 0.23.48 deprecates `ring::default_provider` (ring has no post-quantum key
        // exchange) with no other way to name ring's provider; relying on rustls to pick one
        // from its crate features instead panics when the application enables two providers.
        // Losing a race to another installer is fine: a provider is then in place.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(path).map_err(|error| {
        Error::Config(format!(
            "cannot read the TLS {what} `{}`: {error}",
            path.display()
        ))
    })?;
    if !bytes.windows(11).any(|window| window == b"-----BEGIN ") {
        return Err(Error::Config(format!(
            "the TLS {what} `{}` is not a PEM file",
            path.display()
        )));
    }
    Ok(bytes)
}

fn read_ca(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes = read_pem(path, "CA file (REDIS_TLS_CA_FILE)")?;
    if !bytes
        .windows(27)
        .any(|window| window == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(Error::Config(format!(
            "the TLS CA file (REDIS_TLS_CA_FILE) `{}` holds no certificate",
            path.display()
        )));
    }
    Ok(bytes)
}
