//! Lease markers: what a reader that missed leaves under a key while it fetches the value.
//!
//! A marker lives in the same key as the value (so it also works on Redis Cluster), starts with
//! [`MARKER_PREFIX`] and ends with a token unique to one fill. `!` cannot begin a JSON text, so a
//! marker is never mistaken for a cached value, by this crate or by a JSON reader in another
//! language (which sees a value that does not parse, for at most the lease's lifetime).

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// What every lease marker starts with.
pub(crate) const MARKER_PREFIX: &[u8] = b"!cache-lease:";

/// Whether a stored value is a lease marker rather than a cached value.
pub(crate) fn is_marker(stored: &[u8]) -> bool {
    stored.starts_with(MARKER_PREFIX)
}

/// A new marker with a 128-bit token no other fill, in this process or another, will use.
pub(crate) fn new_marker() -> Vec<u8> {
    // `RandomState` is seeded from the OS once per process and varied per instance; hashing a
    // process-wide counter into it gives unique, unpredictable tokens without a RNG dependency.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Relaxed);
    let mut token = [0u64; 2];
    for (half, word) in token.iter_mut().enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(count);
        hasher.write_usize(half);
        hasher.write_u32(std::process::id());
        *word = hasher.finish();
    }
    let mut marker = Vec::with_capacity(MARKER_PREFIX.len() + 32);
    marker.extend_from_slice(MARKER_PREFIX);
    marker.extend_from_slice(format!("{:016x}{:016x}", token[0], token[1]).as_bytes());
    marker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_unique_and_never_json() {
        let first = new_marker();
        let second = new_marker();
        assert_ne!(first, second);
        assert!(is_marker(&first));
        assert!(serde_json::from_slice::<serde_json::Value>(&first).is_err());
        assert!(!is_marker(b"{\"name\":\"x\"}"));
        assert!(!is_marker(b"\"!cache-lease:\""));
    }
}
