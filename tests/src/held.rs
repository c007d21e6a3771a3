//! The check at quiescence: what each key holds against the source of truth, read around the
//! handles under test (raw `GET`s on Redis; in process, through a handle, which is the only way
//! in).

use cache::{Cache, KeyTtl};

use crate::{Truth, Versioned};

/// The prefix of a lease marker as earlier versions of the runtime wrote it; the current one
/// leaves the empty string.
const OLD_MARKER_PREFIX: &[u8] = b"!cache-lease:";

/// What a key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// Nothing.
    Absent,
    /// A cached value.
    Value(Versioned),
    /// A lease marker (a fill in flight, or one nobody will finish).
    Marker(String),
    /// Anything else.
    Garbage(String),
}

impl Held {
    /// Classifies raw bytes read from Redis.
    pub fn classify(bytes: Option<Vec<u8>>) -> Held {
        match bytes {
            None => Held::Absent,
            Some(bytes) if bytes.is_empty() || bytes.starts_with(OLD_MARKER_PREFIX) => {
                Held::Marker(format!(
                    "lease marker {:?}",
                    String::from_utf8_lossy(&bytes)
                ))
            }
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Held::Value)
                .unwrap_or_else(|_| Held::Garbage(String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
}

/// Where the checker reads what is cached.
pub enum Checker {
    /// Raw `GET`s on the server, bypassing the handles.
    Redis(Box<redis::Client>),
    /// Raw `GET`s on a cluster (routed to each key's primary), bypassing the handles.
    Cluster(Box<redis::cluster::ClusterClient>),
    /// The in-process store, through its handle. A key the handle reports absent but with a
    /// time to live holds a lease marker (the explicit API treats a marker as absent).
    Memory(Cache),
}

impl Checker {
    /// What `key` holds now.
    pub async fn held(&self, key: &str) -> Held {
        match self {
            Checker::Redis(client) => Held::classify(
                raw_get(
                    &mut client
                        .get_multiplexed_async_connection()
                        .await
                        .expect("connect to the test redis-server"),
                    key,
                )
                .await,
            ),
            Checker::Cluster(client) => Held::classify(
                raw_get(
                    &mut client
                        .get_async_connection()
                        .await
                        .expect("connect to the test cluster"),
                    key,
                )
                .await,
            ),
            Checker::Memory(cache) => match cache.get::<Versioned>(key).await {
                Ok(Some(value)) => Held::Value(value),
                Ok(None) => match cache.ttl(key).await {
                    Ok(KeyTtl::Missing) => Held::Absent,
                    _ => Held::Marker(format!("{key}: a lease marker (in process)")),
                },
                // The explicit API refuses what does not decode.
                Err(error) => Held::Garbage(error.to_string()),
            },
        }
    }

    /// Checks keys `item-0` to `item-{keys - 1}` against `truth`.
    pub async fn check(&self, truth: &Truth, keys: u32) -> Quiescence {
        let mut found = Quiescence::default();
        for id in 0..keys {
            let current = truth.read(id);
            match self.held(&format!("item-{id}")).await {
                Held::Absent => {}
                Held::Value(value) if value == current => {}
                Held::Value(value) => found.stale_keys.push((id, value, current.version)),
                Held::Marker(marker) => found.markers_left.push(marker),
                Held::Garbage(text) => found.garbage.push(text),
            }
        }
        found
    }
}

/// What the keys held at quiescence, apart from the right values and absent keys.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Quiescence {
    /// Keys holding a version older than the source's: (id, held, source version).
    pub stale_keys: Vec<(u32, Versioned, u64)>,
    /// Lease markers left behind (no read is in flight, so none should remain).
    pub markers_left: Vec<String>,
    /// Values that are neither absent, a value nor a marker.
    pub garbage: Vec<String>,
}

/// A raw `GET` of `key`, bypassing every handle.
async fn raw_get(connection: &mut impl redis::aio::ConnectionLike, key: &str) -> Option<Vec<u8>> {
    redis::cmd("GET")
        .arg(key)
        .query_async(connection)
        .await
        .expect("raw GET")
}
