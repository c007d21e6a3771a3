//! Reading through the cache, typed: it decodes what [`Reader`] finds, runs the body on a miss
//! and encodes its value; every decision (flights, leases, waits, logging) is the untyped
//! reader's, compiled once. [`ReadSteps`] is compiled for each return type; for each annotated
//! function, only [`CachedCall`]'s `poll`, which hands the body over as a trait object.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use serde::de::DeserializeOwned;
use tracing::Span;

use crate::Cache;
use crate::cached_call::CallSteps;
use crate::observe::{Call, Outcome};
pub(crate) use crate::reader::Follow;
use crate::reader::{Found, Reader};
use crate::this_call::{CallScope, Decision};

/// How a return type `R` holds the value `T` to cache.
pub(crate) struct Shape<R, T> {
    /// The value to cache, if `R` is a success.
    pub(crate) value: fn(&R) -> Option<&T>,
    /// `R` from a cached value.
    pub(crate) wrap: fn(T) -> R,
}

impl<T> Shape<T, T> {
    /// The whole return value is the value to cache.
    pub(crate) fn whole() -> Self {
        Shape {
            value: |value: &T| Some(value),
            wrap: |value| value,
        }
    }
}

/// How an uncached result (an `Err`) reaches single-flight followers: cloned when `R` allows it.
pub(crate) struct ShareFns<R> {
    pub(crate) share: fn(&R) -> Arc<dyn Any + Send + Sync>,
    pub(crate) take: fn(&(dyn Any + Send + Sync)) -> Option<R>,
}

/// How a near copy's decoded value is reused for `T` (when `T: Clone + Send + Sync + 'static`):
/// a hit clones it rather than decode the JSON again.
pub(crate) struct ReuseFns<T> {
    /// A clone of the kept value, if it is a `T` (a key read as two types keeps one).
    pub(crate) get: fn(&(dyn Any + Send + Sync)) -> Option<T>,
    /// The value to keep, from a freshly decoded one.
    pub(crate) put: fn(&T) -> Arc<dyn Any + Send + Sync>,
}

/// The typed half of a read: how `R` holds the cached `T`, and how followers and near copies
/// share values. Function pointers only, so each step gets its own copy.
pub(crate) struct Typed<R, T> {
    pub(crate) shape: Shape<R, T>,
    pub(crate) sharing: Option<ShareFns<R>>,
    pub(crate) reuse: Option<ReuseFns<T>>,
}

// By hand: derived impls would ask `R: Copy, T: Copy`, and function pointers are `Copy` anyway.
impl<R, T> Clone for Typed<R, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R, T> Copy for Typed<R, T> {}
impl<R, T> Clone for Shape<R, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R, T> Copy for Shape<R, T> {}
impl<R> Clone for ShareFns<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for ShareFns<R> {}
impl<T> Clone for ReuseFns<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ReuseFns<T> {}

/// The steps of a read of `key` through `cache` for `function`, whose return type holds the
/// cached value as `typed` says. The call runs in its span and reports its outcome.
pub(crate) fn read_steps<'a, R, T>(
    cache: &'a Cache,
    function: &'static str,
    key: String,
    ttl: Option<Duration>,
    typed: Typed<R, T>,
    follow: Follow,
) -> ReadSteps<'a, R, T> {
    ReadSteps {
        stage: Stage::Start(Some(Reader::new(cache, key, ttl, follow))),
        typed,
        function,
        span: Span::none(),
        call: None,
    }
}

/// The steps of a read through the cache for a return type `R` holding the cached `T`; see
/// [`CallSteps`].
///
/// A named type whose parts are all named (the reader's awaits are boxed, see `Pending`), and
/// whose `Send` is declared (checked field by field, below): proving a function's future `Send`
/// then stops at this type, where the opaque futures of `async fn`s were unfolded for every
/// function again, down to the last await of the backend. That cost more to compile than all
/// the rest of a function. The box costs one
/// allocation per read that awaits the store (a Redis read); a hit in process or from a near
/// copy needs no await, and none.
pub struct ReadSteps<'a, R, T> {
    stage: Stage<'a, R>,
    typed: Typed<R, T>,
    function: &'static str,
    /// The call's span and its record, begun at the first poll (see [`Call::begin`]).
    span: Span,
    call: Option<Call>,
}

/// An await of the untyped reader, boxed (see [`ReadSteps`]); it hands the reader back.
type Pending<'a, O> = Pin<Box<dyn Future<Output = (Reader<'a>, O)> + Send + 'a>>;

