//! Organisations: listing, reading, finding by domain or name, creating, updating, archiving.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::brandings::{NHS_EMAIL_BRANDING_ID, NHS_LETTER_BRANDING_ID};
use crate::api_error::ApiError;
use crate::time;

/// Notify's `ORGANISATION_TYPES`, in its order (the order a "not one of" error lists them in),
/// `nhs_notify` included.
pub(crate) const ORGANISATION_TYPES: &[&str] = &[
    "central",
    "local",
    "nhs_central",
    "nhs_local",
    "nhs_gp",
    "nhs_notify",
    "emergency_service",
    "school_or_college",
    "other",
];

/// Notify's `NHS_ORGANISATION_TYPES`: organisations of these types get the NHS email and letter
/// branding, and both in their pools, when created or when their type changes to one of them.
pub(crate) const NHS_ORGANISATION_TYPES: &[&str] =
    &["nhs_central", "nhs_local", "nhs_gp", "nhs_notify"];

/// The permission every new organisation gets (Notify's `CAN_ASK_TO_JOIN_SERVICE`).
const CAN_ASK_TO_JOIN_SERVICE: &str = "can_ask_to_join_a_service";

/// Notify's `ORGANISATION_PERMISSION_TYPES`.
pub(crate) const ORGANISATION_PERMISSIONS: &[&str] = &[CAN_ASK_TO_JOIN_SERVICE];

/// Fields stored in a column of the same name; anything else in a body is handled apart.
const COLUMNS: &[&str] = &[
    "name",
    "active",
    "crown",
    "organisation_type",
    "letter_branding_id",
    "email_branding_id",
    "agreement_signed",
    "agreement_signed_at",
    "agreement_signed_by_id",
    "agreement_signed_on_behalf_of_name",
    "agreement_signed_on_behalf_of_email_address",
    "agreement_signed_version",
    "request_to_go_live_notes",
    "notes",
    "purchase_order_number",
    "billing_contact_names",
    "billing_contact_email_addresses",
    "billing_reference",
    "can_approve_own_go_live_requests",
];

const NAME_TAKEN: &str = "Organisation name already exists";
const DOMAIN_TAKEN: &str = "Domain already exists";
/// Live: what `count_of_live_services` counts (Notify's `Organisation.live_services`).
const LIVE_COUNT: &str = "(SELECT COUNT(*) FROM services s \
     WHERE s.organisation_id = o.id AND s.active = 1 AND s.restricted = 0)";

pub(crate) fn exists(conn: &Connection, id: &Uuid) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM organisation WHERE id = ?1)",
        [id.to_string()],
        |r| r.get(0),
    )
}

/// Fails with Notify's 404 unless the organisation exists.
pub(crate) fn require(conn: &Connection, id: &Uuid) -> Result<(), ApiError> {
    if exists(conn, id)? {
        Ok(())
    } else {
        Err(ApiError::no_result())
    }
}

fn domains_by_organisation(conn: &Connection) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    let mut stmt = conn.prepare("SELECT organisation_id, domain FROM domain ORDER BY rowid")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (org, domain) = row?;
        map.entry(org).or_default().push(domain);
    }
    Ok(map)
}

/// `serialize_for_list` entries for every organisation matching `filter` (an SQL condition on
/// `o`), in the given order.
fn list_entries(conn: &Connection, filter: &str, order: &str) -> rusqlite::Result<Vec<Value>> {
    let mut domains = domains_by_organisation(conn)?;
    let sql = format!(
        "SELECT o.id, o.name, o.active, o.organisation_type, {LIVE_COUNT} \
         FROM organisation o WHERE {filter} ORDER BY {order}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, active, organisation_type, live) = row?;
        let org_domains = domains.remove(&id).unwrap_or_default();
        out.push(json!({
            "id": id,
            "name": name,
            "active": active,
            "count_of_live_services": live,
            "domains": org_domains,
            "organisation_type": organisation_type,
        }));
    }
    Ok(out)
}

/// `GET /organisations`: active first, then by name.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<Value>> {
    list_entries(conn, "1 = 1", "o.active DESC, o.name")
}

/// `GET /organisations/search`: names containing `needle`, ignoring case, by name.
pub(crate) fn search(conn: &Connection, needle: &str) -> rusqlite::Result<Vec<Value>> {
    // Matched in Rust: SQLite's LIKE and lower() only fold ASCII.
    let needle = needle.to_lowercase();
    let mut all = list_entries(conn, "1 = 1", "o.name")?;
    all.retain(|entry| {
        entry["name"]
            .as_str()
            .is_some_and(|name| name.to_lowercase().contains(&needle))
    });
    Ok(all)
}

