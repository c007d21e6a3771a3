//! Which return types cache only their `Ok` value: `std::result::Result` under any name. A type
//! of the user's own that is called `Result` is another type, cached whole like any other.

use std::sync::atomic::{AtomicUsize, Ordering};

use cache::Cache;
use serde::{Deserialize, Serialize};

mod answers {
    use serde::{Deserialize, Serialize};

    /// A user type that happens to be called `Result`, without generics.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    pub enum Result {
        Yes,
        No,
    }
}

/// And one with a generic parameter.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Result<T> {
    Found(T),
    Missing,
}

struct Client {
    cache: Cache,
    calls: AtomicUsize,
}

impl Client {
    #[cache::set("live-{id}", cache = self.cache)]
    async fn live(&self, id: u32) -> answers::Result {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if id == 0 {
            answers::Result::No
        } else {
            answers::Result::Yes
        }
    }

    #[cache::set("found-{id}", cache = self.cache)]
    async fn found(&self, id: u32) -> Result<u32> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if id == 0 {
            Result::Missing
        } else {
            Result::Found(id)
        }
    }

    #[cache::set("std-{id}", cache = self.cache)]
    async fn std_result(&self, id: u32) -> std::result::Result<u32, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if id == 0 {
            Err("none".to_owned())
        } else {
            Ok(id)
        }
    }
}

#[tokio::test]
async fn user_types_called_result_are_cached_whole() {
    let client = Client {
        cache: Cache::in_memory(),
        calls: AtomicUsize::new(0),
    };
    for _ in 0..2 {
        assert_eq!(client.live(0).await, answers::Result::No);
        assert_eq!(client.found(0).await, Result::Missing);
    }
    assert_eq!(
        client.calls.load(Ordering::SeqCst),
        2,
        "the second calls were hits"
    );
    assert_eq!(
        client.cache.get::<answers::Result>("live-0").await.unwrap(),
        Some(answers::Result::No)
    );

    for _ in 0..2 {
        assert!(client.std_result(0).await.is_err());
    }
    assert_eq!(
        client.calls.load(Ordering::SeqCst),
        4,
        "an `Err` is not cached"
    );
}
