//! Warnings that repeat on every call (Redis out of memory, a refused key) are logged once per
//! window with a count of those left out, not once per call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Error;

/// `tracing::warn!` with `key` and `error` fields, at most once per window for each kind of
/// error, with `suppressed` counting the ones left out since the last.
macro_rules! warn_limited {
    ($cache:expr, $key:expr, $error:expr, $message:literal) => {
        if let Some(suppressed) = $cache
            .inner()
            .warnings
            .allow(&$crate::log_limit::kind(&$error))
        {
            tracing::warn!(key = $key, error = %$error, suppressed, $message);
        }
    };
}
pub(crate) use warn_limited;

/// How often one kind of warning may be logged.
const WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub(crate) struct Limiter {
    kinds: Mutex<HashMap<String, Window>>,
}

#[derive(Debug)]
struct Window {
    logged_at: Instant,
    suppressed: u64,
}

impl Limiter {
    /// Whether a warning of `kind` may be logged now; if so, how many were left out since the
    /// last one. Otherwise the warning is counted as left out.
    pub(crate) fn allow(&self, kind: &str) -> Option<u64> {
        let mut kinds = self
            .kinds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        match kinds.get_mut(kind) {
            Some(window) if now.duration_since(window.logged_at) < WINDOW => {
                window.suppressed += 1;
                None
            }
            Some(window) => {
                window.logged_at = now;
                Some(std::mem::take(&mut window.suppressed))
            }
            None => {
                kinds.insert(
                    kind.to_owned(),
                    Window {
                        logged_at: now,
                        suppressed: 0,
                    },
                );
                Some(0)
            }
        }
    }
}

/// The kind of an error for rate limiting: the Redis error code (`OOM`, `NOPERM`...) or the
/// variant.
pub(crate) fn kind(error: &Error) -> String {
    match error {
        Error::Redis(error) => error.code().unwrap_or("redis").to_owned(),
        Error::Refused { detail, .. } => detail
            .split_whitespace()
            .next()
            .unwrap_or("refused")
            .to_owned(),
        Error::Connect { .. } => "connect".to_owned(),
        Error::Timeout(_) => "timeout".to_owned(),
        Error::Decode { .. } => "decode".to_owned(),
        Error::Encode { .. } => "encode".to_owned(),
        Error::TooLarge { .. } => "too-large".to_owned(),
        _ => "other".to_owned(),
    }
}

/// For a loop that keeps failing (connecting, the near cache's tracking): each distinct cause
/// is logged once, not once per attempt, and the recovery once after a logged failure.
#[derive(Debug, Default)]
pub(crate) struct OncePerCause {
    last: Mutex<Option<String>>,
}

impl OncePerCause {
    fn last(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // One plain value, valid whatever a panicking holder did.
        self.last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a failure with this `cause` is new, and so to be logged.
    pub(crate) fn failed(&self, cause: &str) -> bool {
        let mut last = self.last();
        if last.as_deref() == Some(cause) {
            return false;
        }
        *last = Some(cause.to_owned());
        true
    }

    /// Whether a failure had been logged, and so the recovery is to be.
    pub(crate) fn recovered(&self) -> bool {
        self.last().take().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::Limiter;

    #[test]
    fn a_cause_is_logged_once_and_its_recovery_once() {
        let log = super::OncePerCause::default();
        assert!(log.failed("refused"));
        assert!(!log.failed("refused"));
        assert!(log.failed("timed out"));
        assert!(log.recovered());
        assert!(!log.recovered());
    }

    #[test]
    fn the_first_of_a_kind_is_logged_and_repeats_are_counted() {
        let limiter = Limiter::default();
        assert_eq!(limiter.allow("OOM"), Some(0));
        assert_eq!(limiter.allow("OOM"), None);
        assert_eq!(limiter.allow("OOM"), None);
        assert_eq!(limiter.allow("NOPERM"), Some(0), "kinds are counted apart");
    }
}
