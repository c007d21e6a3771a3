//! What one annotated call reports: a `tracing` span with its function, key and outcome, and
//! (with the `metrics` feature) a counter and a latency histogram per function and outcome.

use tracing::Span;
use tracing::field::Empty;

/// How a `#[cache::set]` call was answered. The values of the `outcome` label and span field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// From the cache; the body did not run.
    Hit,
    /// Nothing usable was cached: the body ran and its value was stored.
    Miss,
    /// By a concurrent call's fetch of the same key in this process (single-flight).
    Coalesced,
    /// The cache failed (an error, a timeout, a value that did not decode or encode): the body
    /// ran and its result was returned all the same.
    Error,
    /// The cache was not asked: the circuit breaker was open, the cache is disabled, or an
    /// invalidation of the key was still being retried. The body ran.
    Skipped,
}

impl Outcome {
    /// The label value: `hit`, `miss`, `coalesced`, `error`, `skipped`.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Outcome::Hit => "hit",
            Outcome::Miss => "miss",
            Outcome::Coalesced => "coalesced",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
        }
    }

    /// Of two things that happened to one call whose body ran, the one to report: a failure
    /// over a skip over a plain miss.
    pub(crate) fn worst(self, other: Outcome) -> Outcome {
        let rank = |outcome| match outcome {
            Outcome::Error => 2,
            Outcome::Skipped => 1,
            _ => 0,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }

    /// A failed cache operation: skipped when the breaker refused it, an error otherwise.
    pub(crate) fn of_error(error: &crate::Error) -> Outcome {
        match error {
            crate::Error::Unavailable { .. } => Outcome::Skipped,
            _ => Outcome::Error,
        }
    }
}

/// How an invalidation by `#[cache::delete]` or `#[cache::delete_by_pattern]` went, as far as
/// the call itself saw it (a failed one is retried in the background).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invalidated {
    /// Every key and pattern was invalidated.
    Ok,
    /// It failed: retried in the background, or given up if retrying cannot help.
    Error,
    /// The circuit breaker was open: retried in the background.
    Skipped,
}

impl Invalidated {
    /// The label value: `ok`, `error`, `skipped`.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Invalidated::Ok => "ok",
            Invalidated::Error => "error",
            Invalidated::Skipped => "skipped",
        }
    }

    /// A failed attempt: skipped when the breaker refused it, an error otherwise.
    pub(crate) fn of_error(error: &crate::Error) -> Invalidated {
        match error {
            crate::Error::Unavailable { .. } => Invalidated::Skipped,
            _ => Invalidated::Error,
        }
    }
}

/// One annotated call being observed. A call whose future is dropped before it returns is
/// neither counted nor given an outcome.
pub(crate) struct Call {
    span: Span,
    #[cfg(feature = "metrics")]
    function: &'static str,
    #[cfg(feature = "metrics")]
    started: std::time::Instant,
}

impl Call {
    /// A `#[cache::set]` call of `function` for `key`. The span is at debug level, so that with
    /// the usual `info` filter it is disabled by a level check and costs next to nothing.
    pub(crate) fn read(function: &'static str, key: &str) -> Call {
        let span = tracing::debug_span!("cache.read", function, key, outcome = Empty);
        Call::new(function, span)
    }

    /// A `#[cache::delete]` / `#[cache::delete_by_pattern]` call of `function`.
    pub(crate) fn invalidate(function: &'static str, keys: &[String], patterns: &[String]) -> Call {
        let span = tracing::debug_span!(
            "cache.invalidate",
            function,
            keys = ?keys,
            patterns = ?patterns,
            outcome = Empty
        );
        Call::new(function, span)
    }

    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    fn new(function: &'static str, span: Span) -> Call {
        Call {
            span,
            #[cfg(feature = "metrics")]
            function,
            #[cfg(feature = "metrics")]
            started: std::time::Instant::now(),
        }
    }

    /// A call's record and the span its steps enter, made when its future is first polled
    /// rather than when the function is called: the span's parent is then the span the future
    /// runs in (as with an `async fn`), and a future dropped unpolled records nothing. Entering
    /// a disabled span (the usual case in production, at `info`) is a branch.
    pub(crate) fn begin(call: Call) -> (Option<Call>, Span) {
        let span = if call.span.is_disabled() {
            Span::none()
        } else {
            call.span.clone()
        };
        (Some(call), span)
    }

    /// Records how a read ended: on the span and, with the `metrics` feature, in the metrics.
    pub(crate) fn read_done(self, outcome: Outcome) {
        self.span.record("outcome", outcome.as_str());
        #[cfg(feature = "metrics")]
        crate::metrics::read(self.function, outcome, self.started.elapsed());
    }

    /// Records how an invalidation ended.
    pub(crate) fn invalidate_done(self, outcome: Invalidated) {
        self.span.record("outcome", outcome.as_str());
        #[cfg(feature = "metrics")]
        crate::metrics::invalidation(self.function, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_outranks_a_skip_which_outranks_a_miss() {
        assert_eq!(Outcome::Miss.worst(Outcome::Skipped), Outcome::Skipped);
        assert_eq!(Outcome::Skipped.worst(Outcome::Error), Outcome::Error);
        assert_eq!(Outcome::Error.worst(Outcome::Skipped), Outcome::Error);
        assert_eq!(Outcome::Skipped.worst(Outcome::Miss), Outcome::Skipped);
    }
}
