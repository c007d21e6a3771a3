//! `orgs cache stats`: the store, its settings, and how many keys of each kind it holds.

use std::collections::BTreeMap;

use cache::Cache;
use serde::Serialize;

use crate::output::Output;
use crate::table::Table;
use crate::{Failure, human};

/// Most keys looked at.
const KEY_LIMIT: usize = 100_000;

/// What `stats --json` prints.
#[derive(Serialize)]
struct Report<'a> {
    /// The store, password hidden.
    store: &'a str,
    key_prefix: &'a str,
    default_ttl_seconds: u64,
    timeout_ms: u64,
    /// Keys counted (under the prefix).
    keys: usize,
    /// False when counting stopped at 100 000 keys.
    counted_all: bool,
    /// Keys per kind: ids replaced by `*`, e.g. `organisation-*-name`.
    families: BTreeMap<String, usize>,
}

pub(crate) async fn run(cache: &Cache, out: &Output) -> Result<(), Failure> {
    let keys = cache.keys_matching("*", KEY_LIMIT).await?;
    let mut families: BTreeMap<String, usize> = BTreeMap::new();
    for key in &keys {
        *families.entry(family(key)).or_default() += 1;
    }
    let report = Report {
        store: cache.backend_description(),
        key_prefix: cache.key_prefix(),
        default_ttl_seconds: cache.default_ttl().as_secs(),
        timeout_ms: u64::try_from(cache.timeout().as_millis()).unwrap_or(u64::MAX),
        keys: keys.len(),
        counted_all: keys.len() < KEY_LIMIT,
        families,
    };
    out.print(&report, |color| {
        let mut settings = Table::record();
        settings.row(["store".into(), report.store.to_owned()]);
        let prefix = match report.key_prefix {
            "" => "none".to_owned(),
            prefix => format!("`{prefix}`"),
        };
        settings.row(["key prefix".into(), prefix]);
        settings.row(["default TTL".into(), human::duration(cache.default_ttl())]);
        settings.row(["timeout".into(), human::duration(cache.timeout())]);
        let counted = if report.counted_all { "" } else { " or more" };
        settings.row(["keys".into(), format!("{}{counted}", report.keys)]);
        let mut text = settings.render(color);
        if !report.families.is_empty() {
            let mut kinds = Table::new(["KIND", "KEYS"]);
            for (family, count) in &report.families {
                kinds.row([family.clone(), count.to_string()]);
            }
            text.push('\n');
            text.push_str(&kinds.render(color));
        }
        text
    })
}

/// A key's kind: its id replaced by `*`, e.g. `organisation-*-name`.
fn family(key: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        // A UUID is 36 characters with hyphens inside; take it whole.
        if rest.len() >= 36
            && rest.is_char_boundary(36)
            && uuid::Uuid::try_parse(&rest[..36]).is_ok()
        {
            parts.push("*");
            rest = rest[36..].strip_prefix('-').unwrap_or(&rest[36..]);
            continue;
        }
        let (part, tail) = rest.split_once('-').unwrap_or((rest, ""));
        parts.push(
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                part
            },
        );
        rest = tail;
    }
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::family;

    #[test]
    fn families_hide_ids() {
        assert_eq!(
            family("organisation-2f1b3c4d-0000-4000-8000-000000000001-name"),
            "organisation-*-name"
        );
        assert_eq!(family("organisations"), "organisations");
        assert_eq!(family("user-42"), "user-*");
        // Not a character boundary at 36 bytes: no panic.
        assert_eq!(family(&"é".repeat(20)), "é".repeat(20));
    }
}
