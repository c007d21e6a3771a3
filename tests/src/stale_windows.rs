//! How long readers went on being given a value after a write that superseded it had returned
//! to its caller (for a near cache: while the invalidation was still being pushed). A *window*
//! is one reader (a handle) going on with one superseded version of one key; its length is the
//! age of the last such read, counted from the superseding write's return.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The stale windows seen in a run, shared by its tasks.
#[derive(Debug, Default)]
pub struct StaleWindows {
    /// `(reader, key id, version served)` → longest age seen.
    windows: Mutex<HashMap<(usize, u32, u64), Duration>>,
}

/// Window lengths in a run: how many, and their distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSummary {
    /// Number of windows.
    pub count: usize,
    /// Median length.
    pub p50: Duration,
    /// 99th percentile (nearest rank).
    pub p99: Duration,
    /// Longest.
    pub max: Duration,
}

impl StaleWindows {
    /// Reader `reader` was just given `version` of `id`, superseded by a write that returned at
    /// `superseded_at`.
    pub fn record(&self, reader: usize, id: u32, version: u64, superseded_at: Instant) {
        let age = superseded_at.elapsed();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let longest = windows.entry((reader, id, version)).or_default();
        *longest = (*longest).max(age);
    }

    /// The windows' lengths so far, shortest first.
    pub fn lengths(&self) -> Vec<Duration> {
        let mut lengths: Vec<Duration> = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .copied()
            .collect();
        lengths.sort();
        lengths
    }

    /// The windows' lengths so far; `None` if there were none.
    pub fn summary(&self) -> Option<WindowSummary> {
        WindowSummary::of(self.lengths())
    }
}

impl WindowSummary {
    /// The distribution of window `lengths` (in any order); `None` if there are none.
    pub fn of(mut lengths: Vec<Duration>) -> Option<WindowSummary> {
        lengths.sort();
        let max = *lengths.last()?;
        let rank = |per_cent: usize| lengths[(lengths.len() * per_cent).div_ceil(100).max(1) - 1];
        Some(WindowSummary {
            count: lengths.len(),
            p50: rank(50),
            p99: rank(99),
            max,
        })
    }
}

impl std::fmt::Display for WindowSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} stale windows, p50 {:.2?} / p99 {:.2?} / max {:.2?}",
            self.count, self.p50, self.p99, self.max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_its_longest_read_and_percentiles_rank_them() {
        let windows = StaleWindows::default();
        assert_eq!(windows.summary(), None);
        let long_ago = Instant::now() - Duration::from_secs(10);
        windows.record(0, 1, 1, Instant::now());
        windows.record(0, 1, 1, long_ago);
        windows.record(1, 1, 1, Instant::now());
        let summary = windows.summary().unwrap();
        assert_eq!(summary.count, 2);
        assert!(summary.max >= Duration::from_secs(10));
        assert!(summary.p50 < Duration::from_secs(10));
        assert_eq!(summary.p99, summary.max);
    }
}
