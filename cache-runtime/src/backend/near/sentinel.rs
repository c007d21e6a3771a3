//! Tracking behind Redis Sentinel. Each session asks the sentinels where the primary is, opens
//! the tracking connection there, and checks with `ROLE` that the server is a primary, then
//! every [`PING_EVERY`](super::tracking::PING_EVERY)(super::tracking::PING_EVERY) (in place of the `PING`): a primary demoted by a failover ends the
//! session, which drops every copy, and the next session follows the sentinels to the new one.
//! (Sentinel also closes a demoted primary's clients, which ends it at once.)
//!
//! The data connection may still be on the demoted primary for a while after a failover (a
//! replica, possibly behind), and nothing cheap tells one standalone server from another, so a
//! value read there could be older than an invalidation already pushed from the new primary.
//! Reads that may be kept therefore go over the tracking connection itself: the value comes
//! from the very server that vouches for it. Other reads, and every write, use the store.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use redis::aio::MultiplexedConnection;

use super::tracking::{Shared, open_tracking, serve};
use crate::backend::SentinelSettings;
use crate::backoff::Backoff;

/// One session with the primary the sentinels name, from finding it to its end. `Ok` when the
/// handle was dropped.
pub(super) async fn run_sentinel_session(
    shared: &Arc<Shared>,
    settings: &SentinelSettings,
    session: u64,
    backoff: &mut Backoff,
) -> Result<(), String> {
    let lost = Arc::new(AtomicBool::new(false));
    let mut sentinel = settings
        .resp3_client()
        .map_err(|error| format!("Sentinel settings: {error}"))?;
    let client = tokio::time::timeout(shared.connect_timeout, sentinel.async_get_client())
        .await
        .map_err(|_elapsed| {
            format!(
                "no primary from the sentinels within {:?}",
                shared.connect_timeout
            )
        })?
        .map_err(|error| format!("no primary from the sentinels: {error}"))?;
    let mut connection = open_tracking(shared, &client, session, &lost).await?;
    is_primary(shared, &mut connection).await?;
    let state = shared.store.reset(true);
    *shared
        .reader
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((state, connection.clone()));
    serve(shared, &lost, backoff, async |woken| {
        if !woken {
            is_primary(shared, &mut connection).await?;
        }
        Ok(())
    })
    .await
}

/// `ROLE` on the tracking connection (also its `PING`): `Err` unless the server is a primary.
async fn is_primary(shared: &Shared, connection: &mut MultiplexedConnection) -> Result<(), String> {
    let role = tokio::time::timeout(
        shared.ping_timeout,
        redis::cmd("ROLE").query_async::<Vec<redis::Value>>(connection),
    )
    .await
    .map_err(|_elapsed| format!("no answer to ROLE within {:?}", shared.ping_timeout))?
    .map_err(|error| format!("ROLE failed: {error}"))?;
    match role
        .first()
        .map(|role| redis::from_redis_value::<String>(role.clone()))
    {
        Some(Ok(role)) if role == "master" => Ok(()),
        _ => Err(
            "the tracked server is no longer the primary (a failover); following the sentinels"
                .into(),
        ),
    }
}
