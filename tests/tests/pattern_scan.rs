//! A pattern delete on one server returns `Ok` only once every matching key that existed when
//! it was called is gone, while other clients write: the server holds many unrelated keys (the
//! scan takes many steps) and a writer adds more during the scan, so that the server's table
//! grows and is rehashed under the cursor. On a cluster, see `cluster_scan.rs`.

use std::time::Duration;

use cache::Cache;
use cache_tests::RedisServer;

/// Unrelated keys before each delete, and keys a writer adds during it.
const FILLER: usize = 200_000;
const ADDED: usize = 150_000;
/// Keys of the family each delete removes.
const FAMILY: usize = 2_000;
const ROUNDS: usize = 3;

/// How many of `keys` exist (one `EXISTS` of them all).
fn existing(server: &RedisServer, keys: &[String]) -> u64 {
    redis::cmd("EXISTS")
        .arg(keys)
        .query(&mut server.connection())
        .expect("EXISTS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_that_matched_is_left_when_a_delete_returns() {
    let server = RedisServer::start_with(&["--enable-debug-command", "local"]);
    let cache = Cache::builder()
        .redis(server.url())
        // Beside busy loops a step can take long; what is checked is what is left.
        .timeout(Duration::from_secs(30))
        .circuit_breaker(0, Duration::ZERO)
        .build()
        .expect("a valid configuration");
    for round in 0..ROUNDS {
        let () = redis::cmd("FLUSHALL")
            .query(&mut server.connection())
            .expect("FLUSHALL");
        let () = redis::cmd("DEBUG")
            .arg("POPULATE")
            .arg(FILLER)
            .query(&mut server.connection())
            .expect("DEBUG POPULATE");
        let family: Vec<String> = (0..FAMILY)
            .map(|n| format!("service-{round}-template-{n}"))
            .collect();
        let mut pipeline = redis::pipe();
        for key in &family {
            pipeline.cmd("SET").arg(key).arg("{}").ignore();
        }
        let () = pipeline
            .query(&mut server.connection())
            .expect("SET the family");

        // Grows the table while the delete scans it: a rehash under the cursor.
        let url = server.url();
        let writer = tokio::task::spawn_blocking(move || {
            let mut connection = redis::Client::open(url)
                .and_then(|client| client.get_connection())
                .expect("the writer's connection");
            for batch in 0..ADDED / 1000 {
                let mut pipeline = redis::pipe();
                for n in 0..1000 {
                    pipeline
                        .cmd("SET")
                        .arg(format!("other-{batch}-{n}"))
                        .arg(1)
                        .ignore();
                }
                let () = pipeline.query(&mut connection).expect("the writer's SETs");
            }
        });
        let deleted = cache
            .delete_matching(&format!("service-{round}-template-*"))
            .await;
        // Counted at once: nothing else writes or deletes the family.
        let left = existing(&server, &family);
        writer.await.expect("the writer panicked");
        println!("round {round}: {deleted:?}, {left} of {FAMILY} left");
        assert_eq!(deleted.expect("the delete"), FAMILY as u64);
        assert_eq!(left, 0, "round {round}: Ok with keys left");
    }
}
