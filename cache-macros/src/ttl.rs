//! TTLs written in attributes (`ttl = "7d"`), checked at compile time.

/// Parses `"90s"`, `"15m"`, `"24h"`, `"7d"`, `"1h 30m"` into whole seconds.
pub(crate) fn parse_ttl(text: &str) -> Result<u64, String> {
    let duration = humantime::parse_duration(text.trim()).map_err(|error| {
        format!("invalid TTL \"{text}\": {error}; write a duration such as \"90s\", \"15m\", \"24h\" or \"7d\"")
    })?;
    if duration.is_zero() {
        return Err(format!(
            "TTL \"{text}\" is zero: a value that expires at once would never be read; use at least \"1s\""
        ));
    }
    if duration.subsec_nanos() != 0 {
        return Err(format!(
            "TTL \"{text}\" is not a whole number of seconds: Redis expiries (`SET ... EX`) are whole seconds"
        ));
    }
    Ok(duration.as_secs())
}
