//! Test support for the cache toolkit: real `redis-server` processes on free loopback ports.
//!
//! Each [`RedisServer`] is a fresh server that keeps nothing on disk and is killed when dropped,
//! the way redis-rs's own test support does it. It never touches a server already running on
//! port 6379.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to get `redis-server` when it is missing.
pub const INSTALL_HINT: &str = "redis-server was not found on PATH. Install it with \
    `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), \
    or run `scripts/test`, which installs it when missing.";

/// A `redis-server` child process on a free loopback port, killed on drop.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers `PING`.
    ///
    /// Panics with an install hint if `redis-server` is missing, or if no server came up.
    pub fn start() -> RedisServer {
        let mut last_error = String::new();
        for _ in 0..10 {
            let port = free_port();
            match spawn(port) {
                Ok(child) => {
                    return RedisServer {
                        child: Some(child),
                        port,
                    };
                }
                Err(error) => last_error = error,
            }
        }
        panic!("could not start redis-server: {last_error}");
    }

    /// Starts a server with extra configuration arguments (e.g. `["--maxclients", "10"]`).
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let port = free_port();
        let child = spawn_with(port, extra).unwrap_or_else(|error| panic!("{error}"));
        RedisServer {
            child: Some(child),
            port,
        }
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A redis-rs client for inspecting the server directly.
    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url()).expect("a loopback URL always parses")
    }

    /// A blocking connection for inspecting the server from a test.
    pub fn connection(&self) -> redis::Connection {
        self.client()
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("connect to the test redis-server")
    }

    /// Kills the server at once (`SIGKILL`), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a new, empty server on the same port after [`kill`](Self::kill).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match spawn(self.port) {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(error) if Instant::now() > deadline => {
                    panic!("could not restart redis-server: {error}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Freezes the server (`SIGSTOP`): connections stay open but nothing is answered, like a hang.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a server frozen by [`pause`](Self::pause) (`SIGCONT`).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("the server is running");
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} failed");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A frozen server ignores SIGKILL until it is thawed on some systems; thaw it first.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .status();
        }
        self.kill();
    }
}

/// A port that was free a moment ago (the kernel picks it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("bind a loopback port")
}

fn spawn(port: u16) -> Result<Child, String> {
    spawn_with(port, &[])
}

fn spawn_with(port: u16, extra: &[&str]) -> Result<Child, String> {
    let mut child = Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--dir", &std::env::temp_dir().to_string_lossy()])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => INSTALL_HINT.to_owned(),
            _ => format!("spawning redis-server failed: {error}"),
        })?;
    // Wait for "Ready to accept connections" (or an early exit, e.g. the port was taken meanwhile).
    let stdout = child.stdout.take().expect("stdout is piped");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("Ready to accept connections") {
                let _ = ready_tx.send(Ok(()));
            }
            log.push(line);
        }
        // The server exited (or was killed): report its log if it never became ready.
        let _ = ready_tx.send(Err(log.join("\n")));
    });
    match ready_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(())) => {}
        Ok(Err(log)) => {
            let _ = child.wait();
            return Err(format!("redis-server exited on port {port}:\n{log}"));
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "redis-server did not become ready on port {port} within 10 s"
            ));
        }
    }
    if TcpStream::connect(("127.0.0.1", port)).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "redis-server said it was ready but port {port} refuses connections"
        ));
    }
    Ok(child)
}

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

#[derive(Debug, Default, Clone, Copy)]
struct Versions {
    /// Bumped by every write when its body runs.
    current: u64,
    /// The highest version whose write call has returned to its caller.
    completed: u64,
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
