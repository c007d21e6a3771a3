//! The cache a `cache` command works on: the one the environment configures, or an error that
//! says why there is none (never a silent "deleted 0 keys" from a disabled cache).

use cache::{BackendKind, Cache};

use crate::Failure;
use crate::exit::NoCache;

/// The cache REDIS_URL and the other variables configure.
pub(crate) fn from_env() -> Result<Cache, Failure> {
    let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.trim().is_empty());
    if !set("REDIS_URL") && !set("REDIS_ENABLED") {
        // Checked here rather than by building a disabled cache, which would also log a warning.
        return Err(NoCache(
            "no cache configured: REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379/0)"
                .to_owned(),
        )
        .into());
    }
    let cache = crate::cache_env::builder()?.build()?;
    if cache.backend_kind() == BackendKind::Disabled {
        return Err(NoCache(
            "the cache is switched off: REDIS_ENABLED is off (unset it, or set it to 1, to use \
             REDIS_URL)"
                .to_owned(),
        )
        .into());
    }
    Ok(cache)
}
