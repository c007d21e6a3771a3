//! The future of an annotated function: the steps of the call, which depend on the return type
//! only, and the function's body, handed to them as a trait object at each poll.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The steps of a cached call that do not depend on its body: a read's look-up and store
/// ([`ReadSteps`](crate::read::ReadSteps)), an invalidation's deletes
/// ([`InvalidateSteps`](crate::invalidating::InvalidateSteps)). [`CachedCall`] drives them
/// with the body, which they see only as a trait object.
///
/// This is what keeps an annotated function's own code small: every function's body has a type
/// of its own, so anything generic over it is compiled once per function. Here that is only
/// [`CachedCall`]'s `poll`, a few lines (as `tracing`'s `Instrumented<F>` is); the steps are
/// compiled once for each return type.
pub trait CallSteps {
    /// What the call returns.
    type Output;

    /// Advances the call; `body` is polled when the steps run it.
    fn poll_call(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        body: Pin<&mut dyn Future<Output = Self::Output>>,
    ) -> Poll<Self::Output>;
}

/// A cached call: `steps` (see [`CallSteps`]) with the function's `body` (a read runs it on a
/// miss only; on a hit it is dropped unpolled). Generated code builds it with a struct literal,
/// which compiles to no function of its own.
///
/// Both fields are pinned structurally: `poll` pins them in place and never moves them, the
/// struct has no `Drop` of its own, and it is `Unpin` only when both fields are.
pub struct CachedCall<S, F> {
    /// The steps, which depend on the return type only.
    pub steps: S,
    /// The function's body.
    pub body: F,
}

impl<S, F> Future for CachedCall<S, F>
where
    S: CallSteps,
    F: Future<Output = S::Output>,
{
    type Output = S::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<S::Output> {
        // Written without `Pin`'s generic helpers (or pin-project's), which a debug build would
        // compile once per annotated function: `Pin<&mut T>` is a transparent `&mut T`.
        // SAFETY: the fields are pinned structurally (see above); neither is moved out.
        let this: &mut Self = unsafe { std::mem::transmute::<Pin<&mut Self>, &mut Self>(self) };
        let body: &mut dyn Future<Output = S::Output> = &mut this.body;
        // SAFETY: as above; `body` stays where it is for as long as `self` is pinned.
        let (steps, body) = unsafe {
            (
                Pin::new_unchecked(&mut this.steps),
                Pin::new_unchecked(body),
            )
        };
        steps.poll_call(cx, body)
    }
}

/// The steps of a call that cannot be cached (see `__private::NotCached`): the body alone.
pub struct BodyOnly<R>(PhantomData<fn() -> R>);

impl<R> BodyOnly<R> {
    /// The body alone.
    pub(crate) fn new() -> Self {
        BodyOnly(PhantomData)
    }
}

impl<R> CallSteps for BodyOnly<R> {
    type Output = R;

    fn poll_call(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        body: Pin<&mut dyn Future<Output = R>>,
    ) -> Poll<R> {
        body.poll(cx)
    }
}
