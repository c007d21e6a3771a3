//! What a pattern delete costs Redis and its caller, by `SCAN` batch size: the measurement the
//! runtime's `SCAN COUNT` was chosen by.
//!
//! - `counts`: a private `redis-server` filled with `DEBUG POPULATE` (1,000,000 unrelated keys by
//!   default) plus 100 keys of one service's template family; for each `COUNT` (100, 1000,
//!   5000, 10000) a hand-written loop, `SCAN cursor MATCH service-…-template-* COUNT n` then
//!   `UNLINK` of what it found, deletes the family. Then the toolkit's own
//!   `Cache::delete_matching`, at the count it uses.
//! - `cluster`: a 3-primary cluster holding as many unrelated keys, spread over the primaries,
//!   and the same family: the toolkit's delete (every primary at once) against the same
//!   hand-written loop over the primaries one after another.
//!
//! For each: round trips (`SCAN` and `UNLINK` calls, from `INFO commandstats`), Redis CPU (their
//! `usec`), the longest a single `SCAN` held the server (its mean `usec_per_call`), and wall
//! time; the median of the rounds (alternated between the variants, so that all see the same
//! machine load), with the load average before and after. Run with
//! `cargo bench -p cache-tests --bench pattern_scan`; `PATTERN_SCAN_KEYS` changes the number of
//! unrelated keys, `PATTERN_SCAN_PARTS=counts` or `=cluster` runs one part.

use std::time::{Duration, Instant};

use cache::Cache;
use cache_tests::{RedisCluster, RedisServer};
use redis::aio::MultiplexedConnection;

const ROUNDS: usize = 7;
const FAMILY: usize = 100;
const COUNTS: [usize; 4] = [100, 1000, 5000, 10000];
const SERVICE: &str = "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6";

/// What one delete cost.
#[derive(Clone, Copy, Default)]
struct Cost {
    round_trips: u64,
    cpu: Duration,
    /// Mean time Redis spent in one `SCAN`.
    per_scan: Duration,
    wall: Duration,
}

fn pattern() -> String {
    format!("service-{SERVICE}-template-*")
}

