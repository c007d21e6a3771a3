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

pin_project_lite::pin_project! {
    /// A cached call: `steps` (see [`CallSteps`]) with the function's `body` (a read runs it on
    /// a miss only; on a hit it is dropped unpolled). Generated code builds it with a struct
    /// literal, which compiles to no function of its own.
    // The fields are documented above: pin-project-lite takes no attribute on a field but `pin`.
    #[allow(missing_docs)]
    pub struct CachedCall<S, F> {
        #[pin]
        pub steps: S,
        #[pin]
        pub body: F,
    }
}

impl<S, F> Future for CachedCall<S, F>
where
    S: CallSteps,
    F: Future<Output = S::Output>,
{
    type Output = S::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<S::Output> {
        let this = self.project();
        this.steps.poll_call(cx, this.body)
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
