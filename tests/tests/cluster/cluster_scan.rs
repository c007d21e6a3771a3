//! A pattern delete on a cluster whose slots move in the middle of its scan. Every primary is
//! scanned at once, so the test makes the dangerous order likely and then checks that it
//! happened: the source primary holds many unrelated keys (its scan takes many steps), the
//! target few (its scan ends at once); as soon as the target's keys are gone, a slot's keys
//! move from the source, whose scan has not reached its end, to the target, already scanned.
//! They are then behind both cursors: the delete must find them anyway (or fail with
//! `ScanIncomplete`), never report success with keys left, whichever node it asks about the
//! slots. A trial in which the order did not happen is not counted.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cache::Cache;
use cache_tests::RedisCluster;

/// Keys spread over every primary, and keys in the slot that moves.
const SPREAD: usize = 30;
const MOVING: usize = 50;

/// Unrelated keys on the source primary, so that its scan takes many steps.
const FILLER: usize = 300_000;

/// Trials before giving up on seeing the dangerous order once.
const TRIALS: usize = 8;

/// Trials that must see it, for the test whose outcome also depends on which node answers.
const SEEN: usize = 3;

fn keys_on(cluster: &RedisCluster, port: u16) -> BTreeSet<String> {
    let node = cluster
        .nodes()
        .iter()
        .find(|node| node.port() == port)
        .expect("a node of this cluster");
    redis::cmd("KEYS")
        .arg("item-*")
        .query(&mut node.connection())
        .expect("KEYS on a primary")
}

/// How many `SCAN`s the node on `port` has run since its statistics were last reset.
fn scans_on(cluster: &RedisCluster, port: u16) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut node(cluster, port).connection())
        .expect("INFO commandstats");
    info.lines()
        .find_map(|line| line.strip_prefix("cmdstat_scan:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().expect("a count of calls"))
}

fn node(cluster: &RedisCluster, port: u16) -> &cache_tests::RedisServer {
    cluster
        .nodes()
        .iter()
        .find(|node| node.port() == port)
        .expect("a node of this cluster")
}

fn reset_stats(cluster: &RedisCluster, port: u16) {
    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut node(cluster, port).connection())
        .expect("CONFIG RESETSTAT");
}

/// A hash tag whose slot the primary on `port` serves, other than those in `taken`.
fn tag_on(cluster: &RedisCluster, port: u16, taken: &[u16]) -> (String, u16) {
    (0..)
        .map(|n| format!("t{n}"))
        .map(|tag| {
            let slot = cluster.slot_of(&format!("{{{tag}}}"));
            (tag, slot)
        })
        .find(|(tag, slot)| {
            !taken.contains(slot) && cluster.primary_for(&format!("{{{tag}}}")) == port
        })
        .expect("a tag on the primary")
}

/// How far the slot's move goes while the scan is held.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Move {
    /// Keys moved, the slot left open (`MIGRATING`/`IMPORTING`).
    Open,
    /// The move ended on every node (they all name the new owner).
    Finished,
    /// The move ended on its two primaries only, as `redis-cli` ends it first: the other
    /// nodes (the third primary, every replica) still name the old owner until gossip reaches
    /// them, so a slot map asked of one of them is stale.
    HandedOver,
}

/// The cluster, its source and target primaries, and the slots used so far.
struct Bench {
    cluster: Arc<RedisCluster>,
    source: u16,
    target: u16,
    taken: Vec<u16>,
}

impl Bench {
    /// A cluster whose last primary (by port) holds [`FILLER`] unrelated keys.
    fn start() -> Bench {
        let cluster = Arc::new(RedisCluster::start());
        let mut primaries = cluster.primary_ports();
        primaries.sort();
        let (target, source) = (primaries[0], primaries[primaries.len() - 1]);
        let (tag, slot) = tag_on(&cluster, source, &[]);
        let () = redis::cmd("DEBUG")
            .arg("POPULATE")
            .arg(FILLER)
            .arg(format!("{{{tag}}}filler"))
            .query(&mut node(&cluster, source).connection())
            .expect("DEBUG POPULATE");
        Bench {
            cluster,
            source,
            target,
            taken: vec![slot],
        }
    }
}

