//! `--help`: every command, every environment variable with its meaning, the exit statuses.

use crate::support::{orgs, stdout};

/// Every variable `orgs` reads.
const VARIABLES: [&str; 17] = [
    "API_HOST_NAME",
    "ADMIN_CLIENT_USER_NAME",
    "ADMIN_CLIENT_SECRET",
    "ROUTE_SECRET_KEY_1",
    "REDIS_URL",
    "REDIS_ENABLED",
    "CACHE_KEY_PREFIX",
    "CACHE_DEFAULT_TTL",
    "CACHE_TIMEOUT",
    "CACHE_CONNECT_TIMEOUT",
    "CACHE_NEAR_CAPACITY_BYTES",
    "REDIS_TLS_CA_FILE",
    "REDIS_TLS_CERT_FILE",
    "REDIS_TLS_KEY_FILE",
    "REDIS_TLS_INSECURE",
    "RUST_LOG",
    "NO_COLOR",
];

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
    for name in VARIABLES {
        explains(&help, name);
    }
    lists_exit_statuses(&help);

    let organisations = stdout(&orgs(&["organisations", "--help"], &[]));
    for name in VARIABLES {
        explains(&organisations, name);
    }
    lists_exit_statuses(&organisations);

    let cache = stdout(&orgs(&["cache", "--help"], &[]));
    for name in VARIABLES.iter().filter(|name| {
        !name.starts_with("API_") && !name.starts_with("ADMIN_") && !name.starts_with("ROUTE_")
    }) {
        explains(&cache, name);
    }
    lists_exit_statuses(&cache);
}