/// The full organisation (`Organisation.serialize()`), or `None`.
pub(crate) fn get(conn: &Connection, id: &Uuid) -> rusqlite::Result<Option<Value>> {
    let id = id.to_string();
    let sql = format!(
        "SELECT o.id, o.name, o.active, o.crown, o.organisation_type, o.letter_branding_id, \
         o.email_branding_id, o.agreement_signed, o.agreement_signed_at, o.agreement_signed_by_id, \
         o.agreement_signed_on_behalf_of_name, o.agreement_signed_on_behalf_of_email_address, \
         o.agreement_signed_version, o.request_to_go_live_notes, o.notes, o.purchase_order_number, \
         o.billing_contact_names, o.billing_contact_email_addresses, o.billing_reference, \
         o.can_approve_own_go_live_requests, {LIVE_COUNT} FROM organisation o WHERE o.id = ?1"
    );
    let Some(mut org) = conn.query_row(&sql, [&id], full_json).optional()? else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare("SELECT domain FROM domain WHERE organisation_id = ?1 ORDER BY rowid")?;
    let domains: Vec<String> = stmt
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare(
        "SELECT permission FROM organisation_permissions WHERE organisation_id = ?1 \
         ORDER BY permission",
    )?;
    let permissions: Vec<String> = stmt
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    org["domains"] = json!(domains);
    org["permissions"] = json!(permissions);
    Ok(Some(org))
}

fn full_json(r: &Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": r.get::<_, String>(0)?,
        "name": r.get::<_, String>(1)?,
        "active": r.get::<_, bool>(2)?,
        "crown": r.get::<_, Option<bool>>(3)?,
        "organisation_type": r.get::<_, Option<String>>(4)?,
        "letter_branding_id": r.get::<_, Option<String>>(5)?,
        "email_branding_id": r.get::<_, Option<String>>(6)?,
        "agreement_signed": r.get::<_, Option<bool>>(7)?,
        "agreement_signed_at": r.get::<_, Option<String>>(8)?,
        "agreement_signed_by_id": r.get::<_, Option<String>>(9)?,
        "agreement_signed_on_behalf_of_name": r.get::<_, Option<String>>(10)?,
        "agreement_signed_on_behalf_of_email_address": r.get::<_, Option<String>>(11)?,
        "agreement_signed_version": r.get::<_, Option<f64>>(12)?,
        "domains": [],
        "request_to_go_live_notes": r.get::<_, Option<String>>(13)?,
        "count_of_live_services": r.get::<_, i64>(20)?,
        "notes": r.get::<_, Option<String>>(14)?,
        "purchase_order_number": r.get::<_, Option<String>>(15)?,
        "billing_contact_names": r.get::<_, Option<String>>(16)?,
        "billing_contact_email_addresses": r.get::<_, Option<String>>(17)?,
        "billing_reference": r.get::<_, Option<String>>(18)?,
        "can_approve_own_go_live_requests": r.get::<_, bool>(19)?,
        "permissions": [],
    }))
}

/// `GET /organisations/by-domain`: the organisation owning the longest domain that `domain`
/// is or ends in, as Notify's `dao_get_organisation_by_email_address` decides it.
pub(crate) fn find_by_domain(conn: &Connection, domain: &str) -> rusqlite::Result<Option<Value>> {
    let email = format!("example@{domain}")
        .to_lowercase()
        .replace(".gsi.gov.uk", ".gov.uk");
    let mut stmt = conn.prepare(
        "SELECT domain, organisation_id FROM domain ORDER BY length(domain) DESC, domain",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (candidate, org_id) = row?;
        if email.ends_with(&format!("@{candidate}")) || email.ends_with(&format!(".{candidate}")) {
            return match Uuid::try_parse(&org_id) {
                Ok(id) => get(conn, &id),
                Err(_) => Ok(None),
            };
        }
    }
    Ok(None)
}

fn name_taken(conn: &Connection, name: &str, except: &Uuid) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM organisation WHERE name = ?1 AND id != ?2)",
        params![name, except.to_string()],
        |r| r.get(0),
    )
}

fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(SqlValue::Integer)
            .or_else(|| n.as_f64().map(SqlValue::Real))
            .unwrap_or(SqlValue::Null),
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// Applies validated `fields` to organisation `id`: columns, then `domains` and `permissions`
/// (each replaced wholesale when present, as Notify replaces them). Runs inside the caller's
/// transaction.
fn apply(conn: &Connection, id: &Uuid, fields: &Map<String, Value>) -> Result<(), ApiError> {
    let id_text = id.to_string();
    if let Some(name) = fields.get("name").and_then(Value::as_str)
        && name_taken(conn, name, id)?
    {
        return Err(ApiError::bad_request(NAME_TAKEN));
    }
    for (column, table, label) in [
        ("email_branding_id", "email_branding", "email branding"),
        ("letter_branding_id", "letter_branding", "letter branding"),
    ] {
        if let Some(branding) = fields.get(column).and_then(Value::as_str) {
            let known: bool = conn.query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
                [branding.to_lowercase()],
                |r| r.get(0),
            )?;
            if !known {
                return Err(ApiError::validation(format!(
                    "{column} {branding} is not an existing {label}"
                )));
            }
        }
    }
    let updates: Vec<(&str, SqlValue)> = COLUMNS
        .iter()
        .filter_map(|c| fields.get(*c).map(|v| (*c, to_sql(v))))
        .map(|(c, v)| match (c.ends_with("_id"), v) {
            // UUIDs are stored in their canonical lower-case form.
            (true, SqlValue::Text(s)) => (c, SqlValue::Text(s.to_lowercase())),
            (_, v) => (c, v),
        })
        .collect();
    if !updates.is_empty() {
        // Column names come from COLUMNS, never from the request.
        let set: Vec<String> = updates
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{c} = ?{}", i + 2))
            .collect();
        let sql = format!("UPDATE organisation SET {} WHERE id = ?1", set.join(", "));
        let mut values = vec![SqlValue::Text(id_text.clone())];
        values.extend(updates.into_iter().map(|(_, v)| v));
        conn.execute(&sql, rusqlite::params_from_iter(values))?;
    }
    if let Some(domains) = fields.get("domains").and_then(Value::as_array) {
        conn.execute("DELETE FROM domain WHERE organisation_id = ?1", [&id_text])?;
        for domain in domains.iter().filter_map(Value::as_str) {
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO domain (domain, organisation_id) VALUES (?1, ?2)",
                params![domain.to_lowercase(), id_text],
            )?;
            if inserted == 0 {
                return Err(ApiError::bad_request(DOMAIN_TAKEN));
            }
        }
    }
    if let Some(permissions) = fields.get("permissions").and_then(Value::as_array) {
        conn.execute(
            "DELETE FROM organisation_permissions WHERE organisation_id = ?1",
            [&id_text],
        )?;
        for permission in permissions.iter().filter_map(Value::as_str) {
            conn.execute(
                "INSERT OR IGNORE INTO organisation_permissions (organisation_id, permission) \
                 VALUES (?1, ?2)",
                params![id_text, permission],
            )?;
        }
    }
    Ok(())
}

/// `POST /organisations`: a new organisation from validated `fields`; returns it serialised.
pub(crate) fn create(
    conn: &mut Connection,
    fields: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let id = Uuid::new_v4();
    let name = fields
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let tx = conn.transaction()?;
    if name_taken(&tx, name, &id)? {
        return Err(ApiError::bad_request(NAME_TAKEN));
    }
    tx.execute(
        "INSERT INTO organisation (id, name, active, created_at) VALUES (?1, ?2, 1, ?3)",
        params![id.to_string(), name, time::now()],
    )?;
    // Notify's `dao_create_organisation`: an NHS organisation gets the NHS brandings whatever
    // the body says, and every new organisation may be asked to join its services.
    let mut fields = fields.clone();
    if is_nhs(&fields) {
        fields.insert("email_branding_id".into(), json!(NHS_EMAIL_BRANDING_ID));
        fields.insert("letter_branding_id".into(), json!(NHS_LETTER_BRANDING_ID));
    }
    apply(&tx, &id, &fields)?;
    tx.execute(
        "INSERT OR IGNORE INTO organisation_permissions (organisation_id, permission) \
         VALUES (?1, ?2)",
        params![id.to_string(), CAN_ASK_TO_JOIN_SERVICE],
    )?;
    add_brandings_to_pools(&tx, &id, &fields)?;
    let org = get(&tx, &id)?.ok_or(ApiError::Internal)?;
    tx.commit()?;
    Ok(org)
}

/// `POST /organisations/{id}`: applies validated `fields` to an existing organisation.
pub(crate) fn update(
    conn: &mut Connection,
    id: &Uuid,
    fields: &Map<String, Value>,
) -> Result<(), ApiError> {
    let tx = conn.transaction()?;
    require(&tx, id)?;
    // Notify's `update_organisation`: a change to an NHS type fills in the NHS brandings the
    // organisation has none of (and never replaces one it has).
    let mut fields = fields.clone();
    if is_nhs(&fields) {
        let (email, letter): (Option<String>, Option<String>) = tx.query_row(
            "SELECT email_branding_id, letter_branding_id FROM organisation WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if email.is_none() {
            fields.insert("email_branding_id".into(), json!(NHS_EMAIL_BRANDING_ID));
        }
        if letter.is_none() {
            fields.insert("letter_branding_id".into(), json!(NHS_LETTER_BRANDING_ID));
        }
    }
    apply(&tx, id, &fields)?;
    add_brandings_to_pools(&tx, id, &fields)?;
    tx.commit()?;
    Ok(())
}

