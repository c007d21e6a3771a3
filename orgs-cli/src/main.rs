//! `orgs`: the caching demo, the stand-in API, and a cached command line for GOV.UK Notify's
//! organisations API.

mod cache_commands;
mod demo;
mod organisations;
mod progress;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Notify's organisations API through the `cache` toolkit.
///
/// `orgs demo` shows what the cache saves on a page of three sequential API calls. `orgs serve`
/// runs the stand-in API. `orgs organisations` and `orgs cache` work against any API, a real
/// Notify included, configured the way Notify's admin app is: API_HOST_NAME,
/// ADMIN_CLIENT_USER_NAME, ADMIN_CLIENT_SECRET, ROUTE_SECRET_KEY_1, REDIS_URL, REDIS_ENABLED.
#[derive(Debug, Parser)]
#[command(name = "orgs", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay Notify's 2018 experiment: a page of three sequential API calls (organisation, its
    /// services, its users), uncached, then caching one, two and all three.
    ///
    /// Starts the stand-in API in this process on a free port, with a temporary SQLite database.
    /// The cache is Redis when REDIS_URL is set, the in-process cache otherwise; the demo's keys
    /// are prefixed with `orgs-demo:` so it never touches anyone else's.
    Demo(demo::DemoArgs),
    /// Run the stand-in API (a real HTTP server on SQLite, seeded with hundreds of organisations).
    Serve(serve::ServeArgs),
    /// Read and change organisations through the cached client.
    #[command(subcommand, visible_alias = "orgs")]
    Organisations(organisations::OrganisationsCommand),
    /// Look at and clean the cache (SCAN, never KEYS).
    #[command(subcommand)]
    Cache(cache_commands::CacheCommand),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings (a disabled cache, a failing Redis) on standard error; RUST_LOG for more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Organisations(command) => organisations::run(command).await,
        Command::Cache(command) => cache_commands::run(command).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orgs: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Every command's error: a message for the user.
type Failure = Box<dyn std::error::Error + Send + Sync>;
