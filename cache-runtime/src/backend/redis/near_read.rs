//! The read the near cache makes on a local miss: the value and its remaining TTL in one round
//! trip, so that a local copy never outlives the key in Redis.

use std::time::Duration;

use super::{RedisBackend, refused_key};
use crate::Error;

impl RedisBackend {
    /// The value under `key` and how long it has left: `None` for no expiry, `Some(ZERO)` if
    /// it expired between the two commands. `None` overall when there is no value.
    pub(crate) async fn get_with_ttl(
        &self,
        key: &str,
    ) -> Result<Option<(Vec<u8>, Option<Duration>)>, Error> {
        let (value, millis): (Option<Vec<u8>>, i64) = self
            .query(|mut connection| async move {
                redis::pipe()
                    .cmd("GET")
                    .arg(key)
                    .cmd("PTTL")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
            })
            .await
            .map_err(|error| refused_key(error, key))?;
        let ttl = match millis {
            -1 => None,
            millis => Some(Duration::from_millis(millis.max(0) as u64)),
        };
        Ok(value.map(|value| (value, ttl)))
    }
}
