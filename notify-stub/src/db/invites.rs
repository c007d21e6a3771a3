//! Invitations to join an organisation's team.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};
use uuid::Uuid;

use super::organisations;
use crate::api_error::ApiError;
use crate::time;

/// Notify's `INVITED_USER_STATUS_TYPES`.
pub(crate) const STATUSES: &[&str] = &["pending", "accepted", "cancelled", "expired"];

const COLUMNS: &str =
    "id, email_address, invited_by_id, organisation_id, created_at, status, permissions";

/// `InvitedOrganisationUser.serialize()`, with the `permissions` the real API returns
/// (observed) as a list of names.
fn to_json(r: &Row<'_>) -> rusqlite::Result<Value> {
    let permissions: String = r.get(6)?;
    let permissions: Vec<&str> = permissions.split(',').filter(|p| !p.is_empty()).collect();
    Ok(json!({
        "id": r.get::<_, String>(0)?,
        "email_address": r.get::<_, String>(1)?,
        "invited_by": r.get::<_, String>(2)?,
        "organisation": r.get::<_, String>(3)?,
        "created_at": time::iso(r.get(4)?),
        "status": r.get::<_, String>(5)?,
        "permissions": permissions,
    }))
}

/// `POST /organisation/{id}/invite`: a new pending invite with these (validated) permissions.
pub(crate) fn create(
    conn: &Connection,
    org: &Uuid,
    email_address: &str,
    invited_by: &Uuid,
    permissions: &[String],
) -> Result<Value, ApiError> {
    organisations::require(conn, org)?;
    let id = Uuid::new_v4();
    conn.execute(
        "INSERT INTO invited_organisation_users \
         (id, email_address, invited_by_id, organisation_id, status, created_at, permissions) \
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6)",
        params![
            id.to_string(),
            email_address,
            invited_by.to_string(),
            org.to_string(),
            time::now(),
            permissions.join(",")
        ],
    )?;
    find(conn, Some(org), &id)?.ok_or(ApiError::Internal)
}

/// `GET /organisation/{id}/invite`: oldest first. An organisation that does not exist has none
/// (an empty list, not a 404: Notify only filters invites by organisation).
pub(crate) fn list(conn: &Connection, org: &Uuid) -> Result<Vec<Value>, ApiError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM invited_organisation_users WHERE organisation_id = ?1 \
         ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([org.to_string()], to_json)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One invite, within an organisation when `org` is given.
pub(crate) fn find(
    conn: &Connection,
    org: Option<&Uuid>,
    id: &Uuid,
) -> rusqlite::Result<Option<Value>> {
    let org = org.map(Uuid::to_string);
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM invited_organisation_users \
             WHERE id = ?1 AND (?2 IS NULL OR organisation_id = ?2)"
        ),
        params![id.to_string(), org],
        to_json,
    )
    .optional()
}

/// `POST /organisation/{id}/invite/{invite_id}`: sets the status.
pub(crate) fn set_status(
    conn: &Connection,
    org: &Uuid,
    id: &Uuid,
    status: &str,
) -> Result<Value, ApiError> {
    let changed = conn.execute(
        "UPDATE invited_organisation_users SET status = ?3 WHERE id = ?1 AND organisation_id = ?2",
        params![id.to_string(), org.to_string(), status],
    )?;
    if changed == 0 {
        return Err(ApiError::no_result());
    }
    find(conn, Some(org), id)?.ok_or(ApiError::Internal)
}
