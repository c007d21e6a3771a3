//! The error responses the stub answers with, in the shapes Notify's API uses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Werkzeug's description for `abort(404)` and unmatched URLs, which Notify passes through.
pub(crate) const URL_NOT_FOUND: &str = "The requested URL was not found on the server. If you \
     entered the URL manually please check your spelling and try again.";
/// Werkzeug's description for `abort(400)` (by-domain without a usable `domain`).
pub(crate) const BAD_REQUEST: &str =
    "The browser (or proxy) sent a request that this server could not understand.";

/// An error answer. Each variant is one of Notify's body shapes.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// `{"result": "error", "message": {"token": [message]}}`: Notify's `AuthError`.
    Auth { status: StatusCode, message: String },
    /// `{"status_code": 400, "errors": [{"error": "ValidationError", "message": …}, …]}`:
    /// a JSON-schema failure.
    Validation(Vec<String>),
    /// `{"result": "error", "message": message}`: `InvalidRequest` and the generic handlers.
    Message { status: StatusCode, message: Value },
    /// 500 `{"result": "error", "message": "Internal server error"}`; the cause is logged.
    Internal,
}

impl ApiError {
    pub(crate) fn auth(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Auth {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn message(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Message {
            status,
            message: Value::String(message.into()),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::message(StatusCode::BAD_REQUEST, message)
    }

    /// What Notify answers when a row it looked up does not exist (`NoResultFound`).
    pub(crate) fn no_result() -> Self {
        Self::message(StatusCode::NOT_FOUND, "No result found")
    }

    pub(crate) fn url_not_found() -> Self {
        Self::message(StatusCode::NOT_FOUND, URL_NOT_FOUND)
    }

    pub(crate) fn validation(message: impl Into<String>) -> Self {
        ApiError::Validation(vec![message.into()])
    }

    /// Notify's answer to an exception in its own code (a 500 with the generic message); the
    /// exception is only logged, as Notify logs it.
    pub(crate) fn server_error(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "notify-stub: answering 500 Internal server error");
        ApiError::Internal
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        tracing::error!(%error, "notify-stub: database error");
        ApiError::Internal
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Auth { status, message } => (
                status,
                Json(json!({"result": "error", "message": {"token": [message]}})),
            )
                .into_response(),
            ApiError::Validation(messages) => {
                let errors: Vec<Value> = messages
                    .into_iter()
                    .map(|m| json!({"error": "ValidationError", "message": m}))
                    .collect();
                (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"status_code": 400, "errors": errors})),
                )
                    .into_response()
            }
            ApiError::Message { status, message } => {
                (status, Json(json!({"result": "error", "message": message}))).into_response()
            }
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"result": "error", "message": "Internal server error"})),
            )
                .into_response(),
        }
    }
}
