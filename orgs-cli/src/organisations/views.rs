//! Tables of what the API returns: lists as columns, one organisation as a record.

use orgs_client::models::{OrganisationService, OrganisationSummary, User};
use serde::Serialize;
use serde_json::Value;

use crate::Failure;
use crate::table::Table;

/// Shown for a field with no value.
const NONE: &str = "-";

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

fn or_none(value: Option<impl ToString>) -> String {
    value.map_or_else(|| NONE.to_owned(), |value| value.to_string())
}

/// `list` and `search`.
pub(crate) fn summaries(list: &[OrganisationSummary]) -> Table {
    let mut table = Table::new(["ID", "NAME", "TYPE", "ACTIVE", "LIVE SERVICES", "DOMAINS"]);
    for organisation in list {
        table.row([
            organisation.id.to_string(),
            organisation.name.clone(),
            or_none(organisation.organisation_type.as_ref()),
            yes_no(organisation.active),
            organisation.count_of_live_services.to_string(),
            organisation.domains.join(", "),
        ]);
    }
    table
}

/// `domains`.
pub(crate) fn domains(domains: &[String]) -> Table {
    let mut table = Table::new(["DOMAIN"]);
    for domain in domains {
        table.row([domain.clone()]);
    }
    table
}

/// `services`.
pub(crate) fn services(services: &[OrganisationService]) -> Table {
    let mut table = Table::new(["ID", "NAME", "ACTIVE", "RESTRICTED"]);
    for service in services {
        table.row([
            service.id.to_string(),
            service.name.clone(),
            yes_no(service.active),
            yes_no(service.restricted),
        ]);
    }
    table
}

/// `users`.
pub(crate) fn users(users: &[User]) -> Table {
    let mut table = Table::new(["ID", "NAME", "EMAIL", "AUTH", "STATE"]);
    for user in users {
        table.row([
            user.id.to_string(),
            user.name.clone(),
            user.email_address.clone(),
            or_none(user.auth_type.as_ref()),
            or_none(user.state.as_ref()),
        ]);
    }
    table
}

/// Every field of `value` (an organisation), `id` and `name` first, then by name: fields the
/// API added since this client was written included.
pub(crate) fn record(value: &impl Serialize) -> Result<Table, Failure> {
    let Value::Object(fields) = serde_json::to_value(value)? else {
        return Err("an organisation is a JSON object".into());
    };
    let mut names: Vec<&String> = fields.keys().collect();
    names.sort_by_key(|name| match name.as_str() {
        "id" => (0, ""),
        "name" => (1, ""),
        other => (2, other),
    });
    let mut table = Table::record();
    for name in names {
        table.row([name.clone(), cell(&fields[name])]);
    }
    Ok(table)
}

/// A JSON value as one cell: text as it is, lists comma-separated, nothing as `-`.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => NONE.to_owned(),
        Value::String(text) => text.clone(),
        Value::Bool(flag) => yes_no(*flag),
        Value::Array(items) if items.is_empty() => NONE.to_owned(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::record;

    #[test]
    fn records_put_id_and_name_first_and_read_as_words() {
        let organisation = json!({
            "active": true,
            "domains": ["cabinet-office.gov.uk", "co.uk"],
            "name": "Cabinet Office",
            "crown": null,
            "id": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6",
            "permissions": [],
            "count_of_live_services": 3,
        });
        assert_eq!(
            record(&organisation).unwrap().render(false),
            "id                      6ce466d0-fd6a-11e5-82f5-e0accb9d11a6\n\
             name                    Cabinet Office\n\
             active                  yes\n\
             count_of_live_services  3\n\
             crown                   -\n\
             domains                 cabinet-office.gov.uk, co.uk\n\
             permissions             -\n"
        );
    }
}
