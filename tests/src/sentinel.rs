//! A Redis Sentinel process on a free loopback port, monitoring one primary; killed on drop.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{forget_pid, free_port, spawn_ready};

/// `redis-server --sentinel`, with its configuration file in a fresh temporary directory.
pub struct SentinelServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl SentinelServer {
    /// Starts a sentinel monitoring `master_name` at 127.0.0.1:`master_port` (quorum 1, a
    /// primary considered down after 1 s), and waits until it monitors it.
    pub fn start(master_name: &str, master_port: u16) -> SentinelServer {
        let dir = std::env::temp_dir().join(format!(
            "cache-tests-sentinel-{}-{}",
            std::process::id(),
            crate::Rng::random_seed()
        ));
        std::fs::create_dir_all(&dir).expect("create the sentinel's directory");
        let config = dir.join("sentinel.conf");
        // Sentinel rewrites its configuration file as it learns: it must be its own file.
        std::fs::write(
            &config,
            format!(
                "sentinel monitor {master_name} 127.0.0.1 {master_port} 1\n\
                 sentinel down-after-milliseconds {master_name} 1000\n\
                 sentinel failover-timeout {master_name} 5000\n"
            ),
        )
        .expect("write the sentinel's configuration");
        let mut last_error = String::new();
        for _ in 0..10 {
            let port = free_port();
            let mut command = Command::new("redis-server");
            command
                .arg(&config)
                .arg("--sentinel")
                .args(["--port", &port.to_string()])
                .args(["--bind", "127.0.0.1"])
                .args(["--dir", &dir.to_string_lossy()])
                .stdin(Stdio::null());
            match spawn_ready(command, port, "+monitor master") {
                Ok(child) => {
                    return SentinelServer {
                        child: Some(child),
                        port,
                        dir,
                    };
                }
                Err(error) => last_error = error,
            }
        }
        panic!("could not start a sentinel: {last_error}");
    }

    /// The sentinel's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A blocking connection to the sentinel, for `SENTINEL …` commands.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .expect("a loopback URL always parses")
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("connect to the test sentinel")
    }

    /// Waits until the sentinel knows a replica of `master_name` it could promote: one that is
    /// up and whose link to the primary is up. (Known but still syncing, it is refused with
    /// `NOGOODSLAVE`.)
    pub fn wait_for_replica(&self, master_name: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let replicas: Vec<HashMap<String, String>> = redis::cmd("SENTINEL")
                .arg("REPLICAS")
                .arg(master_name)
                .query(&mut self.connection())
                .expect("SENTINEL REPLICAS");
            let promotable = |replica: &HashMap<String, String>| {
                let field = |name: &str| replica.get(name).map_or("", String::as_str);
                field("master-link-status") == "ok"
                    && !field("flags").contains("down")
                    && !field("flags").contains("disconnected")
            };
            if replicas.iter().any(promotable) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the sentinel never saw a replica it could promote"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Forces a failover of `master_name` and waits until the sentinel names `new_port` as
    /// its primary.
    pub fn fail_over(&self, master_name: &str, new_port: u16) {
        let deadline = Instant::now() + Duration::from_secs(30);
        // A replica the sentinel has just found is not yet one it will promote (`NOGOODSLAVE`
        // until it has heard from it recently enough): ask again until it is.
        loop {
            match redis::cmd("SENTINEL")
                .arg("FAILOVER")
                .arg(master_name)
                .query::<()>(&mut self.connection())
            {
                Ok(()) => break,
                Err(error) if error.to_string().contains("NOGOODSLAVE") => {
                    assert!(Instant::now() < deadline, "SENTINEL FAILOVER: {error}");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(error) => panic!("SENTINEL FAILOVER: {error}"),
            }
        }
        loop {
            let (_, port): (String, String) = redis::cmd("SENTINEL")
                .arg("GET-MASTER-ADDR-BY-NAME")
                .arg(master_name)
                .query(&mut self.connection())
                .expect("SENTINEL GET-MASTER-ADDR-BY-NAME");
            if port == new_port.to_string() {
                return;
            }
            assert!(Instant::now() < deadline, "the sentinel never failed over");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SentinelServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            forget_pid(child.id());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
