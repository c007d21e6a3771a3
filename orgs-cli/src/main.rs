//! `orgs`: the caching demo, the stand-in API, and a cached command line for GOV.UK Notify's
//! organisations API.

mod cache_commands;
mod cache_env;
mod color;
mod demo;
mod exit;
mod help;
mod human;
mod markup;
mod metrics_http;
mod organisations;
mod output;
mod page;
mod progress;
mod serve;
mod table;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::color::{ColorChoice, Colors};

/// Notify's organisations API through the `cache` toolkit.
///
/// `orgs demo` shows what the cache saves on a page of three sequential API calls. `orgs serve`
/// runs the stand-in API. `orgs organisations` and `orgs cache` work against any API, a real
/// Notify included, configured the way Notify's admin app is (see the environment variables
/// below). They print tables for people, and JSON with --json.
#[derive(Debug, Parser)]
#[command(name = "orgs", version, about, long_about, after_help = help::top())]
struct Cli {
    /// When to colour output: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        value_name = "WHEN",
        hide_possible_values = true
    )]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay Notify's 2018 experiment: a page of three sequential API calls (an organisation's
    /// name, its services, its users), uncached, then caching one, two and all three.
    ///
    /// The name is cached by orgs-client itself, under Notify's admin app's key; the admin app
    /// caches neither services nor users, so the demo caches those through a wrapper of its own
    /// (the output says which is which). Prints the results as a table and a bar chart;
    /// `--plot FILE.svg` also draws the chart into a file.
    ///
    /// Starts the stand-in API in this process on a free port, with a temporary SQLite database.
    /// The cache is Redis when REDIS_URL is set, the in-process cache otherwise; the demo's keys
    /// are prefixed with `orgs-demo:` so it never touches anyone else's.
    Demo(demo::DemoArgs),
    /// Run the stand-in API (a real HTTP server on SQLite, seeded with hundreds of organisations).
    Serve(serve::ServeArgs),
    /// Read and change organisations through the cached client.
    #[command(visible_alias = "orgs", after_help = help::top())]
    Organisations(organisations::OrganisationsArgs),
    /// Look at and clean the cache (SCAN, never KEYS).
    #[command(after_help = help::cache())]
    Cache(cache_commands::CacheArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    output::quiet_on_closed_stdout();
    let args: Vec<_> = std::env::args_os().collect();
    // Read first, so that clap's own help and errors follow --color too.
    let choice = ColorChoice::from_args(&args);
    let matches = Cli::command()
        .color(choice.for_clap())
        .get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let colors = Colors::new(cli.color);
    // Warnings (a disabled cache, a failing Redis) on standard error; RUST_LOG for more. The
    // `cache` commands report the cache's errors themselves: its own logs would say them twice.
    let default_filter = match cli.command {
        Command::Cache(_) => "warn,cache=off",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colors.stderr)
        .init();
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(args, colors.stdout).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Organisations(args) => organisations::run(args, colors.stdout).await,
        Command::Cache(args) => cache_commands::run(args, colors.stdout).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let status = exit::status_of(&error);
            if !exit::is_closed_stdout(&error) {
                output::report(&error, colors.stderr);
            }
            status.into()
        }
    }
}

/// Every command's error: a message for the user. Its type decides the exit status (see
/// [`exit::status_of`]).
type Failure = Box<dyn std::error::Error + Send + Sync>;
