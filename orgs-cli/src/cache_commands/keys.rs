//! `orgs cache keys`: keys matching a pattern, with their time to live, all fetched in one
//! round trip (`Cache::ttls`, a pipeline of `PTTL`).

use cache::{Cache, KeyTtl};
use serde::Serialize;

use crate::output::{Output, note};
use crate::table::Table;
use crate::{Failure, human};

#[derive(Debug, clap::Args)]
pub(crate) struct KeysArgs {
    /// A Redis glob pattern: `*` any text, `?` one character, `[abc]` one of those, `\` escapes
    /// the next; e.g. `organisation-*-name`. Under CACHE_KEY_PREFIX when it is set.
    #[arg(default_value = "*")]
    pattern: String,
    /// Most keys to list.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    limit: u64,
}

/// A listed key, as `--json` prints it.
#[derive(Debug, Serialize)]
pub(crate) struct Listed {
    /// The key, without CACHE_KEY_PREFIX.
    pub(crate) key: String,
    /// Milliseconds left to live; `null` for a key that never expires.
    pub(crate) ttl_ms: Option<u64>,
    #[serde(skip)]
    ttl: KeyTtl,
}

pub(crate) async fn run(cache: &Cache, args: KeysArgs, out: &Output) -> Result<(), Failure> {
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let mut keys = cache.keys_matching(&args.pattern, limit).await?;
    keys.sort();
    if keys.len() == limit {
        note(format_args!(
            "orgs: listing the first {} matching `{}`; --limit lists more",
            human::count(args.limit, "key"),
            args.pattern
        ));
    }
    let listed = with_ttls(cache, keys).await?;
    out.print(&listed, |color| table(&listed).render(color))
}

/// `keys` with their time to live, in one round trip. Keys gone since they were listed
/// (expired, deleted) are left out.
pub(crate) async fn with_ttls(cache: &Cache, keys: Vec<String>) -> Result<Vec<Listed>, Failure> {
    let ttls = cache.ttls(&keys).await?;
    Ok(keys
        .into_iter()
        .zip(ttls)
        .filter(|(_, ttl)| *ttl != KeyTtl::Missing)
        .map(|(key, ttl)| Listed {
            key,
            ttl_ms: match ttl {
                KeyTtl::Expires(left) => Some(u64::try_from(left.as_millis()).unwrap_or(u64::MAX)),
                _ => None,
            },
            ttl,
        })
        .collect())
}

/// KEY and TTL columns.
pub(crate) fn table(listed: &[Listed]) -> Table {
    let mut table = Table::new(["KEY", "TTL"]);
    for entry in listed {
        table.row([entry.key.clone(), human::ttl(entry.ttl)]);
    }
    table
}
