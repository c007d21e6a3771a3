//! Leases: what a reader that missed leaves under a key while it fetches the value.
//!
//! The key itself holds the empty string (the [`MARKER`]): no JSON text is empty, and a reader
//! that uses a value only if it is truthy, as Notify's Python app does, sees a miss and never
//! hands it to a JSON parser. The token that tells one fill from another lives in a side key
//! ([`token_key`]) in the same Redis Cluster slot, so one script can check both.
//!
//! Markers of the previous format (`!cache-lease:<hex>` in the key itself) may be left by an
//! instance not yet upgraded; they are recognised ([`is_marker`]), never served, and replaced.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// What a key holds while a fill is in flight: nothing a JSON reader would parse.
pub(crate) const MARKER: &[u8] = b"";

/// What every marker of the previous format starts with.
pub(crate) const OLD_MARKER_PREFIX: &[u8] = b"!cache-lease:";

/// What the side key's name ends with.
const TOKEN_SUFFIX: &str = "!lease";

/// Whether a stored value is a lease marker (of either format) rather than a cached value.
pub(crate) fn is_marker(stored: &[u8]) -> bool {
    stored == MARKER || stored.starts_with(OLD_MARKER_PREFIX)
}

/// A new token, 128 bits as hex, that no other fill in this process or another will use.
pub(crate) fn new_token() -> Vec<u8> {
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
    format!("{:016x}{:016x}", token[0], token[1]).into_bytes()
}

/// The side key holding the token of the lease on `key`. It must be in the same cluster slot
/// as `key` (one script reads both) without renaming `key`, which Notify's app uses too, and
/// it starts with `key`, so that an ACL user allowed `key` by a prefix pattern may use it:
///
/// - `key` has a hash tag (`a{b}c`): `a{b}c!lease` has the same tag.
/// - `key` has no braces: `key!lease{key}` hashes `key` itself.
/// - `key` has a `}` but no `{`, or is empty: `key!lease{n}`, `n` a number in `key`'s slot.
/// - `key` has a `{` but no hash tag (`a{}b`, `x{y`): `{n}key!lease`, the one form that does
///   not start with `key`.
pub(crate) fn token_key(key: &str) -> String {
    if hash_tag(key.as_bytes()).is_some() {
        return format!("{key}{TOKEN_SUFFIX}");
    }
    if key.contains('{') {
        return format!("{{{}}}{key}{TOKEN_SUFFIX}", slot_tag(key));
    }
    if !key.is_empty() && !key.contains('}') {
        return format!("{key}{TOKEN_SUFFIX}{{{key}}}");
    }
    format!("{key}{TOKEN_SUFFIX}{{{}}}", slot_tag(key))
}

/// A number whose decimal form, as a hash tag, is in `key`'s slot.
fn slot_tag(key: &str) -> u32 {
    tags()[usize::from(slot(key.as_bytes()))]
}

/// The first number in each slot, found once (a few hundred thousand CRCs), and only for keys
/// of the rare shapes that need it.
fn tags() -> &'static [u32] {
    static TAGS: OnceLock<Vec<u32>> = OnceLock::new();
    TAGS.get_or_init(|| {
        let mut tags = vec![u32::MAX; usize::from(SLOTS)];
        let mut left = tags.len();
        for n in 0..TAG_SEARCH {
            let slot = usize::from(crc16(n.to_string().as_bytes()) % SLOTS);
            if tags[slot] == u32::MAX {
                tags[slot] = n;
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        tags
    })
}

/// Numbers below this cover every slot (a unit test checks it).
const TAG_SEARCH: u32 = 1 << 20;

/// Redis Cluster's slot count.
const SLOTS: u16 = 16384;

/// The cluster slot of `key`, as Redis computes it.
pub(crate) fn slot(key: &[u8]) -> u16 {
    crc16(hash_tag(key).unwrap_or(key)) % SLOTS
}

/// The part of `key` Redis hashes when it has one: between the first `{` and the first `}`
/// after it, if not empty.
fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let len = key[open + 1..].iter().position(|&b| b == b'}')?;
    (len > 0).then(|| &key[open + 1..open + 1 + len])
}

/// CRC16/XMODEM, the checksum Redis Cluster hashes keys with (the crate redis-rs uses).
fn crc16(bytes: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(bytes)
}

#[cfg(test)]
mod tests {
    use redis::cluster_routing::Slot;

    use super::*;

    #[test]
    fn tokens_are_unique_and_markers_never_json() {
        assert_ne!(new_token(), new_token());
        assert!(is_marker(MARKER));
        assert!(is_marker(b"!cache-lease:00ff"));
        assert!(serde_json::from_slice::<serde_json::Value>(MARKER).is_err());
        assert!(!is_marker(b"{\"name\":\"x\"}"));
        assert!(!is_marker(b"\"\""));
        assert!(!is_marker(b"\"!cache-lease:\""));
    }

    #[test]
    fn slots_match_redis() {
        // The Redis documentation's own example: `123456789` is CRC16 0x31C3.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        for key in [
            "",
            "a",
            "service-6ce466d0",
            "{user1000}.following",
            "a{}b",
            "x{y",
        ] {
            assert_eq!(
                Slot::new(slot(key.as_bytes())),
                Some(Slot::for_key(key)),
                "{key}"
            );
        }
    }

    #[test]
    fn the_token_key_shares_the_keys_slot() {
        let keys = [
            "service-6ce466d0-1b7c-4c2c-9c47-7a1b8a2c3d4e",
            "app:organisation-1-name",
            "{tenant-1}:service-2",
            "a{b}c",
            "a{}b",
            "x{y",
            "a}b",
            "}",
            "{}",
            "{",
            "",
            "naïve-ключ",
        ];
        for key in keys {
            let side = token_key(key);
            assert_ne!(side, key);
            assert_eq!(Slot::for_key(&side), Slot::for_key(key), "{key} / {side}");
        }
        assert_eq!(token_key("service-1"), "service-1!lease{service-1}");
        assert_eq!(token_key("{t}service-1"), "{t}service-1!lease");
    }

    #[test]
    fn every_slot_has_a_numeric_tag() {
        for (slot, tag) in (0..SLOTS).zip(tags()) {
            assert_eq!(super::slot(tag.to_string().as_bytes()), slot);
        }
    }
}