/// Whether `fields` set an NHS organisation type.
fn is_nhs(fields: &Map<String, Value>) -> bool {
    fields
        .get("organisation_type")
        .and_then(Value::as_str)
        .is_some_and(|kind| NHS_ORGANISATION_TYPES.contains(&kind))
}

/// Notify's `_add_branding_to_branding_pool`: an NHS type puts both NHS brandings in the pools
/// (whatever the brandings set); otherwise a branding set as the default joins its pool.
fn add_brandings_to_pools(
    conn: &Connection,
    id: &Uuid,
    fields: &Map<String, Value>,
) -> Result<(), ApiError> {
    let (email, letter) = if is_nhs(fields) {
        (
            Some(NHS_EMAIL_BRANDING_ID.to_string()),
            Some(NHS_LETTER_BRANDING_ID.to_string()),
        )
    } else {
        let given = |column: &str| {
            fields
                .get(column)
                .and_then(Value::as_str)
                .map(str::to_lowercase)
        };
        (given("email_branding_id"), given("letter_branding_id"))
    };
    for (table, column, branding) in [
        ("email_branding_to_organisation", "email_branding_id", email),
        (
            "letter_branding_to_organisation",
            "letter_branding_id",
            letter,
        ),
    ] {
        if let Some(branding) = branding {
            // Table and column names are constants above, never from the request.
            conn.execute(
                &format!(
                    "INSERT OR IGNORE INTO {table} (organisation_id, {column}) VALUES (?1, ?2)"
                ),
                params![id.to_string(), branding],
            )?;
        }
    }
    Ok(())
}

/// `POST /organisations/{id}/archive`, with Notify's preconditions and effects: no active
/// services, no team members or pending invites; domains, brandings and pools are dropped and
/// the name becomes `_archived_<YYYY-MM-DD-HH:MM:SS>_<name>` so it can be reused (observed on
/// the real API). Archiving an archived organisation changes nothing and succeeds.
pub(crate) fn archive(conn: &mut Connection, id: &Uuid) -> Result<(), ApiError> {
    let tx = conn.transaction()?;
    let id_text = id.to_string();
    let org: Option<(String, bool)> = tx
        .query_row(
            "SELECT name, active FROM organisation WHERE id = ?1",
            [&id_text],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((name, active)) = org else {
        return Err(ApiError::no_result());
    };
    let active_services: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM services WHERE organisation_id = ?1 AND active = 1)",
        [&id_text],
        |r| r.get(0),
    )?;
    if active_services {
        return Err(ApiError::bad_request(
            "Cannot archive an organisation with active services",
        ));
    }
    let team: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM user_to_organisation WHERE organisation_id = ?1) \
         OR EXISTS (SELECT 1 FROM invited_organisation_users \
                    WHERE organisation_id = ?1 AND status = 'pending')",
        [&id_text],
        |r| r.get(0),
    )?;
    if team {
        return Err(ApiError::bad_request(
            "Cannot archive an organisation with team members or invited team members",
        ));
    }
    if active {
        let archived_name = archived_name(&name, time::now());
        for sql in [
            "DELETE FROM domain WHERE organisation_id = ?1",
            "DELETE FROM email_branding_to_organisation WHERE organisation_id = ?1",
            "DELETE FROM letter_branding_to_organisation WHERE organisation_id = ?1",
        ] {
            tx.execute(sql, [&id_text])?;
        }
        tx.execute(
            "UPDATE organisation SET active = 0, name = ?2, email_branding_id = NULL, \
             letter_branding_id = NULL WHERE id = ?1",
            params![id_text, archived_name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The name an organisation archived at `epoch_seconds` (UTC) gets:
/// `_archived_2024-01-31-09:05:00_<name>`.
pub(crate) fn archived_name(name: &str, epoch_seconds: i64) -> String {
    let c = time::civil(epoch_seconds);
    format!(
        "_archived_{:04}-{:02}-{:02}-{:02}:{:02}:{:02}_{name}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// The organisation's type, for usage allowances.
pub(crate) fn organisation_type(conn: &Connection, id: &Uuid) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT organisation_type FROM organisation WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)
}

#[cfg(test)]
mod tests {
    use super::archived_name;

    #[test]
    fn archived_names_carry_the_date_and_time() {
        // 2024-01-31T09:05:07Z
        assert_eq!(
            archived_name("Cabinet Office", 1_706_691_907),
            "_archived_2024-01-31-09:05:07_Cabinet Office"
        );
    }
}
