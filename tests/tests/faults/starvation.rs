//! A timeout caused by this process being starved of CPU is not held against Redis.
//!
//! Both tests freeze the server (`SIGSTOP`), so that a command cannot be answered and times out.
//! In the first, the runtime's only thread is also blocked past the deadline, and past all the
//! patience a command is given while the process cannot watch Redis (as CPU-bound work on the
//! runtime, or a host with more busy threads than cores, would do): the call sees its timeouts
//! late, and the breaker (set to open at the first failure) stays closed. In the second the
//! runtime is free: the timeout is seen on time, and the breaker opens. Neither asserts on how
//! long anything took. (With a healthy server, a starved runtime gets its hits:
//! `breaker_consistency.rs`.)

use std::time::Duration;

use cache::{BreakerState, Cache};
use cache_tests::{Calls, RedisServer, live};

const TIMEOUT: Duration = Duration::from_millis(100);

struct Client {
    cache: Cache,
    calls: Calls,
}

impl Client {
    fn new(server: &RedisServer) -> Client {
        let cache = Cache::builder()
            .redis(server.url())
            .timeout(TIMEOUT)
            // Opens at the first failure it is told of, and stays open for the whole test.
            .circuit_breaker(1, Duration::from_secs(600))
            .build()
            .unwrap();
        Client {
            cache,
            calls: Calls::default(),
        }
    }

    #[cache::set("user-{id}", ttl = "1h", cache = self.cache)]
    async fn user(&self, id: u32) -> String {
        self.calls.record();
        format!("user {id}")
    }
}

/// A client whose connection is made and whose first value is cached, then the server frozen.
async fn client_of_frozen_server(server: &RedisServer) -> Client {
    let client = Client::new(server);
    assert_eq!(live("a call", client.user(1)).await, "user 1");
    assert_eq!(live("a call", client.user(1)).await, "user 1");
    assert_eq!(client.calls.get(), 1, "the second call is a hit");
    server.pause();
    client
}

#[tokio::test]
async fn a_timeout_seen_late_by_a_starved_runtime_does_not_open_the_breaker() {
    let server = RedisServer::start();
    let client = client_of_frozen_server(&server).await;

    let (value, ()) = tokio::join!(client.user(2), async {
        // The call above has sent its command and set its timer; now the runtime's only thread
        // is busy until long after the deadline and the command's whole patience (ten
        // timeouts), where 50 ms late already counts as starvation.
        tokio::task::yield_now().await;
        std::thread::sleep(TIMEOUT * 15);
    });
    assert_eq!(value, "user 2", "the call failed open to its body");
    assert_eq!(client.calls.get(), 2);
    assert_eq!(
        client.cache.breaker_state(),
        BreakerState::Closed,
        "a timeout the process's starvation caused must not open the breaker"
    );
    server.resume();
}

#[tokio::test]
async fn a_timeout_seen_on_time_opens_the_breaker() {
    let server = RedisServer::start();
    let client = client_of_frozen_server(&server).await;

    // Each call times out against the frozen server. A loaded machine may wake one late enough
    // to look starved; the breaker opens at the first that is not.
    for id in 2..22 {
        assert_eq!(
            live("a call to a frozen server", client.user(id)).await,
            format!("user {id}")
        );
        if client.cache.breaker_state() != BreakerState::Closed {
            break;
        }
    }
    assert!(
        matches!(client.cache.breaker_state(), BreakerState::Open { .. }),
        "Redis's own silence opens the breaker, got {:?}",
        client.cache.breaker_state()
    );
    server.resume();
}
