//! `/organisations`: list, read, find, create, update, archive.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, no_content, path_uuid};
use crate::api_error::{ApiError, BAD_REQUEST};
use crate::body::{Kind, Schema, parse_json, validate};
use crate::db::organisations::{self as orgs, ORGANISATION_PERMISSIONS, ORGANISATION_TYPES};

/// Every field a create or update may carry. `created_by`/`updated_by` are accepted (the admin
/// app sends who acted) and not stored; anything unknown is refused, so a client sending a
/// misspelt field finds out.
const FIELDS: &[(&str, Kind)] = &[
    ("name", Kind::Str),
    ("active", Kind::Bool),
    ("crown", Kind::NullableBool),
    ("organisation_type", Kind::Enum(ORGANISATION_TYPES)),
    ("agreement_signed", Kind::NullableBool),
    ("agreement_signed_at", Kind::NullableStr),
    ("agreement_signed_by_id", Kind::NullableUuid),
    ("agreement_signed_on_behalf_of_name", Kind::NullableStr),
    (
        "agreement_signed_on_behalf_of_email_address",
        Kind::NullableStr,
    ),
    ("agreement_signed_version", Kind::NullableNumber),
    ("letter_branding_id", Kind::NullableUuid),
    ("email_branding_id", Kind::NullableUuid),
    ("request_to_go_live_notes", Kind::NullableStr),
    ("notes", Kind::NullableStr),
    ("purchase_order_number", Kind::NullableStr),
    ("billing_contact_names", Kind::NullableStr),
    ("billing_contact_email_addresses", Kind::NullableStr),
    ("billing_reference", Kind::NullableStr),
    ("can_approve_own_go_live_requests", Kind::Bool),
    ("domains", Kind::StrArray),
    ("permissions", Kind::EnumArray(ORGANISATION_PERMISSIONS)),
    ("created_by", Kind::NullableUuid),
    ("updated_by", Kind::NullableUuid),
];

/// Notify's `post_create_organisation_schema` requires these three.
const CREATE: Schema = Schema {
    fields: FIELDS,
    required: &["name", "crown", "organisation_type"],
};
const UPDATE: Schema = Schema {
    fields: FIELDS,
    required: &[],
};

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

fn param(params: Params, name: &str) -> Result<Option<String>, ApiError> {
    let Query(map) = params.map_err(|_| ApiError::bad_request(BAD_REQUEST))?;
    Ok(map.get(name).cloned())
}

pub(super) async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let orgs = state.db.run(|c| Ok(orgs::list(c)?)).await?;
    Ok(Json(orgs).into_response())
}

pub(super) async fn get_one(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_uuid(&org_id)?;
    let org = state.db.run(move |c| Ok(orgs::get(c, &id)?)).await?;
    Ok(Json(org.ok_or_else(ApiError::no_result)?).into_response())
}

/// 400 without a usable `domain` (missing, empty, or an email address), 404 without a match.
pub(super) async fn by_domain(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let domain = param(params, "domain")?
        .filter(|d| !d.is_empty() && !d.contains('@'))
        .ok_or_else(|| ApiError::bad_request(BAD_REQUEST))?;
    let org = state
        .db
        .run(move |c| Ok(orgs::find_by_domain(c, &domain)?))
        .await?;
    Ok(Json(org.ok_or_else(ApiError::url_not_found)?).into_response())
}

/// `{"data": [list entries]}`; 400 with marshmallow's message when `name` is missing.
pub(super) async fn search(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let name = param(params, "name")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::Message {
            status: StatusCode::BAD_REQUEST,
            message: json!({"name": ["Missing data for required field."]}),
        })?;
    let found = state.db.run(move |c| Ok(orgs::search(c, &name)?)).await?;
    Ok(Json(json!({ "data": found })).into_response())
}

pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = parse_json(&headers, &body)?;
    let fields = validate(&body, &CREATE)?.clone();
    let org = state.db.run(move |c| orgs::create(c, &fields)).await?;
    Ok((StatusCode::CREATED, Json(org)).into_response())
}

pub(super) async fn update(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_uuid(&org_id)?;
    let body: Value = parse_json(&headers, &body)?;
    let fields = validate(&body, &UPDATE)?.clone();
    state.db.run(move |c| orgs::update(c, &id, &fields)).await?;
    Ok(no_content())
}

pub(super) async fn archive(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_uuid(&org_id)?;
    state.db.run(move |c| orgs::archive(c, &id)).await?;
    Ok(no_content())
}
