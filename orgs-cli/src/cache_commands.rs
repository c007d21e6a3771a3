//! `orgs cache …`: look at and clean the cache the client uses (REDIS_URL), with SCAN, never KEYS.

use std::collections::BTreeMap;

use cache::Cache;
use clap::Subcommand;

use crate::Failure;

/// Most keys `keys` and `stats` look at.
const KEY_LIMIT: usize = 100_000;

#[derive(Debug, Subcommand)]
pub(crate) enum CacheCommand {
    /// Check that the cache answers (a readiness probe): the round trip, or why it cannot be
    /// reached (refused, host name, TLS, WRONGPASS, NOAUTH, database index). Exits non-zero
    /// on failure.
    Ping,
    /// The store, its settings, and how many keys of each kind it holds.
    Stats,
    /// Keys matching a Redis glob pattern (`*`, `?`, `[…]`), with their time to live.
    Keys {
        /// E.g. `organisation-*-name`.
        pattern: String,
        /// Most keys to list.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Delete keys.
    Delete {
        /// The keys.
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// Delete every key matching a Redis glob pattern.
    DeletePattern {
        /// E.g. `service-*`.
        pattern: String,
    },
}

pub(crate) async fn run(command: CacheCommand) -> Result<(), Failure> {
    let cache = Cache::from_env()?;
    match command {
        CacheCommand::Ping => {
            let round_trip = cache.ping().await?;
            println!(
                "{}: answered in {round_trip:?}",
                cache.backend_description()
            );
            Ok(())
        }
        CacheCommand::Stats => stats(&cache).await,
        CacheCommand::Keys { pattern, limit } => {
            let mut keys = cache.keys_matching(&pattern, limit).await?;
            keys.sort();
            for key in keys {
                let ttl = cache.ttl(&key).await?;
                println!("{key}\t{ttl:?}");
            }
            Ok(())
        }
        CacheCommand::Delete { keys } => {
            let deleted = cache.delete(&keys).await?;
            println!("deleted {deleted} of {} keys", keys.len());
            Ok(())
        }
        CacheCommand::DeletePattern { pattern } => {
            let deleted = cache.delete_matching(&pattern).await?;
            println!("deleted {deleted} keys matching {pattern}");
            Ok(())
        }
    }
}

async fn stats(cache: &Cache) -> Result<(), Failure> {
    println!("store: {}", cache.backend_description());
    println!("key prefix: {:?}", cache.key_prefix());
    println!(
        "default TTL: {:?}, timeout: {:?}",
        cache.default_ttl(),
        cache.timeout()
    );
    let keys = cache.keys_matching("*", KEY_LIMIT).await?;
    let mut families: BTreeMap<String, usize> = BTreeMap::new();
    for key in &keys {
        *families.entry(family(key)).or_default() += 1;
    }
    let capped = if keys.len() == KEY_LIMIT {
        " (stopped counting there)"
    } else {
        ""
    };
    println!("keys: {}{capped}", keys.len());
    for (family, count) in families {
        println!("  {family}: {count}");
    }
    Ok(())
}

/// A key's kind: its id replaced by `*`, e.g. `organisation-*-name`.
fn family(key: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        // A UUID is 36 characters with hyphens inside; take it whole.
        if rest.len() >= 36 && uuid::Uuid::try_parse(&rest[..36]).is_ok() {
            parts.push("*");
            rest = rest[36..].strip_prefix('-').unwrap_or(&rest[36..]);
            continue;
        }
        let (part, tail) = rest.split_once('-').unwrap_or((rest, ""));
        parts.push(
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                part
            },
        );
        rest = tail;
    }
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::family;

    #[test]
    fn families_hide_ids() {
        assert_eq!(
            family("organisation-2f1b3c4d-0000-4000-8000-000000000001-name"),
            "organisation-*-name"
        );
        assert_eq!(family("organisations"), "organisations");
        assert_eq!(family("user-42"), "user-*");
    }
}
