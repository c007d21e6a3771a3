//! Reading through the cache, typed: it decodes what [`Reader`] finds, runs the body on a miss
//! and encodes its value; every decision (flights, leases, waits, logging) is the untyped
//! reader's, compiled once. What is compiled for each return type is [`ReadSteps`]; for each
//! annotated function, only [`ReadThrough`]'s `poll`, which hands the body over as a trait
//! object.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use serde::de::DeserializeOwned;
use tracing::Span;

use crate::Cache;
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

/// The steps of a read through the cache that do not depend on the body, for the return type
/// `R`: look-up, then (on a miss, after the body) store. [`ReadThrough`] drives them with the
/// body, which they see only as a trait object.
///
/// This is what keeps an annotated function's own code small: every function's body has a type
/// of its own, so anything generic over it is compiled once per function. Here that is only
/// [`ReadThrough`]'s `poll`, a few lines (as `tracing`'s `Instrumented<F>` is); the steps are
/// compiled once for each return type, and every decision is the untyped [`Reader`]'s.
pub trait ReadSteps {
    /// What the read returns.
    type Output;

    /// Advances the read; `body` is polled on a miss.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        body: Pin<&mut dyn Future<Output = Self::Output>>,
    ) -> Poll<Self::Output>;
}

pin_project_lite::pin_project! {
    /// A read through the cache: `steps` (see [`ReadSteps`]) with the function's `body`, run
    /// on a miss only (on a hit it is dropped unpolled). Generated code builds it with a struct
    /// literal, which compiles to no function of its own.
    // The fields are documented above: pin-project-lite takes no attribute on a field but `pin`.
    #[allow(missing_docs)]
    pub struct ReadThrough<S, F> {
        #[pin]
        pub steps: S,
        #[pin]
        pub body: F,
    }
}

impl<S, F> Future for ReadThrough<S, F>
where
    S: ReadSteps,
    F: Future<Output = S::Output>,
{
    type Output = S::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<S::Output> {
        let this = self.project();
        this.steps.poll_read(cx, this.body)
    }
}

/// The steps of a read of `key` through `cache` for `function`, whose return type holds the
/// cached value as `typed` says. The call runs in its span and reports its outcome.
pub(crate) fn read_steps<'a, R, T>(
    cache: &'a Cache,
    function: &'static str,
    key: String,
    ttl: Option<Duration>,
    typed: Typed<R, T>,
    follow: Follow,
) -> impl ReadSteps<Output = R> + use<'a, R, T>
where
    T: serde::Serialize + DeserializeOwned,
{
    let call = Call::read(function, &key);
    // Entering a disabled span (the usual case in production, at `info`) is a branch.
    let span = call.span().unwrap_or_else(Span::none);
    Steps {
        stage: Stage::LookingUp {
            future: look_up(Reader::new(cache, key, ttl, follow), typed),
        },
        store: Some(move |reader, result, decision| store(reader, typed, result, decision)),
        span,
        call: Some(call),
    }
}

pin_project_lite::pin_project! {
    /// See [`read_steps`].
    struct Steps<'a, L, M, S> {
        #[pin]
        stage: Stage<'a, L, S>,
        store: Option<M>,
        span: Span,
        call: Option<Call>,
    }
}

pin_project_lite::pin_project! {
    #[project = StageProjection]
    enum Stage<'a, L, S> {
        LookingUp { #[pin] future: L },
        // What the body decides about its result (`cache::this_call()`).
        Running { reader: Option<Reader<'a>>, scope: CallScope },
        Storing { #[pin] future: S },
        Done,
    }
}

impl<'a, R, L, M, S> ReadSteps for Steps<'a, L, M, S>
where
    L: Future<Output = (Reader<'a>, Option<(R, Outcome)>)>,
    M: FnOnce(Reader<'a>, R, Decision) -> S,
    S: Future<Output = (R, Outcome)>,
{
    type Output = R;

    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut body: Pin<&mut dyn Future<Output = R>>,
    ) -> Poll<R> {
        let mut this = self.project();
        let _entered = this.span.enter();
        let (result, outcome) = loop {
            match this.stage.as_mut().project() {
                StageProjection::LookingUp { future } => match ready!(future.poll(cx)) {
                    (_, Some(answered)) => break answered,
                    (reader, None) => this.stage.set(Stage::Running {
                        reader: Some(reader),
                        scope: CallScope::default(),
                    }),
                },
                StageProjection::Running { reader, scope } => {
                    let result = ready!(scope.poll(body.as_mut(), cx));
                    let decision = scope.decision();
                    match (reader.take(), this.store.take()) {
                        (Some(reader), Some(store)) => this.stage.set(Stage::Storing {
                            future: store(reader, result, decision),
                        }),
                        // Not reached: both are there until this step, which runs once.
                        _ => break (result, Outcome::Miss),
                    }
                }
                StageProjection::Storing { future } => break ready!(future.poll(cx)),
                StageProjection::Done => {
                    panic!("a cached call's future was polled after it completed")
                }
            }
        };
        this.stage.set(Stage::Done);
        if let Some(call) = this.call.take() {
            call.read_done(outcome);
        }
        Poll::Ready(result)
    }
}

/// The cached value (or a leader's shared result), decoded (or, from a near copy, cloned);
/// `None`: run the body. The reader comes back for [`store`].
async fn look_up<'a, R, T>(
    mut reader: Reader<'a>,
    typed: Typed<R, T>,
) -> (Reader<'a>, Option<(R, Outcome)>)
where
    T: DeserializeOwned,
{
    let Typed {
        shape,
        sharing,
        reuse,
    } = typed;
    loop {
        match reader.next().await {
            Found::Stored(stored) => {
                if let Some(reuse) = reuse
                    && let Some(value) = stored.decoded().and_then(reuse.get)
                {
                    let outcome = reader.decoded(stored);
                    return (reader, Some(((shape.wrap)(value), outcome)));
                }
                match serde_json::from_slice::<T>(&stored) {
                    Ok(value) => {
                        if let Some(reuse) = reuse {
                            stored.keep_decoded(|| (reuse.put)(&value));
                        }
                        let outcome = reader.decoded(stored);
                        return (reader, Some(((shape.wrap)(value), outcome)));
                    }
                    Err(error) => reader.undecodable(stored, error),
                }
            }
            Found::Shared(shared) => match sharing.and_then(|fns| (fns.take)(&*shared)) {
                Some(result) => {
                    let outcome = reader.taken();
                    return (reader, Some((result, outcome)));
                }
                None => reader.not_taken(),
            },
            Found::Miss => return (reader, None),
        }
    }
}

/// Stores the body's value, hands it to this call's followers, and returns the result.
async fn store<R, T>(
    mut reader: Reader<'_>,
    typed: Typed<R, T>,
    result: R,
    decision: Decision,
) -> (R, Outcome)
where
    T: serde::Serialize,
{
    let value = if reader.wants_value() {
        (typed.shape.value)(&result).map(serde_json::to_vec)
    } else {
        None
    };
    let stored = reader.store(value, decision).await;
    let sharing = typed.sharing;
    let outcome = reader.finish(stored, &|| sharing.map(|fns| (fns.share)(&result)));
    (result, outcome)
}
