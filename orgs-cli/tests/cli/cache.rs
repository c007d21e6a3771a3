//! `orgs cache …` on a real Redis: keys with human TTLs, stats, delete, ping; and every command
//! with no cache configured.

use serde_json::Value;

use crate::support::{Env, all_keys, closed_port, exits, fresh_redis, json, orgs, stdout, store};

const COMMANDS: [&[&str]; 6] = [
    &["cache", "ping"],
    &["cache", "stats"],
    &["cache", "keys"],
    &["cache", "delete", "organisations"],
    &["cache", "delete-pattern", "org*", "--yes"],
    &["cache", "delete-pattern", "org*", "--dry-run"],
];

#[test]
fn no_cache_configured_is_an_error_for_every_cache_command() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    for command in COMMANDS {
        let unset = orgs(command, &[]);
        let stderr = exits(&unset, 5);
        assert!(
            stderr.contains("REDIS_URL is not set"),
            "{command:?}: {stderr}"
        );
        assert!(unset.stdout.is_empty(), "{command:?}");

        let off = orgs(command, &[("REDIS_URL", &url), ("REDIS_ENABLED", "0")]);
        let stderr = exits(&off, 5);
        assert!(stderr.contains("REDIS_ENABLED"), "{command:?}: {stderr}");
        assert!(off.stdout.is_empty(), "{command:?}");

        let nonsense = orgs(command, &[("REDIS_URL", &url), ("CACHE_TIMEOUT", "100y")]);
        let stderr = exits(&nonsense, 5);
        assert!(stderr.contains("CACHE_TIMEOUT"), "{command:?}: {stderr}");
    }
}

#[test]
fn keys_show_human_ttls_sorted_and_json_gives_milliseconds() {
    let server = fresh_redis();
    let env = Env::new().redis(&server);
    store(&server, "organisations", Some(86_400));
    store(&server, "domains", Some(7 * 86_400));
    store(&server, "organisation-1-name", Some(90));
    store(&server, "persistent", None);

    let table = stdout(&env.run(&["cache", "keys"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("KEY") && lines[0].ends_with("TTL"),
        "{table}"
    );
    let rows: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|line| line.splitn(2, "  ").map(str::trim).collect())
        .collect();
    let keys: Vec<&str> = rows.iter().map(|row| row[0]).collect();
    assert_eq!(
        keys,
        [
            "domains",
            "organisation-1-name",
            "organisations",
            "persistent"
        ],
        "{table}"
    );
    // Rounded down, two units at most: never Rust's `Debug` of a duration.
    assert!(["6d 23h", "7d"].contains(&rows[0][1]), "{table}");
    assert!(
        rows[1][1].starts_with("1m ") || rows[1][1].ends_with('s'),
        "{table}"
    );
    assert!(["23h 59m", "1d"].contains(&rows[2][1]), "{table}");
    assert_eq!(rows[3][1], "never expires", "{table}");
    assert!(
        !table.contains("Expires(") && !table.contains("Persistent"),
        "{table}"
    );

    let pattern = stdout(&env.run(&["cache", "keys", "organis*"]));
    assert_eq!(pattern.lines().count(), 3, "{pattern}");

    let listed = json(&env.run(&["cache", "keys", "--json"]));
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0]["key"], "domains");
    let week_ms = listed[0]["ttl_ms"].as_u64().unwrap();
    assert!(
        week_ms <= 7 * 86_400_000 && week_ms > 6 * 86_400_000,
        "{week_ms}"
    );
    assert_eq!(listed[3]["key"], "persistent");
    assert_eq!(listed[3]["ttl_ms"], Value::Null);

    // --limit: the first keys, and a note that there are more.
    let limited = env.run(&["cache", "keys", "--limit", "2"]);
    assert_eq!(stdout(&limited).lines().count(), 3);
    assert!(String::from_utf8_lossy(&limited.stderr).contains("--limit"));

    // The TTLs come from pipelines of PTTL: exactly one per listed key (4 + 2 + 4 + 2).
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut server.connection())
        .unwrap();
    assert!(info.contains("cmdstat_pttl:calls=12,"), "{info}");
}

#[test]
fn keys_under_a_prefix_are_listed_without_it() {
    let server = fresh_redis();
    let env = Env::new().redis(&server).set("CACHE_KEY_PREFIX", "admin:");
    store(&server, "admin:organisations", Some(3600));
    store(&server, "other:organisations", Some(3600));
    let table = stdout(&env.run(&["cache", "keys"]));
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(
        table.lines().nth(1).unwrap().starts_with("organisations "),
        "{table}"
    );
}

