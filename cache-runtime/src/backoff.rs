//! One schedule for every wait between attempts: a first pause, doubled after each failure up
//! to a ceiling, and back to the first once an attempt succeeds. Connecting, the near cache's
//! tracking sessions, polling another reader's lease, releasing a lease and retrying an
//! invalidation each name their own two durations; the doubling is written once, here.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A schedule that starts at `first` and doubles up to `max`.
    pub(crate) const fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            next: first,
        }
    }

    /// The pause before the next attempt; the one after it is twice as long, up to the ceiling.
    pub(crate) fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (pause * 2).min(self.max);
        pause
    }

    /// The pause that follows `previous` (or the first, if there was none), for a schedule
    /// whose last pause is kept in other state.
    pub(crate) fn after(&self, previous: Option<Duration>) -> Duration {
        previous.map_or(self.first, |previous| (previous * 2).min(self.max))
    }

    /// An attempt succeeded: the next pause is the first again.
    pub(crate) fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_ceiling_and_resets() {
        let ms = Duration::from_millis;
        let mut backoff = Backoff::new(ms(50), ms(250));
        let pauses: Vec<_> = (0..5).map(|_| backoff.next_pause()).collect();
        assert_eq!(pauses, [ms(50), ms(100), ms(200), ms(250), ms(250)]);
        backoff.reset();
        assert_eq!(backoff.next_pause(), ms(50));
        assert_eq!(backoff.after(None), ms(50));
        assert_eq!(backoff.after(Some(ms(200))), ms(250));
    }
}
