//! The `orgs` binary, run as a user runs it: real processes, the stand-in API on a real socket,
//! a real `redis-server` where the cache is Redis.

use std::process::{Command, Output};

use cache_tests::RedisServer;
use notify_stub::{StubConfig, StubServer};
use serde_json::Value;

const SECRET: &str = "cli-test-admin-secret";

fn orgs(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgs"));
    command.args(args);
    for name in [
        "REDIS_URL",
        "REDIS_ENABLED",
        "API_HOST_NAME",
        "ADMIN_CLIENT_SECRET",
        "ROUTE_SECRET_KEY_1",
        "CACHE_KEY_PREFIX",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("the orgs binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "orgs failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn help_explains_every_command() {
    let help = stdout(&orgs(&["--help"], &[]));
    for command in [
        "demo",
        "serve",
        "organisations",
        "cache",
        "API_HOST_NAME",
        "REDIS_URL",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
    let demo = stdout(&orgs(&["demo", "--help"], &[]));
    assert!(
        demo.contains("--api-latency") && demo.contains("--json"),
        "{demo}"
    );
}

/// Checks a `demo --json` report for figures that make sense for `requests` renders per column.
fn check_report(report: &Value, requests: u64) {
    let columns = report["columns"].as_array().expect("columns");
    assert_eq!(columns.len(), 4, "{report}");
    let api: Vec<u64> = columns
        .iter()
        .map(|c| c["api_requests"].as_u64().unwrap())
        .collect();
    // Uncached: three calls per page; each cached call reaches the API once (its first miss).
    assert_eq!(
        api,
        [3 * requests, 2 * requests + 1, requests + 2, 3],
        "{report}"
    );
    let hits: Vec<u64> = columns
        .iter()
        .map(|c| c["hits"].as_u64().unwrap())
        .collect();
    assert_eq!(
        hits,
        [0, requests - 1, 2 * (requests - 1), 3 * (requests - 1)],
        "{report}"
    );
    // Timings are reported, never compared: on a loaded machine any column can be the slowest.
    // What the cache saves is proven by the request and hit counts above.
    let medians: Vec<f64> = columns
        .iter()
        .map(|c| c["median_ms"].as_f64().unwrap())
        .collect();
    assert!(medians.iter().all(|m| *m > 0.0), "{report}");
    assert_eq!(columns[0]["improvement_percent"].as_f64(), Some(0.0));
    assert!(
        columns
            .iter()
            .all(|c| c["improvement_percent"].as_f64().is_some()),
        "{report}"
    );
    assert_eq!(report["requests_per_column"].as_u64(), Some(requests));
}

#[test]
fn demo_json_in_process() {
    let output = stdout(&orgs(&["demo", "--requests", "5", "--json"], &[]));
    let report: Value = serde_json::from_str(&output).expect("--json prints JSON");
    check_report(&report, 5);
    assert!(
        report["cache"].as_str().unwrap().starts_with("in-process"),
        "{report}"
    );
}

#[test]
fn demo_json_on_redis_with_latency() {
    let server = RedisServer::start();
    let url = server.url();
    let output = stdout(&orgs(
        &["demo", "--requests", "4", "--api-latency", "2", "--json"],
        &[("REDIS_URL", &url)],
    ));
    let report: Value = serde_json::from_str(&output).expect("--json prints JSON");
    check_report(&report, 4);
    assert!(
        report["cache"].as_str().unwrap().starts_with("Redis at"),
        "{report}"
    );
    assert_eq!(report["api_latency_ms"].as_u64(), Some(2));
    // Added latency shows in the uncached column: three calls of at least 2 ms each (a lower
    // bound, which load can only raise).
    assert!(
        report["columns"][0]["median_ms"].as_f64().unwrap() >= 6.0,
        "{report}"
    );
    // The demo cleans up its keys.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query(&mut server.connection())
        .unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}

#[test]
fn demo_refuses_nonsense() {
    let output = orgs(&["demo", "--requests", "0"], &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--requests"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_and_cache_commands_against_the_stand_in() {
    let stub = StubServer::start(StubConfig::new(SECRET)).await.unwrap();
    let server = RedisServer::start();
    let url = server.url();
    let base = stub.url();
    let env = [
        ("API_HOST_NAME", base.as_str()),
        ("ADMIN_CLIENT_SECRET", SECRET),
        ("REDIS_URL", url.as_str()),
    ];
    let run = |args: &'static [&'static str]| {
        let env = env.map(|(k, v)| (k, v.to_owned()));
        async move {
            tokio::task::spawn_blocking(move || {
                let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                orgs(args, &env)
            })
            .await
            .unwrap()
        }
    };

    let list: Value =
        serde_json::from_str(&stdout(&run(&["organisations", "list"]).await)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), stub.seed().organisations);
    assert_eq!(stub.requests_to("GET", "/organisations"), 1);
    // The second listing is a cache hit: it never reaches the API.
    stdout(&run(&["organisations", "list"]).await);
    assert_eq!(stub.requests_to("GET", "/organisations"), 1);

    let keys = stdout(&run(&["cache", "keys", "organis*"]).await);
    assert!(keys.starts_with("organisations\t"), "{keys}");
    let stats = stdout(&run(&["cache", "stats"]).await);
    assert!(
        stats.contains("keys: 1") && stats.contains("organisations: 1"),
        "{stats}"
    );

    let deleted = stdout(&run(&["cache", "delete", "organisations", "nothing-here"]).await);
    assert!(deleted.contains("deleted 1 of 2"), "{deleted}");
    stdout(&run(&["organisations", "list"]).await);
    assert_eq!(stub.requests_to("GET", "/organisations"), 2);
    let deleted = stdout(&run(&["cache", "delete-pattern", "org*"]).await);
    assert!(deleted.contains("deleted 1 keys"), "{deleted}");

    // Errors are reported, not panicked on.
    let bad = run(&["organisations", "get", "not-a-uuid"]).await;
    assert!(!bad.status.success());
    let missing = run(&[
        "organisations",
        "get",
        "00000000-0000-4000-8000-000000000000",
    ])
    .await;
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("404"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_requires_crown_and_organisation_writes_take_no_actor() {
    let stub = StubServer::start(StubConfig::new(SECRET)).await.unwrap();
    let base = stub.url();
    let run = |args: Vec<String>| {
        let base = base.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                orgs(
                    &args,
                    &[("API_HOST_NAME", &base), ("ADMIN_CLIENT_SECRET", SECRET)],
                )
            })
            .await
            .unwrap()
        }
    };
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // No --crown: refused before any request.
    let missing = run(args(&[
        "organisations",
        "create",
        "--name",
        "X",
        "--type",
        "local",
    ]))
    .await;
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("--crown"), "{stderr}");
    assert_eq!(stub.requests(), 0);

    let created: Value = serde_json::from_str(&stdout(
        &run(args(&[
            "organisations",
            "create",
            "--name",
            "Crownless Council",
            "--type",
            "local",
            "--crown",
            "false",
        ]))
        .await,
    ))
    .unwrap();
    assert_eq!(created["crown"], false, "{created}");
    assert_eq!(created["organisation_type"], "local", "{created}");

    let nhs: Value = serde_json::from_str(&stdout(
        &run(args(&[
            "organisations",
            "create",
            "--name",
            "NHS Notify Trust",
            "--type",
            "nhs_notify",
            "--crown",
            "true",
        ]))
        .await,
    ))
    .unwrap();
    assert_eq!(nhs["organisation_type"], "nhs_notify", "{nhs}");
    assert_eq!(nhs["crown"], true, "{nhs}");

    let id = created["id"].as_str().unwrap().to_owned();
    let renamed: Value = serde_json::from_str(&stdout(
        &run(args(&[
            "organisations",
            "rename",
            &id,
            "Crownless District Council",
        ]))
        .await,
    ))
    .unwrap();
    assert_eq!(renamed["name"], "Crownless District Council");

    // There is no actor to give.
    for write in [
        args(&[
            "organisations",
            "create",
            "--name",
            "Y",
            "--type",
            "local",
            "--crown",
            "true",
            "--created-by",
            &id,
        ]),
        args(&["organisations", "rename", &id, "Z", "--created-by", &id]),
    ] {
        let refused = run(write).await;
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("--created-by"), "{stderr}");
    }
    assert_eq!(stub.requests_to("POST", "/organisations"), 2);
}
