//! `orgs demo`: Notify's 2018 page experiment, replayed on the stand-in API with this client.

mod chart;
mod report;
mod svg;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notify_stub::{StubConfig, StubServer};
use orgs_client::{ApiClient, OrganisationsClient};

use self::report::{Column, Report, column_names};
use crate::Failure;
use crate::output::{Output, note};
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
    /// Print the results as JSON on standard output instead of tables and a chart.
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print the tables as Markdown (for a README) instead of aligned columns, without the
    /// terminal chart.
    #[arg(long)]
    markdown: bool,
    /// Also draw the bar chart of the medians into FILE, an SVG picture.
    #[arg(long, value_name = "FILE.svg", value_parser = svg_path)]
    plot: Option<PathBuf>,
}

/// `--plot`'s file: SVG is the one format written, so the name must say so.
fn svg_path(name: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(name);
    if path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("svg"))
    {
        Ok(path)
    } else {
        Err("the chart is written as SVG: give a file name ending in .svg".to_owned())
    }
}

pub(crate) async fn run(args: DemoArgs, color: bool) -> Result<(), Failure> {
    // Opened first, so that a file that cannot be written fails the command before the runs.
    let plot = match &args.plot {
        Some(path) => Some((path, File::create(path).map_err(|e| cannot_write(path, e))?)),
        None => None,
    };
    let outcome = measure(&args).await;
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            if let Some((path, _)) = plot {
                let _ = std::fs::remove_file(path);
            }
            return Err(error);
        }
    };
    if let Some((path, mut file)) = plot {
        let svg = svg::render(
            "orgs demo: request time per page (median)",
            "Each column caches one more of the page's three API calls; shorter is faster.",
            &[
                format!(
                    "Each page: 3 sequential API calls to the stand-in API, {} ms added latency \
                     per call; {} renders per column.",
                    report.api_latency_ms, report.requests_per_column
                ),
                format!("Cache: {}.", report.cache),
            ],
            &report.bars(),
        );
        file.write_all(svg.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| cannot_write(path, e))?;
        if !args.json {
            note(format_args!(
                "orgs demo: chart written to {}",
                path.display()
            ));
        }
    }
    Output::new(args.json, color).print(&report, |color| report.render(args.markdown, color))
}

fn cannot_write(path: &Path, error: std::io::Error) -> Failure {
    format!("cannot write the chart to {}: {error}", path.display()).into()
}

/// Runs the four columns against a stand-in API started for the purpose.
async fn measure(args: &DemoArgs) -> Result<Report, Failure> {
    let secret = "orgs-demo-admin-secret";
    let stub =
        StubServer::start(StubConfig::new(secret).latency(Duration::from_millis(args.api_latency)))
            .await?;
    let api = ApiClient::builder(stub.url()).secret(secret).build()?;
    let cache = page::cache(KEY_PREFIX)?;
    let described = page::describe(&cache);
    if !args.json {
        note(format_args!(
            "orgs demo: stand-in API at {} ({} organisations); cache: {described}",
            stub.url(),
            stub.seed().organisations
        ));
    }
    let page = Page::new(OrganisationsClient::new(api, cache.clone()));
    let org_id = stub.seed().examples.organisation_id;
    let progress = Progress::new(args.json);
    let mut columns = Vec::new();
    for (cached, name) in column_names().enumerate() {
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
    Ok(Report::new(
        described,
        args.requests,
        args.api_latency,
        org_id,
        KEY_PREFIX,
        columns,
    ))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}
