//! Who may call the stub: the proxy's `X-Custom-Forwarder` check and Notify's JWT rules.
//!
//! The proxy in front of Notify's API checks the route secret first (the API application itself
//! never looks at the header; see [`StubConfig::proxy`]). The API then checks the
//! `Authorization` header, the token's issuer, its algorithm, signature and `iat`, in the order
//! Notify's `requires_admin_auth` does, and each failure has its own message, worded as the
//! real API words it (as observed where the reference records it).
//!
//! [`StubConfig::proxy`]: crate::StubConfig::proxy

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::api_error::ApiError;
use crate::config::StubConfig;

/// Tokens may be this many seconds older or younger than the server clock (Notify's `__bound__`).
pub(crate) const IAT_BOUND_SECONDS: u64 = 30;

/// The header the proxy in front of Notify checks; the admin app sends it when calling directly.
pub(crate) const FORWARDER_HEADER: &str = "x-custom-forwarder";

pub(crate) const MISSING_TOKEN: &str = "Unauthorized: authentication token must be provided";
pub(crate) const NOT_BEARER: &str = "Unauthorized: authentication bearer scheme must be used";
pub(crate) const UNDECODABLE: &str = "Invalid token: make sure your API token matches the example \
     at https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header";
pub(crate) const ISS_MISSING: &str = "Invalid token: iss field not provided";
pub(crate) const ISSUER_NOT_ALLOWED: &str = "Unauthorized: not allowed to perform this action";
pub(crate) const SERVICE_NOT_FOUND: &str = "Invalid token: service not found";
pub(crate) const NOT_HS256: &str = "Invalid token: algorithm used is not HS256";
/// Also the answer to a correctly signed token without `iat` (observed on the real API): the
/// token decoder refuses it like a bad signature, so no key matched.
pub(crate) const BAD_SIGNATURE: &str = "Invalid token: API key not found";
/// An `iat` more than 30 s behind or ahead of the server clock (observed on the real API).
pub(crate) const CLOCK_SKEW: &str =
    "Error: Your system clock must be accurate to within 30 seconds";
pub(crate) const FORWARDER_MISSING: &str = "Forbidden: X-Custom-Forwarder header missing";
pub(crate) const FORWARDER_WRONG: &str =
    "Forbidden: X-Custom-Forwarder header does not match the route secret";

/// The clients the stub knows, taken from the configuration.
#[derive(Clone)]
pub(crate) struct Clients {
    admin_client_id: String,
    admin_secret: String,
    service_keys: HashMap<Uuid, Vec<String>>,
    route_secret: Option<String>,
    /// Whether the stub plays the proxy, which checks the route secret.
    proxy: bool,
}

impl Clients {
    pub(crate) fn from_config(config: &StubConfig) -> Self {
        Clients {
            admin_client_id: config.admin_client_id.clone(),
            admin_secret: config.admin_secret.clone(),
            service_keys: config.service_api_keys.clone(),
            route_secret: config.route_secret.clone(),
            proxy: config.proxy,
        }
    }

    /// The proxy's check: refuses a missing or wrong `X-Custom-Forwarder` when the stub plays
    /// the proxy and a route secret is configured.
    pub(crate) fn check_forwarder(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(secret) = self.route_secret.as_ref().filter(|_| self.proxy) else {
            return Ok(());
        };
        match headers.get(FORWARDER_HEADER) {
            None => Err(ApiError::message(StatusCode::FORBIDDEN, FORWARDER_MISSING)),
            Some(value) if value.as_bytes() == secret.as_bytes() => Ok(()),
            Some(_) => Err(ApiError::message(StatusCode::FORBIDDEN, FORWARDER_WRONG)),
        }
    }

    /// Checks the bearer token against the known clients at server time `now` (epoch seconds).
    pub(crate) fn authenticate(&self, headers: &HeaderMap, now: i64) -> Result<(), ApiError> {
        let forbidden = |message: &str| ApiError::auth(StatusCode::FORBIDDEN, message);

        let header = headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::auth(StatusCode::UNAUTHORIZED, MISSING_TOKEN))?;
        // Notify compares `header[:7].title()` with "Bearer ", so the scheme is case-insensitive.
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                let scheme = h.get(..7)?;
                scheme.eq_ignore_ascii_case("bearer ").then(|| &h[7..])
            })
            .ok_or_else(|| ApiError::auth(StatusCode::UNAUTHORIZED, NOT_BEARER))?;

        let parts: Vec<&str> = token.split('.').collect();
        let [header_b64, claims_b64, signature] = parts[..] else {
            return Err(forbidden(UNDECODABLE));
        };
        let jwt_header = decode_segment(header_b64).ok_or_else(|| forbidden(UNDECODABLE))?;
        let claims = decode_segment(claims_b64).ok_or_else(|| forbidden(UNDECODABLE))?;

        // The issuer picks the secret, so it is read before anything is verified.
        let issuer = claims.get("iss").ok_or_else(|| forbidden(ISS_MISSING))?;
        let secrets = self.secrets_for(issuer)?;

        // Checked by name: `alg: none` and the other algorithms are refused before any signature.
        if jwt_header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(forbidden(NOT_HS256));
        }

        let message = format!("{header_b64}.{claims_b64}");
        let signature = URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .map_err(|_| forbidden(BAD_SIGNATURE))?;
        let signed_by_known_key = secrets.iter().any(|secret| {
            let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
            // Constant-time comparison.
            hmac::verify(&key, message.as_bytes(), &signature).is_ok()
        });
        if !signed_by_known_key {
            return Err(forbidden(BAD_SIGNATURE));
        }

        let iat = claims.get("iat").ok_or_else(|| forbidden(BAD_SIGNATURE))?;
        let iat = iat
            .as_i64()
            .or_else(|| iat.as_f64().map(|f| f as i64))
            .ok_or_else(|| forbidden(UNDECODABLE))?;
        if now.abs_diff(iat) > IAT_BOUND_SECONDS {
            return Err(forbidden(CLOCK_SKEW));
        }
        Ok(())
    }

    /// The secrets an issuer may sign with, or the error Notify gives for an unknown one.
    fn secrets_for(&self, issuer: &Value) -> Result<Vec<&str>, ApiError> {
        let issuer = issuer.as_str().unwrap_or_default();
        if issuer == self.admin_client_id {
            return Ok(vec![self.admin_secret.as_str()]);
        }
        match Uuid::try_parse(issuer) {
            // A service id: Notify's `requires_auth` path.
            Ok(service_id) => self
                .service_keys
                .get(&service_id)
                .map(|keys| keys.iter().map(String::as_str).collect())
                .ok_or_else(|| ApiError::auth(StatusCode::FORBIDDEN, SERVICE_NOT_FOUND)),
            // Anything else on an admin endpoint: Notify's `requires_internal_auth` answer.
            Err(_) => Err(ApiError::auth(StatusCode::UNAUTHORIZED, ISSUER_NOT_ALLOWED)),
        }
    }
}

/// A base64url JSON object segment of a JWT (padding tolerated, as PyJWT tolerates it).
fn decode_segment(segment: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}
