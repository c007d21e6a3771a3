//! Test support for the cache toolkit: real `redis-server` processes on free loopback ports,
//! plain or TLS (certificates made at test time), a TCP forwarder whose target can move (a DNS
//! name failing over), a fixture that runs one test body on every backend
//! ([`on_both_backends!`]), liveness bounds ([`live`], [`eventually`]), direct inspection of a
//! test server, and a versioned store with its checker for load tests.
//!
//! Each [`RedisServer`] is a fresh server that keeps nothing on disk and is killed when dropped,
//! the way redis-rs's own test support does it. It never touches a server already running on
//! port 6379. When `CACHE_TESTS_PID_DIR` names a directory, every server's pid is recorded there
//! while it runs, so that `scripts/test` can stop exactly the servers a crashed test left behind.

mod backends;
// Only for `cargo test --doc`: the Markdown pages' examples.
mod callers;
mod calls;
mod cluster;
#[cfg(doctest)]
mod doc_examples;
mod fixture;
mod forwarder;
mod held;
mod inspect;
mod liveness;
mod logs;
mod python;
mod sentinel;
mod server;
mod stale_windows;
mod store;
mod tls;
mod ttl;

use std::net::TcpStream;
use std::time::Duration;

pub use callers::{settle, spawn_callers};
pub use calls::Calls;
pub use cluster::{NodeInfo, RedisCluster};
pub use fixture::{Fixture, Kind};
pub use forwarder::Forwarder;
pub use held::{Checker, Held, Quiescence};
pub use liveness::{LIVENESS, eventually, eventually_within, live, live_within};
pub use logs::{CapturedLogs, capture_logs};
pub use python::{NotifyPython, PYTHON_HINT, finish as finish_python};
pub use sentinel::SentinelServer;
pub use server::{INSTALL_HINT, RedisServer};
pub use stale_windows::{StaleWindows, WindowSummary};
pub use store::{Store, StoreError};
pub use tls::TestCerts;
pub use ttl::{assert_key_ttl_about, assert_ttl_about};

/// Raw TCP connections holding a server's client slots, so that a new client is refused with
/// "max number of clients reached" (start the server with a small `--maxclients`). Dropping it
/// (or [`release`](Self::release)) frees the slots.
pub struct ClientFlood {
    streams: Vec<TcpStream>,
}

impl ClientFlood {
    /// Opens connections to `server` until it refuses one (each kept connection has answered
    /// `PING`), at most `limit` of them. Panics if the server never refuses one.
    pub fn exhaust(server: &RedisServer, limit: usize) -> ClientFlood {
        use std::io::{Read, Write};
        let mut streams = Vec::new();
        for _ in 0..limit {
            let mut stream =
                TcpStream::connect(("127.0.0.1", server.port())).expect("connect to redis-server");
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("set a read timeout");
            // A refused client gets the error as soon as it is accepted, then the server closes.
            let _ = stream.write_all(b"PING\r\n");
            let mut reply = [0u8; 128];
            let read = stream.read(&mut reply).unwrap_or(0);
            let reply = String::from_utf8_lossy(&reply[..read]);
            if reply.starts_with("+PONG") {
                streams.push(stream);
            } else if reply.contains("max number of clients") {
                return ClientFlood { streams };
            } else {
                panic!("unexpected reply while flooding the server: {reply:?}");
            }
        }
        panic!("the server accepted {limit} clients: start it with a smaller --maxclients");
    }

    /// How many connections the flood holds.
    pub fn len(&self) -> usize {
        self.streams.len()
    }

    /// Whether the flood holds no connection.
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// Closes every connection, freeing the server's client slots.
    pub fn release(self) {
        drop(self);
    }
}

/// A small deterministic pseudo-random generator (SplitMix64) for load tests: no dependency, and
/// a failing run can be replayed from the seed it prints.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A seed that differs between runs (from the standard library's per-process random keys).
    pub fn random_seed() -> u64 {
        use std::hash::{BuildHasher, Hasher, RandomState};
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos()),
        );
        hasher.finish()
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// `true` with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A duration in `0..=max`, in whole microseconds.
    pub fn duration_up_to(&mut self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(self.below(micros.saturating_add(1)))
    }
}

/// A value read from a [`Truth`]: which item, at which version. Stored in the cache as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Versioned {
    /// The item.
    pub id: u32,
    /// Its version when the value was read from the source of truth.
    pub version: u64,
}

#[derive(Debug, Default, Clone)]
struct Versions {
    /// Bumped by every write when its body runs.
    current: u64,
    /// The highest version whose write call has returned to its caller.
    completed: u64,
    /// Each returned write's version and when it returned, in the order they returned.
    returned: Vec<(u64, std::time::Instant)>,
}

/// An in-test source of truth (the "API" behind a cache) that versions every write, so a
/// checker can tell a fresh value from a stale one.
#[derive(Debug, Default)]
pub struct Truth {
    items: std::sync::Mutex<std::collections::HashMap<u32, Versions>>,
}

impl Truth {
    fn items(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<u32, Versions>> {
        self.items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The item as it is now (what a read's body fetches).
    pub fn read(&self, id: u32) -> Versioned {
        let version = self.items().get(&id).map_or(0, |versions| versions.current);
        Versioned { id, version }
    }

    /// A write: bumps the item's version and returns the new one.
    pub fn bump(&self, id: u32) -> u64 {
        let mut items = self.items();
        let versions = items.entry(id).or_default();
        versions.current += 1;
        versions.current
    }

    /// Records that the write which produced `version` has returned to its caller.
    pub fn completed(&self, id: u32, version: u64) {
        let mut items = self.items();
        let versions = items.entry(id).or_default();
        versions.completed = versions.completed.max(version);
        versions.returned.push((version, std::time::Instant::now()));
    }

    /// When a value of `id` at `version` stopped being one a reader may be given: the first
    /// return of a write newer than it. `None` while no newer write has returned.
    pub fn superseded_at(&self, id: u32, version: u64) -> Option<std::time::Instant> {
        self.items().get(&id).and_then(|versions| {
            versions
                .returned
                .iter()
                .find(|(returned, _)| *returned > version)
                .map(|(_, at)| *at)
        })
    }

    /// The version of the last write of `id` that had returned to its caller: a read that
    /// starts now and returns an older version returned a value older than a finished write.
    pub fn floor(&self, id: u32) -> u64 {
        self.items()
            .get(&id)
            .map_or(0, |versions| versions.completed)
    }
}

#[cfg(test)]
mod tests {
    use super::RedisServer;

    #[test]
    fn starts_answers_and_restarts_on_the_same_port() {
        let mut server = RedisServer::start();
        assert_ne!(server.port(), 6379);
        let mut connection = server.connection();
        let _: () = redis::cmd("SET")
            .arg("k")
            .arg("v")
            .query(&mut connection)
            .unwrap();
        let port = server.port();
        server.restart();
        assert_eq!(server.port(), port);
        let mut connection = server.connection();
        let value: Option<String> = redis::cmd("GET").arg("k").query(&mut connection).unwrap();
        assert_eq!(value, None, "a restarted server starts empty");
    }
}
