//! Concurrent callers of one key, started so that they are all in flight before a test lets the
//! first one finish.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::eventually;

/// Gives calls that have begun time to reach the point where they wait (joining a flight): one
/// `GET` away, they get there in microseconds. Only for what nothing else shows; a wait that a
/// counter records (a lease wait) is observed there instead.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Spawns `count` concurrent calls made by `call` and returns once every one has begun (its
/// task is running the call), plus [`settle`].
pub async fn spawn_callers<T, F>(count: usize, call: impl Fn() -> F) -> Vec<JoinHandle<T>>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let begun = Arc::new(AtomicUsize::new(0));
    let tasks = (0..count)
        .map(|_| {
            let (begun, call) = (begun.clone(), call());
            tokio::spawn(async move {
                begun.fetch_add(1, Ordering::SeqCst);
                call.await
            })
        })
        .collect();
    eventually("every caller beginning", async || {
        begun.load(Ordering::SeqCst) == count
    })
    .await;
    settle().await;
    tasks
}
