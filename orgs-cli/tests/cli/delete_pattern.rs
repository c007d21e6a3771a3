//! `orgs cache delete-pattern`: how many keys match, `--yes` to delete, `--dry-run` to list,
//! and `*` alone refused unless a key prefix is set or `--all` is given.

use std::collections::BTreeSet;

use cache_tests::RedisServer;

use crate::support::{Env, all_keys, exits, fresh_redis, json, stdout, store};

fn keys(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|key| key.to_string()).collect()
}

/// A Redis holding two `org…` keys and one other.
fn seeded() -> RedisServer {
    let server = fresh_redis();
    store(&server, "organisations", Some(3600));
    store(&server, "organisation-1-name", Some(3600));
    store(&server, "domains", None);
    server
}

#[test]
fn without_yes_it_says_how_many_match_deletes_nothing_and_exits_2() {
    let server = seeded();
    let env = Env::new().redis(&server);
    let refused = env.run(&["cache", "delete-pattern", "org*"]);
    let stderr = exits(&refused, 2);
    assert!(stderr.contains("2 keys match `org*`"), "{stderr}");
    assert!(
        stderr.contains("--yes") && stderr.contains("--dry-run"),
        "{stderr}"
    );
    assert!(refused.stdout.is_empty());
    assert_eq!(all_keys(&server).len(), 3);

    let one = exits(&env.run(&["cache", "delete-pattern", "dom*"]), 2);
    assert!(
        one.contains("1 key match") && one.contains("delete it"),
        "{one}"
    );

    // Nothing to delete: nothing to confirm.
    let none = stdout(&env.run(&["cache", "delete-pattern", "nothing-*"]));
    assert!(none.starts_with("no keys match `nothing-*`"), "{none}");
}

#[test]
fn dry_run_lists_the_keys_and_deletes_nothing() {
    let server = seeded();
    let env = Env::new().redis(&server);
    let dry = env.run(&["cache", "delete-pattern", "org*", "--dry-run"]);
    let table = stdout(&dry);
    let listed: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(listed, ["organisation-1-name", "organisations"], "{table}");
    let stderr = String::from_utf8_lossy(&dry.stderr);
    assert!(
        stderr.contains("2 keys match") && stderr.contains("dry run"),
        "{stderr}"
    );

    let report = json(&env.run(&["cache", "delete-pattern", "org*", "--dry-run", "--json"]));
    assert_eq!(report["matched"], 2);
    assert_eq!(report["deleted"], 0);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["keys"][1]["key"], "organisations");
    assert!(report["keys"][1]["ttl_ms"].as_u64().unwrap() <= 3_600_000);

    // A dry run of everything is allowed: it deletes nothing.
    let everything = stdout(&env.run(&["cache", "delete-pattern", "*", "--dry-run"]));
    assert_eq!(everything.lines().count(), 4, "{everything}");
    assert_eq!(all_keys(&server).len(), 3);

    let both = exits(
        &env.run(&["cache", "delete-pattern", "org*", "--dry-run", "--yes"]),
        2,
    );
    assert!(both.contains("cannot be used with"), "{both}");
}

/// `SCAN` calls the server has run since its statistics were reset.
fn scans(server: &RedisServer) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut server.connection())
        .unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix("cmdstat_scan:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().unwrap())
}

#[test]
fn yes_deletes_in_one_pass_and_says_how_many() {
    let server = seeded();
    let env = Env::new().redis(&server);
    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut server.connection())
        .unwrap();
    let deleted = stdout(&env.run(&["cache", "delete-pattern", "org*", "--yes"]));
    assert!(
        deleted.starts_with("deleted 2 keys matching `org*` in Redis at"),
        "{deleted}"
    );
    assert_eq!(all_keys(&server), keys(&["domains"]));
    // Three keys fit in one SCAN step: one pass is one SCAN (counting first made it two).
    assert_eq!(scans(&server), 1);

    let none = stdout(&env.run(&["cache", "delete-pattern", "nothing-*", "--yes"]));
    assert!(none.starts_with("no keys match `nothing-*`"), "{none}");

    let one = stdout(&env.run(&["cache", "delete-pattern", "dom*", "-y"]));
    assert!(one.starts_with("deleted 1 key matching"), "{one}");

    store(&server, "service-1-templates", Some(60));
    let report = json(&env.run(&["cache", "delete-pattern", "service-*", "--yes", "--json"]));
    assert_eq!(report["matched"], 1);
    assert_eq!(report["deleted"], 1);
    assert_eq!(report["dry_run"], false);
    assert!(all_keys(&server).is_empty());
}

#[test]
fn every_key_of_the_database_needs_all() {
    let server = seeded();
    let env = Env::new().redis(&server);
    for pattern in ["*", "**", "?*"] {
        let stderr = exits(&env.run(&["cache", "delete-pattern", pattern, "--yes"]), 2);
        assert!(stderr.contains("matches every key"), "{pattern}: {stderr}");
        assert!(stderr.contains("--all"), "{pattern}: {stderr}");
    }
    assert_eq!(all_keys(&server).len(), 3);

    // Confirmation is still needed with --all.
    exits(&env.run(&["cache", "delete-pattern", "*", "--all"]), 2);
    assert_eq!(all_keys(&server).len(), 3);

    let deleted = stdout(&env.run(&["cache", "delete-pattern", "*", "--all", "--yes"]));
    assert!(deleted.starts_with("deleted 3 keys"), "{deleted}");
    assert!(all_keys(&server).is_empty());
}

#[test]
fn under_a_key_prefix_star_means_the_prefix_s_keys() {
    let server = fresh_redis();
    store(&server, "admin:organisations", Some(3600));
    store(&server, "admin:domains", Some(3600));
    store(&server, "other-app:sessions", Some(3600));
    let env = Env::new().redis(&server).set("CACHE_KEY_PREFIX", "admin:");

    let refused = exits(&env.run(&["cache", "delete-pattern", "*"]), 2);
    assert!(
        refused.contains("2 keys match `*` under the key prefix `admin:`"),
        "{refused}"
    );
    let deleted = stdout(&env.run(&["cache", "delete-pattern", "*", "--yes"]));
    assert!(deleted.starts_with("deleted 2 keys"), "{deleted}");
    assert_eq!(all_keys(&server), keys(&["other-app:sessions"]));
}
