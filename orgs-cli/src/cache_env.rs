//! The cache as the environment configures it, with a command line's patience: unless
//! CACHE_TIMEOUT says otherwise, each operation may take [`TIMEOUT`], not the toolkit's 100 ms.
//! A web app wants to fail open fast on every request; a command connects afresh on each run,
//! and an operator would rather wait a moment than get a spurious timeout.

use std::time::Duration;

use cache::CacheBuilder;

/// Bound on each cache operation of `organisations` and `cache` commands when CACHE_TIMEOUT is
/// unset.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(2);

/// A builder from the environment (see `cache::CacheBuilder::from_env`), with [`TIMEOUT`]
/// unless CACHE_TIMEOUT is set.
pub(crate) fn builder() -> Result<CacheBuilder, cache::Error> {
    let builder = CacheBuilder::from_env()?;
    let timeout_set = std::env::var("CACHE_TIMEOUT").is_ok_and(|value| !value.trim().is_empty());
    Ok(if timeout_set {
        builder
    } else {
        builder.timeout(TIMEOUT)
    })
}
