//! `orgs cache delete-pattern PATTERN`: says how many keys match; deletes them only with
//! `--yes` (in one pass over the keyspace, deleting as it scans), lists them with `--dry-run`,
//! and refuses a pattern that matches every key of the database (wildcards alone, no
//! CACHE_KEY_PREFIX) unless `--all` is given.

use cache::Cache;
use serde::Serialize;

use super::keys::{self, Listed};
use crate::exit::Refused;
use crate::output::{Output, note};
use crate::{Failure, human};

/// Most keys counted without `--yes`, and listed by `--dry-run`.
const COUNT_LIMIT: usize = 1_000_000;

#[derive(Debug, clap::Args)]
pub(crate) struct DeletePatternArgs {
    /// A Redis glob pattern, e.g. `service-*`: `*` any text, `?` one character, `[abc]` one of
    /// those, `\` escapes the next. Under CACHE_KEY_PREFIX when it is set.
    pattern: String,
    /// Delete the matching keys. Without it nothing is deleted: the command says how many keys
    /// match and exits with status 2.
    #[arg(long, short = 'y')]
    yes: bool,
    /// List the matching keys (with their time to live) and delete nothing.
    #[arg(long, conflicts_with = "yes")]
    dry_run: bool,
    /// Allow a pattern of wildcards alone (`*`, `?*`), which matches every key of the database
    /// when no CACHE_KEY_PREFIX is set.
    #[arg(long)]
    all: bool,
}

/// What `delete-pattern --json` prints.
#[derive(Serialize)]
struct Report<'a> {
    pattern: &'a str,
    /// Keys found matching: without `--yes`, those counted (at most a million); with it,
    /// those deleted, as they were found (one pass).
    matched: u64,
    deleted: u64,
    dry_run: bool,
    /// With `--dry-run`: the keys that would be deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    keys: Option<&'a [Listed]>,
}

pub(crate) async fn run(
    cache: &Cache,
    args: DeletePatternArgs,
    out: &Output,
) -> Result<(), Failure> {
    let pattern = args.pattern.as_str();
    let scope = scope(cache, pattern);
    let everything = matches_everything(pattern) && cache.key_prefix().is_empty();
    if everything && !args.all && !args.dry_run {
        return Err(Refused(format!(
            "{scope} matches every key of the database (no CACHE_KEY_PREFIX is set): add --all \
             to delete them all, or give a narrower pattern (--dry-run lists the keys)"
        ))
        .into());
    }
    if args.yes {
        // One pass: each batch the scan finds is deleted as it is found.
        let deleted = cache.delete_matching(pattern).await?;
        let report = Report {
            pattern,
            matched: deleted,
            deleted,
            dry_run: false,
            keys: None,
        };
        return out.print(&report, |_| match deleted {
            0 => format!("no keys match {scope}; nothing deleted"),
            _ => format!("deleted {} matching {scope}", human::count(deleted, "key")),
        });
    }
    let mut matching = cache.keys_matching(pattern, COUNT_LIMIT).await?;
    matching.sort();
    let counted = if matching.len() == COUNT_LIMIT {
        format!("at least {}", human::count(COUNT_LIMIT as u64, "key"))
    } else {
        human::count(matching.len() as u64, "key")
    };
    let matched = matching.len() as u64;
    let mut report = Report {
        pattern,
        matched,
        deleted: 0,
        dry_run: args.dry_run,
        keys: None,
    };

    if args.dry_run {
        let listed = keys::with_ttls(cache, matching).await?;
        note(format_args!(
            "orgs: {counted} match {scope}; nothing deleted (dry run)"
        ));
        report.keys = Some(&listed);
        return out.print(&report, |color| keys::table(&listed).render(color));
    }
    if matched == 0 {
        return out.print(&report, |_| {
            format!("no keys match {scope}; nothing deleted")
        });
    }
    let them = if matched == 1 { "it" } else { "them" };
    Err(Refused(format!(
        "{counted} match {scope}: run again with --yes to delete {them}, or --dry-run to list \
         {them}"
    ))
    .into())
}

/// Whether `pattern` is wildcards alone, matching every (non-empty) key: `*`, `**`, `?*`.
fn matches_everything(pattern: &str) -> bool {
    pattern.contains('*') && pattern.chars().all(|c| c == '*' || c == '?')
}

/// Where the pattern applies, for messages: "`org*` in Redis at …", with the prefix if any.
fn scope(cache: &Cache, pattern: &str) -> String {
    let store = cache.backend_description();
    match cache.key_prefix() {
        "" => format!("`{pattern}` in {store}"),
        prefix => format!("`{pattern}` under the key prefix `{prefix}` in {store}"),
    }
}

#[cfg(test)]
mod tests {
    use super::matches_everything;

    #[test]
    fn wildcards_alone_match_everything() {
        for pattern in ["*", "**", "?*", "*?"] {
            assert!(matches_everything(pattern), "{pattern}");
        }
        for pattern in ["", "?", "org*", "*-name", "[a-z]*", "\\*"] {
            assert!(!matches_everything(pattern), "{pattern}");
        }
    }
}
