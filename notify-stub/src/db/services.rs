//! Services as organisations see them: linking, listing, usage.

use rusqlite::{Connection, params};
use serde_json::{Value, json};
use uuid::Uuid;

use super::organisations;
use crate::api_error::ApiError;
use crate::{time, usage};

/// `POST /organisations/{id}/service`: moves a service into the organisation.
pub(crate) fn link(conn: &Connection, org: &Uuid, service: &Uuid) -> Result<(), ApiError> {
    organisations::require(conn, org)?;
    let changed = conn.execute(
        "UPDATE services SET organisation_id = ?1 WHERE id = ?2",
        params![org.to_string(), service.to_string()],
    )?;
    if changed == 0 {
        return Err(ApiError::no_result());
    }
    Ok(())
}

/// `GET /organisations/{id}/services`: `{id, name, active, restricted}`, active first, by name.
pub(crate) fn list(conn: &Connection, org: &Uuid) -> Result<Vec<Value>, ApiError> {
    organisations::require(conn, org)?;
    let mut stmt = conn.prepare(
        "SELECT id, name, active, restricted FROM services WHERE organisation_id = ?1 \
         ORDER BY active DESC, name",
    )?;
    let rows = stmt.query_map([org.to_string()], |r| {
        Ok(json!({
            "id": r.get::<_, String>(0)?,
            "name": r.get::<_, String>(1)?,
            "active": r.get::<_, bool>(2)?,
            "restricted": r.get::<_, bool>(3)?,
        }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `GET /organisations/{id}/services-with-usage?year=`: the organisation's unrestricted
/// services with their usage for the financial year starting in April of `year`, active first
/// then by name ignoring case; `updated_at` is set only for the current financial year.
pub(crate) fn with_usage(conn: &Connection, org: &Uuid, year: i64) -> Result<Value, ApiError> {
    organisations::require(conn, org)?;
    let organisation_type = organisations::organisation_type(conn, org)?;
    let now = time::now();
    let current = time::financial_year_start(now);
    let mut stmt = conn.prepare(
        "SELECT id, name, active FROM services WHERE organisation_id = ?1 AND restricted = 0",
    )?;
    let mut services: Vec<(String, String, bool)> = stmt
        .query_map([org.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    services.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then_with(|| a.1.to_lowercase().cmp(&b.1.to_lowercase()))
    });
    let services: Vec<Value> = services
        .iter()
        .map(|(id, name, active)| {
            usage::service_usage(
                id,
                name,
                *active,
                organisation_type.as_deref(),
                year,
                current,
            )
        })
        .collect();
    let updated_at = (year == current).then(|| time::iso(now - now.rem_euclid(3600)));
    Ok(json!({"services": services, "updated_at": updated_at}))
}
