//! The steps of an invalidating call (`#[cache::delete]`, `#[cache::delete_by_pattern]`): run
//! the body, then delete what it made stale; with `strict`, delete first too. Compiled once for
//! each return type, as a read's steps are (see [`CallSteps`]); the deletes themselves are the
//! handle's, compiled once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tracing::Span;

use crate::cached_call::CallSteps;
use crate::invalidation::{InvalidationGuard, Work};
use crate::observe::{Call, Invalidated};
use crate::{Cache, Error};

/// The steps of an invalidating call returning `R`: once the body has started, the keys and
/// patterns are invalidated even if the call is dropped, and a failed invalidation is retried.
/// With `strict`, they are deleted before the body too, and a failure there is the call's
/// result, without running the body.
///
/// A named type whose awaits are boxed, for the same reason as a read's steps
/// ([`ReadSteps`](crate::read::ReadSteps)): each function's future is then proved `Send` cheaply.
pub struct InvalidateSteps<R> {
    cache: Cache,
    stage: Stage<R>,
    /// For `strict`: the call's result when the deletes before the body failed.
    strict: Option<fn(Error) -> R>,
    function: &'static str,
    /// The call's span and its record, begun at the first poll (see [`Call::begin`]).
    span: Span,
    call: Option<Call>,
}

type Boxed<O> = Pin<Box<dyn Future<Output = O> + Send>>;

enum Stage<R> {
    /// Not polled yet: nothing is invalidated for a call that never starts.
    Start(Option<Work>),
    /// `strict`: deleting before the body.
    Clearing(Boxed<(Work, Result<(), Error>)>),
    /// The body runs; dropping the guard (the call was cancelled) retries in the background.
    Running(Option<InvalidationGuard>),
    /// Invalidating after the body; its result waits here.
    Invalidating {
        pending: Boxed<Invalidated>,
        result: Option<R>,
    },
    Done,
}

// Nothing is pinned in place: the boxed awaits are pinned in their boxes, and the result is
// moved out when the call ends.
impl<R> Unpin for InvalidateSteps<R> {}

// SAFETY: every field is `Send` when `R` is, by the auto traits (`fields_are_send`). Declared
// for the reason a read's steps declare theirs (see `ReadSteps`).
unsafe impl<R: Send> Send for InvalidateSteps<R> {}

/// What the declared `Send` above rests on. The pattern names every field, so one added later
/// is checked too.
#[allow(dead_code)]
fn fields_are_send<R: Send>(steps: InvalidateSteps<R>) {
    fn send<X: Send>(_: X) {}
    let InvalidateSteps {
        cache,
        stage,
        strict,
        function,
        span,
        call,
    } = steps;
    send(cache);
    send(stage);
    send(strict);
    send(function);
    send(span);
    send(call);
}

impl<R> InvalidateSteps<R> {
    /// Invalidates `keys` and `patterns` (already prefixed) after the body; with `strict`, also
    /// before it, and a failure there is `strict(error)`.
    pub(crate) fn new(
        cache: &Cache,
        function: &'static str,
        keys: Vec<String>,
        patterns: Vec<String>,
        strict: Option<fn(Error) -> R>,
    ) -> Self {
        InvalidateSteps {
            cache: cache.clone(),
            stage: Stage::Start(Some(Work { keys, patterns })),
            strict,
            function,
            span: Span::none(),
            call: None,
        }
    }
}

/// Ends the call: its outcome goes to its span and metrics.
fn finish<R>(stage: &mut Stage<R>, call: &mut Option<Call>, outcome: Invalidated) {
    *stage = Stage::Done;
    if let Some(call) = call.take() {
        call.invalidate_done(outcome);
    }
}

/// `strict`: the deletes before the body, boxed. Not generic: compiled once.
fn clear(cache: Cache, work: Work) -> Boxed<(Work, Result<(), Error>)> {
    Box::pin(async move {
        let cleared = cache.try_invalidate(&work).await;
        (work, cleared)
    })
}

impl<R> CallSteps for InvalidateSteps<R> {
    type Output = R;

    fn poll_call(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut body: Pin<&mut dyn Future<Output = R>>,
    ) -> Poll<R> {
        let this = self.get_mut();
        if let Stage::Start(Some(work)) = &this.stage {
            let call = Call::invalidate(this.function, &work.keys, &work.patterns);
            (this.call, this.span) = Call::begin(call);
        }
        let _entered = this.span.enter();
        loop {
            match &mut this.stage {
                Stage::Start(work) => {
                    let Some(work) = work.take() else {
                        panic!("a cached call's future was polled after it panicked")
                    };
                    this.stage = match this.strict {
                        Some(_) => Stage::Clearing(clear(this.cache.clone(), work)),
                        None => Stage::Running(Some(InvalidationGuard::new(&this.cache, work))),
                    };
                }
                Stage::Clearing(pending) => {
                    let (work, cleared) = ready!(pending.as_mut().poll(cx));
                    match (cleared, this.strict) {
                        (Err(error), Some(strict)) => {
                            tracing::error!(
                                keys = ?work.keys,
                                patterns = ?work.patterns,
                                %error,
                                "strict invalidation failed before the write; the write was not attempted"
                            );
                            finish(
                                &mut this.stage,
                                &mut this.call,
                                Invalidated::of_error(&error),
                            );
                            return Poll::Ready(strict(error));
                        }
                        _ => {
                            this.stage =
                                Stage::Running(Some(InvalidationGuard::new(&this.cache, work)))
                        }
                    }
                }
                Stage::Running(guard) => {
                    let result = ready!(body.as_mut().poll(cx));
                    let Some(guard) = guard.take() else {
                        panic!("a cached call's future was polled after it panicked")
                    };
                    this.stage = Stage::Invalidating {
                        pending: Box::pin(guard.run()),
                        result: Some(result),
                    };
                }
                Stage::Invalidating { pending, result } => {
                    let outcome = ready!(pending.as_mut().poll(cx));
                    let Some(result) = result.take() else {
                        panic!("a cached call's result was taken twice")
                    };
                    finish(&mut this.stage, &mut this.call, outcome);
                    return Poll::Ready(result);
                }
                Stage::Done => panic!("a cached call's future was polled after it completed"),
            }
        }
    }
}
