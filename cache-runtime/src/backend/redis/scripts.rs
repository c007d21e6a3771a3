//! The Lua scripts behind leases. Each touches one key, so each runs on the node that owns it.

use std::sync::LazyLock;

use redis::Script;

/// Returns the value (or another reader's lease marker) under `KEYS[1]`; when there is none, or
/// only the corrupt value `ARGV[4]` that the caller asks to replace, or a marker that would never
/// expire, leaves the caller's lease marker `ARGV[1]` for `ARGV[2]` ms and returns nil.
/// `ARGV[5]` is the marker prefix. One round trip, atomic.
pub(super) static LOOKUP_OR_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local value = redis.call('GET', KEYS[1])
        if value and not (ARGV[3] == '1' and value == ARGV[4]) then
            local marker = string.sub(value, 1, #ARGV[5]) == ARGV[5]
            if not marker or redis.call('PTTL', KEYS[1]) >= 0 then
                return value
            end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return false
        ",
    )
});

/// Stores `ARGV[2]` for `ARGV[3]` seconds only if the caller's lease `ARGV[1]` is still there:
/// a delete since the lease was taken means the value may be stale. Returns 1 if stored.
pub(super) static FILL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
            return 1
        end
        return 0
        ",
    )
});

/// Removes the caller's lease `ARGV[1]` (and nothing else), so readers waiting on it stop waiting.
pub(super) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        ",
    )
});
