//! A circuit breaker in front of Redis: after repeated failures, callers skip Redis for a
//! cool-down instead of each waiting for a timeout; then one call probes, and the first answer
//! closes the breaker again.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crate::Error;

/// The state of a handle's circuit breaker, as reported by
/// [`Cache::breaker_state`](crate::Cache::breaker_state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakerState {
    /// Redis is used normally.
    Closed,
    /// Redis is skipped until the cool-down ends.
    Open {
        /// Time left before the next probe.
        probe_in: Duration,
    },
    /// One call is probing Redis; the others still skip it.
    Probing,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    Probing,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    state: Mutex<State>,
    /// Whether the state is `Closed` with no failures: then a call is let through, and its
    /// success recorded, without taking the lock (every command asks; most find this).
    healthy: AtomicBool,
    threshold: u32,
    cool_down: Duration,
    /// How many times the breaker opened.
    pub(crate) opened: AtomicU64,
    /// Operations skipped while open.
    pub(crate) skipped: AtomicU64,
    /// Woken when the breaker closes, so that retries waiting on a backoff go at once.
    pub(crate) closed: tokio::sync::Notify,
}

/// A caller allowed through; report how its operation went with [`Permit::record`]. A probe
/// dropped unreported (its caller was cancelled) counts as a failed probe, so the breaker never
/// waits forever on a probe nobody will finish.
#[must_use]
pub(crate) struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    recorded: bool,
}

impl Permit<'_> {
    /// Records the outcome. `failed` means Redis did not answer (a timeout or a connection
    /// error); an error reply is an answer.
    pub(crate) fn record(mut self, failed: bool) {
        self.recorded = true;
        self.breaker.record(self.probe, failed);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.recorded {
            self.breaker.record(true, true);
        }
    }
}

impl Breaker {
    /// A breaker that opens after `threshold` consecutive failures (0 never opens) and stays open
    /// for `cool_down`.
    pub(crate) fn new(threshold: u32, cool_down: Duration) -> Breaker {
        Breaker {
            state: Mutex::new(State::Closed { failures: 0 }),
            healthy: AtomicBool::new(true),
            threshold,
            cool_down,
            opened: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            closed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few plain values, valid whatever a panicking holder did.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets a call through, or refuses it at once while the breaker is open.
    pub(crate) fn permit(&self) -> Result<Permit<'_>, Error> {
        if self.healthy.load(Relaxed) {
            return Ok(self.permit_for(false));
        }
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(self.permit_for(false)),
            State::Open { until } => {
                let now = Instant::now();
                if now >= until {
                    *state = State::Probing;
                    self.healthy.store(false, Relaxed);
                    tracing::info!("probing Redis after the circuit breaker's cool-down");
                    Ok(self.permit_for(true))
                } else {
                    self.skipped.fetch_add(1, Relaxed);
                    Err(Error::Unavailable {
                        probe_in: until - now,
                    })
                }
            }
            State::Probing => {
                self.skipped.fetch_add(1, Relaxed);
                Err(Error::Unavailable {
                    probe_in: Duration::ZERO,
                })
            }
        }
    }

