//! `orgs cache …`: look at and clean the cache the client uses (REDIS_URL), with SCAN, never
//! KEYS. Each command needs a configured cache: without one it fails with exit status 5.

mod delete;
mod delete_pattern;
mod keys;
mod open;
mod ping;
mod stats;

use clap::Subcommand;

use crate::Failure;
use crate::output::Output;

/// `orgs cache [--json] COMMAND`.
#[derive(Debug, clap::Args)]
pub(crate) struct CacheArgs {
    /// Print JSON on standard output instead of text for people.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CacheCommand {
    /// Check that the cache answers (a readiness probe): the round trip, or why it cannot be
    /// reached (refused, host name, TLS, WRONGPASS, NOAUTH, database index), with exit status 5.
    Ping,
    /// The store, its settings, and how many keys of each kind it holds.
    Stats,
    /// Keys matching a Redis glob pattern, with their time to live (fetched in one round trip).
    Keys(keys::KeysArgs),
    /// Delete keys by name.
    Delete(delete::DeleteArgs),
    /// Delete every key matching a Redis glob pattern: says how many match, and deletes them
    /// only with --yes (--dry-run lists them).
    DeletePattern(delete_pattern::DeletePatternArgs),
}

/// Runs `args` on the cache the environment configures, printing text (styled when `color`) or
/// JSON.
pub(crate) async fn run(args: CacheArgs, color: bool) -> Result<(), Failure> {
    let cache = open::from_env()?;
    let out = Output::new(args.json, color);
    match args.command {
        CacheCommand::Ping => ping::run(&cache, &out).await,
        CacheCommand::Stats => stats::run(&cache, &out).await,
        CacheCommand::Keys(args) => keys::run(&cache, args, &out).await,
        CacheCommand::Delete(args) => delete::run(&cache, args, &out).await,
        CacheCommand::DeletePattern(args) => delete_pattern::run(&cache, args, &out).await,
    }
}
