//! `/organisations`: list, read, find, create, update, archive.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{AppState, no_content, path_uuid};
use crate::api_error::{ApiError, BAD_REQUEST};
use crate::body::{Kind, Schema, parse_json, unknown_fields, validate};
use crate::db::organisations::{self as orgs, ORGANISATION_PERMISSIONS, ORGANISATION_TYPES};

/// Every field an update may carry: the organisation's columns, `domains` and `permissions`.
/// Anything else passes validation and then fails as on the real API, where it reaches the
/// model as an unknown keyword: a 500 (see [`refuse_unknown`]). There is no actor field
/// (`created_by`, `updated_by`): the real organisation endpoints take none.
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
];

/// A create's fields: an update's, except that `crown` must be a boolean (observed on the real
/// API: `null` is a 400, "crown None is not of type boolean").
static CREATE_FIELDS: LazyLock<Vec<(&str, Kind)>> = LazyLock::new(|| {
    FIELDS
        .iter()
        .map(|&(name, kind)| match name {
            "crown" => (name, Kind::Bool),
            _ => (name, kind),
        })
        .collect()
});

/// Notify's `post_create_organisation_schema` requires these three.
const CREATE_REQUIRED: &[&str] = &["name", "crown", "organisation_type"];

const UPDATE: Schema = Schema {
    fields: FIELDS,
    required: &[],
    additional_properties: true,
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
    let create = Schema {
        fields: &CREATE_FIELDS,
        required: CREATE_REQUIRED,
        additional_properties: true,
    };
    let fields = validate(&body, &create)?;
    // Python's message when `Organisation(**data)` meets a keyword it has no column for.
    refuse_unknown(fields, &create, |field| {
        format!("TypeError: '{field}' is an invalid keyword argument for Organisation")
    })?;
    let fields = fields.clone();
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
    let fields = validate(&body, &UPDATE)?;
    // SQLAlchemy's message when `query.update(data)` meets a key that is not a column.
    refuse_unknown(fields, &UPDATE, |field| {
        format!("ArgumentError: Unconsumed column names: {field}")
    })?;
    let fields = fields.clone();
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

/// A body with a field the endpoint does not know fails as on the real API: validation lets it
/// through, the model refuses it, and the answer is a 500 with the generic message (observed:
/// `created_by` on create and update, and any other unknown field). `cause` words the logged
/// exception. Nothing is written.
fn refuse_unknown(
    fields: &Map<String, Value>,
    schema: &Schema,
    cause: impl Fn(&str) -> String,
) -> Result<(), ApiError> {
    match unknown_fields(fields, schema).first() {
        Some(field) => Err(ApiError::server_error(cause(field))),
        None => Ok(()),
    }
}
