//! Organisations' email and letter branding pools.

use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};
use uuid::Uuid;

use super::organisations;
use crate::api_error::ApiError;
use crate::time;

/// The NHS email branding's id: Notify's `NHS_EMAIL_BRANDING_ID`, the same in every Notify
/// environment, and the id of the stand-in's seeded "NHS" email branding.
pub const NHS_EMAIL_BRANDING_ID: Uuid = Uuid::from_u128(0xa7dc4e56_660b_4db7_8cff_12c37b12b5ea);

/// The NHS letter branding's id: Notify's `NHS_LETTER_BRANDING_ID`, the same in every Notify
/// environment, and the id of the stand-in's seeded "NHS" letter branding.
pub const NHS_LETTER_BRANDING_ID: Uuid = Uuid::from_u128(0x2cd354bb_6b85_eda3_c0ad_6b613150459f);

/// Which pool: the two differ only in tables, serialised fields and one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pool {
    Email,
    Letter,
}

impl Pool {
    fn branding_table(self) -> &'static str {
        match self {
            Pool::Email => "email_branding",
            Pool::Letter => "letter_branding",
        }
    }
    fn pool_table(self) -> &'static str {
        match self {
            Pool::Email => "email_branding_to_organisation",
            Pool::Letter => "letter_branding_to_organisation",
        }
    }
    fn column(self) -> &'static str {
        match self {
            Pool::Email => "email_branding_id",
            Pool::Letter => "letter_branding_id",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Pool::Email => "Email",
            Pool::Letter => "Letter",
        }
    }
    fn select(self) -> &'static str {
        match self {
            Pool::Email => {
                "b.id, b.name, b.created_at, b.created_by, b.updated_at, \
                 b.colour, b.logo, b.text, b.alt_text, b.brand_type"
            }
            Pool::Letter => "b.id, b.name, b.created_at, b.created_by, b.updated_at, b.filename",
        }
    }

    /// `EmailBranding.serialize()` / `LetterBranding.serialize()`.
    fn to_json(self, r: &Row<'_>) -> rusqlite::Result<Value> {
        let mut value = json!({
            "id": r.get::<_, String>(0)?,
            "name": r.get::<_, String>(1)?,
            "created_at": r.get::<_, Option<i64>>(2)?.map(time::iso),
            "created_by": r.get::<_, Option<String>>(3)?,
            "updated_at": r.get::<_, Option<i64>>(4)?.map(time::iso),
        });
        match self {
            Pool::Email => {
                value["colour"] = json!(r.get::<_, Option<String>>(5)?);
                value["logo"] = json!(r.get::<_, Option<String>>(6)?);
                value["text"] = json!(r.get::<_, Option<String>>(7)?);
                value["alt_text"] = json!(r.get::<_, Option<String>>(8)?);
                value["brand_type"] = json!(r.get::<_, String>(9)?);
            }
            Pool::Letter => value["filename"] = json!(r.get::<_, String>(5)?),
        }
        Ok(value)
    }
}

/// `GET /organisations/{id}/…-branding-pool`: the pool's brandings, by name.
pub(crate) fn list(conn: &Connection, pool: Pool, org: &Uuid) -> Result<Vec<Value>, ApiError> {
    organisations::require(conn, org)?;
    let sql = format!(
        "SELECT {} FROM {} b JOIN {} p ON p.{col} = b.id WHERE p.organisation_id = ?1 \
         ORDER BY b.name",
        pool.select(),
        pool.branding_table(),
        pool.pool_table(),
        col = pool.column(),
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([org.to_string()], |r| pool.to_json(r))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `POST /organisations/{id}/…-branding-pool`: adds brandings. An id that is no branding of the
/// pool's kind is a 404 ("No result found", as Notify's look-up of it fails) and nothing is
/// added; ones already in the pool are left as they are.
pub(crate) fn add(
    conn: &mut Connection,
    pool: Pool,
    org: &Uuid,
    ids: &[Uuid],
) -> Result<(), ApiError> {
    let tx = conn.transaction()?;
    organisations::require(&tx, org)?;
    let exists = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE id = ?1)",
        pool.branding_table()
    );
    for id in ids {
        if !tx.query_row(&exists, [id.to_string()], |r| r.get::<_, bool>(0))? {
            return Err(ApiError::no_result());
        }
    }
    let sql = format!(
        "INSERT OR IGNORE INTO {} (organisation_id, {col}) \
         SELECT ?1, id FROM {} WHERE id = ?2",
        pool.pool_table(),
        pool.branding_table(),
        col = pool.column(),
    );
    for id in ids {
        tx.execute(&sql, params![org.to_string(), id.to_string()])?;
    }
    tx.commit()?;
    Ok(())
}

/// `DELETE /organisations/{id}/…-branding-pool/{branding_id}`.
pub(crate) fn remove(
    conn: &Connection,
    pool: Pool,
    org: &Uuid,
    branding: &Uuid,
) -> Result<(), ApiError> {
    let org_row: Option<(String, Option<String>)> = conn
        .query_row(
            &format!(
                "SELECT name, {} FROM organisation WHERE id = ?1",
                pool.column()
            ),
            [org.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((name, default)) = org_row else {
        return Err(ApiError::no_result());
    };
    let in_pool: bool = conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE organisation_id = ?1 AND {} = ?2)",
            pool.pool_table(),
            pool.column()
        ),
        params![org.to_string(), branding.to_string()],
        |r| r.get(0),
    )?;
    if !in_pool {
        return Err(ApiError::message(
            StatusCode::NOT_FOUND,
            format!("{} branding {branding} not in {name}'s pool", pool.label()),
        ));
    }
    if pool == Pool::Letter && default.as_deref() == Some(branding.to_string().as_str()) {
        return Err(ApiError::bad_request(
            "You cannot remove an organisation's default letter branding",
        ));
    }
    conn.execute(
        &format!(
            "DELETE FROM {} WHERE organisation_id = ?1 AND {} = ?2",
            pool.pool_table(),
            pool.column()
        ),
        params![org.to_string(), branding.to_string()],
    )?;
    Ok(())
}
