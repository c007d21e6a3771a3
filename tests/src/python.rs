//! Notify's Python cache (`tests/python/notify_cache.py`, redis-py), run as a separate process
//! against a test server: what the shared-keyspace tests drive to read, write, delete and build
//! keys exactly as Notify's admin app does.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// How to get what the Python side needs; `scripts/test` does both.
pub const PYTHON_HINT: &str = "the shared-keyspace tests need python3 with redis-py: \
     `python3 -m pip install redis` (scripts/test installs it when missing)";

/// Notify's Python cache on one Redis server.
pub struct NotifyPython {
    url: String,
}

impl NotifyPython {
    /// The Python side for the server at `url`. Fails the test, saying how to fix it, when
    /// python3 or redis-py is missing: a skipped interoperability test would pass for nothing.
    pub fn new(url: &str) -> NotifyPython {
        let probe = Command::new("python3")
            .args(["-c", "import redis"])
            .output();
        match probe {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!("{PYTHON_HINT}\n{}", String::from_utf8_lossy(&output.stderr)),
            Err(error) => panic!("{PYTHON_HINT}\n(python3: {error})"),
        }
        NotifyPython {
            url: url.to_owned(),
        }
    }

    fn script() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/notify_cache.py")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("python3");
        command.arg(Self::script()).arg(&self.url).args(args);
        command
    }

    /// Runs a subcommand to completion: its JSON answer, or `Err` with its stderr (a Python
    /// exception, as the admin page would raise it).
    pub fn try_run(&self, args: &[&str]) -> Result<Value, String> {
        let output = self
            .command(args)
            .output()
            .unwrap_or_else(|error| panic!("run python3: {error}; {PYTHON_HINT}"));
        answer(output)
    }

    /// Like [`try_run`](Self::try_run), failing the test on a Python exception.
    pub fn run(&self, args: &[&str]) -> Value {
        self.try_run(args)
            .unwrap_or_else(|error| panic!("notify_cache.py {args:?} failed:\n{error}"))
    }

    /// Notify's read of `key`: `Some(value)` on a hit (the value used only if truthy, then
    /// `json.loads`), `None` on a miss. `key` may be `TEMPLATE?NAME=VALUE&...`, built with
    /// Notify's key rules.
    pub fn get(&self, key: &str) -> Option<Value> {
        let answer = self.run(&["get", key]);
        (answer["hit"] == Value::Bool(true)).then(|| answer["value"].clone())
    }

    /// Notify's write: `json` re-encoded by Python's encoder, `SET` with Notify's 28-day TTL.
    pub fn set(&self, key: &str, json: &str) {
        self.run(&["set", key, json]);
    }

    /// Notify's delete: a plain `DEL` of `keys`; how many existed.
    pub fn delete(&self, keys: &[&str]) -> u64 {
        let mut args = vec!["delete"];
        args.extend_from_slice(keys);
        self.run(&args)["deleted"].as_u64().unwrap_or(0)
    }

    /// The key Notify builds from `spec` (`TEMPLATE?NAME=VALUE&...`).
    pub fn key(&self, spec: &str) -> String {
        self.run(&["key", spec])["key"]
            .as_str()
            .expect("a key")
            .to_owned()
    }

    /// Starts a Python process that reads `keys` round-robin `count` times as Notify does;
    /// [`finish_python`](crate::finish_python) gives its counts.
    pub fn spawn_hammer(&self, count: u64, keys: &[String]) -> Child {
        let count = count.to_string();
        let mut args = vec!["hammer", "--count", count.as_str()];
        args.extend(keys.iter().map(String::as_str));
        self.spawn(&args)
    }

    /// Starts Notify readers and writers on `keys` (see `mixed` in the script); its first line
    /// says it is ready, [`finish_python`](crate::finish_python) gives its counts.
    pub fn spawn_mixed(&self, readers: u32, writers: u32, ops: u32, keys: &[String]) -> Child {
        let (readers, writers, ops) = (readers.to_string(), writers.to_string(), ops.to_string());
        let mut args = vec![
            "mixed",
            "--readers",
            &readers,
            "--writers",
            &writers,
            "--ops",
            &ops,
        ];
        args.extend(keys.iter().map(String::as_str));
        self.spawn(&args)
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("start python3: {error}; {PYTHON_HINT}"))
    }
}

/// Waits for a spawned subcommand: its last JSON line, or `Err` with its stderr.
pub fn finish(child: Child) -> Result<Value, String> {
    answer(child.wait_with_output().expect("wait for python3"))
}

fn answer(output: Output) -> Result<Value, String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("{}\n{stderr}", output.status));
    }
    stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| format!("no JSON answer: {stdout}\n{stderr}"))
}
