//! Writing the generated data set into SQLite.

use rusqlite::{Connection, params};

use super::SeedData;

/// Whether the database already holds organisations (a reused `database_path`).
pub(crate) fn is_seeded(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM organisation)", [], |r| {
        r.get(0)
    })
}

/// Writes the data set in one transaction.
pub(crate) fn insert(conn: &mut Connection, data: &SeedData) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO email_branding (id, name, colour, logo, text, alt_text, brand_type, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for b in &data.email_brandings {
            stmt.execute(params![
                b.id.to_string(),
                b.name,
                b.colour,
                b.logo,
                b.text,
                b.alt_text,
                b.brand_type,
                b.created_at
            ])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO letter_branding (id, name, filename, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for b in &data.letter_brandings {
            stmt.execute(params![b.id.to_string(), b.name, b.filename, b.created_at])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO organisation (id, name, active, crown, organisation_type, letter_branding_id, \
             email_branding_id, agreement_signed, agreement_signed_at, agreement_signed_by_id, \
             agreement_signed_on_behalf_of_name, agreement_signed_on_behalf_of_email_address, \
             agreement_signed_version, request_to_go_live_notes, notes, purchase_order_number, \
             billing_contact_names, billing_contact_email_addresses, billing_reference, \
             can_approve_own_go_live_requests, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        )?;
        let mut domain_stmt =
            tx.prepare("INSERT INTO domain (domain, organisation_id) VALUES (?1, ?2)")?;
        let mut permission_stmt = tx.prepare(
            "INSERT INTO organisation_permissions (organisation_id, permission) VALUES (?1, ?2)",
        )?;
        for o in &data.orgs {
            let id = o.id.to_string();
            stmt.execute(params![
                id,
                o.name,
                o.active,
                o.crown,
                o.organisation_type,
                o.letter_branding_id.map(|u| u.to_string()),
                o.email_branding_id.map(|u| u.to_string()),
                o.agreement_signed,
                o.agreement_signed_at,
                o.agreement_signed_by_id.map(|u| u.to_string()),
                o.on_behalf_of.as_ref().map(|(n, _)| n),
                o.on_behalf_of.as_ref().map(|(_, e)| e),
                o.agreement_signed_version,
                o.request_to_go_live_notes,
                o.notes,
                o.purchase_order_number,
                o.billing.as_ref().map(|b| &b.0),
                o.billing.as_ref().map(|b| &b.1),
                o.billing.as_ref().map(|b| &b.2),
                o.can_approve_own_go_live_requests,
                o.created_at,
            ])?;
            for d in &o.domains {
                domain_stmt.execute(params![d, id])?;
            }
            for p in &o.permissions {
                permission_stmt.execute(params![id, p])?;
            }
        }
        let mut stmt = tx.prepare(
            "INSERT INTO services (id, name, active, restricted, count_as_live, organisation_id, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for s in &data.services {
            stmt.execute(params![
                s.id.to_string(),
                s.name,
                s.active,
                s.restricted,
                s.count_as_live,
                s.organisation_id.map(|u| u.to_string()),
                s.created_at
            ])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO users (id, name, email_address, mobile_number, auth_type, state, platform_admin, \
             failed_login_count, take_part_in_research, created_at, logged_in_at, password_changed_at, \
             email_access_validated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?10)",
        )?;
        for u in &data.users {
            stmt.execute(params![
                u.id.to_string(),
                u.name,
                u.email_address,
                u.mobile_number,
                u.auth_type,
                u.state,
                u.platform_admin,
                u.failed_login_count,
                u.take_part_in_research,
                u.created_at,
                u.logged_in_at
            ])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO user_to_organisation (user_id, organisation_id, permissions) VALUES (?1, ?2, ?3)",
        )?;
        for (u, o, p) in &data.user_orgs {
            stmt.execute(params![u.to_string(), o.to_string(), p])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO user_to_service (user_id, service_id, permissions) VALUES (?1, ?2, ?3)",
        )?;
        for (u, s, p) in &data.user_services {
            stmt.execute(params![u.to_string(), s.to_string(), p])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO email_branding_to_organisation (organisation_id, email_branding_id) VALUES (?1, ?2)",
        )?;
        for (o, b) in &data.email_pool {
            stmt.execute(params![o.to_string(), b.to_string()])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO letter_branding_to_organisation (organisation_id, letter_branding_id) VALUES (?1, ?2)",
        )?;
        for (o, b) in &data.letter_pool {
            stmt.execute(params![o.to_string(), b.to_string()])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO invited_organisation_users (id, email_address, invited_by_id, organisation_id, \
             status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for i in &data.invites {
            stmt.execute(params![
                i.id.to_string(),
                i.email_address,
                i.invited_by_id.to_string(),
                i.organisation_id.to_string(),
                i.status,
                i.created_at
            ])?;
        }
    }
    tx.commit()
}
