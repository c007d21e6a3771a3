//! A handle's settings and their defaults, shared by the builder and the handle.

use std::time::Duration;

/// TTL used when an attribute names none: a day, so no stale entry outlives a day.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Bound on every cache operation: a small fraction of an API call, so a Redis outage costs a
/// caller little while a healthy Redis on the same network answers in well under a millisecond.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);

/// Bound on making a connection (TCP, TLS, `AUTH`, `SELECT`); it runs in the background, so
/// callers still wait at most the operation timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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

/// The largest value stored, in bytes of JSON: 4 MiB. Redis takes 512 MB, but every value
/// travels over the connection all calls share: on loopback 4 MiB takes a few milliseconds, well
/// inside the operation timeout, while a 50 MB value held the connection (and every call
/// queued behind it) past it. Values this large are rarely worth a cache; raise it with
/// [`CacheBuilder::max_value_size`](crate::CacheBuilder::max_value_size) if yours are.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) key_prefix: String,
    pub(crate) default_ttl: Duration,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) leases: bool,
    pub(crate) lease_ttl: Duration,
    pub(crate) lease_wait: Duration,
    pub(crate) single_flight: bool,
    pub(crate) breaker_threshold: u32,
    pub(crate) breaker_cool_down: Duration,
    pub(crate) invalidation_retry_for: Duration,
    /// Bytes of the near cache in front of Redis; 0 for none.
    pub(crate) near_capacity_bytes: u64,
    /// Values larger than this (JSON bytes) are returned uncached.
    pub(crate) max_value_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            key_prefix: String::new(),
            default_ttl: DEFAULT_TTL,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            leases: true,
            lease_ttl: DEFAULT_LEASE_TTL,
            lease_wait: DEFAULT_LEASE_WAIT,
            single_flight: true,
            breaker_threshold: DEFAULT_BREAKER_THRESHOLD,
            breaker_cool_down: DEFAULT_BREAKER_COOL_DOWN,
            invalidation_retry_for: DEFAULT_INVALIDATION_RETRY_FOR,
            near_capacity_bytes: 0,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
        }
    }
}

const SECOND: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3600);

/// The sane range of each duration setting, by builder method and environment variable alike:
/// outside it, a value is a typo (`100y` for `100ms`) rather than a choice.
fn bounds(name: &str) -> Option<(Duration, Duration)> {
    Some(match name {
        "default_ttl" | "CACHE_DEFAULT_TTL" => (SECOND, Duration::from_secs(10 * 365 * 86_400)),
        "timeout" | "CACHE_TIMEOUT" => (Duration::from_micros(1), Duration::from_secs(60)),
        "connect_timeout" | "CACHE_CONNECT_TIMEOUT" => {
            (Duration::from_millis(1), Duration::from_secs(600))
        }
        "lease_ttl" => (Duration::from_millis(1), HOUR),
        "lease_wait" => (Duration::ZERO, Duration::from_secs(60)),
        "circuit_breaker" => (Duration::ZERO, HOUR),
        "invalidation_retry_for" => (Duration::ZERO, 24 * HOUR),
        _ => return None,
    })
}

/// Refuses `value` for the setting `name` when it is outside its range, naming the setting.
pub(crate) fn check_bounds(name: &str, value: Duration) -> Result<(), crate::Error> {
    let Some((low, high)) = bounds(name) else {
        return Ok(());
    };
    if value < low || value > high {
        return Err(crate::Error::Config(format!(
            "{name} = {} is out of range: it must be between {} and {}",
            humantime::format_duration(value),
            humantime::format_duration(low),
            humantime::format_duration(high),
        )));
    }
    Ok(())
}

/// Smallest near cache worth its tracking connection: a few values.
const NEAR_CAPACITY_MIN: u64 = 64 * 1024;
/// Largest: far above any sane in-process copy; above it the number is a typo.
const NEAR_CAPACITY_MAX: u64 = 1 << 40;

/// Refuses a near cache capacity (in bytes; 0 is off) outside its sane range, naming `name`.
pub(crate) fn check_near_capacity(name: &str, bytes: u64) -> Result<(), crate::Error> {
    if bytes != 0 && !(NEAR_CAPACITY_MIN..=NEAR_CAPACITY_MAX).contains(&bytes) {
        return Err(crate::Error::Config(format!(
            "{name} = {bytes} bytes is out of range: 0 (off) or between {NEAR_CAPACITY_MIN} and {NEAR_CAPACITY_MAX}"
        )));
    }
    Ok(())
}

impl Settings {
    /// Checks every setting, naming the builder method of the first one out of range.
    pub(crate) fn check(&self) -> Result<(), crate::Error> {
        if self.default_ttl.subsec_nanos() != 0 {
            return Err(crate::Error::Config(format!(
                "default TTL must be a whole number of seconds, at least 1s (got {:?})",
                self.default_ttl
            )));
        }
        check_bounds("default_ttl", self.default_ttl)?;
        check_bounds("timeout", self.timeout)?;
        check_bounds("connect_timeout", self.connect_timeout)?;
        check_bounds("lease_ttl", self.lease_ttl)?;
        check_bounds("lease_wait", self.lease_wait)?;
        check_bounds("circuit_breaker", self.breaker_cool_down)?;
        check_bounds("invalidation_retry_for", self.invalidation_retry_for)?;
        check_near_capacity("near_cache", self.near_capacity_bytes)
    }
}
