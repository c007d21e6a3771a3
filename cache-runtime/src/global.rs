//! The process-wide handle used by attributes that name no `cache = ...`.

use std::sync::OnceLock;

use crate::{Cache, Error};

static GLOBAL: OnceLock<Cache> = OnceLock::new();

/// Installs `cache` as the process-wide handle. Call it once at start-up, before the first cached
/// call; afterwards (or if a cached call already built the handle from the environment) it returns
/// [`Error::AlreadyInstalled`] and changes nothing.
///
/// ```
/// cache::install(cache::Cache::in_memory())?;
/// assert!(cache::install(cache::Cache::disabled()).is_err());
/// # Ok::<(), cache::Error>(())
/// ```
pub fn install(cache: Cache) -> Result<(), Error> {
    let mut installed = false;
    GLOBAL.get_or_init(|| {
        installed = true;
        cache
    });
    if installed {
        Ok(())
    } else {
        Err(Error::AlreadyInstalled)
    }
}

/// The process-wide handle: the one [`install`]ed, or else one built from the environment by
/// [`Cache::from_env`] on first use. A configuration error is logged and gives a disabled cache:
/// a bad cache setting must not take the application down.
pub fn global() -> &'static Cache {
    GLOBAL.get_or_init(|| {
        Cache::from_env().unwrap_or_else(|error| {
            tracing::error!(%error, "cache configuration is invalid; the cache is disabled");
            Cache::disabled()
        })
    })
}
