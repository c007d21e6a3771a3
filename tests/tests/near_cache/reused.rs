//! A near-cache hit of a `Clone` type hands back a clone of the value decoded from the local
//! copy once, instead of decoding it again; other types decode; the decoded value goes with
//! its copy; a key read as two types never hands one type's value to the other.
//!
//! Decoding is counted by the types' `Deserialize` (through `#[serde(from)]`), one counter per
//! type so that tests running side by side do not disturb each other's counts.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use cache::Cache;
use cache_tests::{RedisServer, eventually};
use redis::aio::MultiplexedConnection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{PREFIX, gets, near_handle, raw};

/// What every counted type is decoded from: `{"n": ..}`.
#[derive(Deserialize)]
struct Wire {
    n: u64,
}

macro_rules! counted {
    ($name:ident, $decodes:ident $(, $derive:ident)*) => {
        static $decodes: AtomicUsize = AtomicUsize::new(0);

        #[derive(Debug, PartialEq, Serialize, Deserialize $(, $derive)*)]
        #[serde(from = "Wire")]
        struct $name {
            n: u64,
        }

        impl From<Wire> for $name {
            fn from(wire: Wire) -> Self {
                $decodes.fetch_add(1, SeqCst);
                $name { n: wire.n }
            }
        }
    };
}

counted!(Reused, REUSED_DECODES, Clone);
counted!(ReusedWhole, REUSED_WHOLE_DECODES, Clone);
counted!(NotClone, NOT_CLONE_DECODES);
counted!(Invalidated, INVALIDATED_DECODES, Clone);
counted!(FirstType, FIRST_TYPE_DECODES, Clone);
counted!(SecondType, SECOND_TYPE_DECODES, Clone);
counted!(ReusedBlocking, REUSED_BLOCKING_DECODES, Clone);

/// The annotated client. Bodies never run: every value is put in Redis first.
struct Client {
    cache: Cache,
}

impl Client {
    #[cache::set("reused-{id}", cache = self.cache)]
    async fn reused(&self, id: u64) -> Result<Reused, io::Error> {
        let _ = id;
        Err(io::Error::other("the body ran"))
    }

    #[cache::set("reused-whole-{id}", cache = self.cache)]
    async fn reused_whole(&self, id: u64) -> ReusedWhole {
        unreachable!("the body ran for {id}")
    }

    #[cache::set("not-clone-{id}", cache = self.cache)]
    async fn not_clone(&self, id: u64) -> Result<NotClone, io::Error> {
        let _ = id;
        Err(io::Error::other("the body ran"))
    }

    #[cache::set("invalidated-{id}", cache = self.cache)]
    async fn invalidated(&self, id: u64) -> Result<Invalidated, io::Error> {
        let _ = id;
        Err(io::Error::other("the body ran"))
    }

    #[cache::set("reused-blocking-{id}", cache = self.cache)]
    fn reused_blocking(&self, id: u64) -> Result<ReusedBlocking, io::Error> {
        let _ = id;
        Err(io::Error::other("the body ran"))
    }

    /// The same key, decoded into whatever the caller asks for.
    #[cache::set("typed-{id}", cache = self.cache)]
    async fn typed<T>(&self, id: u64) -> Result<T, io::Error>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let _ = id;
        Err(io::Error::other("the body ran"))
    }
}

async fn put(raw: &mut MultiplexedConnection, key: &str, n: u64) {
    let () = redis::cmd("SET")
        .arg(format!("{PREFIX}{key}"))
        .arg(format!("{{\"n\":{n}}}"))
        .query_async(raw)
        .await
        .unwrap();
}

/// Runs `read` until a call is answered without a `GET` reaching Redis (the local copy).
async fn until_local<T: PartialEq + std::fmt::Debug>(
    raw: &mut MultiplexedConnection,
    expected: T,
    mut read: impl AsyncFnMut() -> T,
) {
    eventually("the value is served from the near cache", async || {
        let before = gets(raw).await;
        assert_eq!(read().await, expected);
        gets(raw).await == before
    })
    .await;
}

