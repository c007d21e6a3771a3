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
//! closest argument name. See the README for the key template reference, the semantics of each
//! attribute, and configuration. The attributes:
//!
//! - [`set`]: read through the cache.
//! - [`delete`]: invalidate keys after the body runs (whether it succeeded or not).
//! - [`delete_by_pattern`]: invalidate every key matching a glob, with argument values escaped.
//!
//! Failing open: a cache error or timeout never fails the wrapped call. It is logged with
//! `tracing`, counted in [`Stats`], and the call proceeds as a miss.

#![warn(missing_docs)]

mod backend;
mod config;
mod error;
mod glob;
mod global;
mod handle;
mod redact;
mod stats;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::backend::BackendKind;
pub use crate::config::{
    CacheBuilder, DEFAULT_MEMORY_CAPACITY_BYTES, DEFAULT_TIMEOUT, DEFAULT_TTL,
};
pub use crate::error::Error;
pub use crate::global::{global, install};
pub use crate::handle::{Cache, KeyTtl};
pub use crate::stats::Stats;
pub use cache_macros::{delete, delete_by_pattern, set};
