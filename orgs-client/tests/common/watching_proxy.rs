//! A proxy in front of the stand-in API that, when a write arrives (any method but `GET`),
//! notes which of the watched cache keys are still there before passing the request on: what a
//! test needs to see that a strict write cleared its keys before the API ran it.

use std::sync::{Arc, Mutex};

use cache::Cache;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::raw_server::read_request;

/// A write as the proxy saw it: its request line, and the watched keys present on arrival.
#[derive(Debug, Clone)]
pub struct SeenWrite {
    pub request_line: String,
    pub present: Vec<String>,
}

#[derive(Default)]
struct Shared {
    watched: Vec<String>,
    writes: Vec<SeenWrite>,
}

pub struct WatchingProxy {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl WatchingProxy {
    /// Forwards everything to `upstream`, looking keys up through `cache` (a clone of the
    /// client's handle, so the in-process backend is seen too).
    pub async fn start(upstream: String, cache: Cache) -> WatchingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = Arc::clone(&shared);
        let http = reqwest::Client::new();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (state, cache, http, upstream) = (
                    Arc::clone(&state),
                    cache.clone(),
                    http.clone(),
                    upstream.clone(),
                );
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    let line = request.request_line().to_owned();
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("GET").to_owned();
                    let path = parts.next().unwrap_or("/").to_owned();
                    if method != "GET" {
                        let watched = lock(&state).watched.clone();
                        let mut present = Vec::new();
                        for key in watched {
                            let value = cache.get::<Value>(&key).await.expect("read a key");
                            if value.is_some() {
                                present.push(key);
                            }
                        }
                        lock(&state).writes.push(SeenWrite {
                            request_line: line,
                            present,
                        });
                    }
                    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
                    let mut forward = http.request(method, format!("{upstream}{path}"));
                    for name in [
                        "authorization",
                        "x-custom-forwarder",
                        "content-type",
                        "user-agent",
                    ] {
                        if let Some(value) = request.header(name) {
                            forward = forward.header(name, value);
                        }
                    }
                    let answer = forward.body(request.body).send().await.expect("upstream");
                    let status = answer.status().as_u16();
                    let content_type = answer
                        .headers()
                        .get("content-type")
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("application/json")
                        .to_owned();
                    let body = answer.bytes().await.expect("upstream body");
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        WatchingProxy { url, shared }
    }

    /// Watches these keys from now on, and forgets the writes seen so far.
    pub fn watch(&self, keys: &[String]) {
        let mut shared = lock(&self.shared);
        shared.watched = keys.to_vec();
        shared.writes.clear();
    }

    /// The writes seen since the last [`watch`](Self::watch).
    pub fn writes(&self) -> Vec<SeenWrite> {
        lock(&self.shared).writes.clone()
    }
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|poison| poison.into_inner())
}