fn family() -> Vec<String> {
    (0..FAMILY)
        .map(|n| format!("service-{SERVICE}-template-{n}"))
        .collect()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// `calls` and `usec` of `command` in an `INFO commandstats` reply.
fn command_stats(info: &str, command: &str) -> (u64, u64) {
    let prefix = format!("cmdstat_{command}:");
    let Some(line) = info.lines().find_map(|line| line.strip_prefix(&prefix)) else {
        return (0, 0);
    };
    let field = |name: &str| {
        line.split(',')
            .find_map(|pair| pair.strip_prefix(name))
            .and_then(|value| value.parse().ok())
            .unwrap_or(0)
    };
    (field("calls="), field("usec="))
}

/// Round trips, CPU and mean `SCAN` time of the servers in `nodes` since their last reset.
async fn spent(nodes: &mut [MultiplexedConnection]) -> Cost {
    let mut cost = Cost::default();
    let (mut scans, mut scan_usec) = (0, 0);
    for node in nodes {
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query_async(node)
            .await
            .expect("INFO commandstats");
        let (calls, usec) = command_stats(&info, "scan");
        scans += calls;
        scan_usec += usec;
        let (unlinks, unlink_usec) = command_stats(&info, "unlink");
        cost.round_trips += calls + unlinks;
        cost.cpu += Duration::from_micros(usec + unlink_usec);
    }
    cost.per_scan = Duration::from_micros(scan_usec.checked_div(scans).unwrap_or(0));
    cost
}

async fn reset(nodes: &mut [MultiplexedConnection]) {
    for node in nodes {
        let () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query_async(node)
            .await
            .expect("CONFIG RESETSTAT");
    }
}

/// Writes the family through `cache` (so that on a cluster each key goes to its slot).
async fn write_family(cache: &Cache) {
    for key in family() {
        cache
            .set(&key, &"{}", None)
            .await
            .expect("SET a family key");
    }
}

/// The hand-written delete: on each node in turn, `SCAN … COUNT count` then `UNLINK` of what
/// it found (each key alone on a cluster, where a multi-key command must stay in one slot).
async fn hand_written(nodes: &mut [MultiplexedConnection], count: usize, cluster: bool) -> u64 {
    let pattern = pattern();
    let mut deleted = 0;
    for node in nodes {
        let mut cursor = 0u64;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(count)
                .query_async(node)
                .await
                .expect("SCAN");
            if !keys.is_empty() {
                if cluster {
                    for key in keys {
                        let n: u64 = redis::cmd("UNLINK")
                            .arg(key)
                            .query_async(node)
                            .await
                            .expect("UNLINK");
                        deleted += n;
                    }
                } else {
                    let n: u64 = redis::cmd("UNLINK")
                        .arg(&keys)
                        .query_async(node)
                        .await
                        .expect("UNLINK");
                    deleted += n;
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
    }
    deleted
}

/// Runs `delete` after writing the family and resetting the statistics; checks it deleted the
/// whole family, and returns its cost.
async fn measure<F: Future<Output = u64>>(
    cache: &Cache,
    nodes: &mut [MultiplexedConnection],
    delete: impl FnOnce() -> F,
) -> Cost {
    write_family(cache).await;
    reset(nodes).await;
    let started = Instant::now();
    let deleted = delete().await;
    let wall = started.elapsed();
    assert_eq!(deleted, FAMILY as u64, "the whole family, once");
    let mut cost = spent(nodes).await;
    cost.wall = wall;
    cost
}

fn median(costs: &mut [Cost]) -> Cost {
    let middle = costs.len() / 2;
    let pick = |costs: &mut [Cost], key: fn(&Cost) -> Duration| {
        costs.sort_by_key(key);
        key(&costs[middle])
    };
    Cost {
        round_trips: {
            costs.sort_by_key(|cost| cost.round_trips);
            costs[middle].round_trips
        },
        cpu: pick(costs, |cost| cost.cpu),
        per_scan: pick(costs, |cost| cost.per_scan),
        wall: pick(costs, |cost| cost.wall),
    }
}

fn print_row(name: &str, cost: Cost) {
    println!(
        "| {name} | {} | {:.1} ms | {:.0} µs | {:.1} ms |",
        cost.round_trips,
        cost.cpu.as_secs_f64() * 1e3,
        cost.per_scan.as_secs_f64() * 1e6,
        cost.wall.as_secs_f64() * 1e3,
    );
}

fn print_header(title: &str) {
    println!("\n{title}\n");
    println!("| delete | round trips | Redis CPU (SCAN + UNLINK) | mean SCAN | wall time |");
    println!("|---|---|---|---|---|");
}

/// A connection with no response timeout of its own: filling a server takes seconds.
async fn connect(client: &redis::Client) -> MultiplexedConnection {
    let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .expect("connect to a test server")
}

/// `COUNT` 100 … 10000 by hand, then the toolkit, on one server.
async fn counts(unrelated: usize) {
    let server = RedisServer::start_with(&["--enable-debug-command", "local"]);
    let mut nodes = vec![connect(&server.client()).await];
    let () = redis::cmd("DEBUG")
        .arg("POPULATE")
        .arg(unrelated)
        .query_async(&mut nodes[0])
        .await
        .expect("DEBUG POPULATE");
    let cache = Cache::builder()
        .redis(server.url())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a valid configuration");
    // One list per hand-written count, and the toolkit's last; each round starts with the
    // next variant, so that none always runs first.
    let variants = COUNTS.len() + 1;
    let mut costs: Vec<Vec<Cost>> = vec![Vec::new(); variants];
    for round in 0..ROUNDS {
        for step in 0..variants {
            let variant = (round + step) % variants;
            let cost = match COUNTS.get(variant) {
                Some(count) => {
                    let mut work = nodes.clone();
                    measure(&cache, &mut nodes, || async move {
                        hand_written(&mut work, *count, false).await
                    })
                    .await
                }
                None => {
                    measure(&cache, &mut nodes, || async {
                        cache
                            .delete_matching(&pattern())
                            .await
                            .expect("the toolkit's delete")
                    })
                    .await
                }
            };
            costs[variant].push(cost);
        }
    }
    print_header(&format!(
        "One redis-server, {unrelated} unrelated keys + {FAMILY} of the family, median of {ROUNDS}:"
    ));
    for (count, costs) in COUNTS.iter().zip(&mut costs) {
        print_row(&format!("`SCAN … COUNT {count}` + `UNLINK`"), median(costs));
    }
    print_row("`Cache::delete_matching`", median(&mut costs[COUNTS.len()]));
}

/// The toolkit (every primary at once) against the hand-written loop (one after another).
async fn cluster(unrelated: usize, count: usize) {
    let cluster = RedisCluster::start();
    let mut primaries = Vec::new();
    for port in cluster.primary_ports() {
        let node = cluster
            .nodes()
            .iter()
            .find(|node| node.port() == port)
            .expect("a node");
        primaries.push(connect(&node.client()).await);
    }
    // A hash tag each primary serves, so that its share of the keys is its own.
    let share = unrelated / primaries.len();
    for (index, port) in cluster.primary_ports().into_iter().enumerate() {
        let tag = (0..)
            .map(|n| format!("filler{n}"))
            .find(|tag| cluster.primary_for(&format!("{{{tag}}}")) == port)
            .expect("a tag on the primary");
        let () = redis::cmd("DEBUG")
            .arg("POPULATE")
            .arg(share)
            .arg(format!("{{{tag}}}"))
            .query_async(&mut primaries[index])
            .await
            .expect("DEBUG POPULATE");
    }
    let cache = Cache::builder()
        .redis_config(cluster.cache_config())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a valid configuration");
    let (mut toolkit, mut by_hand) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS * 2 {
        if round % 2 == (round / 2) % 2 {
            let cost = measure(&cache, &mut primaries, || async {
                cache
                    .delete_matching(&pattern())
                    .await
                    .expect("the toolkit's delete")
            })
            .await;
            toolkit.push(cost);
        } else {
            let mut work = primaries.clone();
            let cost = measure(&cache, &mut primaries, || async move {
                hand_written(&mut work, count, true).await
            })
            .await;
            by_hand.push(cost);
        }
    }
    print_header(&format!(
        "3-primary cluster, {unrelated} unrelated keys + {FAMILY} of the family, median of {ROUNDS}:"
    ));
    print_row(
        &format!("`SCAN … COUNT {count}` + `UNLINK`, one primary after another"),
        median(&mut by_hand),
    );
    print_row(
        "`Cache::delete_matching`, every primary at once",
        median(&mut toolkit),
    );
}

fn main() {
    let unrelated: usize = std::env::var("PATTERN_SCAN_KEYS")
        .ok()
        .map(|keys| keys.parse().expect("PATTERN_SCAN_KEYS: a number of keys"))
        .unwrap_or(1_000_000);
    let parts = std::env::var("PATTERN_SCAN_PARTS").unwrap_or_else(|_| "counts,cluster".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("load average before: {}", load_average());
    if parts.contains("counts") {
        runtime.block_on(counts(unrelated));
    }
    if parts.contains("cluster") {
        runtime.block_on(cluster(unrelated, 1000));
    }
    println!("\nload average after: {}", load_average());
}
