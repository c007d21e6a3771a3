//! Users as organisations see them: the team list, adding and removing members.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use uuid::Uuid;

use super::organisations;
use crate::api_error::ApiError;
use crate::time;

/// Notify's `OrganisationUserPermissionTypes`: what a member (or an invited one) may do.
pub(crate) const ORGANISATION_USER_PERMISSIONS: &[&str] = &["can_make_services_live"];

fn split_permissions(permissions: &str) -> Vec<&str> {
    permissions.split(',').filter(|p| !p.is_empty()).collect()
}

/// Notify's `User.serialize()`, or `None` if there is no such user. `created_at` and
/// `receives_new_features_email` are there as on the real API (observed); the stand-in has no
/// way to change the latter, so it is Notify's default, `true`.
pub(crate) fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Value>> {
    let user = conn
        .query_row(
            "SELECT id, name, email_address, auth_type, failed_login_count, \
             email_access_validated_at, logged_in_at, mobile_number, password_changed_at, \
             platform_admin, state, take_part_in_research, created_at FROM users WHERE id = ?1",
            [id],
            |r| {
                let auth_type: String = r.get(3)?;
                let platform_admin: bool = r.get(9)?;
                Ok(json!({
                    "id": r.get::<_, String>(0)?,
                    "name": r.get::<_, String>(1)?,
                    "email_address": r.get::<_, String>(2)?,
                    "auth_type": auth_type,
                    "current_session_id": null,
                    "failed_login_count": r.get::<_, i64>(4)?,
                    "email_access_validated_at": time::iso(r.get(5)?),
                    "logged_in_at": r.get::<_, Option<i64>>(6)?.map(time::iso),
                    "mobile_number": r.get::<_, Option<String>>(7)?,
                    "password_changed_at": time::no_timezone(r.get(8)?),
                    "platform_admin": platform_admin,
                    "can_use_webauthn": platform_admin || auth_type == "webauthn_auth",
                    "state": r.get::<_, String>(10)?,
                    "take_part_in_research": r.get::<_, bool>(11)?,
                    "created_at": time::iso(r.get(12)?),
                    "receives_new_features_email": true,
                }))
            },
        )
        .optional()?;
    let Some(mut user) = user else {
        return Ok(None);
    };

    let mut stmt = conn.prepare(
        "SELECT uo.organisation_id, uo.permissions, o.active FROM user_to_organisation uo \
         JOIN organisation o ON o.id = uo.organisation_id WHERE uo.user_id = ?1 ORDER BY o.name",
    )?;
    let memberships: Vec<(String, String, bool)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let organisations: Vec<&str> = memberships
        .iter()
        .filter(|m| m.2)
        .map(|m| m.0.as_str())
        .collect();
    let organisation_permissions: BTreeMap<&str, Vec<&str>> = memberships
        .iter()
        .map(|(org, perms, _)| (org.as_str(), split_permissions(perms)))
        .collect();

    let mut stmt = conn.prepare(
        "SELECT us.service_id, us.permissions, s.active FROM user_to_service us \
         JOIN services s ON s.id = us.service_id WHERE us.user_id = ?1 ORDER BY s.name",
    )?;
    let services: Vec<(String, String, bool)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let active_services: Vec<&str> = services
        .iter()
        .filter(|s| s.2)
        .map(|s| s.0.as_str())
        .collect();
    let permissions: BTreeMap<&str, Vec<&str>> = services
        .iter()
        .map(|(service, perms, _)| (service.as_str(), split_permissions(perms)))
        .collect();

    user["organisations"] = json!(organisations);
    user["organisation_permissions"] = json!(organisation_permissions);
    user["services"] = json!(active_services);
    user["permissions"] = json!(permissions);
    Ok(Some(user))
}

/// `GET /organisations/{id}/users`: the organisation's active users, oldest first. An unknown
/// organisation simply has none (observed on the real API: `200 {"data": []}`, not a 404).
pub(crate) fn list(conn: &Connection, org: &Uuid) -> Result<Vec<Value>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT u.id FROM users u JOIN user_to_organisation uo ON uo.user_id = u.id \
         WHERE uo.organisation_id = ?1 AND u.state = 'active' ORDER BY u.created_at, u.id",
    )?;
    let ids: Vec<String> = stmt
        .query_map([org.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut users = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(user) = get(conn, &id)? {
            users.push(user);
        }
    }
    Ok(users)
}

fn user_exists(conn: &Connection, user: &Uuid) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
        [user.to_string()],
        |r| r.get(0),
    )
}

/// `POST /organisations/{id}/users/{user_id}`: adds (or re-permissions) a member.
pub(crate) fn add(
    conn: &Connection,
    org: &Uuid,
    user: &Uuid,
    permissions: &[&str],
) -> Result<Value, ApiError> {
    organisations::require(conn, org)?;
    if !user_exists(conn, user)? {
        return Err(ApiError::no_result());
    }
    conn.execute(
        "INSERT INTO user_to_organisation (user_id, organisation_id, permissions) \
         VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id, organisation_id) DO UPDATE SET permissions = excluded.permissions",
        params![user.to_string(), org.to_string(), permissions.join(",")],
    )?;
    get(conn, &user.to_string())?.ok_or(ApiError::Internal)
}

/// `DELETE /organisations/{id}/users/{user_id}`.
pub(crate) fn remove(conn: &Connection, org: &Uuid, user: &Uuid) -> Result<(), ApiError> {
    organisations::require(conn, org)?;
    if !user_exists(conn, user)? {
        return Err(ApiError::no_result());
    }
    let removed = conn.execute(
        "DELETE FROM user_to_organisation WHERE user_id = ?1 AND organisation_id = ?2",
        params![user.to_string(), org.to_string()],
    )?;
    if removed == 0 {
        return Err(ApiError::message(
            axum::http::StatusCode::NOT_FOUND,
            "User not found",
        ));
    }
    Ok(())
}
