//! `/organisation/{id}/invite…` and `/invite/organisation/{id}`: team invitations.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, path_uuid};
use crate::api_error::ApiError;
use crate::body::{Kind, Schema, parse_json, parse_uuid, validate};
use crate::db::invites::{self, STATUSES};
use crate::db::users::ORGANISATION_USER_PERMISSIONS;

/// Notify's `post_create_invited_org_user_status_schema`. `permissions` is not among its
/// required properties, yet the endpoint reads it unconditionally (see [`create`]).
const CREATE: Schema = Schema {
    fields: &[
        ("email_address", Kind::Email),
        ("invited_by", Kind::Uuid),
        ("invite_link_host", Kind::Str),
        (
            "permissions",
            Kind::EnumArray(ORGANISATION_USER_PERMISSIONS),
        ),
    ],
    required: &["email_address", "invited_by"],
    additional_properties: false,
};

/// Notify's `post_update_invited_org_user_status_schema`.
const UPDATE: Schema = Schema {
    fields: &[("status", Kind::Enum(STATUSES))],
    required: &["status"],
    additional_properties: false,
};

fn data(value: Value) -> Json<Value> {
    Json(json!({ "data": value }))
}

/// 201 with the new invite. Without `permissions` (a list, may be empty) the real API fails
/// with a 500 (observed: `KeyError: 'permissions'`), and so does the stand-in; nothing is saved.
pub(super) async fn create(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let body = parse_json(&headers, &body)?;
    let fields = validate(&body, &CREATE)?;
    let email = fields
        .get("email_address")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let invited_by = fields
        .get("invited_by")
        .and_then(parse_uuid)
        .ok_or_else(|| ApiError::validation("invited_by is not a valid UUID"))?;
    let permissions: Vec<String> = fields
        .get("permissions")
        .ok_or_else(|| ApiError::server_error("KeyError: 'permissions'"))?
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let invite = state
        .db
        .run(move |c| invites::create(c, &org, &email, &invited_by, &permissions))
        .await?;
    if state.invite_emails_fail {
        // Saved, then the invitation email could not be queued: Notify's API fails after its
        // commit.
        return Err(ApiError::server_error(
            "could not queue the invitation email",
        ));
    }
    Ok((StatusCode::CREATED, data(invite)).into_response())
}

pub(super) async fn list(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let list = state.db.run(move |c| invites::list(c, &org)).await?;
    Ok(data(json!(list)).into_response())
}

pub(super) async fn get_one(
    State(state): State<AppState>,
    Path((org_id, invite_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let id = path_uuid(&invite_id)?;
    let invite = state
        .db
        .run(move |c| Ok(invites::find(c, Some(&org), &id)?))
        .await?;
    Ok(data(invite.ok_or_else(ApiError::no_result)?).into_response())
}

pub(super) async fn get_by_id(
    State(state): State<AppState>,
    Path(invite_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_uuid(&invite_id)?;
    let invite = state
        .db
        .run(move |c| Ok(invites::find(c, None, &id)?))
        .await?;
    Ok(data(invite.ok_or_else(ApiError::no_result)?).into_response())
}

/// `{"status": "accepted" | "cancelled" | …}`; 200 with the updated invite. As in Notify, the
/// invite is looked up before the body is read: an unknown invite is a 404 whatever the body.
pub(super) async fn update_status(
    State(state): State<AppState>,
    Path((org_id, invite_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = path_uuid(&org_id)?;
    let id = path_uuid(&invite_id)?;
    state
        .db
        .run(move |c| Ok(invites::find(c, Some(&org), &id)?))
        .await?
        .ok_or_else(ApiError::no_result)?;
    let body = parse_json(&headers, &body)?;
    let fields = validate(&body, &UPDATE)?;
    let status = fields
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let invite = state
        .db
        .run(move |c| invites::set_status(c, &org, &id, &status))
        .await?;
    Ok(data(invite).into_response())
}
