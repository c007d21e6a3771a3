//! A pattern delete on a cluster whose slots move in the middle of its scan, at a chosen point
//! rather than by luck: the second primary in scan order holds the scan's `UNLINK` (`CLIENT
//! PAUSE … WRITE`) after the first primary has been scanned, and meanwhile a slot moves from
//! the last primary, not yet scanned, to the first, already scanned. Its keys are then behind
//! the cursor: the delete must find them anyway (or fail with `ScanIncomplete`), never report
//! success with keys left, whichever node it asks for the slot map.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use cache::Cache;
use cache_tests::RedisCluster;

/// Keys spread over every primary, and keys in the slot that moves.
const SPREAD: usize = 300;
const MOVING: usize = 50;

/// Moves made in one cluster by the test whose outcome depends on which node answers.
const TRIALS: usize = 3;

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

/// Runs the delete with the move made while the scan is held; returns the delete's outcome and
/// the keys left once it returned.
async fn delete_while_a_slot_moves(
    cluster: Arc<RedisCluster>,
    how: Move,
) -> (Result<u64, cache::Error>, BTreeSet<String>) {
    let mut primaries = cluster.primary_ports();
    primaries.sort();
    let [first, second, last] = primaries[..] else {
        panic!("3 primaries: {primaries:?}");
    };
    // A hash tag whose slot the last primary serves.
    let tag = (0..)
        .map(|n| format!("t{n}"))
        .find(|tag| cluster.primary_for(&format!("{{{tag}}}")) == last)
        .expect("a tag on the last primary");
    let slot = cluster.slot_of(&format!("{{{tag}}}"));
    let mut raw = cluster.connection();
    let keys = (0..SPREAD)
        .map(|n| format!("item-{n}"))
        .chain((0..MOVING).map(|n| format!("item-{{{tag}}}-{n}")));
    for key in keys {
        let () = redis::cmd("SET")
            .arg(key)
            .arg("{}")
            .query(&mut raw)
            .expect("raw SET");
    }

    let cache = Cache::builder()
        .redis_config(cluster.cache_config())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a valid cluster configuration");
    cluster.pause_writes(second);
    let delete = tokio::spawn(async move { cache.delete_matching("item-*").await });
    let mover = cluster.clone();
    let scanned_first = tokio::task::spawn_blocking(move || {
        mover.wait_until_held(second, "unlink");
        // The premise, checked: the scan is past the first primary and before the last.
        let scanned_first = keys_on(&mover, first).is_empty() && !keys_on(&mover, last).is_empty();
        let moved = mover.migrate_slot_keys(slot, last, first);
        assert_eq!(moved, MOVING, "every key of the slot moved");
        match how {
            Move::Open => {}
            Move::Finished => mover.finish_slot_move(slot, last, first),
            Move::HandedOver => mover.hand_over_slot(slot, last, first),
        }
        mover.unpause(second);
        scanned_first
    })
    .await
    .expect("the slot move panicked");
    let deleted = delete.await.expect("the delete panicked");
    // Counted at once: nothing writes these keys, so none can come back, and none can go
    // but by this delete.
    let left: BTreeSet<String> = primaries
        .iter()
        .flat_map(|port| keys_on(&cluster, *port))
        .collect();
    assert!(
        scanned_first,
        "the scan was held on the second primary before the first was done, or after the last"
    );
    if how == Move::HandedOver {
        cluster.wait_until_all_see(slot, first);
    }
    println!(
        "cluster scan, slot {how:?} mid-scan: {deleted:?}, {} keys left",
        left.len()
    );
    (deleted, left)
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
    let (deleted, left) =
        delete_while_a_slot_moves(Arc::new(RedisCluster::start()), Move::Finished).await;
    check(deleted, &left);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_a_slot_still_migrating_behind_the_scan_are_found() {
    let (deleted, left) =
        delete_while_a_slot_moves(Arc::new(RedisCluster::start()), Move::Open).await;
    check(deleted, &left);
}

/// The slot map a scan compares before and after a pass must be the primaries' own: a node
/// that has not heard of the move yet (a replica, the third primary) would say nothing moved.
/// Which node a random query reaches is luck, so the move is made several times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_only_its_two_primaries_know_of_is_seen() {
    let cluster = Arc::new(RedisCluster::start());
    for _ in 0..TRIALS {
        let (deleted, left) = delete_while_a_slot_moves(cluster.clone(), Move::HandedOver).await;
        check(deleted, &left);
    }
}
