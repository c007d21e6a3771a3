//! The base client every API client type wraps: configuration, the connection pool, the token,
//! headers, and turning responses into values or [`Error`]s.

use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use jsonwebtoken::EncodingKey;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::{ApiClientBuilder, USER_AGENT};
use crate::secret::Secret;
use crate::{Error, jwt};

/// Header that lets a caller reach the API without the proxy that normally adds it.
const ROUTE_SECRET_HEADER: &str = "X-Custom-Forwarder";

/// A configured connection to Notify's API, shared by every client type.
///
/// Cheap to clone: clones share one `reqwest` connection pool. Each request carries a freshly
/// signed token, the route secret when one is set, and `User-Agent: orgs-client/<version>`.
/// Build one with [`ApiClient::builder`] or [`ApiClient::from_env`]; building never connects.
///
/// The request methods are public so that more client types can be written on top of it. Paths
/// are relative to the base URL and start with `/`.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Without a trailing `/`, so `base_url + path` is the URL.
    base_url: String,
    client_id: String,
    key: EncodingKey,
    timeout: Duration,
    has_route_secret: bool,
}

/// A 2xx response.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl ApiClient {
    /// A builder for the API at `base_url` (see [`ApiClientBuilder`]).
    pub fn builder(base_url: impl Into<String>) -> ApiClientBuilder {
        ApiClientBuilder::new(base_url)
    }

    /// A client configured from the process environment (see [`ApiClientBuilder::from_vars`]).
    pub fn from_env() -> Result<ApiClient, Error> {
        ApiClientBuilder::from_env()?.build()
    }

    /// A client configured through `lookup` (see [`ApiClientBuilder::from_vars`]).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<ApiClient, Error> {
        ApiClientBuilder::from_vars(lookup)?.build()
    }

    pub(crate) fn from_builder(builder: ApiClientBuilder) -> Result<ApiClient, Error> {
        let base_url = builder.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = Url::parse(&base_url)
            .map_err(|error| Error::Config(format!("base URL is not a URL: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::Config(
                "base URL must be an http:// or https:// URL with a host".into(),
            ));
        }
        if builder.client_id.trim().is_empty() {
            return Err(Error::Config("client id is empty".into()));
        }
        let secret = builder
            .secret
            .filter(|secret| !secret.is_blank())
            .ok_or_else(|| {
                Error::Config("no secret: set one with `secret` or `service_api_key`".into())
            })?;
        if builder.timeout.is_zero() {
            return Err(Error::Config("timeout must be greater than zero".into()));
        }

        let mut headers = HeaderMap::new();
        if let Some(route_secret) = &builder.route_secret {
            let mut value = HeaderValue::from_str(route_secret.expose())
                .map_err(|_| Error::Config("route secret is not a valid header value".into()))?;
            // Keeps it out of reqwest's and hyper's debug output.
            value.set_sensitive(true);
            headers.insert(ROUTE_SECRET_HEADER, value);
        }
        // reqwest is built without a crypto provider of its own: use the workspace's (ring)
        // unless the application installed another first.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Deprecated since rustls 0.23.48 with no replacement that names ring (see
            // cache-runtime's `ensure_crypto_provider`).
            #[allow(deprecated)]
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .timeout(builder.timeout)
            .build()
            .map_err(|error| {
                Error::Config(format!(
                    "could not build the HTTP client: {}",
                    chain(&error)
                ))
            })?;

        Ok(ApiClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                client_id: builder.client_id,
                key: EncodingKey::from_secret(secret.expose().as_bytes()),
                timeout: builder.timeout,
                has_route_secret: builder.route_secret.is_some(),
            }),
        })
    }

    /// The API's base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The token issuer: `notify-admin`, another client id, or a service id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// `GET path`, decoding the JSON body.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        decode(self.send(Method::GET, path, &[], None).await?)
    }

    /// `GET path?name=value&…`, decoding the JSON body.
    pub async fn get_with_query<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        decode(self.send(Method::GET, path, query, None).await?)
    }

    /// `POST path` with a JSON body, decoding the JSON answer.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<T, Error> {
        let body = encode(body)?;
        decode(self.send(Method::POST, path, &[], Some(body)).await?)
    }

    /// `POST path` with a JSON body, ignoring any answer (204, or a body nobody reads).
    pub async fn post_no_content(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<(), Error> {
        let body = encode(body)?;
        self.send(Method::POST, path, &[], Some(body)).await?;
        Ok(())
    }

    /// `DELETE path`, with a JSON body when `body` is `Some`, ignoring any answer.
    pub async fn delete(&self, path: &str, body: Option<&serde_json::Value>) -> Result<(), Error> {
        let body = body.map(encode).transpose()?;
        self.send(Method::DELETE, path, &[], body).await?;
        Ok(())
    }

    /// Sends one request; a non-2xx status or no response is an `Err`.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, Error> {
        let inner = &self.inner;
        let token = jwt::token(&inner.client_id, &inner.key, SystemTime::now())?;
        let url = format!("{}{path}", inner.base_url);
        // `bearer_auth` marks the header sensitive, so the token never shows in debug output.
        let mut request = inner.http.request(method.clone(), url).bearer_auth(token);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
        }

        let started = Instant::now();
        let outcome = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
        .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;

        // Logs name the request, never its headers (token, route secret) or body.
        let (status, body) = match outcome {
            Ok(answer) => answer,
            Err(error) => {
                let reason = self.describe(&method, path, &error);
                tracing::debug!(%method, path, elapsed_ms, %reason, "Notify API request got no response");
                return Err(Error::NoResponse { reason });
            }
        };
        tracing::debug!(%method, path, status, elapsed_ms, "Notify API request");
        if !(200..300).contains(&status) {
            return Err(Error::from_response(status, &body));
        }
        Ok(Answer {
            status,
            body: body.to_vec(),
        })
    }

    /// Text for a transport error: the request line and the causes, without the URL (whose
    /// base could carry credentials).
    fn describe(&self, method: &Method, path: &str, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!("{method} {path}: timed out after {:?}", self.inner.timeout);
        }
        format!("{method} {path}: {}", chain(error))
    }
}

