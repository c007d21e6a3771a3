//! `orgs demo`: the report's figures, in process and on Redis, and what it says about the cache.

use serde_json::Value;

use crate::support::{Env, all_keys, closed_port, fresh_redis, json, orgs};

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
    let report = json(&orgs(&["demo", "--requests", "5", "--json"], &[]));
    check_report(&report, 5);
    let cache = report["cache"].as_str().unwrap();
    assert!(cache.starts_with("in-process"), "{report}");
    assert!(cache.contains("set REDIS_URL"), "{report}");
}

#[test]
fn demo_json_on_redis_with_latency() {
    let server = fresh_redis();
    let report = json(&Env::new().redis(&server).run(&[
        "demo",
        "--requests",
        "4",
        "--api-latency",
        "2",
        "--json",
    ]));
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
    assert!(all_keys(&server).is_empty());
}

#[test]
fn demo_with_redis_switched_off_says_so() {
    // A URL, switched off: the demo runs in process and says why, not "set REDIS_URL".
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let report = json(&orgs(
        &["demo", "--requests", "1", "--json"],
        &[("REDIS_URL", &url), ("REDIS_ENABLED", "0")],
    ));
    let cache = report["cache"].as_str().unwrap();
    assert!(cache.starts_with("in-process"), "{report}");
    assert!(cache.contains("REDIS_ENABLED"), "{report}");
    assert!(!cache.contains("set REDIS_URL"), "{report}");
}

#[test]
fn demo_refuses_nonsense() {
    let output = orgs(&["demo", "--requests", "0"], &[]);
    let stderr = crate::support::exits(&output, 2);
    assert!(stderr.contains("--requests"), "{stderr}");
}