/// `calls` reads through `cache`, all answered locally (its `near_hits` counts each); returns
/// how many decodes `counter` saw meanwhile.
async fn decodes_over<T: PartialEq + std::fmt::Debug>(
    (cache, raw): (&Cache, &mut MultiplexedConnection),
    counter: &AtomicUsize,
    expected: &T,
    calls: usize,
    mut read: impl AsyncFnMut() -> T,
) -> usize {
    let before = (gets(raw).await, counter.load(SeqCst), cache.stats());
    for _ in 0..calls {
        assert_eq!(&read().await, expected);
    }
    assert_eq!(gets(raw).await, before.0, "every read was a near hit");
    let stats = cache.stats();
    assert_eq!(
        (
            stats.near_hits - before.2.near_hits,
            stats.hits - before.2.hits
        ),
        (calls as u64, calls as u64),
        "near hits and hits over {calls} near hits"
    );
    counter.load(SeqCst) - before.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_near_hit_of_a_clone_type_does_not_decode() {
    let server = RedisServer::start();
    let client = Client {
        cache: near_handle(&server),
    };
    let mut raw = raw(&server).await;
    put(&mut raw, "reused-1", 7).await;
    put(&mut raw, "reused-whole-1", 8).await;

    until_local(&mut raw, Reused { n: 7 }, async || {
        client.reused(1).await.unwrap()
    })
    .await;
    let decodes = decodes_over(
        (&client.cache, &mut raw),
        &REUSED_DECODES,
        &Reused { n: 7 },
        20,
        async || client.reused(1).await.unwrap(),
    )
    .await;
    // One at most: the hit that first found the copy's slot empty.
    assert!(decodes <= 1, "{decodes} decodes over 20 near hits");

    // A plain (not `Result`) return type too.
    until_local(&mut raw, ReusedWhole { n: 8 }, async || {
        client.reused_whole(1).await
    })
    .await;
    let decodes = decodes_over(
        (&client.cache, &mut raw),
        &REUSED_WHOLE_DECODES,
        &ReusedWhole { n: 8 },
        20,
        async || client.reused_whole(1).await,
    )
    .await;
    assert!(decodes <= 1, "{decodes} decodes over 20 near hits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_near_hit_of_a_type_that_is_not_clone_decodes() {
    let server = RedisServer::start();
    let client = Client {
        cache: near_handle(&server),
    };
    let mut raw = raw(&server).await;
    put(&mut raw, "not-clone-1", 3).await;
    until_local(&mut raw, NotClone { n: 3 }, async || {
        client.not_clone(1).await.unwrap()
    })
    .await;
    let decodes = decodes_over(
        (&client.cache, &mut raw),
        &NOT_CLONE_DECODES,
        &NotClone { n: 3 },
        20,
        async || client.not_clone(1).await.unwrap(),
    )
    .await;
    assert_eq!(decodes, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_drops_the_decoded_value_with_its_copy() {
    let server = RedisServer::start();
    let client = Client {
        cache: near_handle(&server),
    };
    let mut raw = raw(&server).await;
    put(&mut raw, "invalidated-1", 1).await;
    until_local(&mut raw, Invalidated { n: 1 }, async || {
        client.invalidated(1).await.unwrap()
    })
    .await;
    // The copy's decoded value is kept now.
    let decodes = decodes_over(
        (&client.cache, &mut raw),
        &INVALIDATED_DECODES,
        &Invalidated { n: 1 },
        5,
        async || client.invalidated(1).await.unwrap(),
    )
    .await;
    assert!(decodes <= 1);

    // Another client overwrites the key: the old decoded value is never served again, and the
    // new copy gets its own.
    put(&mut raw, "invalidated-1", 2).await;
    eventually("the overwrite reaches the near cache", async || {
        client.invalidated(1).await.unwrap() == Invalidated { n: 2 }
    })
    .await;
    until_local(&mut raw, Invalidated { n: 2 }, async || {
        client.invalidated(1).await.unwrap()
    })
    .await;
    let decodes = decodes_over(
        (&client.cache, &mut raw),
        &INVALIDATED_DECODES,
        &Invalidated { n: 2 },
        5,
        async || client.invalidated(1).await.unwrap(),
    )
    .await;
    assert!(decodes <= 1);

    // This process deletes it: gone before the call returns.
    client.cache.delete(["invalidated-1"]).await.unwrap();
    assert!(client.invalidated(1).await.is_err(), "the body runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_read_as_two_types_never_gets_the_other_types_value() {
    let server = RedisServer::start();
    let client = Client {
        cache: near_handle(&server),
    };
    let mut raw = raw(&server).await;
    put(&mut raw, "typed-1", 5).await;
    until_local(&mut raw, FirstType { n: 5 }, async || {
        client.typed::<FirstType>(1).await.unwrap()
    })
    .await;
    decodes_over(
        (&client.cache, &mut raw),
        &FIRST_TYPE_DECODES,
        &FirstType { n: 5 },
        3,
        async || client.typed::<FirstType>(1).await.unwrap(),
    )
    .await;

    // The copy keeps the first type's value: the second type decodes, every time, and gets
    // its own value; the first type keeps cloning.
    let decodes = decodes_over(
        (&client.cache, &mut raw),
        &SECOND_TYPE_DECODES,
        &SecondType { n: 5 },
        5,
        async || client.typed::<SecondType>(1).await.unwrap(),
    )
    .await;
    assert_eq!(decodes, 5);
    let decodes = decodes_over(
        (&client.cache, &mut raw),
        &FIRST_TYPE_DECODES,
        &FirstType { n: 5 },
        5,
        async || client.typed::<FirstType>(1).await.unwrap(),
    )
    .await;
    assert_eq!(decodes, 0);
}

/// A blocking function, outside any runtime: the same read path, so the same reuse.
#[test]
fn a_blocking_near_hit_of_a_clone_type_does_not_decode() {
    let server = RedisServer::start();
    let client = Client {
        cache: near_handle(&server),
    };
    let mut raw = server.client().get_connection().unwrap();
    let () = redis::cmd("SET")
        .arg(format!("{PREFIX}reused-blocking-1"))
        .arg("{\"n\":9}")
        .query(&mut raw)
        .unwrap();
    let mut gets = || -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut raw)
            .unwrap();
        info.lines()
            .find_map(|line| line.strip_prefix("cmdstat_get:calls="))
            .and_then(|rest| rest.split(',').next())
            .map_or(0, |calls| calls.parse().unwrap())
    };
    let expected = ReusedBlocking { n: 9 };
    // The wall clock only decides when to give up.
    let deadline = std::time::Instant::now() + cache_tests::LIVENESS;
    loop {
        let before = gets();
        assert_eq!(client.reused_blocking(1).unwrap(), expected);
        if gets() == before {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never served locally");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let before = (
        gets(),
        REUSED_BLOCKING_DECODES.load(SeqCst),
        client.cache.stats().near_hits,
    );
    for _ in 0..20 {
        assert_eq!(client.reused_blocking(1).unwrap(), expected);
    }
    assert_eq!(gets(), before.0, "every read was a near hit");
    assert_eq!(
        client.cache.stats().near_hits - before.2,
        20,
        "near hits counted"
    );
    let decodes = REUSED_BLOCKING_DECODES.load(SeqCst) - before.1;
    assert!(decodes <= 1, "{decodes} decodes over 20 near hits");
}