/// An error and its sources, `: `-separated, without URLs.
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "<url>");
    }
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn encode(body: &(impl Serialize + ?Sized)) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|error| Error::InvalidRequest(error.to_string()))
}

/// Decodes a 2xx body. An empty body (204) decodes as JSON `null`, so `()` and `Option<T>` accept it.
fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, Error> {
    let invalid = |reason: String| Error::InvalidResponse {
        status: answer.status,
        reason,
    };
    if answer.body.iter().all(u8::is_ascii_whitespace) {
        return serde_json::from_value(serde_json::Value::Null)
            .map_err(|_| invalid("expected JSON, got an empty body".into()));
    }
    serde_json::from_slice(&answer.body).map_err(|error| {
        if error.is_data() {
            invalid(format!("unexpected JSON: {error}"))
        } else {
            invalid(format!("body is not JSON: {error}"))
        }
    })
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("ApiClient")
            .field("base_url", &inner.base_url)
            .field("client_id", &inner.client_id)
            .field("secret", &Secret::new(""))
            .field(
                "route_secret",
                &inner.has_route_secret.then(|| Secret::new("")),
            )
            .field("timeout", &inner.timeout)
            .field("user_agent", &USER_AGENT)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{Answer, ApiClient, decode};
    use crate::Error;

    #[test]
    fn builds_without_connecting_and_checks_configuration() {
        let api = ApiClient::builder("http://127.0.0.1:1/")
            .secret("s")
            .build()
            .unwrap();
        assert_eq!(api.base_url(), "http://127.0.0.1:1");
        assert_eq!(api.client_id(), "notify-admin");

        for (url, secret) in [
            ("not a url", "s"),
            ("ftp://x", "s"),
            ("http://x", ""),
            ("http://x", "  "),
        ] {
            let error = ApiClient::builder(url).secret(secret).build().unwrap_err();
            assert!(
                matches!(error, Error::Config(_)),
                "{url} {secret:?}: {error:?}"
            );
        }
        assert!(ApiClient::builder("http://x").build().is_err());
        assert!(
            ApiClient::builder("http://x")
                .secret("s")
                .timeout(std::time::Duration::ZERO)
                .build()
                .is_err()
        );
        assert!(
            ApiClient::builder("http://x")
                .secret("s")
                .route_secret("bad\nvalue")
                .build()
                .is_err()
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let api = ApiClient::builder("http://x")
            .secret("admin-hunter2")
            .route_secret("route-hunter2")
            .build()
            .unwrap();
        let shown = format!("{api:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("route_secret: Some(\"***\")"), "{shown}");
    }

    fn answer(body: &str) -> Answer {
        Answer {
            status: 200,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn decoding() {
        let value: Vec<u32> = decode(answer("[1, 2]")).unwrap();
        assert_eq!(value, [1, 2]);
        decode::<()>(answer("")).unwrap();
        assert_eq!(decode::<Option<u32>>(answer(" ")).unwrap(), None);
        let error = decode::<Vec<u32>>(answer("")).unwrap_err();
        assert!(
            matches!(error, Error::InvalidResponse { status: 200, .. }),
            "{error:?}"
        );
        let error = decode::<Vec<u32>>(answer("<html>")).unwrap_err();
        assert!(error.to_string().contains("not JSON"), "{error}");
        let error = decode::<Vec<u32>>(answer(r#"{"data": []}"#)).unwrap_err();
        assert!(error.to_string().contains("unexpected JSON"), "{error}");
    }
}
