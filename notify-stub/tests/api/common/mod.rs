//! Shared helpers: a started stub, tokens as Notify's clients make them, a tiny JSON client.
#![allow(dead_code)] // Each test binary uses a different subset.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use notify_stub::{StubConfig, StubServer};
use ring::hmac;
use serde_json::{Value, json};

pub const SECRET: &str = "admin-secret-for-tests";

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A token as notifications-python-client makes one: HS256, `{iss, iat}`.
pub fn token_with(iss: &str, secret: &str, iat_offset: i64) -> String {
    signed(
        "HS256",
        json!({"iss": iss, "iat": now() + iat_offset}),
        secret,
    )
}

pub fn admin_token() -> String {
    token_with("notify-admin", SECRET, 0)
}

/// An HMAC-signed token, as PyJWT makes one: `alg` is `HS256`, `HS384` or `HS512`.
pub fn signed(alg: &str, claims: Value, secret: &str) -> String {
    let algorithm = match alg {
        "HS256" => hmac::HMAC_SHA256,
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        other => panic!("no HMAC for {other}"),
    };
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let message = format!("{header}.{claims}");
    let tag = hmac::sign(
        &hmac::Key::new(algorithm, secret.as_bytes()),
        message.as_bytes(),
    );
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// `alg: none`, unsigned.
pub fn unsigned(claims: Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{claims}.")
}

pub async fn start() -> StubServer {
    StubServer::start(StubConfig::new(SECRET))
        .await
        .expect("stub starts")
}

/// Status and parsed JSON body (`Null` when the body is empty).
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

/// A plain HTTP client. reqwest is built without a crypto provider of its own (the workspace
/// uses ring's), so one is installed first, as an application would.
pub fn http_client() -> reqwest::Client {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Deprecated since rustls 0.23.48, with no replacement that names ring.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::new()
}

/// A client that signs every request as the admin app does.
pub struct Api {
    pub base: String,
    client: reqwest::Client,
}

impl Api {
    pub fn new(server: &StubServer) -> Api {
        Api {
            base: server.url(),
            client: http_client(),
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(admin_token())
    }

    pub async fn get(&self, path: &str) -> Reply {
        send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        send(self.request(reqwest::Method::POST, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        send(self.request(reqwest::Method::DELETE, path)).await
    }

    pub fn raw(&self) -> &reqwest::Client {
        &self.client
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    Reply { status, body }
}

/// `{"status_code": 400, "errors": [ValidationError…]}` → the messages.
pub fn validation_messages(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.body["status_code"], 400, "{}", reply.body);
    reply.body["errors"]
        .as_array()
        .expect("errors is a list")
        .iter()
        .map(|e| {
            assert_eq!(e["error"], "ValidationError");
            e["message"].as_str().expect("message").to_owned()
        })
        .collect()
}
