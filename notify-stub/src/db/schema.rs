//! The tables, modelled on Notify's (ids are UUID text, times epoch seconds, booleans 0/1).

use rusqlite::Connection;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS email_branding (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    colour TEXT,
    logo TEXT,
    text TEXT,
    alt_text TEXT,
    brand_type TEXT NOT NULL,
    created_at INTEGER,
    created_by TEXT,
    updated_at INTEGER
);
CREATE TABLE IF NOT EXISTS letter_branding (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    filename TEXT NOT NULL UNIQUE,
    created_at INTEGER,
    created_by TEXT,
    updated_at INTEGER
);
CREATE TABLE IF NOT EXISTS organisation (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    crown INTEGER,
    organisation_type TEXT,
    letter_branding_id TEXT REFERENCES letter_branding(id),
    email_branding_id TEXT REFERENCES email_branding(id),
    agreement_signed INTEGER,
    agreement_signed_at TEXT,
    agreement_signed_by_id TEXT,
    agreement_signed_on_behalf_of_name TEXT,
    agreement_signed_on_behalf_of_email_address TEXT,
    agreement_signed_version REAL,
    request_to_go_live_notes TEXT,
    notes TEXT,
    purchase_order_number TEXT,
    billing_contact_names TEXT,
    billing_contact_email_addresses TEXT,
    billing_reference TEXT,
    can_approve_own_go_live_requests INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS domain (
    domain TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id)
);
CREATE INDEX IF NOT EXISTS domain_organisation ON domain(organisation_id);
CREATE TABLE IF NOT EXISTS organisation_permissions (
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    permission TEXT NOT NULL,
    PRIMARY KEY (organisation_id, permission)
);
CREATE TABLE IF NOT EXISTS services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL,
    restricted INTEGER NOT NULL,
    count_as_live INTEGER NOT NULL DEFAULT 1,
    organisation_id TEXT REFERENCES organisation(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS services_organisation ON services(organisation_id);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email_address TEXT NOT NULL UNIQUE,
    mobile_number TEXT,
    auth_type TEXT NOT NULL,
    state TEXT NOT NULL,
    platform_admin INTEGER NOT NULL DEFAULT 0,
    failed_login_count INTEGER NOT NULL DEFAULT 0,
    take_part_in_research INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    logged_in_at INTEGER,
    password_changed_at INTEGER NOT NULL,
    email_access_validated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS user_to_organisation (
    user_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    permissions TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX IF NOT EXISTS user_to_organisation_org ON user_to_organisation(organisation_id);
CREATE TABLE IF NOT EXISTS user_to_service (
    user_id TEXT NOT NULL REFERENCES users(id),
    service_id TEXT NOT NULL REFERENCES services(id),
    permissions TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, service_id)
);
CREATE TABLE IF NOT EXISTS email_branding_to_organisation (
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    email_branding_id TEXT NOT NULL REFERENCES email_branding(id),
    PRIMARY KEY (organisation_id, email_branding_id)
);
CREATE TABLE IF NOT EXISTS letter_branding_to_organisation (
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    letter_branding_id TEXT NOT NULL REFERENCES letter_branding(id),
    PRIMARY KEY (organisation_id, letter_branding_id)
);
CREATE TABLE IF NOT EXISTS invited_organisation_users (
    id TEXT PRIMARY KEY,
    email_address TEXT NOT NULL,
    invited_by_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    permissions TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS invites_organisation ON invited_organisation_users(organisation_id);
";

/// Columns added after their table was first created, so database files kept from before them
/// (see `StubConfig::database_path`) get them too: table, column, declaration.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[(
    "invited_organisation_users",
    "permissions",
    "TEXT NOT NULL DEFAULT ''",
)];

/// Creates any missing table or added column; existing data is left alone.
pub(crate) fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    for (table, column, declaration) in ADDED_COLUMNS {
        let present: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
            [table, column],
            |r| r.get(0),
        )?;
        if !present {
            // Names come from ADDED_COLUMNS, never from outside.
            conn.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
            ))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::create;

    #[test]
    fn a_database_from_before_an_added_column_gets_it() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE invited_organisation_users (id TEXT PRIMARY KEY, \
             email_address TEXT NOT NULL, invited_by_id TEXT NOT NULL, \
             organisation_id TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL); \
             INSERT INTO invited_organisation_users VALUES ('i', 'a@b.gov.uk', 'u', 'o', 'pending', 0);",
        )
        .unwrap();
        create(&conn).unwrap();
        // Twice: the second run finds the column and leaves it.
        create(&conn).unwrap();
        let permissions: String = conn
            .query_row(
                "SELECT permissions FROM invited_organisation_users WHERE id = 'i'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(permissions, "");
    }
}
