//! `orgs cache delete KEY…`: delete keys by name, in one round trip.

use cache::Cache;
use serde::Serialize;

use crate::output::Output;
use crate::{Failure, human};

#[derive(Debug, clap::Args)]
pub(crate) struct DeleteArgs {
    /// The keys, exact names (no patterns), without CACHE_KEY_PREFIX.
    #[arg(required = true)]
    keys: Vec<String>,
}

/// What `delete --json` prints.
#[derive(Serialize)]
struct Deleted {
    requested: u64,
    deleted: u64,
}

pub(crate) async fn run(cache: &Cache, args: DeleteArgs, out: &Output) -> Result<(), Failure> {
    let deleted = cache.delete(&args.keys).await?;
    let requested = args.keys.len() as u64;
    out.print(&Deleted { requested, deleted }, |_| {
        if deleted == requested {
            format!("deleted {}", human::count(deleted, "key"))
        } else {
            format!(
                "deleted {deleted} of {}; {} did not exist",
                human::count(requested, "key"),
                requested - deleted
            )
        }
    })
}
