//! The read the near cache makes on a local miss: the value and its remaining TTL in one round
//! trip, so that a local copy never outlives the key in Redis; on a cluster also the id of the
//! node that answered, so that a value is kept only if a tracked node gave it (redis-rs follows
//! `MOVED` and `ASK` itself, so the slot map alone cannot say which node that was).

use std::time::Duration;

use redis::cluster_routing::{Route, SingleNodeRoutingInfo, SlotAddr};
use redis::{ErrorKind, RedisResult, ServerErrorKind, Value};

use super::connection::AnyConnection;
use super::{RedisBackend, refused_key};
use crate::Error;

/// What a near-cache read found.
pub(crate) struct NearRead {
    /// The value and its TTL (`None` for no expiry, `Some(ZERO)` if it expired between the
    /// commands); `None` when there is no value.
    pub(crate) found: Option<(Vec<u8>, Option<Duration>)>,
    /// On a cluster, `CLUSTER MYID` of the node that answered.
    pub(crate) node: Option<String>,
}

/// The value, its `PTTL`, and on a cluster the id of the node that answered.
type Replies = (Option<Vec<u8>>, i64, Option<String>);

impl RedisBackend {
    /// `GET` and `PTTL` of `key` in one pipeline, with `CLUSTER MYID` when `on_cluster`.
    pub(crate) async fn get_with_ttl(
        &self,
        key: &str,
        on_cluster: bool,
    ) -> Result<NearRead, Error> {
        let read: Result<Replies, redis::RedisError> = self
            .query(|connection| async move {
                let mut pipeline = redis::pipe();
                pipeline.cmd("GET").arg(key).cmd("PTTL").arg(key);
                match connection {
                    AnyConnection::Cluster(mut connection) if on_cluster => {
                        pipeline.cmd("CLUSTER").arg("MYID");
                        // redis-rs would route `CLUSTER MYID` by its argument, as if it were
                        // a key: the pipeline goes to the key's slot explicitly instead.
                        let slot = crate::lease::slot(key.as_bytes());
                        let route =
                            SingleNodeRoutingInfo::SpecificNode(Route::new(slot, SlotAddr::Master));
                        let values = connection.route_pipeline(pipeline, 0, 3, route).await?;
                        // `CLUSTER MYID` refused: about the command, not the key, so told
                        // apart by its place in the pipeline.
                        if let Some(Value::ServerError(error)) = values.get(2)
                            && error.kind() == Some(ServerErrorKind::NoPerm)
                        {
                            let error = redis::RedisError::from(error.clone());
                            return RedisResult::Ok(Err(error));
                        }
                        // A command's error reply as itself, not as a reply of the wrong type.
                        let values = Value::Array(values).extract_error()?;
                        redis::from_redis_value(values).map(Ok).map_err(Into::into)
                    }
                    mut connection => {
                        let (value, millis) = pipeline.query_async(&mut connection).await?;
                        RedisResult::Ok(Ok((value, millis, None)))
                    }
                }
            })
            .await
            .map_err(|error| refused_key(error, key))?;
        // Every refusal about the key is `Error::Refused` by now: an `Error::Redis` refusal
        // out of this function is about `CLUSTER MYID` (see [`is_myid_denied`]).
        let (value, millis, node) = read.map_err(Error::Redis)?;
        let ttl = match millis {
            -1 => None,
            millis => Some(Duration::from_millis(millis.max(0) as u64)),
        };
        Ok(NearRead {
            found: value.map(|value| (value, ttl)),
            node,
        })
    }
}

/// Whether `error`, from [`get_with_ttl`](RedisBackend::get_with_ttl), says the ACL user may
/// not run `CLUSTER MYID`: a refusal about the key comes out as `Error::Refused` instead.
pub(crate) fn is_myid_denied(error: &redis::RedisError) -> bool {
    error.kind() == ErrorKind::Server(ServerErrorKind::NoPerm)
}
