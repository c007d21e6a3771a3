//! The toolkit's own background runtime, shared by every handle in the process, and the
//! blocking driver of the (single, async) read and invalidation paths.
//!
//! Redis connections are made on the caller's runtime when it has one (a hit then costs no hop
//! to another thread: measured, the hop made a Redis hit 1.5 times the hand-written one), and
//! on this runtime otherwise (blocking callers, handles built outside any runtime). A connection
//! whose runtime has ended (a `#[tokio::test]`'s, say) is noticed before it is used and made
//! again, so a `static` handle serves every runtime. Background work that must outlive its
//! caller (lease releases, invalidation retries) runs here.
//!
//! A blocking cached function runs the same async code as an async one, polled on the
//! caller's thread (like `futures::executor::block_on`) with this runtime's context entered,
//! so that timers and connections are driven here. Its body runs on the caller's thread, as
//! written; the caller's thread waits by parking, never by `Handle::block_on`, so calling one
//! inside an async runtime neither panics nor deadlocks: it blocks that worker thread, like any
//! blocking call.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use tokio::runtime::Handle;

static DRIVER: OnceLock<Option<Handle>> = OnceLock::new();

/// The background runtime, started on first use: one thread, parked on its I/O and timers when
/// idle. `None` only if the operating system refused a thread or an event queue.
pub(crate) fn handle() -> Option<&'static Handle> {
    DRIVER
        .get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .inspect_err(|error| {
                    tracing::error!(%error, "cannot start the cache's background runtime");
                })
                .ok()?;
            let handle = runtime.handle().clone();
            std::thread::Builder::new()
                .name("cache-driver".to_owned())
                .spawn(move || runtime.block_on(std::future::pending::<()>()))
                .inspect_err(|error| {
                    tracing::error!(%error, "cannot start the cache's background thread");
                })
                .ok()?;
            Some(handle)
        })
        .as_ref()
}

/// Runs `task` in the background: on the toolkit's runtime, else on the caller's, else not at
/// all (`false`).
pub(crate) fn spawn<F>(task: F) -> bool
where
    F: Future<Output = ()> + Send + 'static,
{
    match handle().cloned().or_else(|| Handle::try_current().ok()) {
        Some(runtime) => {
            // Its events go where the caller's would: a subscriber set for this thread (a
            // test's, a request's) does not reach the background thread by itself.
            runtime.spawn(tracing::instrument::WithSubscriber::with_current_subscriber(task));
            true
        }
        None => false,
    }
}

/// Runs `task` on the caller's runtime if it has one, else on the toolkit's (`false`: neither).
///
/// For a connection: its driver task then runs where its callers are, so a hit costs no hop to
/// another thread. That runtime may end before the handle does (a `#[tokio::test]`'s); the
/// [`RuntimeGone`] flag made with the connection tells the link to connect again.
pub(crate) fn spawn_here<F>(task: F) -> bool
where
    F: Future<Output = ()> + Send + 'static,
{
    match Handle::try_current().ok().or_else(|| handle().cloned()) {
        Some(runtime) => {
            runtime.spawn(tracing::instrument::WithSubscriber::with_current_subscriber(task));
            true
        }
        None => false,
    }
}

/// Set when the runtime current at [`RuntimeGone::watch`] shuts down: its tasks are dropped,
/// and with them the guard that sets it. One relaxed load to check.
#[derive(Clone, Default)]
pub(crate) struct RuntimeGone {
    gone: Arc<AtomicBool>,
    /// The runtime watched.
    runtime: Option<tokio::runtime::Id>,
}

impl RuntimeGone {
    /// Watches the current runtime (none: never set).
    pub(crate) fn watch() -> RuntimeGone {
        let mut watched = RuntimeGone::default();
        if let Ok(runtime) = Handle::try_current() {
            watched.runtime = Some(runtime.id());
            let guard = SetOnDrop(Arc::clone(&watched.gone));
            runtime.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
        }
        watched
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }

    /// Whether the caller runs on a runtime other than the one watched: that one may be
    /// shutting down while the caller uses what it drives (tests sharing a static handle).
    pub(crate) fn is_elsewhere(&self) -> bool {
        self.runtime != Handle::try_current().ok().map(|current| current.id())
    }
}

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Whether the calling thread is inside a Tokio runtime: a blocking call there must not wait for
/// tasks of that runtime, which it may be keeping from running.
pub(crate) fn inside_runtime() -> bool {
    Handle::try_current().is_ok()
}

thread_local! {
    /// Set while this thread polls a blocking call's future (see [`block_on`]).
    static IN_BLOCKING_CALL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is polling a blocking cached call: its commands must go over a
/// connection the background runtime drives, never one whose runtime this thread may be
/// holding up.
pub(crate) fn in_blocking_call() -> bool {
    IN_BLOCKING_CALL.with(std::cell::Cell::get)
}

/// Clears the flag however `block_on` ends (a body may panic), restoring an outer call's.
struct BlockingCall(bool);

impl BlockingCall {
    fn enter() -> BlockingCall {
        BlockingCall(IN_BLOCKING_CALL.with(|flag| flag.replace(true)))
    }
}

impl Drop for BlockingCall {
    fn drop(&mut self) {
        IN_BLOCKING_CALL.with(|flag| flag.set(self.0));
    }
}

/// Polls `future` to completion on this thread, with the background runtime's context entered.
pub(crate) fn block_on<F: Future>(runtime: &Handle, future: F) -> F::Output {
    let _context = runtime.enter();
    let _blocking = BlockingCall::enter();
    let wake = Arc::new(Unpark {
        thread: std::thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&wake));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        // The flag, not the park token alone: a body that parks itself may consume the token.
        while !wake.woken.swap(false, Ordering::AcqRel) {
            std::thread::park();
        }
    }
}

struct Unpark {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn timers_work_without_a_runtime() {
        let slept = block_on(handle().unwrap(), async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            7
        });
        assert_eq!(slept, 7);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn blocking_inside_a_runtime_does_not_panic() {
        assert!(inside_runtime());
        let slept = block_on(handle().unwrap(), async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            tokio::spawn(async { 3 }).await.unwrap()
        });
        assert_eq!(slept, 3);
    }
}
