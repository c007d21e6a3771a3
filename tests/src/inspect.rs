//! Looking at a test server directly, bypassing the handle under test: what a key holds, which
//! commands the server has run, which clients it is holding back. Tests observe the mechanism
//! here (a marker released, a script run, a call held by `CLIENT PAUSE`) instead of timing it.

use crate::{RedisServer, eventually};

impl RedisServer {
    /// What `key` holds, raw (`GET` on a fresh connection).
    pub fn raw_get(&self, key: &str) -> Option<Vec<u8>> {
        redis::cmd("GET")
            .arg(key)
            .query(&mut self.connection())
            .expect("raw GET")
    }

    /// Whether `key` exists.
    pub fn raw_exists(&self, key: &str) -> bool {
        redis::cmd("EXISTS")
            .arg(key)
            .query(&mut self.connection())
            .expect("raw EXISTS")
    }

    /// Stores `value` under `key` without expiry, as another client would.
    pub fn raw_set(&self, key: &str, value: impl AsRef<[u8]>) {
        let () = redis::cmd("SET")
            .arg(key)
            .arg(value.as_ref())
            .query(&mut self.connection())
            .expect("raw SET");
    }

    /// How many times the server has run `command` (lower case, e.g. `"evalsha"`), from
    /// `INFO commandstats`.
    pub fn command_calls(&self, command: &str) -> u64 {
        let stats: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut self.connection())
            .expect("INFO commandstats");
        let prefix = format!("cmdstat_{command}:calls=");
        stats
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .and_then(|calls| calls.parse().ok())
            .unwrap_or(0)
    }

    /// Script calls the server has run (`EVAL` and `EVALSHA`): the cache's lease lookups, fills
    /// and releases.
    pub fn script_calls(&self) -> u64 {
        self.command_calls("evalsha") + self.command_calls("eval")
    }

    /// Clients whose command the server is holding (`blocked_clients` in `INFO clients`): with
    /// `CLIENT PAUSE ... WRITE`, each client whose next command writes (a script included).
    pub fn held_clients(&self) -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query(&mut self.connection())
            .expect("INFO clients");
        info.lines()
            .find_map(|line| line.strip_prefix("blocked_clients:"))
            .and_then(|count| count.trim().parse().ok())
            .expect("INFO clients reports blocked_clients")
    }

    /// Waits until `key` no longer holds the lease marker a lookup left there: the lookup has
    /// run (the server's script count has passed `scripts_before`, taken before it was sent)
    /// and the key is empty again. With a lease TTL longer than the wait, that is a release,
    /// not an expiry; a marker nobody releases fails the test.
    pub async fn wait_until_released(&self, key: &str, scripts_before: u64) {
        eventually("the release of the orphaned lease marker", async || {
            self.script_calls() > scripts_before && self.raw_get(key).is_none()
        })
        .await;
    }

    /// Holds every write (scripts included) from now until [`resume_writes`](Self::resume_writes),
    /// while reads are still answered: `CLIENT PAUSE ... WRITE` for far longer than any test.
    pub fn hold_writes(&self) {
        let () = redis::cmd("CLIENT")
            .arg("PAUSE")
            .arg(600_000)
            .arg("WRITE")
            .query(&mut self.connection())
            .expect("CLIENT PAUSE WRITE");
    }

    /// Runs the writes held since [`hold_writes`](Self::hold_writes), in the order they came.
    pub fn resume_writes(&self) {
        let () = redis::cmd("CLIENT")
            .arg("UNPAUSE")
            .query(&mut self.connection())
            .expect("CLIENT UNPAUSE");
    }
}
