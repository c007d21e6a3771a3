//! An organisation's services (linking, listing, usage) and team (listing, adding, removing).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, no_content, path_uuid};
use crate::api_error::ApiError;
use crate::body::{Kind, Schema, parse_json, parse_uuid, validate};
use crate::db::users::ORGANISATION_USER_PERMISSIONS;
use crate::db::{services, users};

const LINK_SERVICE: Schema = Schema {
    fields: &[("service_id", Kind::Uuid)],
    required: &["service_id"],
    additional_properties: false,
};

pub(super) async fn link_service(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let body = parse_json(&headers, &body)?;
    let fields = validate(&body, &LINK_SERVICE)?;
    let service = fields
        .get("service_id")
        .and_then(parse_uuid)
        .ok_or_else(|| ApiError::validation("service_id is not a valid UUID"))?;
    state
        .db
        .run(move |c| services::link(c, &org, &service))
        .await?;
    Ok(no_content())
}

pub(super) async fn services(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let list = state.db.run(move |c| services::list(c, &org)).await?;
    Ok(Json(list).into_response())
}

/// `year` must be an integer, as Notify's `int(request.args.get("year"))` demands.
pub(super) async fn services_with_usage(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let year = params
        .ok()
        .and_then(|Query(p)| p.get("year").and_then(|y| y.trim().parse::<i64>().ok()))
        .ok_or_else(|| ApiError::bad_request("No valid year provided"))?;
    let usage = state
        .db
        .run(move |c| services::with_usage(c, &org, year))
        .await?;
    Ok(Json(usage).into_response())
}

pub(super) async fn users(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let list = state.db.run(move |c| users::list(c, &org)).await?;
    Ok(Json(json!({ "data": list })).into_response())
}

/// Body `{"permissions": [{"permission": "can_make_services_live"}, …]}`; `{"data": user}`.
pub(super) async fn add_user(
    State(state): State<AppState>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let user = path_uuid(&user_id)?;
    let body = parse_json(&headers, &body)?;
    let permissions = permissions_of(&body)?;
    let added = state
        .db
        .run(move |c| {
            let names: Vec<&str> = permissions.iter().map(String::as_str).collect();
            users::add(c, &org, &user, &names)
        })
        .await?;
    Ok(Json(json!({ "data": added })).into_response())
}

fn permissions_of(body: &Value) -> Result<Vec<String>, ApiError> {
    let items = body
        .get("permissions")
        .ok_or_else(|| ApiError::validation("permissions is a required property"))?
        .as_array()
        .ok_or_else(|| ApiError::validation("permissions is not of type array"))?;
    items
        .iter()
        .map(|item| {
            item.get("permission")
                .and_then(Value::as_str)
                .filter(|p| ORGANISATION_USER_PERMISSIONS.contains(p))
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "permissions {} is not one of [{}]",
                        crate::body::py_repr(item),
                        ORGANISATION_USER_PERMISSIONS.join(", ")
                    ))
                })
        })
        .collect()
}

/// Any body is ignored, as on the real API (observed): the admin app sends its acting user.
pub(super) async fn remove_user(
    State(state): State<AppState>,
    Path((org_id, user_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let user = path_uuid(&user_id)?;
    state.db.run(move |c| users::remove(c, &org, &user)).await?;
    Ok(no_content())
}
