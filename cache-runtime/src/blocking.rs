//! Blocking cached functions: the async read and invalidation paths (one copy of every
//! decision), polled on the caller's thread by [`crate::driver`], with the body run there as
//! written.

use std::future::Future;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::Cache;
use crate::driver;
use crate::read::{Follow, Typed};

/// Runs `call(body)` to completion on this thread. Without a background runtime (the operating
/// system refused one, already logged) the body runs alone: uncached, uninvalidated, counted as
/// an error.
pub(crate) fn run<R, B, F>(cache: &Cache, body: B, call: impl FnOnce(B) -> F) -> R
where
    B: FnOnce() -> R,
    F: Future<Output = R>,
{
    match driver::handle() {
        Some(runtime) => driver::block_on(runtime, call(body)),
        None => {
            cache.inner().counters.error();
            body()
        }
    }
}

/// The blocking read through the cache.
pub(crate) fn read_through<R, T, B>(
    cache: &Cache,
    function: &'static str,
    key: String,
    ttl: Option<Duration>,
    typed: Typed<R, T>,
    body: B,
) -> R
where
    T: serde::Serialize + DeserializeOwned,
    B: FnOnce() -> R,
{
    // Inside an async runtime this thread may be the one a leader's task needs: do not wait
    // for it (waiting for another process's lease is bounded, and stays).
    let follow = if driver::inside_runtime() {
        Follow::No
    } else {
        Follow::Yes
    };
    run(cache, body, |body| crate::cached_call::CachedCall {
        steps: crate::read::read_steps(cache, function, key, ttl, typed, follow),
        body: async move { body() },
    })
}
