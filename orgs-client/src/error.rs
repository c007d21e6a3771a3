//! The one error type of the crate, and how API error bodies become readable messages.

use serde_json::Value;

use crate::ApiKeyError;

/// Status reported for a request that never got a response (connection refused, timeout), as
/// Notify's Python client does.
pub const NO_RESPONSE_STATUS: u16 = 503;

/// Everything a client call or its configuration can fail with.
///
/// `Clone`, so a result can be shared (the cache's single-flight hands one `Err` to every waiter):
/// transport errors are kept as text. Neither `Display` nor `Debug` ever contains a secret, a
/// token, or a request header.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a status outside 2xx.
    #[error("Notify API error {status}: {message}")]
    Api {
        /// The HTTP status code.
        status: u16,
        /// The body's `message`, else its `errors`, rendered as text; else "Request failed".
        message: String,
        /// The `message` or `errors` value as the API sent it, when it was JSON.
        details: Option<Value>,
    },

    /// No response: the connection failed or the request timed out. Its status is 503.
    #[error("no response from the Notify API: {reason}")]
    NoResponse {
        /// What went wrong, e.g. "GET /organisations: timed out after 30s".
        reason: String,
    },

    /// A 2xx response whose body is not the JSON expected.
    #[error("invalid response from the Notify API (status {status}): {reason}")]
    InvalidResponse {
        /// The HTTP status code.
        status: u16,
        /// Why the body was refused (never the body itself).
        reason: String,
    },

    /// A request body could not be encoded as JSON.
    #[error("request could not be encoded: {0}")]
    InvalidRequest(String),

    /// The client's configuration is incomplete or invalid.
    #[error("invalid Notify client configuration: {0}")]
    Config(String),

    /// A service API key did not parse.
    #[error(transparent)]
    ApiKey(#[from] ApiKeyError),

    /// The request token could not be signed.
    #[error("could not sign the request token: {0}")]
    Token(String),

    /// A write was not sent: the cache keys it makes stale could not be deleted first (Redis
    /// down, too slow, or skipped by its circuit breaker). Stale data is worse than a failed
    /// request, so the API was not called (see the crate docs' "Writes are strict").
    #[error("the write was not sent: its cache keys could not be cleared first: {reason}")]
    Cache {
        /// The cache's error, as text (it hides Redis passwords).
        reason: String,
    },
}

/// What a strict write fails with when the keys it makes stale cannot be deleted before the
/// API call: [`Error::Cache`]. Kept as text so that [`Error`] stays `Clone`.
impl From<cache::Error> for Error {
    fn from(error: cache::Error) -> Self {
        Error::Cache {
            reason: error.to_string(),
        }
    }
}

impl Error {
    /// The HTTP status: the API's for [`Api`](Error::Api) and [`InvalidResponse`](Error::InvalidResponse),
    /// 503 for [`NoResponse`](Error::NoResponse), `None` for errors raised before any request.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::InvalidResponse { status, .. } => Some(*status),
            Error::NoResponse { .. } => Some(NO_RESPONSE_STATUS),
            _ => None,
        }
    }

    /// The API's message for [`Api`](Error::Api) errors.
    pub fn api_message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Whether a write was refused because its cache keys could not be cleared first
    /// ([`Cache`](Error::Cache)): the API was not called, so retrying once Redis is back is safe.
    pub fn is_cache(&self) -> bool {
        matches!(self, Error::Cache { .. })
    }

    /// Whether the API answered 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { status: 404, .. })
    }

    /// The error for a non-2xx response with this body.
    pub(crate) fn from_response(status: u16, body: &[u8]) -> Error {
        let details = serde_json::from_slice::<Value>(body).ok().and_then(|json| {
            let field = |name| json.get(name).filter(|value| !value.is_null()).cloned();
            field("message").or_else(|| field("errors"))
        });
        let message = details
            .as_ref()
            .map(render)
            .filter(|message| !message.trim().is_empty())
            .unwrap_or_else(|| "Request failed".to_owned());
        Error::Api {
            status,
            message,
            details,
        }
    }
}

/// Renders a `message` or `errors` value as one line:
/// - a string as it is;
/// - a list item by item, `; `-separated (Notify's validation errors are objects with a `message`);
/// - an object with a `message` as that message, else as `field: item, item; field: item`
///   (auth errors look like `{"token": ["Invalid token: signature"]}`).
fn render(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(render).collect::<Vec<_>>().join("; "),
        Value::Object(fields) => match fields.get("message") {
            Some(message) if !message.is_null() => render(message),
            _ => fields
                .iter()
                .map(|(field, value)| match value {
                    Value::Array(items) => {
                        let items: Vec<String> = items.iter().map(render).collect();
                        format!("{field}: {}", items.join(", "))
                    }
                    other => format!("{field}: {}", render(other)),
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Error;

    fn message(status: u16, body: &str) -> String {
        let error = Error::from_response(status, body.as_bytes());
        assert_eq!(error.status(), Some(status));
        error.api_message().unwrap().to_owned()
    }

    #[test]
    fn message_then_errors_then_request_failed() {
        assert_eq!(
            message(
                400,
                r#"{"result": "error", "message": "Organisation name already exists"}"#
            ),
            "Organisation name already exists"
        );
        assert_eq!(
            message(
                400,
                r#"{"status_code": 400, "errors": [{"error": "ValidationError", "message": "name is a required property"}]}"#
            ),
            "name is a required property"
        );
        assert_eq!(
            message(
                400,
                r#"{"errors": [{"error": "ValidationError", "message": "a"}, {"error": "ValidationError", "message": "b"}]}"#
            ),
            "a; b"
        );
        assert_eq!(message(500, r#"{"result": "error"}"#), "Request failed");
        assert_eq!(message(502, "<html>Bad gateway</html>"), "Request failed");
        assert_eq!(message(500, ""), "Request failed");
        assert_eq!(message(400, r#"{"message": null, "errors": "x"}"#), "x");
    }

    #[test]
    fn object_messages_are_rendered_readably() {
        assert_eq!(
            message(
                403,
                r#"{"result": "error", "message": {"token": ["Invalid token: signature"]}}"#
            ),
            "token: Invalid token: signature"
        );
        assert_eq!(
            message(
                400,
                r#"{"message": {"name": ["too long", "taken"], "crown": ["required"]}}"#
            ),
            "crown: required; name: too long, taken"
        );
        let error = Error::from_response(
            403,
            br#"{"message": {"token": ["Invalid token: signature"]}}"#,
        );
        let Error::Api { details, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            details,
            &Some(json!({"token": ["Invalid token: signature"]}))
        );
        assert_eq!(
            error.to_string(),
            "Notify API error 403: token: Invalid token: signature"
        );
    }

    #[test]
    fn statuses() {
        let none = Error::NoResponse {
            reason: "GET /organisations: connection refused".into(),
        };
        assert_eq!(none.status(), Some(503));
        assert_eq!(Error::Config("x".into()).status(), None);
        let cache = Error::from(cache::Error::Timeout(std::time::Duration::from_millis(100)));
        assert!(cache.is_cache());
        assert_eq!(cache.status(), None, "no request was made");
        assert!(cache.to_string().contains("timed out"), "{cache}");
        assert!(Error::from_response(404, b"{}").is_not_found());
        assert!(!Error::from_response(400, b"{}").is_not_found());
    }
}
