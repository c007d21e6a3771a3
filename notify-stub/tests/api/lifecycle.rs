//! Request counting, latency, the seed summary and the temporary database's lifetime.

use crate::common;

use std::time::Duration;

use common::*;
use notify_stub::{StubConfig, StubServer, seed_summary};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn counts_every_request_by_method_and_path() {
    let server = start().await;
    let api = Api::new(&server);
    assert_eq!(server.requests(), 0);
    let org = server.seed().examples.organisation_id;
    let services = format!("/organisations/{org}/services");
    api.get("/organisations").await;
    api.get("/organisations").await;
    api.get(&services).await;
    api.get("/organisations/by-domain?domain=ons.gov.uk").await;
    // Rejected requests are counted too.
    send(api.raw().get(format!("{}/organisations", server.url()))).await;
    send(api.request(Method::DELETE, "/organisations")).await;

    assert_eq!(server.requests(), 6);
    assert_eq!(server.requests_to("GET", "/organisations"), 3);
    assert_eq!(server.requests_to("get", &services), 1);
    assert_eq!(server.requests_to("GET", "/organisations/by-domain"), 1);
    assert_eq!(
        server.requests_to("GET", "/organisations/by-domain?domain=x"),
        1
    );
    assert_eq!(server.requests_to("DELETE", "/organisations"), 1);
    assert_eq!(server.requests_to("POST", "/organisations"), 0);
    let counts = server.request_counts();
    assert_eq!(counts.total, 6);
    assert_eq!(counts.by_path.len(), 4);

    server.reset_counts();
    assert_eq!(server.requests(), 0);
    assert_eq!(server.requests_to("GET", "/organisations"), 0);
    api.get("/organisations").await;
    assert_eq!(server.requests_to("GET", "/organisations"), 1);
}

#[tokio::test]
async fn method_not_allowed_is_answered_in_json() {
    let server = start().await;
    let reply = send(Api::new(&server).request(Method::DELETE, "/organisations")).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.body["result"], "error");
}

/// The configured latency is applied to every request, whatever it is answered with.
///
/// On Tokio's paused test clock, time moves only when every task is waiting on a timer, and
/// then straight to the next timer due. A request to the stub waits on one timer, the stub's
/// sleep, so the clock moves by exactly the latency per request: the sleep is observed, not a
/// wall-clock duration, and a busy machine changes nothing.
#[tokio::test(start_paused = true)]
async fn latency_is_added_to_each_request() {
    let latency = Duration::from_millis(150);
    let server = StubServer::start(StubConfig::new(SECRET).latency(latency))
        .await
        .unwrap();
    let api = Api::new(&server);
    for (path, status) in [
        ("/_status", 200),
        ("/organisations", 200),
        ("/no-such-thing", 404),
    ] {
        let before = tokio::time::Instant::now();
        let reply = api.get(path).await;
        let slept = tokio::time::Instant::now() - before;
        assert_eq!(reply.status, status, "{path}");
        assert_eq!(slept, latency, "{path}: the test clock moved by {slept:?}");
    }
    assert_eq!(server.requests(), 3);
}

/// Without latency, no timer stands between a request and its answer: the paused clock does
/// not move (so the test above can tell the stub's sleep from anything else).
#[tokio::test(start_paused = true)]
async fn no_latency_means_no_sleep() {
    let server = start().await;
    let api = Api::new(&server);
    let before = tokio::time::Instant::now();
    assert_eq!(api.get("/_status").await.status, 200);
    assert_eq!(tokio::time::Instant::now() - before, Duration::ZERO);
}

#[tokio::test]
async fn the_seed_is_deterministic_and_sizeable() {
    let summary = seed_summary();
    assert_eq!(summary, seed_summary());
    assert_eq!(summary.organisations, 300);
    assert!(summary.services > 1000);
    assert!(summary.users > 300);
    assert!(summary.organisations_without_services > 0);
    assert!(summary.active_organisations < summary.organisations);
    // Two servers hold the same data, ids included.
    let (a, b) = (start().await, start().await);
    assert_eq!(a.seed(), &summary);
    let list_a = Api::new(&a).get("/organisations").await.body;
    let list_b = Api::new(&b).get("/organisations").await.body;
    assert_eq!(list_a, list_b);
    println!("{summary:#?}");
}

#[tokio::test]
async fn the_temporary_database_is_removed_on_shutdown() {
    let server = start().await;
    let path = server.database_path().to_path_buf();
    assert!(path.exists(), "{path:?}");
    server.shutdown().await;
    // The last handle to the file closes as the server task ends.
    for _ in 0..50 {
        if !path.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{path:?} still exists");
}

#[tokio::test]
async fn a_named_database_is_kept_and_reused() {
    let path =
        std::env::temp_dir().join(format!("notify-stub-test-{}.sqlite3", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let first = StubServer::start(StubConfig::new(SECRET).database_path(&path))
        .await
        .unwrap();
    let created = Api::new(&first)
        .post(
            "/organisations",
            json!({"name": "Persisted Org", "crown": false, "organisation_type": "other"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    first.shutdown().await;
    assert!(path.exists());

    let second = StubServer::start(StubConfig::new(SECRET).database_path(&path))
        .await
        .unwrap();
    let list = Api::new(&second).get("/organisations").await.body;
    assert_eq!(list.as_array().unwrap().len(), 301);
    second.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

#[tokio::test]
async fn a_busy_port_is_a_bind_error() {
    let first = start().await;
    let second = StubServer::start(StubConfig::new(SECRET).listen(first.addr())).await;
    assert!(matches!(second, Err(notify_stub::StubError::Bind { .. })));
}
