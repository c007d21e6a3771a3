//! The environment variables [`Cache::from_env`](crate::Cache::from_env) reads, defined once.
//!
//! `Cache::from_env`'s documentation is rendered from this list at compile time, and a command
//! line can render it into its `--help` (the `orgs` command does); the repository's docs carry
//! [`MARKDOWN_TABLE`] word for word, which its tests check.

/// One environment variable that [`Cache::from_env`](crate::Cache::from_env) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvVar {
    /// Its name, e.g. `REDIS_URL`.
    pub name: &'static str,
    /// What it does, in Markdown (code in backticks).
    pub meaning: &'static str,
    /// What holds when it is unset, in Markdown.
    pub default: &'static str,
    /// A value to set it to, as written in a shell.
    pub example: &'static str,
}

/// Defines [`VARIABLES`] and, from the same literals, `markdown_table!()`, whose expansion is a
/// string literal so that a `#[doc = …]` attribute can take it.
macro_rules! variables {
    ($($name:literal: $meaning:literal, default $default:literal, example $example:literal;)*) => {
        /// Every variable [`Cache::from_env`](crate::Cache::from_env) reads, in the order of
        /// its documentation.
        pub const VARIABLES: &[EnvVar] = &[$(EnvVar {
            name: $name,
            meaning: $meaning,
            default: $default,
            example: $example,
        }),*];

        /// [`VARIABLES`] as a Markdown table, as `Cache::from_env`'s documentation shows it.
        macro_rules! markdown_table {
            () => {
                concat!(
                    "| variable | meaning | default | example |\n|---|---|---|---|\n",
                    $("| `", $name, "` | ", $meaning, " | ", $default, " | `", $example, "` |\n",)*
                )
            };
        }
        pub(crate) use markdown_table;
    };
}

variables! {
    "REDIS_URL": "Redis to cache in: `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS",
        default "none, so no cache: every cached call runs its body, and a warning says so",
        example "redis://:password@cache.internal:6379/0";
    "REDIS_ENABLED": "`0`, `false`, `no` or `off`: no cache even with `REDIS_URL`; `1`, `true`, `yes` or `on`: `REDIS_URL` is required",
        default "on when `REDIS_URL` is set",
        example "0";
    "CACHE_KEY_PREFIX": "Text put before every key, a namespace",
        default "none, keys as their templates write them",
        example "admin:";
    "CACHE_DEFAULT_TTL": "Time to live of a value whose attribute names none; whole seconds",
        default "`24h`",
        example "28d";
    "CACHE_TIMEOUT": "Bound on each cache operation, at most `60s`; a slower one fails open",
        default "`100ms`",
        example "250ms";
    "CACHE_CONNECT_TIMEOUT": "Bound on making a connection (TCP, TLS, `AUTH`, `SELECT`), which runs in the background",
        default "`5s`",
        example "2s";
    "REDIS_TLS_CA_FILE": "PEM file of the CA certificates to trust for `rediss://`",
        default "the system's roots",
        example "/etc/ssl/redis-ca.pem";
    "REDIS_TLS_CERT_FILE": "Client certificate (PEM) for mutual TLS; set with `REDIS_TLS_KEY_FILE`",
        default "none",
        example "/etc/ssl/client.pem";
    "REDIS_TLS_KEY_FILE": "The client certificate's private key (PEM); set with `REDIS_TLS_CERT_FILE`",
        default "none",
        example "/etc/ssl/client.key";
    "REDIS_TLS_INSECURE": "`1`: accept any server certificate, for development only",
        default "off",
        example "1";
    "REDIS_CLUSTER": "`1`: `REDIS_URL` holds one or more comma-separated seed URLs of a Redis Cluster",
        default "off",
        example "1";
    "REDIS_SENTINELS": "Comma-separated sentinel URLs; `REDIS_URL`'s host then names the primary set",
        default "none",
        example "redis://sentinel-1:26379,redis://sentinel-2:26379";
    "CACHE_NEAR_CAPACITY_BYTES": "Bytes of a near cache in front of Redis (one server, a cluster, or the primary Sentinel names), from 64 KiB to 1 TiB",
        default "`0`, none",
        example "67108864";
}

/// [`VARIABLES`] as a Markdown table: what `Cache::from_env`'s documentation shows.
pub const MARKDOWN_TABLE: &str = markdown_table!();

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use super::VARIABLES;
    use crate::CacheBuilder;

    /// The list is what the builder reads: every name it asks for, and only those.
    #[test]
    fn the_list_is_every_variable_from_env_reads() {
        let asked = RefCell::new(BTreeSet::new());
        let _builder = CacheBuilder::from_vars(|name| {
            asked.borrow_mut().insert(name.to_owned());
            (name == "REDIS_URL").then(|| "redis://127.0.0.1:1".to_owned())
        })
        .expect("a URL alone is a valid configuration");
        let listed: BTreeSet<String> = VARIABLES.iter().map(|v| v.name.to_owned()).collect();
        assert_eq!(asked.into_inner(), listed);
    }

    #[test]
    fn every_variable_is_explained() {
        for variable in VARIABLES {
            for (what, text) in [
                ("meaning", variable.meaning),
                ("default", variable.default),
                ("example", variable.example),
            ] {
                assert!(!text.trim().is_empty(), "{} has no {what}", variable.name);
                assert!(
                    !text.contains('|'),
                    "{}'s {what} breaks the table",
                    variable.name
                );
            }
        }
    }
}
