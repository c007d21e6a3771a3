//! One shared connection to Redis, made on first use and made again after it breaks.
//!
//! A connection attempt runs in the background, so a caller that stops waiting (its timeout
//! ended) does not cancel it for the others. A failed attempt is remembered with its cause:
//! until the next attempt is due, callers get that cause at once instead of waiting out a
//! timeout, and it is logged once per distinct cause, not once per call.
//!
//! The link does not care what kind of connection it holds: anything [`Connect`] makes that
//! redis-rs can send commands over (`aio::ConnectionLike`).
//!
//! It holds two: one driven by the callers' runtime (a hit then costs no hop to another
//! thread), and one driven by the toolkit's background runtime for blocking callers, whose
//! thread may be the very one the callers' runtime needs to drive its connection (a blocking
//! cached function called inside `#[tokio::test]`): waiting on that one could never end.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use redis::aio::ConnectionLike;
use tokio::sync::Notify;

use crate::Error;
use crate::backoff::Backoff;
use crate::driver::RuntimeGone;
use crate::log_limit::OncePerCause;

/// Pauses after failed connection attempts. Short: an attempt is one cheap TCP connect, and a
/// handle should be back soon after Redis is.
const RECONNECT: Backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(250));

/// Timeouts in a row after which a connection is made again.
const TIMEOUTS_BEFORE_RECONNECT: u32 = 3;

/// Makes connections of one kind (standalone, and later cluster).
pub(crate) trait Connect: Send + Sync + 'static {
    /// A cheap-to-clone handle to a multiplexed connection.
    type Connection: ConnectionLike + Clone + Send + Sync + 'static;

    /// Opens a new connection, authenticated and ready for commands.
    fn connect(&self) -> impl Future<Output = redis::RedisResult<Self::Connection>> + Send;

    /// Where it connects, for messages (never with a password).
    fn address(&self) -> &str;
}

enum Slot<T> {
    /// No connection. `failure` is the last attempt's, if it failed.
    Idle { failure: Option<Failure> },
    /// An attempt is under way in the background since `since`.
    Connecting { backoff: Duration, since: Instant },
    /// A working connection; `generation` tells it apart from the ones before it. `gone` is set
    /// when the runtime that drives it ends.
    Ready {
        connection: T,
        generation: u64,
        gone: RuntimeGone,
    },
}

struct Failure {
    error: redis::RedisError,
    at: Instant,
    backoff: Duration,
}

/// Which of the link's connections a caller uses (see the module's docs).
#[derive(Clone, Copy)]
enum Driven {
    /// By the callers' runtime.
    Here = 0,
    /// By the toolkit's background runtime, for blocking callers.
    Background = 1,
}

impl Driven {
    /// The connection for the calling thread.
    fn for_caller() -> Driven {
        if crate::driver::in_blocking_call() {
            Driven::Background
        } else {
            Driven::Here
        }
    }
}

pub(crate) struct Link<C: Connect> {
    connector: C,
    connect_timeout: Duration,
    slots: [Mutex<Slot<C::Connection>>; 2],
    changed: Notify,
    generations: std::sync::atomic::AtomicU64,
    /// Timeouts in a row on the current connection.
    timeouts: std::sync::atomic::AtomicU32,
    /// Replies heard, on any connection: a caller whose deadline passed while this moved was
    /// waiting behind other replies, not on a silent Redis.
    heard: std::sync::atomic::AtomicU64,
    /// The cause last logged, so that a cause is logged once until the link recovers.
    logged: OncePerCause,
}

impl<C: Connect> Link<C> {
    pub(crate) fn new(connector: C, connect_timeout: Duration) -> Arc<Self> {
        Arc::new(Link {
            connector,
            connect_timeout,
            slots: [
                Mutex::new(Slot::Idle { failure: None }),
                Mutex::new(Slot::Idle { failure: None }),
            ],
            changed: Notify::new(),
            generations: std::sync::atomic::AtomicU64::new(0),
            timeouts: std::sync::atomic::AtomicU32::new(0),
            heard: std::sync::atomic::AtomicU64::new(0),
            logged: OncePerCause::default(),
        })
    }

