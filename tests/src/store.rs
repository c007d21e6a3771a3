//! The load tests' stand-in for an API client: reads and writes of versioned items through the
//! cache's attributes, over a shared [`Truth`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache::Cache;

use crate::{Rng, Truth, Versioned};

/// An error the fallible read never returns: it is there so that the `Result` path of
/// `#[cache::set]` is exercised too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError;

/// Items `item-{id}` read through the cache from a [`Truth`], and written to it with their key
/// invalidated. A read's body sleeps a random time of up to `fill_window` after fetching: the
/// window between fetch and fill where the stale-set race lives.
pub struct Store {
    /// The handle the attributes use.
    pub cache: Cache,
    /// The source of truth.
    pub truth: Arc<Truth>,
    rng: Mutex<Rng>,
    fill_window: Duration,
}

impl Store {
    /// A store over `cache` and `truth`, its pauses drawn from `seed`.
    pub fn new(cache: Cache, truth: Arc<Truth>, seed: u64, fill_window: Duration) -> Store {
        Store {
            cache,
            truth,
            rng: Mutex::new(Rng::new(seed)),
            fill_window,
        }
    }

    fn pause(&self) -> Duration {
        self.rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .duration_up_to(self.fill_window)
    }

    /// Reads item `id` through the cache (one hour TTL).
    #[cache::set("item-{id}", ttl = "1h", cache = self.cache)]
    pub async fn read(&self, id: u32) -> Versioned {
        self.fetch(id).await
    }

    /// The same read through the `Result` path: the same key, the `Ok` value cached.
    #[cache::set("item-{id}", ttl = "1h", cache = self.cache)]
    pub async fn try_read(&self, id: u32) -> Result<Versioned, StoreError> {
        Ok(self.fetch(id).await)
    }

    /// Writes item `id` (bumps its version) and invalidates its key; returns the new version.
    #[cache::delete("item-{id}", cache = self.cache)]
    pub async fn write(&self, id: u32) -> u64 {
        self.truth.bump(id)
    }

    /// The same write through the `Result` path.
    #[cache::delete("item-{id}", cache = self.cache)]
    pub async fn try_write(&self, id: u32) -> Result<u64, StoreError> {
        Ok(self.truth.bump(id))
    }

    /// What a read's body does: fetch, then wait out the fill window.
    async fn fetch(&self, id: u32) -> Versioned {
        let value = self.truth.read(id);
        tokio::time::sleep(self.pause()).await;
        value
    }
}
