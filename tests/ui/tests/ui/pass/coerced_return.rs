#![deny(warnings)]
// The body's value, and each `return`, is coerced to the declared return type, as a function's
// is: `Box::new([id])` is a `Box<[u32]>` here, not a `Box<[u32; 1]>`.

use std::sync::atomic::{AtomicUsize, Ordering};

static CALLS: AtomicUsize = AtomicUsize::new(0);

#[cache::set("ids-{id}")]
pub async fn ids(id: u32) -> Box<[u32]> {
    CALLS.fetch_add(1, Ordering::SeqCst);
    if id == 0 {
        return Box::new([]);
    }
    Box::new([id, id])
}

#[cache::set("ids-or-error-{id}")]
pub async fn ids_or_error(id: u32) -> Result<Box<[u32]>, String> {
    Ok(Box::new([id]))
}

#[cache::set("ids-now-{id}")]
pub fn ids_now(id: u32) -> Box<[u32]> {
    Box::new([id])
}

#[cache::delete("ids-{id}")]
pub async fn delete_ids(id: u32) -> Box<[u32]> {
    Box::new([id])
}

pub struct Client {
    pub cache: cache::Cache,
}

impl Client {
    #[cache::set("client-ids-{id}", cache = self.cache)]
    pub async fn ids(&self, id: u32) -> Box<[u32]> {
        Box::new([id])
    }
}

fn main() {
    cache::install(cache::Cache::in_memory()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        assert_eq!(*ids(7).await, [7, 7]);
        // A hit: the value read back from the cache, the body not run again.
        assert_eq!(*ids(7).await, [7, 7]);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        assert!(ids(0).await.is_empty());
        assert_eq!(*ids_or_error(3).await.unwrap(), [3]);
        assert_eq!(*delete_ids(7).await, [7]);
        let client = Client { cache: cache::Cache::in_memory() };
        assert_eq!(*client.ids(5).await, [5]);
    });
    assert_eq!(*ids_now(4), [4]);
}
