//! `/organisations/{id}/email-branding-pool` and `/letter-branding-pool`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, no_content, path_uuid};
use crate::api_error::ApiError;
use crate::body::{Kind, Schema, parse_json, parse_uuid, validate};
use crate::db::brandings::{self, Pool};

/// Picks the pool at compile time, so one handler serves both routes.
pub(super) trait PoolKind {
    const POOL: Pool;
}
pub(super) struct Email;
pub(super) struct Letter;
impl PoolKind for Email {
    const POOL: Pool = Pool::Email;
}
impl PoolKind for Letter {
    const POOL: Pool = Pool::Letter;
}

const ADD: Schema = Schema {
    fields: &[("branding_ids", Kind::UuidArray)],
    required: &["branding_ids"],
    additional_properties: false,
};

pub(super) async fn list<P: PoolKind>(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let pool = state
        .db
        .run(move |c| brandings::list(c, P::POOL, &org))
        .await?;
    Ok(Json(json!({ "data": pool })).into_response())
}

pub(super) async fn add<P: PoolKind>(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let body = parse_json(&headers, &body)?;
    let fields = validate(&body, &ADD)?;
    let ids: Vec<_> = fields
        .get("branding_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(parse_uuid).collect())
        .unwrap_or_default();
    state
        .db
        .run(move |c| brandings::add(c, P::POOL, &org, &ids))
        .await?;
    Ok(no_content())
}

pub(super) async fn remove<P: PoolKind>(
    State(state): State<AppState>,
    Path((org_id, branding_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let branding = path_uuid(&branding_id)?;
    state
        .db
        .run(move |c| brandings::remove(c, P::POOL, &org, &branding))
        .await?;
    Ok(no_content())
}
