//! `redis-server` child processes on free loopback ports.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::TestCerts;

/// How to get `redis-server` when it is missing.
pub const INSTALL_HINT: &str = "redis-server was not found on PATH. Install it with \
    `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), \
    or run `scripts/test`, which installs it when missing.";

/// A `redis-server` child process on a free loopback port, killed on drop.
///
/// A TLS server ([`start_tls`](Self::start_tls)) listens on two ports: TLS for the code under
/// test ([`tls_url`](Self::tls_url)), plain for the test's own inspection ([`url`](Self::url),
/// [`connection`](Self::connection)).
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    tls_port: Option<u16>,
    /// The CA that signed a TLS server's certificate.
    ca_cert: Option<PathBuf>,
    /// Everything after `--port N`, kept for [`restart`](Self::restart).
    args: Vec<String>,
    /// The server's own working directory, emptied before each start: a server loads any
    /// `dump.rdb` it finds there (a replica writes one when it syncs), so a shared directory
    /// would hand one test's keys to every server started after it.
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers `PING`.
    ///
    /// Panics with an install hint if `redis-server` is missing, or if no server came up.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// Starts a server with extra configuration arguments (e.g. `["--maxclients", "10"]`).
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let args = extra.iter().map(|arg| arg.to_string()).collect();
        RedisServer::start_args(args)
    }

    /// Starts a server that also listens for TLS with `certs`' server certificate. With
    /// `client_certs`, TLS clients must present a certificate signed by the same CA.
    pub fn start_tls(certs: &TestCerts, client_certs: bool) -> RedisServer {
        RedisServer::start_tls_with(certs, client_certs, &[])
    }

    /// [`start_tls`](Self::start_tls) with extra configuration arguments.
    pub fn start_tls_with(certs: &TestCerts, client_certs: bool, extra: &[&str]) -> RedisServer {
        let mut last_error = String::new();
        for _ in 0..10 {
            let tls_port = free_port();
            let mut args = vec![
                "--tls-port".into(),
                tls_port.to_string(),
                "--tls-cert-file".into(),
                path(&certs.server_cert),
                "--tls-key-file".into(),
                path(&certs.server_key),
                "--tls-ca-cert-file".into(),
                path(&certs.ca_cert),
                "--tls-auth-clients".into(),
                if client_certs { "yes" } else { "no" }.into(),
            ];
            args.extend(extra.iter().map(|arg| arg.to_string()));
            let port = free_port();
            let dir = private_dir();
            match spawn(port, &dir, &args) {
                Ok(child) => {
                    return RedisServer {
                        child: Some(child),
                        port,
                        tls_port: Some(tls_port),
                        ca_cert: Some(certs.ca_cert.clone()),
                        args,
                        dir,
                    };
                }
                Err(error) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    last_error = error;
                }
            }
        }
        panic!("could not start a TLS redis-server: {last_error}");
    }

    fn start_args(args: Vec<String>) -> RedisServer {
        let mut last_error = String::new();
        for _ in 0..10 {
            let port = free_port();
            let dir = private_dir();
            match spawn(port, &dir, &args) {
                Ok(child) => {
                    return RedisServer {
                        child: Some(child),
                        port,
                        tls_port: None,
                        ca_cert: None,
                        args,
                        dir,
                    };
                }
                Err(error) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    last_error = error;
                }
            }
        }
        panic!("could not start redis-server: {last_error}");
    }

    /// The server's plain port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `rediss://127.0.0.1:TLS_PORT`, for a server started with [`start_tls`](Self::start_tls).
    pub fn tls_url(&self) -> String {
        let port = self.tls_port.expect("the server was started with TLS");
        format!("rediss://127.0.0.1:{port}")
    }

    /// How the code under test reaches this server: over TLS (trusting the test CA) when it
    /// was started with TLS, plainly otherwise.
    pub fn cache_config(&self) -> cache::RedisConfig {
        match &self.ca_cert {
            Some(ca) => cache::RedisConfig::new(self.tls_url()).tls_ca_file(ca),
            None => cache::RedisConfig::new(self.url()),
        }
    }

    /// A redis-rs client for inspecting the server directly (plain port).
    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url()).expect("a loopback URL always parses")
    }

    /// A blocking connection for inspecting the server from a test (plain port).
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
            forget_pid(child.id());
        }
    }

    /// Starts a new, empty server on the same ports, with the same settings, after
    /// [`kill`](Self::kill).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match spawn(self.port, &self.dir, &self.args) {
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
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A directory of this server's own under the system's temporary directory.
fn private_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "cache-tests-redis-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

fn path(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A port that was free a moment ago (the kernel picks it).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("bind a loopback port")
}

/// Where `scripts/test` wants the pids of running servers, if it does.
fn pid_file(pid: u32) -> Option<PathBuf> {
    let dir = std::env::var_os("CACHE_TESTS_PID_DIR")?;
    Some(PathBuf::from(dir).join(pid.to_string()))
}

fn record_pid(pid: u32) {
    if let Some(file) = pid_file(pid) {
        let _ = std::fs::write(file, b"redis-server\n");
    }
}

pub(crate) fn forget_pid(pid: u32) {
    if let Some(file) = pid_file(pid) {
        let _ = std::fs::remove_file(file);
    }
}

fn spawn(port: u16, dir: &Path, extra: &[String]) -> Result<Child, String> {
    // Empty: a server starts with no data, whatever an earlier one in this directory left.
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|error| format!("creating {}: {error}", dir.display()))?;
    let mut command = Command::new("redis-server");
    command
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--dir", &path(dir)])
        .args(extra);
    spawn_ready(command, port, "Ready to accept connections")
}

/// Starts `command` (a `redis-server` on `port`) and waits for its log line containing `ready`.
pub(crate) fn spawn_ready(mut command: Command, port: u16, ready: &str) -> Result<Child, String> {
    let ready = ready.to_owned();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => INSTALL_HINT.to_owned(),
            _ => format!("spawning redis-server failed: {error}"),
        })?;
    record_pid(child.id());
    let stop = |mut child: Child, message: String| {
        let _ = child.kill();
        let _ = child.wait();
        forget_pid(child.id());
        Err(message)
    };
    // Wait for the ready line (or an early exit, e.g. the port was taken meanwhile).
    let stdout = child.stdout.take().expect("stdout is piped");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains(&ready) {
                let _ = ready_tx.send(Ok(()));
            }
            log.push(line);
        }
        // The server exited (or was killed): report its log if it never became ready.
        let _ = ready_tx.send(Err(log.join("\n")));
    });
    match ready_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(())) => {}
        Ok(Err(log)) => return stop(child, format!("redis-server exited on port {port}:\n{log}")),
        Err(_) => {
            return stop(
                child,
                format!("redis-server did not become ready on port {port} within 10 s"),
            );
        }
    }
    if TcpStream::connect(("127.0.0.1", port)).is_err() {
        return stop(
            child,
            format!("redis-server said it was ready but port {port} refuses connections"),
        );
    }
    Ok(child)
}
