//! Assertions on a key's time to live, give or take the few seconds a test may take.

use std::time::Duration;

use cache::KeyTtl;

/// Asserts that `ttl` (seconds, as Redis's `TTL` reports it) is `expected` give or take the few
/// seconds a test may take.
#[track_caller]
pub fn assert_ttl_about(ttl: i64, expected: u64) {
    let expected = i64::try_from(expected).expect("a TTL in seconds fits an i64");
    assert!(
        (expected - 5..=expected).contains(&ttl),
        "TTL {ttl}s, expected about {expected}s"
    );
}

/// Asserts that a [`KeyTtl`] is an expiry of about `expected` seconds.
#[track_caller]
pub fn assert_key_ttl_about(ttl: KeyTtl, expected: u64) {
    match ttl {
        KeyTtl::Expires(left) => {
            assert!(
                left <= Duration::from_secs(expected)
                    && left > Duration::from_secs(expected.saturating_sub(5)),
                "TTL {left:?}, expected about {expected}s"
            );
        }
        other => panic!("expected an expiry of about {expected}s, got {other:?}"),
    }
}