#[test]
fn stats_count_keys_by_kind() {
    let server = fresh_redis();
    let env = Env::new().redis(&server);
    store(&server, "organisations", Some(3600));
    store(&server, "organisation-1-name", Some(3600));
    store(&server, "organisation-2-name", Some(3600));

    let text = stdout(&env.run(&["cache", "stats"]));
    let line = |label: &str| {
        text.lines()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in:\n{text}"))
            .to_owned()
    };
    assert!(
        line("store").contains("Redis at redis://127.0.0.1:"),
        "{text}"
    );
    assert!(line("key prefix").ends_with("none"), "{text}");
    assert!(line("default TTL").ends_with("1d"), "{text}");
    // A command line's patience, unless CACHE_TIMEOUT says otherwise.
    assert!(line("timeout").ends_with("2s"), "{text}");
    assert!(line("keys").ends_with(" 3"), "{text}");
    assert!(line("KIND").ends_with("KEYS"), "{text}");
    assert!(line("organisation-*-name").ends_with(" 2"), "{text}");

    let report = json(&env.run(&["cache", "stats", "--json"]));
    assert_eq!(report["keys"], 3);
    assert_eq!(report["counted_all"], true);
    assert_eq!(report["default_ttl_seconds"], 86_400);
    assert_eq!(report["timeout_ms"], 2000);
    let env = env
        .set("CACHE_TIMEOUT", "250ms")
        .set("CACHE_DEFAULT_TTL", "7d");
    let report = json(&env.run(&["cache", "stats", "--json"]));
    assert_eq!(report["timeout_ms"], 250);
    assert_eq!(report["default_ttl_seconds"], 7 * 86_400);
    assert_eq!(report["families"]["organisation-*-name"], 2);
    assert_eq!(report["families"]["organisations"], 1);
}

#[test]
fn delete_counts_in_words() {
    let server = fresh_redis();
    let env = Env::new().redis(&server);
    for key in ["a", "b", "c"] {
        store(&server, key, Some(3600));
    }
    let one = stdout(&env.run(&["cache", "delete", "a"]));
    assert_eq!(one.trim_end(), "deleted 1 key");
    let partly = stdout(&env.run(&["cache", "delete", "b", "nothing-here"]));
    assert_eq!(partly.trim_end(), "deleted 1 of 2 keys; 1 did not exist");
    let report = json(&env.run(&["cache", "delete", "c", "a", "--json"]));
    assert_eq!(report["requested"], 2);
    assert_eq!(report["deleted"], 1);
    assert!(all_keys(&server).is_empty());
}

#[test]
fn ping_prints_the_round_trip_or_exits_5_with_the_cause() {
    let server = fresh_redis();
    let env = Env::new().redis(&server);
    let pong = stdout(&env.run(&["cache", "ping"]));
    assert!(pong.starts_with("Redis at redis://127.0.0.1:"), "{pong}");
    assert!(pong.contains("answered in"), "{pong}");
    let pong = json(&env.run(&["cache", "ping", "--json"]));
    assert!(pong["round_trip_ms"].as_f64().unwrap() > 0.0, "{pong}");

    let refused = format!("redis://127.0.0.1:{}/0", closed_port());
    let output = orgs(&["cache", "ping"], &[("REDIS_URL", &refused)]);
    let stderr = exits(&output, 5);
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(output.stdout.is_empty());
    // Said once, by the command, not again by the cache's own log.
    assert_eq!(stderr.matches("connection refused").count(), 1, "{stderr}");
}

/// `orgs` against a Redis Cluster (`REDIS_CLUSTER=1`, seeds in `REDIS_URL`): ping, keys on
/// every primary, and a pattern delete that reaches them all.
#[test]
fn cache_commands_work_against_a_cluster() {
    let cluster = cache_tests::RedisCluster::start();
    let seeds = cluster.seed_urls().join(",");
    let env = [("REDIS_CLUSTER", "1"), ("REDIS_URL", seeds.as_str())];
    let pong = stdout(&orgs(&["cache", "ping"], &env));
    assert!(pong.starts_with("Redis Cluster from"), "{pong}");
    let mut raw = cluster.connection();
    for id in 0..30 {
        let () = redis::cmd("SET")
            .arg(format!("organisation-{id}-name"))
            .arg("\"x\"")
            .arg("EX")
            .arg(3600)
            .query(&mut raw)
            .unwrap();
    }
    let keys = json(&orgs(&["cache", "keys", "--json"], &env));
    assert_eq!(
        keys.as_array().map(Vec::len),
        Some(30),
        "keys from every primary: {keys}"
    );
    let deleted = stdout(&orgs(
        &["cache", "delete-pattern", "organisation-*", "--yes"],
        &env,
    ));
    assert!(deleted.contains("deleted 30 keys"), "{deleted}");
    assert!(
        cluster
            .all_keys()
            .iter()
            .all(|key| !key.starts_with("organisation-")),
        "every primary was cleared"
    );
}
