//! Running the binary with a clean environment, the stand-in API on a runtime of its own, and
//! raw access to a test Redis.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use cache_tests::RedisServer;
use notify_stub::{StubConfig, StubServer};

/// The admin secret the stand-in API checks tokens with.
pub const SECRET: &str = "cli-test-admin-secret";

/// Every variable `orgs` reads, removed from the test's own environment before each run.
const READ: [&str; 21] = [
    "API_HOST_NAME",
    "ADMIN_CLIENT_USER_NAME",
    "ADMIN_CLIENT_SECRET",
    "ROUTE_SECRET_KEY_1",
    "REDIS_URL",
    "REDIS_ENABLED",
    "CACHE_KEY_PREFIX",
    "CACHE_DEFAULT_TTL",
    "CACHE_TIMEOUT",
    "CACHE_CONNECT_TIMEOUT",
    "CACHE_NEAR_CAPACITY_BYTES",
    "REDIS_TLS_CA_FILE",
    "REDIS_TLS_CERT_FILE",
    "REDIS_TLS_KEY_FILE",
    "REDIS_TLS_INSECURE",
    "RUST_LOG",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
    "COLUMNS",
];

/// `program`, without the variables above.
pub fn isolated(program: &str) -> Command {
    let mut command = Command::new(program);
    for name in READ {
        command.env_remove(name);
    }
    command
}

/// The `orgs` command with `args`, the variables above removed and `env` set.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = isolated(env!("CARGO_BIN_EXE_orgs"));
    command.args(args).envs(env.iter().copied());
    command
}

/// Runs `orgs` with `args` and `env` (nothing else of ours set) to completion.
pub fn orgs(args: &[&str], env: &[(&str, &str)]) -> Output {
    command(args, env).output().expect("the orgs binary runs")
}

/// Variables for a run, built up.
#[derive(Debug, Clone, Default)]
pub struct Env(Vec<(String, String)>);

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    pub fn set(mut self, name: &str, value: impl Into<String>) -> Env {
        self.0.push((name.to_owned(), value.into()));
        self
    }

    /// The stand-in API, with the secret it checks.
    pub fn api(self, api: &Api) -> Env {
        self.set("API_HOST_NAME", api.url())
            .set("ADMIN_CLIENT_SECRET", SECRET)
    }

    /// `server` as the cache.
    pub fn redis(self, server: &RedisServer) -> Env {
        self.set("REDIS_URL", server.url())
    }

    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect()
    }

    /// Runs `orgs` with `args` in this environment.
    pub fn run(&self, args: &[&str]) -> Output {
        orgs(args, &self.pairs())
    }
}

fn show(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Standard output of a run that succeeded.
#[track_caller]
pub fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "orgs failed: {}", show(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard output of a run that succeeded, as JSON.
#[track_caller]
pub fn json(output: &Output) -> serde_json::Value {
    let text = stdout(output);
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}):\n{text}"))
}

/// Standard error of a run that exited with `code`.
#[track_caller]
pub fn exits(output: &Output, code: i32) -> String {
    assert_eq!(output.status.code(), Some(code), "{}", show(output));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A loopback port nothing listens on (it was free a moment ago).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The stand-in API on a free port, served by a runtime of its own so that tests can run the
/// binary without async code around it.
pub struct Api {
    stub: Option<StubServer>,
    runtime: tokio::runtime::Runtime,
}

impl Api {
    pub fn start() -> Api {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let stub = runtime
            .block_on(StubServer::start(StubConfig::new(SECRET)))
            .expect("the stand-in API starts");
        Api {
            stub: Some(stub),
            runtime,
        }
    }

    pub fn url(&self) -> String {
        self.stub().url()
    }

    pub fn stub(&self) -> &StubServer {
        self.stub.as_ref().expect("running")
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(stub) = self.stub.take() {
            self.runtime.block_on(stub.shutdown());
        }
    }
}

/// A private `redis-server` on a free port, emptied: every test server starts in the same
/// directory (the system's temporary one), so it loads any `dump.rdb` left there (a replica in
/// the failover tests writes one).
pub fn fresh_redis() -> RedisServer {
    let server = RedisServer::start();
    let () = redis::cmd("FLUSHALL")
        .query(&mut server.connection())
        .expect("FLUSHALL on the private test server");
    server
}

/// Stores `value` under `key` in `server`, for `ttl_seconds` (no expiry when `None`).
pub fn store(server: &RedisServer, key: &str, ttl_seconds: Option<u64>) {
    let mut command = redis::cmd("SET");
    command.arg(key).arg("\"value\"");
    if let Some(seconds) = ttl_seconds {
        command.arg("EX").arg(seconds);
    }
    let () = command.query(&mut server.connection()).expect("raw SET");
}

/// Every key in `server`.
pub fn all_keys(server: &RedisServer) -> BTreeSet<String> {
    redis::cmd("KEYS")
        .arg("*")
        .query(&mut server.connection())
        .expect("raw KEYS on the private test server")
}
