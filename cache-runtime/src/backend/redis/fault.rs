//! What a Redis error means for the next step: give up on the connection, wait and retry, or
//! stop retrying because the answer will not change.

use redis::{ErrorKind, RedisError, ServerErrorKind};

/// What to do after a command failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Redis did not answer: the connection is gone or never was, or the cluster is down.
    /// Make a new one.
    Lost,
    /// Redis answered, but this node cannot serve us now (`READONLY` after a failover,
    /// `LOADING`, `MASTERDOWN`): make a new connection, which resolves the name again.
    WrongNode,
    /// A reply that will not change if asked again (`NOPERM`, `WRONGTYPE`, a syntax error).
    Permanent,
    /// Any other error reply (`OOM`, `BUSY`...): may pass.
    Transient,
}

pub(crate) fn classify(error: &RedisError) -> Fault {
    match error.kind() {
        ErrorKind::Server(
            ServerErrorKind::ReadOnly | ServerErrorKind::BusyLoading | ServerErrorKind::MasterDown,
        ) => Fault::WrongNode,
        // A cluster that cannot serve the slot, or no node to send it to: an outage.
        ErrorKind::Server(ServerErrorKind::ClusterDown) | ErrorKind::ClusterConnectionNotFound => {
            Fault::Lost
        }
        // Routing: redis-rs follows these itself; one that reaches us is worth another try.
        ErrorKind::Server(
            ServerErrorKind::Moved | ServerErrorKind::Ask | ServerErrorKind::TryAgain,
        ) => Fault::Transient,
        _ if is_permanent_reply(error) => Fault::Permanent,
        _ if error.is_io_error()
            || error.is_connection_dropped()
            || error.is_connection_refusal()
            || error.is_timeout()
            || error.is_unrecoverable_error()
            || error.to_string().contains("max number of clients") =>
        {
            Fault::Lost
        }
        _ => Fault::Transient,
    }
}

/// Whether an error reply means the same command can never succeed as sent.
pub(crate) fn is_permanent_reply(error: &RedisError) -> bool {
    match error.kind() {
        ErrorKind::Server(ServerErrorKind::NoPerm | ServerErrorKind::CrossSlot) => true,
        ErrorKind::Server(ServerErrorKind::ResponseError) | ErrorKind::Extension => {
            matches!(
                error.code(),
                Some("WRONGTYPE" | "ERR" | "NOAUTH" | "WRONGPASS")
            ) && !error.to_string().contains("max number of clients")
        }
        ErrorKind::AuthenticationFailed | ErrorKind::InvalidClientConfig => true,
        _ => false,
    }
}

/// Whether Redis did not answer at all (for the circuit breaker).
pub(crate) fn is_lost(error: &RedisError) -> bool {
    classify(error) == Fault::Lost
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: &str, detail: &str) -> RedisError {
        redis::RedisError::from((ErrorKind::Extension, "reply", format!("{code} {detail}")))
    }

    #[test]
    fn refusals_are_permanent_and_failover_replies_reconnect() {
        let refused: RedisError =
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into();
        assert_eq!(classify(&refused), Fault::Lost);
        let oom = reply("OOM", "command not allowed when used memory > 'maxmemory'");
        assert_ne!(classify(&oom), Fault::Permanent);
    }
}
