//! `orgs serve --metrics ADDR`: the binary serves the stand-in API, the cached page and
//! Prometheus metrics on real sockets; a scrape over HTTP shows the page's cached calls.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::support::{SECRET, command};

/// A bound on waiting for the server to say where it listens: a hang, not a slow start, fails.
const STARTUP: Duration = Duration::from_secs(120);

/// The running `orgs serve`, killed when dropped.
struct Served {
    child: Child,
    /// `host:port` of the metrics listener.
    metrics: String,
    /// The page's path for the seed's example organisation, `/page/<uuid>`.
    page: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(env: &[(&str, &str)]) -> Served {
    let mut child = command(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics",
            "127.0.0.1:0",
            "--admin-secret",
            SECRET,
        ],
        env,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("orgs serve starts");
    let stderr = child.stderr.take().expect("standard error is piped");
    let (lines, received) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let mut served = Served {
        child,
        metrics: String::new(),
        page: String::new(),
    };
    loop {
        let line = received
            .recv_timeout(STARTUP)
            .expect("orgs serve says where its metrics are");
        // "orgs serve: metrics at http://ADDR/metrics; the cached page at http://ADDR/page/ID (...)"
        if let Some(rest) = line.strip_prefix("orgs serve: metrics at http://") {
            let (addr, rest) = rest.split_once("/metrics").expect("the metrics URL");
            let page = rest
                .split_once(&format!("http://{addr}"))
                .expect("the page URL")
                .1;
            served.metrics = addr.to_owned();
            served.page = page.split_whitespace().next().unwrap().to_owned();
            return served;
        }
    }
}

/// `GET path` over a fresh connection: the status code and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to orgs serve");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    (status, body.to_owned())
}

/// The value of the sample `name{labels}` in Prometheus text, if present.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(name_and_labels)
            .and_then(|value| value.trim().parse().ok())
    })
}

#[test]
fn metrics_count_the_cached_page_calls_by_function_and_outcome() {
    let served = serve(&[]);
    let (status, before) = get(&served.metrics, "/metrics");
    assert_eq!(status, 200);
    assert!(
        !before.contains("cache_calls_total{"),
        "no calls yet:\n{before}"
    );

    for _ in 0..3 {
        let (status, html) = get(&served.metrics, &served.page);
        assert_eq!(status, 200, "{html}");
        assert!(
            html.starts_with("<h1>") && html.contains("team members"),
            "{html}"
        );
    }
    let (status, text) = get(&served.metrics, "/metrics");
    assert_eq!(status, 200);
    // The organisation's name is cached by orgs-client itself; the other two by the page.
    for function in [
        "orgs_client::organisations::get_organisation_name",
        "orgs::page::services",
        "orgs::page::users",
    ] {
        let labels = format!("{{function=\"{function}\"");
        assert_eq!(
            sample(
                &text,
                &format!("cache_calls_total{labels},outcome=\"miss\"}}")
            ),
            Some(1.0),
            "{function}: the first render misses\n{text}"
        );
        assert_eq!(
            sample(
                &text,
                &format!("cache_calls_total{labels},outcome=\"hit\"}}")
            ),
            Some(2.0),
            "{function}: the next two hit\n{text}"
        );
        assert_eq!(
            sample(
                &text,
                &format!("cache_call_duration_seconds_count{labels},outcome=\"hit\"}}")
            ),
            Some(2.0),
            "{function}: a duration per hit\n{text}"
        );
    }
    assert!(
        text.contains("# TYPE cache_call_duration_seconds histogram"),
        "{text}"
    );
    assert!(text.contains("# HELP cache_calls_total "), "{text}");
}

#[test]
fn an_unknown_organisation_is_not_found_and_not_cached() {
    let served = serve(&[]);
    let missing = "/page/00000000-0000-4000-8000-000000000000";
    for _ in 0..2 {
        let (status, body) = get(&served.metrics, missing);
        assert_eq!(status, 404, "{body}");
    }
    let (_, text) = get(&served.metrics, "/metrics");
    assert_eq!(
        sample(
            &text,
            "cache_calls_total{function=\"orgs_client::organisations::get_organisation_name\",outcome=\"miss\"}"
        ),
        Some(2.0),
        "an Err is never cached, so each render misses\n{text}"
    );
}
