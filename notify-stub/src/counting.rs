//! Counting the requests the stub serves, so a test can prove a cache hit never reached it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the request counts: see [`StubServer::request_counts`](crate::StubServer::request_counts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// Every request received, including rejected and unmatched ones.
    pub total: u64,
    /// Requests by (method, concrete path without the query string),
    /// e.g. `("GET", "/organisations/<uuid>/services")`.
    pub by_path: BTreeMap<(String, String), u64>,
}

/// Live counters shared between the server's middleware and its handle.
#[derive(Debug, Default)]
pub(crate) struct RequestCounter {
    total: AtomicU64,
    by_path: Mutex<HashMap<(String, String), u64>>,
}

impl RequestCounter {
    pub(crate) fn record(&self, method: &str, path: &str) {
        self.total.fetch_add(1, Ordering::SeqCst);
        let mut map = self.by_path.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((method.to_ascii_uppercase(), path.to_owned()))
            .or_insert(0) += 1;
    }

    pub(crate) fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }

    /// Requests to exactly this method and path; a query string on `path` is ignored.
    pub(crate) fn to(&self, method: &str, path: &str) -> u64 {
        let path = path.split('?').next().unwrap_or(path);
        let map = self.by_path.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(method.to_ascii_uppercase(), path.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn snapshot(&self) -> RequestCounts {
        let map = self.by_path.lock().unwrap_or_else(|p| p.into_inner());
        RequestCounts {
            total: self.total(),
            by_path: map.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        }
    }

    pub(crate) fn reset(&self) {
        let mut map = self.by_path.lock().unwrap_or_else(|p| p.into_inner());
        map.clear();
        self.total.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_method_and_path_ignoring_query() {
        let c = RequestCounter::default();
        c.record("GET", "/organisations");
        c.record("get", "/organisations");
        c.record("POST", "/organisations");
        assert_eq!(c.total(), 3);
        assert_eq!(c.to("GET", "/organisations"), 2);
        assert_eq!(c.to("GET", "/organisations?x=1"), 2);
        assert_eq!(c.to("POST", "/organisations"), 1);
        assert_eq!(c.to("DELETE", "/organisations"), 0);
        c.reset();
        assert_eq!(c.snapshot(), RequestCounts::default());
    }
}
