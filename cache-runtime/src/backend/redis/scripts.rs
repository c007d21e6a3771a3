//! The Lua scripts behind leases. Each touches a key (`KEYS[1]`) and its lease's token key
//! (`KEYS[2]`, see `lease::token_key`), which share a cluster slot, so each runs on the node
//! that owns the key.
//!
//! While a fill is in flight the key holds the empty string: a miss to a reader that uses a
//! value only if it is truthy (Notify's Python app), and never passed to its JSON parser. The
//! fill's unique token is in the token key. A `DEL` of the key, or any `SET` of a value (which
//! is never empty), ends the lease: the fill then finds the key no longer empty and stores
//! nothing.

use std::sync::LazyLock;

use redis::Script;

/// Returns the value (or another reader's lease marker, the empty string) under `KEYS[1]`;
/// when there is none, or only the corrupt value `ARGV[4]` that the caller asks to replace, or
/// a marker that would never expire, or the caller's own marker (the same lookup sent again
/// after a lost connection), or a marker of the previous format (prefix `ARGV[5]`),
/// leaves the empty marker in `KEYS[1]` and the caller's token `ARGV[1]` in `KEYS[2]`, both
/// for `ARGV[2]` ms, and returns nil. One round trip, atomic.
pub(super) static LOOKUP_OR_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local value = redis.call('GET', KEYS[1])
        if value and not (ARGV[3] == '1' and value == ARGV[4]) then
            if value == '' then
                if redis.call('PTTL', KEYS[1]) >= 0 and redis.call('GET', KEYS[2]) ~= ARGV[1] then
                    return value
                end
            elseif string.sub(value, 1, #ARGV[5]) ~= ARGV[5] then
                return value
            end
        end
        redis.call('SET', KEYS[1], '', 'PX', ARGV[2])
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        return false
        ",
    )
});

/// Stores `ARGV[2]` in `KEYS[1]` for `ARGV[3]` seconds only if the caller's lease is still
/// there: the key still empty and `KEYS[2]` still holding its token `ARGV[1]`. A delete of the
/// key since the lease was taken means the value may be stale; a value written since is newer.
/// Removes the caller's token either way. Returns 1 if stored.
pub(super) static FILL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[2]) ~= ARGV[1] then
            return 0
        end
        redis.call('DEL', KEYS[2])
        if redis.call('GET', KEYS[1]) ~= '' then
            return 0
        end
        redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
        return 1
        ",
    )
});

/// Removes the caller's lease (token `ARGV[1]` in `KEYS[2]`, and the empty marker in
/// `KEYS[1]`), and nothing else, so readers waiting on it stop waiting. Returns 1 if it was
/// there.
pub(super) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[2]) ~= ARGV[1] then
            return 0
        end
        redis.call('DEL', KEYS[2])
        if redis.call('GET', KEYS[1]) == '' then
            redis.call('DEL', KEYS[1])
        end
        return 1
        ",
    )
});