enum Stage<'a, R> {
    /// Not polled yet. A hit that needs no await (in process, a near copy) is answered from
    /// here, with no box.
    Start(Option<Reader<'a>>),
    /// Looking for a value (or a leader's result) to hand back.
    Looking(Pending<'a, Found>),
    /// A miss: the body runs, deciding about its result (`cache::this_call()`).
    Running {
        reader: Option<Reader<'a>>,
        scope: CallScope,
    },
    /// Storing the body's value; its result waits here.
    Storing {
        pending: Pending<'a, Option<Arc<[u8]>>>,
        result: Option<R>,
    },
    Done,
}

// Nothing in `Steps` is pinned in place: the boxed awaits are pinned in their boxes, and the
// result is moved out when the read ends.
impl<R, T> Unpin for ReadSteps<'_, R, T> {}

// SAFETY: every field is `Send` when `R` is, by the auto traits (`fields_are_send`). Declared
// for the reason `Cache`'s `Send` is: left to the auto traits, each function's future was
// proved `Send` down to the reader's last field again (2 million instructions a function).
unsafe impl<R: Send, T> Send for ReadSteps<'_, R, T> {}

/// What the declared `Send` above rests on. The pattern names every field, so one added later
/// is checked too.
#[allow(dead_code)]
fn fields_are_send<R: Send, T>(steps: ReadSteps<'_, R, T>) {
    fn send<X: Send>(_: X) {}
    let ReadSteps {
        stage,
        typed,
        function,
        span,
        call,
    } = steps;
    send(stage);
    send(typed);
    send(function);
    send(span);
    send(call);
}

/// The reader's next find, boxed. Not generic: compiled once.
///
/// A first look (the plain `GET` that answers most reads) is boxed on its own: its future is a
/// fraction of the whole reader's, which holds the lease script's and the flight's awaits too,
/// so a hit allocates (and moves) that much less. A read that goes further is boxed again.
fn look(mut reader: Reader<'_>) -> Pending<'_, Found> {
    if !reader.at_first_look() {
        return look_further(reader);
    }
    Box::pin(async move {
        match reader.first_look().await {
            Some(found) => (reader, found),
            None => look_further(reader).await,
        }
    })
}

/// The reader's next find past the first look, boxed.
fn look_further(mut reader: Reader<'_>) -> Pending<'_, Found> {
    Box::pin(async move {
        let found = reader.next().await;
        (reader, found)
    })
}

/// The reader's store of the body's encoded value, boxed. Not generic: compiled once.
fn store(
    mut reader: Reader<'_>,
    value: Option<serde_json::Result<Vec<u8>>>,
    decision: Decision,
) -> Pending<'_, Option<Arc<[u8]>>> {
    Box::pin(async move {
        let stored = reader.store(value, decision).await;
        (reader, stored)
    })
}

impl<R, T> CallSteps for ReadSteps<'_, R, T>
where
    T: serde::Serialize + DeserializeOwned,
{
    type Output = R;

    fn poll_call(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut body: Pin<&mut dyn Future<Output = R>>,
    ) -> Poll<R> {
        let this = self.get_mut();
        if let Stage::Start(Some(reader)) = &this.stage {
            (this.call, this.span) = Call::begin(Call::read(this.function, reader.key()));
        }
        let _entered = this.span.enter();
        let Typed {
            shape,
            sharing,
            reuse,
        } = this.typed;
        let (result, outcome) = loop {
            let (mut reader, found) = match &mut this.stage {
                Stage::Start(reader) => {
                    let Some(mut reader) = reader.take() else {
                        panic!("a cached call's future was polled after it panicked")
                    };
                    match reader.look_at_hand() {
                        Some(found) => (reader, found),
                        None => {
                            this.stage = Stage::Looking(look(reader));
                            continue;
                        }
                    }
                }
                Stage::Looking(pending) => ready!(pending.as_mut().poll(cx)),
                Stage::Running { reader, scope } => {
                    let result = ready!(scope.poll(body.as_mut(), cx));
                    let decision = scope.decision();
                    // Always there: this step runs once.
                    let Some(reader) = reader.take() else {
                        break (result, Outcome::Miss);
                    };
                    let value = if reader.wants_value() {
                        (shape.value)(&result).map(serde_json::to_vec)
                    } else {
                        None
                    };
                    this.stage = Stage::Storing {
                        pending: store(reader, value, decision),
                        result: Some(result),
                    };
                    continue;
                }
                Stage::Storing { pending, result } => {
                    let (mut reader, stored) = ready!(pending.as_mut().poll(cx));
                    // Always there: taken once, here.
                    let Some(result) = result.take() else {
                        panic!("a cached call's result was taken twice")
                    };
                    let outcome =
                        reader.finish(stored, &|| sharing.map(|fns| (fns.share)(&result)));
                    break (result, outcome);
                }
                Stage::Done => panic!("a cached call's future was polled after it completed"),
            };
            match found {
                Found::Stored(stored) => {
                    if let Some(reuse) = reuse
                        && let Some(value) = stored.decoded().and_then(reuse.get)
                    {
                        break ((shape.wrap)(value), reader.decoded(stored));
                    }
                    match serde_json::from_slice::<T>(&stored) {
                        Ok(value) => {
                            if let Some(reuse) = reuse {
                                stored.keep_decoded(|| (reuse.put)(&value));
                            }
                            break ((shape.wrap)(value), reader.decoded(stored));
                        }
                        Err(error) => {
                            reader.undecodable(stored, error);
                            this.stage = Stage::Looking(look(reader));
                        }
                    }
                }
                Found::Shared(shared) => match sharing.and_then(|fns| (fns.take)(&*shared)) {
                    Some(result) => break (result, reader.taken()),
                    None => {
                        reader.not_taken();
                        this.stage = Stage::Looking(look(reader));
                    }
                },
                Found::Miss => {
                    this.stage = Stage::Running {
                        reader: Some(reader),
                        scope: CallScope::default(),
                    }
                }
            }
        };
        this.stage = Stage::Done;
        if let Some(call) = this.call.take() {
            call.read_done(outcome);
        }
        Poll::Ready(result)
    }
}
