//! `orgs serve --metrics ADDR`: the cache's metrics in Prometheus's text format at `/metrics`,
//! and the demo's page at `/page/{org_id}`, rendered through the cached client against the
//! stand-in API, so that the metrics have cached calls to count (the stand-in API itself caches
//! nothing).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::Failure;
use crate::page::Page;

/// Latency buckets, in seconds: from a hit in process to a slow API call.
const BUCKETS: [f64; 9] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 2.5];

/// How often the exporter's histograms are drained between scrapes (as its own listener would).
const UPKEEP: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Served {
    prometheus: PrometheusHandle,
    page: Arc<Page>,
}

/// Installs the Prometheus recorder for this process, binds `addr` and serves `/metrics` and
/// `/page/{org_id}` on a task of their own. Returns the address bound (`addr` may name port 0).
pub(crate) async fn start(addr: SocketAddr, page: Page) -> Result<SocketAddr, Failure> {
    let prometheus = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(cache::metrics::CALL_DURATION.to_owned()),
            &BUCKETS,
        )?
        .install_recorder()?;
    cache::metrics::describe();
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| format!("cannot listen for metrics on {addr}: {error}"))?;
    let bound = listener.local_addr()?;
    let upkeep = prometheus.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(UPKEEP).await;
            upkeep.run_upkeep();
        }
    });
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/page/{org_id}", get(render))
        .with_state(Served {
            prometheus,
            page: Arc::new(page),
        });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "orgs serve: the metrics listener stopped");
        }
    });
    Ok(bound)
}

async fn metrics(State(served): State<Served>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        served.prometheus.render(),
    )
        .into_response()
}

async fn render(State(served): State<Served>, Path(org_id): Path<Uuid>) -> Response {
    match served.page.render(org_id, 3).await {
        Ok(html) => Html(html).into_response(),
        Err(error) if error.is_not_found() => {
            (StatusCode::NOT_FOUND, error.to_string()).into_response()
        }
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}
