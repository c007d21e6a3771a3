//! Showing a Redis URL without its secrets.
//!
//! A URL that parses is shown rebuilt from what redis-rs understood of it (scheme, user, host,
//! port, database), so no password can come through, whatever form it took: user-info with
//! unencoded characters, `?password=` or `?pass=` on a unix socket. A URL that does not parse is
//! shown only by its scheme: its text may hold a password in a place no parser can point at.

use redis::{ConnectionAddr, IntoConnectionInfo};

/// `url` as it may be shown in logs, errors and `Debug` output.
pub(crate) fn redact_url(url: &str) -> String {
    match url.into_connection_info() {
        Ok(info) => describe(&info),
        Err(_) => hidden(url),
    }
}

/// Where `info` points, with the user name but never the password.
pub(crate) fn describe(info: &redis::ConnectionInfo) -> String {
    let settings = info.redis_settings();
    let credentials = match (settings.username(), settings.password().is_some()) {
        (None, false) => String::new(),
        (None, true) => ":***@".to_owned(),
        (Some(user), false) => format!("{user}@"),
        (Some(user), true) => format!("{user}:***@"),
    };
    let db = settings.db();
    match info.addr() {
        ConnectionAddr::Tcp(host, port) => {
            format!("redis://{credentials}{}/{db}", host_port(host, *port))
        }
        ConnectionAddr::TcpTls {
            host,
            port,
            insecure,
            ..
        } => format!(
            "rediss://{credentials}{}/{db}{}",
            host_port(host, *port),
            if *insecure {
                " (certificate not verified)"
            } else {
                ""
            }
        ),
        ConnectionAddr::Unix(path) => {
            format!("redis+unix://{credentials}{}?db={db}", path.display())
        }
        _ => "Redis (an address of an unknown kind)".to_owned(),
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// An unparseable URL: its scheme, if it has a plausible one, and nothing else.
fn hidden(url: &str) -> String {
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme)
        .filter(|scheme| {
            !scheme.is_empty()
                && scheme.len() <= 16
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
    match scheme {
        Some(scheme) => format!("{scheme}://… (rest hidden: it may hold a password)"),
        None => "… (hidden: it may hold a password)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn shows_where_but_never_the_password() {
        assert_eq!(
            redact_url("redis://user:s3cr3t@cache.internal:6380/2"),
            "redis://user:***@cache.internal:6380/2"
        );
        assert_eq!(
            redact_url("rediss://:p%40ss@host/0"),
            "rediss://:***@host:6379/0"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379/0"
        );
        for url in [
            "redis://:S3cret#P@W@host/0",
            "redis//:S3cret@host",
            "redis+unix:///tmp/r.sock?pass=S3cret",
            "http://user:S3cret@host",
            "not a url S3cret",
        ] {
            let shown = redact_url(url);
            assert!(!shown.contains("S3cret"), "{url} → {shown}");
        }
    }
}
