//! The HTTP surface: routes, the middleware every request passes through, shared helpers.

mod branding;
mod invites;
mod members;
mod organisations;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::json;
use uuid::Uuid;

use crate::api_error::ApiError;
use crate::auth::Clients;
use crate::body::parse_uuid_str;
use crate::counting::RequestCounter;
use crate::db::Db;
use crate::time;

/// Everything a handler or middleware needs.
#[derive(Clone)]
pub(crate) struct AppState {
    pub db: Db,
    pub clients: Arc<Clients>,
    pub counter: Arc<RequestCounter>,
    pub latency: Duration,
    /// Invites are saved, then answered with a 500 (see `StubConfig::invite_emails_fail`).
    pub invite_emails_fail: bool,
}

/// Notify's health check; like Notify's, it needs no token.
const STATUS_PATH: &str = "/_status";

pub(crate) fn router(state: AppState) -> Router {
    use branding::{Email, Letter};
    Router::new()
        .route(STATUS_PATH, get(status))
        .route(
            "/organisations",
            get(organisations::list).post(organisations::create),
        )
        .route("/organisations/by-domain", get(organisations::by_domain))
        .route("/organisations/search", get(organisations::search))
        .route(
            "/organisations/{org_id}",
            get(organisations::get_one).post(organisations::update),
        )
        .route(
            "/organisations/{org_id}/archive",
            post(organisations::archive),
        )
        .route(
            "/organisations/{org_id}/service",
            post(members::link_service),
        )
        .route("/organisations/{org_id}/services", get(members::services))
        .route(
            "/organisations/{org_id}/services-with-usage",
            get(members::services_with_usage),
        )
        .route("/organisations/{org_id}/users", get(members::users))
        .route(
            "/organisations/{org_id}/users/{user_id}",
            post(members::add_user).delete(members::remove_user),
        )
        .route(
            "/organisations/{org_id}/email-branding-pool",
            get(branding::list::<Email>).post(branding::add::<Email>),
        )
        .route(
            "/organisations/{org_id}/email-branding-pool/{branding_id}",
            delete(branding::remove::<Email>),
        )
        .route(
            "/organisations/{org_id}/letter-branding-pool",
            get(branding::list::<Letter>).post(branding::add::<Letter>),
        )
        .route(
            "/organisations/{org_id}/letter-branding-pool/{branding_id}",
            delete(branding::remove::<Letter>),
        )
        .route(
            "/organisation/{org_id}/invite",
            get(invites::list).post(invites::create),
        )
        .route(
            "/organisation/{org_id}/invite/{invite_id}",
            get(invites::get_one).post(invites::update_status),
        )
        .route("/invite/organisation/{invite_id}", get(invites::get_by_id))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Outermost last: count everything, then wait, then check who is calling.
        .layer(from_fn_with_state(state.clone(), guard))
        .layer(from_fn_with_state(state.clone(), delay))
        .layer(from_fn_with_state(state.clone(), count))
        .with_state(state)
}

/// Counts every request on arrival, so rejected and unmatched ones are counted too.
async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    state
        .counter
        .record(request.method().as_str(), request.uri().path());
    next.run(request).await
}

/// The simulated network distance, paid by every request.
async fn delay(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    next.run(request).await
}

/// The proxy's route secret check (when the stub plays the proxy), then the API's token checks:
/// the order a request meets them in on the way to Notify.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path() != STATUS_PATH {
        let checked = state
            .clients
            .check_forwarder(request.headers())
            .and_then(|()| state.clients.authenticate(request.headers(), time::now()));
        if let Err(error) = checked {
            return error.into_response();
        }
    }
    next.run(request).await
}

async fn status() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn not_found() -> ApiError {
    ApiError::url_not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::message(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested URL.",
    )
}

/// A UUID path segment; anything else is an unknown URL, as with Flask's `uuid` converter.
fn path_uuid(segment: &str) -> Result<Uuid, ApiError> {
    parse_uuid_str(segment).ok_or_else(ApiError::url_not_found)
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