    fn slot(&self, driven: Driven) -> MutexGuard<'_, Slot<C::Connection>> {
        // The slot is replaced whole under the lock; a panicking holder cannot leave it torn.
        self.slots[driven as usize]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The slot holding connection `generation`, locked, if either does.
    fn slot_of(&self, generation: u64) -> Option<MutexGuard<'_, Slot<C::Connection>>> {
        [Driven::Here, Driven::Background]
            .into_iter()
            .map(|driven| self.slot(driven))
            .find(|slot| matches!(&**slot, Slot::Ready { generation: current, .. } if *current == generation))
    }

    pub(crate) fn address(&self) -> &str {
        self.connector.address()
    }

    /// The current connection and its generation, connecting first if there is none. Fails at
    /// once with the last attempt's cause while the next attempt is not yet due.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<(C::Connection, u64), Error> {
        let driven = Driven::for_caller();
        // The usual case, on every command: a working connection, and no waiter registered
        // with `changed` (which would take its lock twice).
        if let Some(ready) = self.ready(driven) {
            return Ok(ready);
        }
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut slot = self.slot(driven);
                match &*slot {
                    Slot::Ready {
                        connection,
                        generation,
                        gone,
                    } if !gone.is_gone() => return Ok((connection.clone(), *generation)),
                    // Its runtime has ended, and its driver task with it: connect again now,
                    // on this caller's runtime. Not a failure: nothing is logged or counted.
                    Slot::Ready { .. } => {
                        *slot = Slot::Connecting {
                            backoff: RECONNECT.after(None),
                            since: Instant::now(),
                        };
                        self.spawn_attempt(driven);
                    }
                    // An attempt far past its own timeout was lost with the runtime that ran
                    // it (a test's runtime, say): start another.
                    Slot::Connecting { backoff, since }
                        if since.elapsed() > self.connect_timeout * 2 =>
                    {
                        *slot = Slot::Connecting {
                            backoff: *backoff,
                            since: Instant::now(),
                        };
                        self.spawn_attempt(driven);
                    }
                    Slot::Connecting { .. } => {}
                    Slot::Idle {
                        failure: Some(failure),
                    } if failure.at.elapsed() < failure.backoff => {
                        return Err(self.connect_error(failure.error.clone()));
                    }
                    Slot::Idle { failure } => {
                        let backoff =
                            RECONNECT.after(failure.as_ref().map(|failure| failure.backoff));
                        *slot = Slot::Connecting {
                            backoff,
                            since: Instant::now(),
                        };
                        self.spawn_attempt(driven);
                    }
                }
            }
            // While this runtime's connection is being made, the background runtime's serves
            // (one hop to its thread) rather than keep an async caller waiting.
            if let Driven::Here = driven
                && let Some(ready) = self.ready(Driven::Background)
            {
                return Ok(ready);
            }
            changed.await;
        }
    }

    /// The caller's current connection and its generation, if it is ready: what
    /// [`get`](Self::get) returns at once, without an await.
    pub(crate) fn ready_now(&self) -> Option<(C::Connection, u64)> {
        self.ready(Driven::for_caller())
    }

    /// The connection in `driven`'s slot and its generation, if it is ready.
    fn ready(&self, driven: Driven) -> Option<(C::Connection, u64)> {
        match &*self.slot(driven) {
            Slot::Ready {
                connection,
                generation,
                gone,
            } if !gone.is_gone() => Some((connection.clone(), *generation)),
            _ => None,
        }
    }

    /// Drops connection `generation` (if it is still the current one) so that the next call
    /// connects again, resolving the host name again: after a lost connection, or a node that
    /// stopped being the primary. Returns whether it did.
    pub(crate) fn reconnect(&self, generation: u64) -> bool {
        match self.slot_of(generation) {
            Some(mut slot) => {
                *slot = Slot::Idle { failure: None };
                true
            }
            None => false,
        }
    }

    /// Whether connection `generation` is still the current one and is driven by a runtime
    /// other than the caller's (or one that has ended): a loss on it may be that runtime
    /// shutting down, not Redis, and is worth one more try on a connection of the caller's.
    pub(crate) fn driven_elsewhere(&self, generation: u64) -> bool {
        self.slot_of(generation).is_some_and(|slot| {
            matches!(&*slot, Slot::Ready { gone, .. } if gone.is_gone() || gone.is_elsewhere())
        })
    }

    /// A command on connection `generation` got no answer in time. After a few in a row the
    /// connection is made again: a half-open TCP connection, or a cluster connection still
    /// waiting on a node that died, would otherwise never recover.
    pub(crate) fn timed_out(&self, generation: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        if self.timeouts.fetch_add(1, Relaxed) + 1 >= TIMEOUTS_BEFORE_RECONNECT {
            self.timeouts.store(0, Relaxed);
            // Said once per connection: when a node dies, every caller waiting on it times out
            // at once, and all but the first are about a connection already dropped.
            if self.reconnect(generation) {
                tracing::warn!(
                    address = self.address(),
                    "no answer from Redis {TIMEOUTS_BEFORE_RECONNECT} times in a row; making a new connection"
                );
            }
        }
    }

    /// A command was answered: the connection works.
    pub(crate) fn answered(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.heard.fetch_add(1, Relaxed);
        // Read first: the hit path should not write a shared cache line for nothing.
        if self.timeouts.load(Relaxed) != 0 {
            self.timeouts.store(0, Relaxed);
        }
    }

    /// How many replies have been heard: compare two readings to tell whether Redis answered
    /// anything in between.
    pub(crate) fn heard(&self) -> u64 {
        self.heard.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn spawn_attempt(self: &Arc<Self>, driven: Driven) {
        let link = Arc::clone(self);
        // On the caller's runtime, where its commands will be sent from (see `driver`).
        let attempt = Arc::clone(self);
        let spawned = crate::driver::spawn_here(async move {
            let gone = RuntimeGone::watch();
            let outcome = tokio::time::timeout(link.connect_timeout, link.connector.connect())
                .await
                .unwrap_or_else(|_elapsed| {
                    Err(redis::RedisError::from(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no connection within {:?}", link.connect_timeout),
                    )))
                });
            link.settle(driven, outcome, gone);
        });
        if !spawned {
            attempt.settle(
                driven,
                Err(redis::RedisError::from(std::io::Error::other(
                    "no runtime to connect on",
                ))),
                RuntimeGone::default(),
            );
        }
    }

    fn settle(
        &self,
        driven: Driven,
        outcome: redis::RedisResult<C::Connection>,
        gone: RuntimeGone,
    ) {
        let mut slot = self.slot(driven);
        let backoff = match &*slot {
            Slot::Connecting { backoff, .. } => *backoff,
            _ => RECONNECT.after(None),
        };
        *slot = match outcome {
            Ok(connection) => {
                self.log_recovery();
                let generation = 1 + self
                    .generations
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Slot::Ready {
                    connection,
                    generation,
                    gone,
                }
            }
            Err(error) => {
                self.log_failure(&error);
                Slot::Idle {
                    failure: Some(Failure {
                        error,
                        at: Instant::now(),
                        backoff,
                    }),
                }
            }
        };
        drop(slot);
        self.changed.notify_waiters();
    }

    fn connect_error(&self, cause: redis::RedisError) -> Error {
        Error::Connect {
            address: self.address().to_owned(),
            source: cause,
        }
    }

    fn log_failure(&self, cause: &redis::RedisError) {
        let error = self.connect_error(cause.clone());
        if self.logged.failed(&error.to_string()) {
            tracing::error!(%error, "cannot connect to Redis; the cache is bypassed until it can");
        }
    }

    fn log_recovery(&self) {
        if self.logged.recovered() {
            tracing::info!(address = self.address(), "connected to Redis again");
        }
    }
}
