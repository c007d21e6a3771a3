//! Declarative caching for async functions, with keys checked at compile time.
//!
//! Wrap a read so its result is kept in Redis (or in process) under a key built from its
//! arguments; wrap a write so it deletes the keys it makes stale:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Serialize, Deserialize)]
//! struct Organisation { id: u32, name: String }
//!
//! struct OrganisationsClient { cache: cache::Cache }
//!
//! impl OrganisationsClient {
//!     #[cache::set("organisation-{org_id}-name", ttl = "7d", cache = self.cache)]
//!     async fn get_organisation_name(&self, org_id: u32) -> Result<String, std::io::Error> {
//!         Ok(format!("Organisation {org_id}")) // the slow API call
//!     }
//!
//!     #[cache::delete("organisation-{org_id}-name", "organisations", cache = self.cache)]
//!     async fn update_organisation_name(&self, org_id: u32, name: &str) -> Result<(), std::io::Error> {
//!         Ok(()) // the API write
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), std::io::Error> {
//! let client = OrganisationsClient { cache: cache::Cache::in_memory() };
//! client.get_organisation_name(7).await?; // miss: runs the body, stores the value
//! client.get_organisation_name(7).await?; // hit: the body does not run
//! client.update_organisation_name(7, "New name").await?; // deletes both keys
//! assert_eq!(client.cache.stats().hits, 1);
//! # Ok(())
//! # }
//! ```
//!
//! A placeholder that names no argument is a compile error at the attribute, suggesting the
//! closest argument name. The key template reference and the semantics of each attribute
//! follow below; configuration is on [`CacheBuilder`] (or [`Cache::from_env`]). The attributes:
//!
//! - [`set`]: read through the cache.
//! - [`delete`]: invalidate keys after the body runs (whether it succeeded or not).
//! - [`delete_by_pattern`]: invalidate every key matching a glob, with argument values escaped.
//!
//! Failing open: a cache error or timeout never fails the wrapped call. It is logged with
//! `tracing`, counted in [`Stats`], and the call proceeds as a miss. After repeated failures a
//! circuit breaker skips Redis for a cool-down, so an outage costs a few timeouts, not one per call.
//!
//! Observable: every annotated call runs in a `tracing` span (`cache.read` or
//! `cache.invalidate`, at debug level) with its function, key and outcome; with the `metrics`
//! feature, calls are counted and timed per function and outcome through the `metrics` facade
//! (see the `metrics` module).
//!
//! Never stale: a miss takes a lease on its key, and the value is stored only if no invalidation
//! came in between; concurrent misses of one key in a process run the body once; an invalidation
//! survives its call being cancelled and is retried when it fails. `docs/RELIABILITY.md` in the
//! repository describes each guarantee and the test that proves it.
//!
// The reference sections: their one source, which the repository's README and docs link to
// (the README's key-template table is checked against it by a test in `cache-tests`).
#![doc = include_str!("../docs/reference.md")]
#![warn(missing_docs)]
// docs.rs builds with `--cfg docsrs` (see Cargo.toml): feature-gated items say which feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod backoff;
mod blocking;
mod breaker;
mod cached_call;
mod config;
mod driver;
pub mod environment;
mod error;
mod flight;
mod glob;
mod global;
mod handle;
mod invalidating;
mod invalidation;
mod key_arg;
mod lease;
mod log_limit;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
mod observe;
mod read;
mod reader;
mod redact;
mod redis_config;
mod settings;
mod stats;
mod this_call;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::backend::{BackendKind, NEAR_CACHE_MAX_TTL, TRACKING_CLIENT_NAME};
pub use crate::breaker::BreakerState;
pub use crate::config::{CacheBuilder, DEFAULT_MEMORY_CAPACITY_BYTES};
pub use crate::error::Error;
pub use crate::global::{global, install};
pub use crate::handle::{Cache, KeyTtl};
pub use crate::invalidation::Invalidation;
pub use crate::key_arg::Verbatim;
pub use crate::redis_config::RedisConfig;
pub use crate::settings::{
    DEFAULT_BREAKER_COOL_DOWN, DEFAULT_BREAKER_THRESHOLD, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_INVALIDATION_RETRY_FOR, DEFAULT_LEASE_TTL, DEFAULT_LEASE_WAIT, DEFAULT_MAX_VALUE_BYTES,
    DEFAULT_TIMEOUT, DEFAULT_TTL,
};
pub use crate::stats::Stats;
pub use crate::this_call::{ThisCall, this_call};

/// Reads through the cache: `#[cache::set("key-template", ttl = "...", cache = ...)]`.
///
/// Builds the key from the template (before the body runs), then `GET`s it. On a hit, the stored
/// value is decoded and returned without running the body. On a miss, the key is leased (see
/// [`CacheBuilder::leases`]), the body runs, and its value is stored as JSON for the TTL only if
/// the lease is still there, that is if no invalidation came in between (on Redis, a script
/// checks the lease and runs `SET ... EX ttl`; with leases off, a plain `SET ... EX ttl`).
/// Concurrent misses of one key in a process run the body once. For a return type named `Result`
/// (`Result<T, E>`, `io::Result<T>`, `api::Result<T>`), only `Ok` values are stored; any other
/// type is stored as returned, `None` included. `null`, `[]`, `false` and `0` are values like any
/// other, so they are hits. A stored value that does not decode as the return type is a miss:
/// logged, counted, and overwritten.
///
/// Options:
/// - `ttl = "90s" | "15m" | "24h" | "7d"` (checked at compile time, whole seconds); otherwise the
///   handle's default TTL (24 hours unless configured).
/// - `cache = <expr>`: the handle to use, e.g. `cache = self.cache`; any expression that
///   dereferences to a [`Cache`] (`Cache`, `Arc<Cache>`, `LazyLock<Cache>`). Otherwise the
///   process-wide handle ([`global`]).
/// - `crate = <path>`: where the runtime is, when the dependency is renamed (default `::cache`).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// struct TemplatesClient { cache: cache::Cache, api_calls: AtomicUsize }
///
/// impl TemplatesClient {
///     #[cache::set("service-{service_id}-templates", ttl = "7d", cache = self.cache)]
///     async fn get_service_templates(&self, service_id: u64) -> Result<Vec<String>, String> {
///         self.api_calls.fetch_add(1, Ordering::SeqCst);
///         Ok(vec![format!("Welcome to service {service_id}")])
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let client = TemplatesClient { cache: cache::Cache::in_memory(), api_calls: AtomicUsize::new(0) };
/// let first = client.get_service_templates(42).await;
/// let second = client.get_service_templates(42).await;
/// assert_eq!(first, second);
/// assert_eq!(client.api_calls.load(Ordering::SeqCst), 1);
/// # }
/// ```
#[doc(inline)]
pub use cache_macros::set;

/// Invalidates keys after the body runs: `#[cache::delete("key-{id}", "other-key", cache = ...)]`.
///
/// The body runs first; then every listed key is deleted in one round trip (`UNLINK`), whether
/// the body returned `Ok` or `Err`: a failed write may have partly applied. Several keys per
/// attribute and several stacked attributes (including [`delete_by_pattern`]) are all honoured,
/// in one round trip for the plain keys. Once the body has started, the keys are invalidated even
/// if the call's future is dropped (a timeout, a client gone). A failed delete never fails the
/// call: it is retried in the background with backoff, and logged and counted if it never
/// succeeds. Options: `cache = <expr>` and `crate = <path>`, as for [`set`], and `strict`:
///
/// `#[cache::delete("organisations", strict)]` also deletes before the body and, if that fails,
/// returns `Err(E::from(error))` without running the body: for writes where serving stale data
/// is worse than failing the request. It needs a return type `Result<T, E>` with
/// `E: From<cache::Error>`; anything else is a compile error.
///
/// ```
/// struct OrganisationsClient { cache: cache::Cache }
///
/// impl OrganisationsClient {
///     #[cache::set("organisation-{org_id}-name", cache = self.cache)]
///     async fn get_organisation_name(&self, org_id: u64) -> Result<String, String> {
///         Ok(format!("Organisation {org_id}"))
///     }
///
///     #[cache::delete("organisation-{org_id}-name", "organisations", cache = self.cache)]
///     async fn update_organisation_name(&self, org_id: u64, name: String) -> Result<(), String> {
///         Err(format!("the API refused {name:?}")) // even after an error, the keys are deleted
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), cache::Error> {
/// let client = OrganisationsClient { cache: cache::Cache::in_memory() };
/// client.get_organisation_name(1).await.unwrap();
/// assert!(client.cache.get::<String>("organisation-1-name").await?.is_some());
/// assert!(client.update_organisation_name(1, "New".into()).await.is_err());
/// assert!(client.cache.get::<String>("organisation-1-name").await?.is_none());
/// # Ok(())
/// # }
/// ```
#[doc(inline)]
pub use cache_macros::delete;

/// Invalidates every key matching a glob after the body runs:
/// `#[cache::delete_by_pattern("service-{service_id}-template-*")]`.
///
/// The template's own `*`, `?` and `[...]` are Redis globs; **argument values are glob-escaped**,
/// so an argument containing `*`, `?`, `[`, `]` or `\` matches only itself and can never widen
/// what is deleted. Keys are found with `SCAN MATCH ... COUNT 1000` and removed with `UNLINK`,
/// batch by batch, never with `KEYS` (which blocks Redis). Runs whether the body succeeded or not.
///
/// ```
/// struct TemplatesClient { cache: cache::Cache }
///
/// impl TemplatesClient {
///     #[cache::delete_by_pattern("service-{service_id}-template-*", cache = self.cache)]
///     async fn archive_service(&self, service_id: &str) -> Result<(), String> {
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), cache::Error> {
/// let client = TemplatesClient { cache: cache::Cache::in_memory() };
/// for key in ["service-1-template-a", "service-1-template-b", "service-12-template-a"] {
///     client.cache.set(key, &true, None).await?;
/// }
/// client.archive_service("*").await.unwrap(); // escaped: matches only a service called "*"
/// assert_eq!(client.cache.keys_matching("*", 10).await?.len(), 3);
/// client.archive_service("1").await.unwrap();
/// assert_eq!(client.cache.keys_matching("*", 10).await?, ["service-12-template-a"]);
/// # Ok(())
/// # }
/// ```
#[doc(inline)]
pub use cache_macros::delete_by_pattern;
