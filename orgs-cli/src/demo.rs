//! `orgs demo`: Notify's 2018 page experiment, replayed on the stand-in API with this client.

use std::time::{Duration, Instant};

use notify_stub::{StubConfig, StubServer};
use orgs_client::{ApiClient, OrganisationsClient};
use serde::Serialize;
use uuid::Uuid;

use crate::Failure;
use crate::page::{self, Page};
use crate::progress::Progress;

/// Prefix of every key the demo writes, so that it never touches anyone else's.
const KEY_PREFIX: &str = "orgs-demo:";

#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Page renders per column; each column reports their median.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    requests: u32,
    /// Milliseconds the stand-in API waits before each answer: the network distance between a
    /// real app and a real API (0 measures loopback HTTP, token checks and SQLite only).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    api_latency: u64,
    /// Print the results as JSON on standard output instead of a table.
    #[arg(long)]
    json: bool,
}

/// One column of the table.
#[derive(Debug, Serialize)]
struct Column {
    name: &'static str,
    cached_calls: usize,
    median_ms: f64,
    improvement_percent: f64,
    api_requests: u64,
    hits: u64,
    misses: u64,
}

#[derive(Debug, Serialize)]
struct Report {
    cache: String,
    requests_per_column: u32,
    api_latency_ms: u64,
    organisation_id: Uuid,
    columns: Vec<Column>,
}

const COLUMNS: [&str; 4] = ["no cache", "cache organisation", "+ services", "+ users"];

pub(crate) async fn run(args: DemoArgs) -> Result<(), Failure> {
    let secret = "orgs-demo-admin-secret";
    let stub =
        StubServer::start(StubConfig::new(secret).latency(Duration::from_millis(args.api_latency)))
            .await?;
    let api = ApiClient::builder(stub.url()).secret(secret).build()?;
    let cache = page::cache(KEY_PREFIX)?;
    let described = page::describe(&cache);
    if !args.json {
        eprintln!(
            "orgs demo: stand-in API at {} ({} organisations); cache: {described}",
            stub.url(),
            stub.seed().organisations
        );
    }
    let page = Page {
        client: OrganisationsClient::new(api, cache.clone()),
        cache: cache.clone(),
    };
    let org_id = stub.seed().examples.organisation_id;
    let progress = Progress::new(args.json);
    let mut columns = Vec::with_capacity(COLUMNS.len());
    for (cached, name) in COLUMNS.into_iter().enumerate() {
        // Each column starts cold, so its first render is a miss.
        cache.delete_matching("*").await?;
        let before = cache.stats();
        let requests_before = stub.requests();
        let mut times = Vec::with_capacity(args.requests as usize);
        for done in 0..args.requests {
            let started = Instant::now();
            page.render(org_id, cached).await?;
            times.push(started.elapsed());
            progress.update(name, done as usize + 1, args.requests as usize);
        }
        let after = cache.stats();
        columns.push(Column {
            name,
            cached_calls: cached,
            median_ms: median(&mut times).as_secs_f64() * 1000.0,
            improvement_percent: 0.0,
            api_requests: stub.requests() - requests_before,
            hits: after.hits - before.hits,
            misses: after.misses - before.misses,
        });
    }
    progress.finish();
    cache.delete_matching("*").await?;
    stub.shutdown().await;

    let baseline = columns[0].median_ms;
    for column in &mut columns {
        column.improvement_percent = ((baseline / column.median_ms - 1.0) * 100.0).round();
    }
    let report = Report {
        cache: described,
        requests_per_column: args.requests,
        api_latency_ms: args.api_latency,
        organisation_id: org_id,
        columns,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn format_ms(ms: f64) -> String {
    if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{:.1} µs", ms * 1000.0)
    }
}

fn print_table(report: &Report) {
    let header: Vec<String> = report.columns.iter().map(|c| c.name.to_owned()).collect();
    let rows: [(&str, Vec<String>); 5] = [
        (
            "request time (median)",
            report
                .columns
                .iter()
                .map(|c| format_ms(c.median_ms))
                .collect(),
        ),
        (
            "improvement",
            report
                .columns
                .iter()
                .map(|c| format!("{}%", c.improvement_percent))
                .collect(),
        ),
        (
            "API requests",
            report
                .columns
                .iter()
                .map(|c| c.api_requests.to_string())
                .collect(),
        ),
        (
            "cache hits",
            report.columns.iter().map(|c| c.hits.to_string()).collect(),
        ),
        (
            "cache misses",
            report
                .columns
                .iter()
                .map(|c| c.misses.to_string())
                .collect(),
        ),
    ];
    println!();
    println!("| | {} |", header.join(" | "));
    println!("|---|{}", "---|".repeat(header.len()));
    for (label, cells) in rows {
        println!("| {label} | {} |", cells.join(" | "));
    }
    println!();
    println!(
        "Each page: 3 sequential API calls (organisation, its services, its users) to the stand-in \
         API over loopback HTTP (a token signed and checked per request, SQLite behind it), \
         plus {} ms of added latency per call; {} renders per column, median shown; cache: {}.",
        report.api_latency_ms, report.requests_per_column, report.cache
    );
    if report.api_latency_ms == 0 {
        println!(
            "A real deployment adds the network between app and API to every uncached call: \
             try --api-latency 20."
        );
    }
}
