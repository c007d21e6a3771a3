//! The cache's metrics in Prometheus's text format: installs `metrics-exporter-prometheus` as the
//! `metrics` recorder, makes calls with every outcome a healthy cache has (miss, hit, coalesced,
//! an undecodable value counted as an error, an invalidation), then prints what a Prometheus
//! server would scrape. A service serves the same text at `/metrics` (as `orgs serve --metrics`
//! does).
//!
//! ```text
//! cargo run -p cache-runtime --features metrics --example prometheus
//! ```

use std::time::Duration;

use cache::Cache;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

struct TemplatesClient {
    cache: Cache,
}

impl TemplatesClient {
    #[cache::set("service-{service_id}-templates", cache = self.cache)]
    async fn get_service_templates(&self, service_id: u32) -> Result<Vec<String>, String> {
        tokio::time::sleep(Duration::from_millis(20)).await; // the API call
        Ok(vec![format!("Welcome to service {service_id}")])
    }

    #[cache::delete("service-{service_id}-templates", cache = self.cache)]
    async fn update_template(&self, service_id: u32) -> Result<(), String> {
        let _ = service_id; // the API write
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Buckets make the latency a Prometheus histogram (a summary otherwise): from a hit in
    // process to a slow API call.
    let prometheus = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(cache::metrics::CALL_DURATION.to_owned()),
            &[0.0001, 0.001, 0.005, 0.025, 0.1, 0.5, 2.5],
        )?
        .install_recorder()?;
    cache::metrics::describe();

    let client = TemplatesClient {
        cache: Cache::in_memory(),
    };
    client.get_service_templates(1).await?; // miss
    for _ in 0..3 {
        client.get_service_templates(1).await?; // hit
    }
    // Four concurrent calls for one key: one runs the body, three share its value.
    let (a, b, c, d) = tokio::join!(
        client.get_service_templates(2),
        client.get_service_templates(2),
        client.get_service_templates(2),
        client.get_service_templates(2),
    );
    for result in [a, b, c, d] {
        result?;
    }
    // A value of another shape under the key: it does not decode, so the call counts an error
    // and runs the body (then replaces the value).
    client
        .cache
        .set("service-3-templates", &"not a list", None)
        .await?;
    client.get_service_templates(3).await?;
    client.update_template(1).await?;

    print!("{}", prometheus.render());
    Ok(())
}
