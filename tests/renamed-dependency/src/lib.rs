//! Proves the cache attributes work when the runtime is a dependency under another name
//! (`my_cache = { package = "cache-runtime", ... }`): no crate called `cache` exists here, so
//! every path the macros generate must go through `crate = my_cache`.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of teams whose reads are cached and whose writes invalidate.
pub struct Teams {
    /// The handle the attributes use.
    pub cache: my_cache::Cache,
    calls: AtomicUsize,
}

impl Teams {
    /// A directory over `cache`.
    pub fn new(cache: my_cache::Cache) -> Teams {
        Teams {
            cache,
            calls: AtomicUsize::new(0),
        }
    }

    /// How many times a body ran.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// A team's name, cached for an hour.
    #[my_cache::set("team-{id}-name", ttl = "1h", crate = my_cache, cache = self.cache)]
    pub async fn name(&self, id: u32) -> String {
        self.calls.fetch_add(1, Ordering::SeqCst);
        format!("Team {id}")
    }

    /// A team's members; errors are not cached.
    #[my_cache::set("team-{id}-members", crate = my_cache, cache = self.cache)]
    pub async fn members(&self, id: u32) -> Result<Vec<String>, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if id == 0 {
            Err("no team 0".into())
        } else {
            Ok(vec![format!("member of {id}")])
        }
    }

    /// Renames a team, invalidating its cached name and members.
    #[my_cache::delete("team-{id}-name", "team-{id}-members", crate = my_cache, cache = self.cache)]
    pub async fn rename(&self, id: u32, name: &str) -> Result<(), String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _ = (id, name);
        Ok(())
    }

    /// Removes a team: stacked attributes of the renamed crate are expanded together.
    #[my_cache::delete("team-{id}-name", crate = my_cache, cache = self.cache)]
    #[my_cache::delete_by_pattern("team-{id}-*", crate = my_cache, cache = self.cache)]
    pub async fn remove(&self, id: u32) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _ = id;
    }
}
