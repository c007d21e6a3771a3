//! Noticing a Redis Cluster node reached as a single server (a `redis://` URL without
//! `REDIS_CLUSTER`): it serves its own slots and answers `MOVED` or `CROSSSLOT` for the rest,
//! and a pattern scan of it alone would pass for complete while the other nodes keep their
//! keys. Both become an error that says what to set, logged once per handle.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};

use redis::{ErrorKind, RedisError, ServerErrorKind};

use super::RedisBackend;
use crate::Error;

/// What is known of the server behind a single-server connection.
const UNKNOWN: u8 = 0;
const SINGLE: u8 = 1;
const CLUSTER_NODE: u8 = 2;

pub(crate) struct ClusterNodeCheck {
    /// The handle was configured for a cluster: nothing to notice.
    on_cluster: bool,
    /// What `INFO cluster` said, once asked.
    server: AtomicU8,
    warned: AtomicBool,
}

impl ClusterNodeCheck {
    pub(crate) fn new(on_cluster: bool) -> Self {
        ClusterNodeCheck {
            on_cluster,
            server: AtomicU8::new(UNKNOWN),
            warned: AtomicBool::new(false),
        }
    }

    /// `error` as the crate's error: a redirection or a cross-slot refusal on a single-server
    /// connection says that the server is a cluster node.
    pub(crate) fn explain(&self, error: RedisError, address: &str) -> Error {
        let redirected = matches!(
            error.kind(),
            ErrorKind::Server(
                ServerErrorKind::Moved | ServerErrorKind::Ask | ServerErrorKind::CrossSlot
            )
        );
        if self.on_cluster || !redirected {
            return Error::from(error);
        }
        let seen = match (error.code(), error.detail()) {
            (Some(code), Some(detail)) => format!("it answered {code} {detail}"),
            _ => format!("it answered {error}"),
        };
        self.server.store(CLUSTER_NODE, Relaxed);
        self.refusal(address, seen)
    }

    fn refusal(&self, address: &str, seen: String) -> Error {
        let error = Error::ClusterNode {
            address: address.to_owned(),
            seen,
        };
        if !self.warned.swap(true, Relaxed) {
            tracing::error!(%error, "Redis Cluster reached as a single server");
        }
        error
    }
}

impl RedisBackend {
    /// Before a pattern scan of a single server: fails if it is a cluster node, whose scan
    /// would miss the keys of every other node. `INFO cluster` is asked once per handle; a
    /// user who may not run `INFO` is taken at their word.
    pub(crate) async fn refuse_a_cluster_node(&self) -> Result<(), Error> {
        let check = &self.cluster_node;
        if check.on_cluster {
            return Ok(());
        }
        let address = self.link.address();
        match check.server.load(Relaxed) {
            SINGLE => return Ok(()),
            CLUSTER_NODE => return Err(check.refusal(address, "INFO: cluster_enabled:1".into())),
            _ => {}
        }
        let info: Result<String, Error> = self
            .query(|mut connection| async move {
                redis::cmd("INFO")
                    .arg("cluster")
                    .query_async(&mut connection)
                    .await
            })
            .await;
        let enabled = match info {
            Ok(info) => info.lines().any(|line| line.trim() == "cluster_enabled:1"),
            Err(Error::Redis(error))
                if error.kind() == ErrorKind::Server(ServerErrorKind::NoPerm) =>
            {
                false
            }
            Err(error) => return Err(error),
        };
        if enabled {
            check.server.store(CLUSTER_NODE, Relaxed);
            return Err(check.refusal(address, "INFO: cluster_enabled:1".into()));
        }
        check.server.store(SINGLE, Relaxed);
        Ok(())
    }
}
