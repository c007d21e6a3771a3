//! Hiding credentials in Redis URLs before they reach a log line or an error message.

/// Returns `url` with the password (the part between `:` and `@` in the authority) replaced by `***`.
///
/// `redis://user:secret@host:6379/0` becomes `redis://user:***@host:6379/0`; a URL with no password
/// is returned unchanged.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_owned();
    };
    let mut redacted = String::with_capacity(url.len());
    redacted.push_str(&url[..authority_start + colon + 1]);
    redacted.push_str("***");
    redacted.push_str(&url[authority_start + at..]);
    redacted
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn hides_the_password_and_keeps_the_rest() {
        assert_eq!(
            redact_url("redis://user:s3cr3t@cache.internal:6380/2"),
            "redis://user:***@cache.internal:6380/2"
        );
        assert_eq!(
            redact_url("rediss://:p@ss:w@rd@host/0"),
            "rediss://:***@host/0"
        );
    }

    #[test]
    fn leaves_urls_without_a_password_alone() {
        for url in [
            "redis://127.0.0.1:6379",
            "redis://user@host/1",
            "unix:///tmp/redis.sock",
            "not a url",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }
}
