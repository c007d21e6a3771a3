//! A handle's settings and their defaults, shared by the builder and the handle.

use std::time::Duration;

/// TTL used when an attribute names none: a day, so no stale entry outlives a day.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Bound on every cache operation: a small fraction of an API call, so a Redis outage costs a
/// caller little while a healthy Redis on the same network answers in well under a millisecond.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);

/// How long a reader's lease on a missed key lasts: longer than any sane fetch (a fill after it
/// is refused, which costs a later miss, never staleness), short enough that a reader that died
/// holding one delays nobody for long.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);

/// How long a reader that finds another's lease waits for its fill before calling through.
pub const DEFAULT_LEASE_WAIT: Duration = Duration::from_millis(250);

/// Consecutive Redis failures (timeouts, connection errors) that open the circuit breaker.
pub const DEFAULT_BREAKER_THRESHOLD: u32 = 3;

/// How long an open breaker skips Redis before one call probes it.
pub const DEFAULT_BREAKER_COOL_DOWN: Duration = Duration::from_secs(2);

/// How long a failed invalidation keeps being retried in the background before it is given up
/// (and logged at error level).
pub const DEFAULT_INVALIDATION_RETRY_FOR: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) key_prefix: String,
    pub(crate) default_ttl: Duration,
    pub(crate) timeout: Duration,
    pub(crate) leases: bool,
    pub(crate) lease_ttl: Duration,
    pub(crate) lease_wait: Duration,
    pub(crate) single_flight: bool,
    pub(crate) breaker_threshold: u32,
    pub(crate) breaker_cool_down: Duration,
    pub(crate) invalidation_retry_for: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            key_prefix: String::new(),
            default_ttl: DEFAULT_TTL,
            timeout: DEFAULT_TIMEOUT,
            leases: true,
            lease_ttl: DEFAULT_LEASE_TTL,
            lease_wait: DEFAULT_LEASE_WAIT,
            single_flight: true,
            breaker_threshold: DEFAULT_BREAKER_THRESHOLD,
            breaker_cool_down: DEFAULT_BREAKER_COOL_DOWN,
            invalidation_retry_for: DEFAULT_INVALIDATION_RETRY_FOR,
        }
    }
}