/// What one trial saw.
struct Trial {
    deleted: Result<u64, cache::Error>,
    /// Matching keys left once the delete returned.
    left: BTreeSet<String>,
    /// Whether the slot's keys left the source before its scan ended, and after the target's.
    behind: bool,
}

/// Runs a delete and moves a slot from the source to the target while it runs.
async fn delete_while_a_slot_moves(bench: &mut Bench, how: Move) -> Trial {
    let (cluster, source, target) = (bench.cluster.clone(), bench.source, bench.target);
    let (tag, slot) = tag_on(&cluster, source, &bench.taken);
    bench.taken.push(slot);
    let mut raw = cluster.connection();
    let keys = (0..SPREAD)
        .map(|n| format!("item-{slot}-{n}"))
        .chain((0..MOVING).map(|n| format!("item-{{{tag}}}-{n}")));
    for key in keys {
        let () = redis::cmd("SET")
            .arg(key)
            .arg("{}")
            .query(&mut raw)
            .expect("raw SET");
    }
    // Steps of a whole pass over the source, for comparison.
    let cache = Cache::builder()
        .redis_config(cluster.cache_config())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a valid cluster configuration");
    reset_stats(&cluster, source);
    cache
        .keys_matching("no-such-key-*", 1)
        .await
        .expect("a scan with nothing to find");
    let whole_pass = scans_on(&cluster, source);
    reset_stats(&cluster, source);

    let delete = tokio::spawn(async move { cache.delete_matching("item-*").await });
    let mover = cluster.clone();
    let (moved, scans_when_moved) = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !keys_on(&mover, target).is_empty() {
            assert!(Instant::now() < deadline, "the target was never scanned");
            std::thread::sleep(Duration::from_millis(1));
        }
        let moved = mover.migrate_slot_keys(slot, source, target);
        match how {
            Move::Open => {}
            Move::Finished => mover.finish_slot_move(slot, source, target),
            Move::HandedOver => mover.hand_over_slot(slot, source, target),
        }
        (moved, scans_on(&mover, source))
    })
    .await
    .expect("the slot move panicked");
    let deleted = delete.await.expect("the delete panicked");
    // Counted at once: nothing writes these keys, so none can come back, and none can go
    // but by this delete.
    let left: BTreeSet<String> = cluster
        .primary_ports()
        .iter()
        .flat_map(|port| keys_on(&cluster, *port))
        .collect();
    if how == Move::HandedOver {
        cluster.wait_until_all_see(slot, target);
    }
    let behind = moved > 0 && scans_when_moved < whole_pass;
    println!(
        "cluster scan, slot {how:?} mid-scan after {scans_when_moved} of the source's \
         {whole_pass} steps ({moved} keys moved): {deleted:?}, {} keys left",
        left.len()
    );
    Trial {
        deleted,
        left,
        behind,
    }
}

/// Runs trials until `seen` of them moved the keys behind the cursors, checking each.
async fn trials(how: Move, seen: usize) {
    let mut bench = Bench::start();
    let mut behind = 0;
    for _ in 0..TRIALS {
        let trial = delete_while_a_slot_moves(&mut bench, how).await;
        check(trial.deleted, &trial.left);
        behind += usize::from(trial.behind);
        if behind == seen {
            return;
        }
    }
    panic!("in {TRIALS} trials, the keys moved behind the cursors only {behind} times");
}