    /// Lets a call through whatever the state: for invalidations, which are few and must not
    /// wait for the cool-down. It is not a probe: an answer does not close an open breaker,
    /// and a failure counts only while it is closed.
    pub(crate) fn permit_always(&self) -> Permit<'_> {
        self.permit_for(false)
    }

    fn permit_for(&self, probe: bool) -> Permit<'_> {
        Permit {
            breaker: self,
            probe,
            recorded: false,
        }
    }

    fn record(&self, probe: bool, failed: bool) {
        // A success while healthy changes nothing.
        if !failed && !probe && self.healthy.load(Relaxed) {
            return;
        }
        let mut state = self.lock();
        self.record_locked(&mut state, probe, failed);
        self.healthy
            .store(matches!(*state, State::Closed { failures: 0 }), Relaxed);
    }

    fn record_locked(&self, state: &mut State, probe: bool, failed: bool) {
        match (&mut *state, failed) {
            (State::Closed { failures }, false) => *failures = 0,
            (State::Closed { failures }, true) => {
                *failures += 1;
                if self.threshold > 0 && *failures >= self.threshold {
                    let threshold = *failures;
                    *state = self.open();
                    tracing::warn!(
                        failures = threshold,
                        cool_down = ?self.cool_down,
                        "Redis circuit breaker opened: skipping Redis until the cool-down ends"
                    );
                }
            }
            (State::Probing, false) if probe => {
                *state = State::Closed { failures: 0 };
                self.closed.notify_waiters();
                tracing::info!("Redis answered the probe; circuit breaker closed");
            }
            (State::Probing, true) if probe => {
                *state = self.open();
                tracing::warn!(cool_down = ?self.cool_down, "Redis probe failed; circuit breaker open again");
            }
            // A call let through before the breaker opened finished late: the state has moved on.
            _ => {}
        }
    }

    fn open(&self) -> State {
        self.opened.fetch_add(1, Relaxed);
        State::Open {
            until: Instant::now() + self.cool_down,
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } => BreakerState::Open {
                probe_in: until.saturating_duration_since(Instant::now()),
            },
            State::Probing => BreakerState::Probing,
        }
    }
}

/// Whether `error` means Redis did not answer (as opposed to answering with an error): a
/// timeout, a lost or refused connection, one that cannot be made, a cluster that is down. Routing replies (`MOVED`,
/// `ASK`, `TRYAGAIN`) and error replies are answers.
pub(crate) fn is_outage(error: &Error) -> bool {
    match error {
        // A connection that cannot be made is Redis not answering too: counting it lets the
        // breaker open after a crash, so calls skip Redis instead of each asking the link.
        Error::Timeout(_) | Error::Connect { .. } => true,
        Error::Redis(error) => crate::backend::is_lost(error),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_then_probes_and_closes() {
        let breaker = Breaker::new(2, Duration::from_millis(20));
        let permit = breaker.permit().unwrap();
        permit.record(true);
        assert_eq!(breaker.state(), BreakerState::Closed);
        let permit = breaker.permit().unwrap();
        permit.record(true);
        assert!(matches!(breaker.state(), BreakerState::Open { .. }));
        assert!(matches!(breaker.permit(), Err(Error::Unavailable { .. })));
        std::thread::sleep(Duration::from_millis(25));
        let probe = breaker.permit().unwrap();
        // While the probe is out, everyone else still skips.
        assert!(breaker.permit().is_err());
        probe.record(false);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(breaker.opened.load(Relaxed), 1);
        assert_eq!(breaker.skipped.load(Relaxed), 2);
    }

    #[test]
    fn a_failed_probe_reopens_and_success_resets_the_count() {
        let breaker = Breaker::new(2, Duration::from_millis(10));
        let permit = breaker.permit().unwrap();
        permit.record(true);
        let permit = breaker.permit().unwrap();
        permit.record(false);
        let permit = breaker.permit().unwrap();
        permit.record(true);
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "failures must be consecutive"
        );
        let permit = breaker.permit().unwrap();
        permit.record(true);
        std::thread::sleep(Duration::from_millis(15));
        let probe = breaker.permit().unwrap();
        probe.record(true);
        assert!(matches!(breaker.state(), BreakerState::Open { .. }));
        assert_eq!(breaker.opened.load(Relaxed), 2);
    }

    #[test]
    fn a_cancelled_probe_reopens_instead_of_blocking_forever() {
        let breaker = Breaker::new(1, Duration::from_millis(5));
        breaker.permit().unwrap().record(true);
        std::thread::sleep(Duration::from_millis(10));
        drop(breaker.permit().unwrap());
        assert!(matches!(breaker.state(), BreakerState::Open { .. }));
    }
}
