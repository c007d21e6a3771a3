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