/// Fails if the delete reported success with keys left, or failed otherwise than by saying the
/// slots kept moving.
fn check(deleted: Result<u64, cache::Error>, left: &BTreeSet<String>) {
    match deleted {
        Ok(count) => {
            assert!(left.is_empty(), "reported success with keys left: {left:?}");
            assert_eq!(count, (SPREAD + MOVING) as u64);
        }
        Err(cache::Error::ScanIncomplete { .. }) => {}
        Err(error) => panic!("the delete failed: {error}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_moved_behind_the_scan_is_scanned_again() {
    trials(Move::Finished, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_a_slot_still_migrating_behind_the_scan_are_found() {
    trials(Move::Open, 1).await;
}

/// The slots a scan compares before and after a pass must be the primaries' own claims: a
/// node that has not heard of the move yet (a replica, the third primary) would say nothing
/// moved. Which node a query reaches is luck, so the move is made several times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_only_its_two_primaries_know_of_is_seen() {
    trials(Move::HandedOver, SEEN).await;
}
/// Keys of one family written before each delete of the reshard test.
const FAMILY: usize = 1000;

/// Sends `command key args…` for every key through a cluster connection (which follows `MOVED`
/// and `ASK` for each command, so a key is found wherever the migration has put it); returns
/// the integer replies (1 for any other).
fn each_key(cluster: &RedisCluster, command: &str, keys: &[String], args: &[&str]) -> Vec<i64> {
    let mut connection = cluster.connection();
    keys.iter()
        .map(|key| {
            let reply: redis::Value = redis::cmd(command)
                .arg(key)
                .arg(args)
                .query(&mut connection)
                .unwrap_or_else(|error| panic!("{command} {key}: {error}"));
            match reply {
                redis::Value::Int(n) => n,
                _ => 1,
            }
        })
        .collect()
}

/// [`each_key`] off the runtime's threads.
async fn each_key_blocking(
    cluster: &Arc<RedisCluster>,
    command: &'static str,
    keys: &[String],
    args: &'static [&'static str],
) -> Vec<i64> {
    let (cluster, keys) = (cluster.clone(), keys.to_vec());
    tokio::task::spawn_blocking(move || each_key(&cluster, command, &keys, args))
        .await
        .expect("a cluster pipeline panicked")
}

/// One delete of a fresh family of [`FAMILY`] keys: what it returned, and how many of the
/// keys (written before the call, touched by nothing else) were left when it returned.
async fn delete_a_family(
    cluster: &Arc<RedisCluster>,
    cache: &Cache,
    round: usize,
) -> (Result<u64, cache::Error>, i64) {
    let keys: Vec<String> = (0..FAMILY).map(|n| format!("family-{round}-{n}")).collect();
    each_key_blocking(cluster, "SET", &keys, &["{}"]).await;
    let deleted = cache.delete_matching(&format!("family-{round}-*")).await;
    let left = each_key_blocking(cluster, "EXISTS", &keys, &[])
        .await
        .iter()
        .sum::<i64>();
    (deleted, left)
}

/// Pattern deletes, one after another, while `redis-cli --cluster reshard` moves slots between
/// primaries: whenever a delete returns `Ok`, none of its family's keys is left at that
/// moment; otherwise it says it cannot be sure (`ScanIncomplete`: slots moved during every
/// pass), never a timeout (a cluster connection that stopped answering). Once the slots stop
/// moving, a delete completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pattern_delete_during_a_reshard_leaves_nothing_when_it_returns() {
    let cluster = Arc::new(RedisCluster::start());
    // Beside busy loops a command can take seconds: a long bound and no breaker, so that a
    // timeout means a connection that stopped answering, not a slow machine.
    let cache = Cache::builder()
        .redis_config(cluster.cache_config())
        .timeout(Duration::from_secs(10))
        .circuit_breaker(0, Duration::ZERO)
        .build()
        .expect("a valid cluster configuration");
    let from = cluster.primary_for("family-0-0");
    let to = *cluster
        .primary_ports()
        .iter()
        .find(|port| **port != from)
        .expect("another primary");
    let migration = {
        let cluster = cluster.clone();
        tokio::task::spawn_blocking(move || cluster.reshard(from, to, 4000))
    };
    let (mut clean, mut told, mut left_when_told) = (0, 0, 0);
    let mut round = 0;
    while !migration.is_finished() || round == 0 {
        let (deleted, left) = delete_a_family(&cluster, &cache, round).await;
        match deleted {
            Ok(count) => {
                assert_eq!(left, 0, "round {round}: Ok({count}) with {left} keys left");
                assert_eq!(count, FAMILY as u64, "round {round}");
                clean += 1;
            }
            Err(cache::Error::ScanIncomplete { .. }) => {
                told += 1;
                left_when_told += left;
            }
            Err(error) => panic!("round {round}: {error} ({left} keys left)"),
        }
        round += 1;
    }
    migration.await.expect("the reshard panicked");
    println!(
        "cluster: {round} pattern deletes of {FAMILY} keys during a 4000-slot reshard: {clean} \
         returned Ok with 0 keys left, {told} returned ScanIncomplete ({left_when_told} keys \
         left in all)"
    );
    let (deleted, left) = delete_a_family(&cluster, &cache, round).await;
    assert_eq!(
        deleted.expect("a delete once the slots are still"),
        FAMILY as u64
    );
    assert_eq!(left, 0);
}
