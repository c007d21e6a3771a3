//! Counting how often a body ran: the usual way a test tells a hit from a miss.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts how often a body ran.
#[derive(Debug, Default)]
pub struct Calls(AtomicUsize);

impl Calls {
    /// Records one run.
    pub fn record(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// Runs recorded so far.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}
