//! Quantities for people: times to live, round trips, counts with their noun.

use std::time::Duration;

use cache::KeyTtl;

/// A duration in its two largest units, rounded down, so a time to live is never overstated:
/// `6d 23h`, `23h 59m`, `4m 5s`, `58s`, `250ms`.
pub(crate) fn duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds == 0 {
        return format!("{}ms", duration.as_millis());
    }
    let units = [
        (seconds / 86_400, "d"),
        (seconds / 3600 % 24, "h"),
        (seconds / 60 % 60, "m"),
        (seconds % 60, "s"),
    ];
    let first = units
        .iter()
        .position(|(amount, _)| *amount > 0)
        .unwrap_or(3);
    units[first..]
        .iter()
        .take(2)
        .filter(|(amount, _)| *amount > 0)
        .map(|(amount, unit)| format!("{amount}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A key's time to live: a [`duration`], `never expires`, or `gone` (it expired, or was deleted,
/// after it was listed).
pub(crate) fn ttl(ttl: KeyTtl) -> String {
    match ttl {
        KeyTtl::Expires(left) => duration(left),
        KeyTtl::Persistent => "never expires".to_owned(),
        KeyTtl::Missing => "gone".to_owned(),
    }
}

/// A round trip: `312µs`, `1.24ms`.
pub(crate) fn round_trip(time: Duration) -> String {
    if time < Duration::from_millis(1) {
        format!("{}µs", time.as_micros())
    } else {
        format!("{:.2}ms", time.as_secs_f64() * 1000.0)
    }
}

/// `1 key`, `0 keys`, `3 keys`.
pub(crate) fn count(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use cache::KeyTtl;

    use super::*;

    #[test]
    fn durations_show_two_units_rounded_down() {
        let secs = Duration::from_secs;
        assert_eq!(duration(Duration::from_millis(86_398_018)), "23h 59m");
        assert_eq!(duration(secs(7 * 86_400 - 1)), "6d 23h");
        assert_eq!(duration(secs(86_400)), "1d");
        assert_eq!(duration(secs(86_400 + 59)), "1d");
        assert_eq!(duration(secs(3600 + 1)), "1h");
        assert_eq!(duration(secs(245)), "4m 5s");
        assert_eq!(duration(secs(58)), "58s");
        assert_eq!(duration(Duration::from_millis(250)), "250ms");
    }

    #[test]
    fn ttls_round_trips_and_counts_read_as_words() {
        assert_eq!(ttl(KeyTtl::Persistent), "never expires");
        assert_eq!(ttl(KeyTtl::Missing), "gone");
        assert_eq!(ttl(KeyTtl::Expires(Duration::from_secs(90))), "1m 30s");
        assert_eq!(round_trip(Duration::from_micros(312)), "312µs");
        assert_eq!(round_trip(Duration::from_micros(1240)), "1.24ms");
        assert_eq!(count(1, "key"), "1 key");
        assert_eq!(count(0, "key"), "0 keys");
        assert_eq!(count(3, "key"), "3 keys");
    }
}
