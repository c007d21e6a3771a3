//! `--help`: every command, every environment variable with its meaning, the exit statuses.

use crate::support::{orgs, stdout};

/// The variables `orgs` reads besides the cache's ([`cache::environment::VARIABLES`]).
const OWN_VARIABLES: [&str; 6] = [
    "API_HOST_NAME",
    "ADMIN_CLIENT_USER_NAME",
    "ADMIN_CLIENT_SECRET",
    "ROUTE_SECRET_KEY_1",
    "RUST_LOG",
    "NO_COLOR",
];

/// Every variable `orgs` reads.
fn variables() -> Vec<&'static str> {
    let cache = cache::environment::VARIABLES.iter().map(|v| v.name);
    OWN_VARIABLES.into_iter().chain(cache).collect()
}

/// The text `help` gives `name`: its line and the indented lines that continue it, joined.
fn entry(help: &str, name: &str) -> Option<String> {
    let mut lines = help.lines().skip_while(|line| {
        !(line.starts_with("  ") && line.trim_start().starts_with(&format!("{name} ")))
    });
    let first = lines.next()?.trim_start()[name.len()..].to_owned();
    let rest = lines.take_while(|line| line.starts_with("      ") && !line.trim().is_empty());
    let words: Vec<&str> = std::iter::once(first.as_str())
        .chain(rest)
        .flat_map(str::split_whitespace)
        .collect();
    Some(words.join(" "))
}

/// Asserts that `help` has a line starting with `name` and saying something about it.
#[track_caller]
fn explains(help: &str, name: &str) {
    let line = help
        .lines()
        .find(|line| line.trim_start().starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{help}"));
    let meaning = line.trim_start()[name.len()..].trim();
    assert!(
        meaning.split_whitespace().count() >= 3,
        "{name} has no meaning: {line:?}"
    );
}

/// Asserts that `help` documents the exit statuses 0 to 5.
#[track_caller]
fn lists_exit_statuses(help: &str) {
    assert!(help.contains("Exit status:"), "{help}");
    for (code, word) in [
        (0, "Success"),
        (1, "Any other failure"),
        (2, "Usage"),
        (3, "Not found"),
        (4, "API error"),
        (5, "Cache error"),
    ] {
        explains(help, &code.to_string());
        assert!(help.contains(&format!("{code}  {word}")), "{code}: {help}");
    }
}

#[test]
fn help_explains_every_command() {
    let help = stdout(&orgs(&["--help"], &[]));
    for command in ["demo", "serve", "organisations", "cache", "--color"] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
    let demo = stdout(&orgs(&["demo", "--help"], &[]));
    assert!(
        demo.contains("--api-latency") && demo.contains("--json"),
        "{demo}"
    );
    for command in [
        &["organisations", "list", "--help"][..],
        &["cache", "keys", "--help"],
        &["cache", "stats", "--help"],
        &["cache", "ping", "--help"],
        &["cache", "delete", "--help"],
    ] {
        let help = stdout(&orgs(command, &[]));
        assert!(help.contains("--json"), "{command:?}: {help}");
    }
    let delete_pattern = stdout(&orgs(&["cache", "delete-pattern", "--help"], &[]));
    for flag in ["--yes", "--dry-run", "--all", "--json"] {
        assert!(delete_pattern.contains(flag), "{flag}: {delete_pattern}");
    }
}

#[test]
fn help_gives_every_environment_variable_its_meaning_and_the_exit_statuses() {
    let help = stdout(&orgs(&["--help"], &[]));
    for name in variables() {
        explains(&help, name);
    }
    lists_exit_statuses(&help);

    let organisations = stdout(&orgs(&["organisations", "--help"], &[]));
    for name in variables() {
        explains(&organisations, name);
    }
    lists_exit_statuses(&organisations);

    let cache = stdout(&orgs(&["cache", "--help"], &[]));
    for name in variables().iter().filter(|name| {
        !name.starts_with("API_") && !name.starts_with("ADMIN_") && !name.starts_with("ROUTE_")
    }) {
        explains(&cache, name);
    }
    lists_exit_statuses(&cache);
}

/// The cache's variables say in `--help` what the runtime's list says (which `Cache::from_env`'s
/// docs and `docs/CONFIGURATION.md` carry too): meaning, default and example, word for word.
#[test]
fn help_gives_the_cache_variables_as_the_runtime_lists_them() {
    for command in [
        &["--help"][..],
        &["organisations", "--help"],
        &["cache", "--help"],
    ] {
        let help = stdout(&orgs(command, &[]));
        for variable in cache::environment::VARIABLES {
            let expected = format!(
                "{} (default: {}; e.g. {})",
                variable.meaning, variable.default, variable.example
            );
            let expected: Vec<&str> = expected.split_whitespace().collect();
            assert_eq!(
                entry(&help, variable.name),
                Some(expected.join(" ")),
                "{command:?}: {}",
                variable.name
            );
        }
    }
}

/// The exit statuses of `--help`, as (status, meaning) with the meaning's lines joined.
fn help_exit_statuses(help: &str) -> Vec<(String, String)> {
    let section = help.split("Exit status:\n").nth(1).expect("Exit status:");
    let mut rows: Vec<(String, String)> = Vec::new();
    for line in section.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match trimmed.split_once("  ") {
            Some((status, meaning)) if indent == 2 && status.parse::<u8>().is_ok() => {
                rows.push((status.to_owned(), meaning.trim().to_owned()));
            }
            _ if indent > 2 && !rows.is_empty() => {
                let last = rows.last_mut().expect("a row");
                last.1 = format!("{} {}", last.1, trimmed);
            }
            _ => break,
        }
    }
    rows
}

/// orgs-cli/README.md's exit status table says what `orgs --help` says, word for word.
#[test]
fn the_readme_s_exit_statuses_are_the_help_s() {
    let help = stdout(&orgs(&["--help"], &[]));
    let from_help = help_exit_statuses(&help);
    assert_eq!(from_help.len(), 6, "{help}");

    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("orgs-cli/README.md");
    let section = readme
        .split("## Exit status")
        .nth(1)
        .expect("## Exit status");
    let from_readme: Vec<(String, String)> = section
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| status"))
        .map(|line| {
            // `\|` is a `|` inside a cell.
            let line = line.replace("\\|", "\u{0}");
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let [status, meaning] = cells[..] else {
                panic!("a row of two cells: {line}")
            };
            (status.to_owned(), meaning.replace('\u{0}', "|"))
        })
        .collect();
    assert_eq!(from_readme, from_help);
}
