//! Why a connection to one server could not be made, found out by the connector, which knows
//! what the error alone cannot say: the host name, whether TLS was asked for, the database.
//! A `rediss://` URL naming a plain-text port, for one, fails as a handshake that never ends
//! (a timeout) or as bytes that are not TLS; only a plain-text question to the same port tells
//! which it was.
//!
//! The cause travels inside the `RedisError` the connector returns (as the inner error of an
//! I/O error), so that [`describe`] finds it by type, never by the message's words.

use std::fmt;
use std::time::Duration;

use redis::{ConnectionAddr, ErrorKind, RedisError, ServerErrorKind};

/// A cause the connector established, and the error it explains (if the attempt ended).
#[derive(Debug)]
pub(crate) struct ConnectCause {
    why: Why,
    original: Option<RedisError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Why {
    /// `rediss://` to a port that answered a plain-text `PING` in Redis's protocol.
    PlainTextPort,
    /// A TLS handshake that failed otherwise: certificate, protocol version...
    TlsHandshake,
    /// The host name does not resolve.
    HostNotFound,
    /// The server refused `SELECT` of the URL's database.
    DatabaseIndex(i64),
}

impl fmt::Display for ConnectCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.why {
            Why::PlainTextPort => f.write_str(
                "TLS handshake failed: the port answers in plain text, without TLS (use a \
                 redis:// URL for it, or the server's TLS port)",
            )?,
            Why::TlsHandshake => f.write_str("TLS handshake failed")?,
            Why::HostNotFound => f.write_str("the host name does not resolve")?,
            Why::DatabaseIndex(db) => write!(
                f,
                "the database index in the URL ({db}) is out of range (see the server's \
                 `databases` setting)"
            )?,
        }
        match &self.original {
            Some(original) => write!(f, ": {original}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ConnectCause {}

impl ConnectCause {
    fn into_error(self) -> RedisError {
        RedisError::from(std::io::Error::other(self))
    }
}

/// The cause inside `error`, if a connector put one there.
pub(crate) fn cause_of(error: &RedisError) -> Option<&ConnectCause> {
    // redis-rs keeps an I/O error as `Arc<dyn Error>`, and gives that out as the source.
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let shared = std::error::Error::source(error)?.downcast_ref::<Shared>()?;
    let io: &(dyn std::error::Error + 'static) = &**shared;
    io.downcast_ref::<std::io::Error>()?
        .get_ref()?
        .downcast_ref::<ConnectCause>()
}

/// What the connector knows of the server it connects to.
pub(crate) struct Target {
    host: String,
    port: u16,
    tls: bool,
    db: i64,
}

impl Target {
    /// The target of `info`; `None` for a Unix socket (nothing to find out).
    pub(crate) fn of(info: &redis::ConnectionInfo) -> Option<Target> {
        let (host, port, tls) = match info.addr() {
            ConnectionAddr::Tcp(host, port) => (host.clone(), *port, false),
            ConnectionAddr::TcpTls { host, port, .. } => (host.clone(), *port, true),
            _ => return None,
        };
        Some(Target {
            host,
            port,
            tls,
            db: info.redis_settings().db(),
        })
    }

    /// Whether TLS is asked for.
    pub(crate) fn tls(&self) -> bool {
        self.tls
    }

    /// `error` of a failed attempt, with its cause when one can be established: the database
    /// refused, the host name unresolved, or (with TLS) a handshake that failed.
    pub(crate) async fn explain(&self, error: RedisError, budget: Duration) -> RedisError {
        let why =
            if self.db != 0 && error.kind() == ErrorKind::Server(ServerErrorKind::ResponseError) {
                // The only command of the connection's set-up that answers a plain error reply:
                // authentication failures have their own kind, `CLIENT SETINFO`'s are ignored.
                Some(Why::DatabaseIndex(self.db))
            } else if !error.is_io_error()
                || error.is_connection_refusal()
                || error.is_timeout() && !self.tls
            {
                None
            } else if !self.resolves().await {
                Some(Why::HostNotFound)
            } else if self.tls && self.speaks_plain_text(budget).await {
                Some(Why::PlainTextPort)
            } else if self.tls {
                Some(Why::TlsHandshake)
            } else {
                None
            };
        match why {
            Some(why) => ConnectCause {
                why,
                original: Some(error),
            }
            .into_error(),
            None => error,
        }
    }

    /// The error for a TLS attempt still waiting for its handshake when the port answered a
    /// plain-text `PING` (see [`speaks_plain_text`](Self::speaks_plain_text)).
    pub(crate) fn plain_text_port() -> RedisError {
        ConnectCause {
            why: Why::PlainTextPort,
            original: None,
        }
        .into_error()
    }

    async fn resolves(&self) -> bool {
        if self.host.parse::<std::net::IpAddr>().is_ok() {
            return true;
        }
        tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .is_ok_and(|mut addresses| addresses.next().is_some())
    }

    /// Whether the port answers `PING`, sent in plain text, with a reply of Redis's protocol
    /// (`+PONG`, or an error such as `-NOAUTH`): a server that expects TLS answers with a TLS
    /// alert or closes, never with `+` or `-`.
    pub(crate) async fn speaks_plain_text(&self, budget: Duration) -> bool {
        let ask = async {
            let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                .await
                .ok()?;
            let ping = b"PING\r\n";
            let mut sent = 0;
            while sent < ping.len() {
                stream.writable().await.ok()?;
                match stream.try_write(&ping[sent..]) {
                    Ok(written) => sent += written,
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => return None,
                }
            }
            let mut first = [0u8; 1];
            loop {
                stream.readable().await.ok()?;
                match stream.try_read(&mut first) {
                    Ok(1) => return Some(first[0]),
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                    _ => return None,
                }
            }
        };
        matches!(
            tokio::time::timeout(budget, ask).await,
            Ok(Some(b'+' | b'-'))
        )
    }
}

/// Why `error`, from a connection attempt, happened: the connector's cause if it found one,
/// else what the error's kind or reply code says, followed by what redis-rs said.
pub(crate) fn describe(error: &RedisError) -> String {
    if let Some(cause) = cause_of(error) {
        return cause.to_string();
    }
    let why = if error.is_connection_refusal() {
        "connection refused (is Redis running on that port?)"
    } else if error.kind() == ErrorKind::AuthenticationFailed || error.code() == Some("WRONGPASS") {
        "authentication failed: wrong user name or password (WRONGPASS)"
    } else if error.code() == Some("NOAUTH") {
        "Redis requires a password and none was given (NOAUTH)"
    } else if error.is_timeout() {
        "no answer in time"
    } else if matches!(
        error.kind(),
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType
    ) {
        "the server does not answer in Redis's protocol (is this a Redis port?)"
    } else {
        return error.to_string();
    };
    format!("{why}: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_is_found_by_type_and_named_first() {
        let refused: RedisError =
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into();
        assert!(describe(&refused).starts_with("connection refused"));
        assert!(cause_of(&refused).is_none());

        let plain = Target::plain_text_port();
        assert!(cause_of(&plain).is_some());
        assert!(
            describe(&plain).starts_with("TLS handshake failed: the port answers in plain text")
        );

        let select = ConnectCause {
            why: Why::DatabaseIndex(99),
            original: Some(refused),
        }
        .into_error();
        let text = describe(&select);
        assert!(
            text.contains("database index in the URL (99)") && text.ends_with("connection refused"),
            "{text}"
        );
    }
}
