//! Reading through the cache, typed: the only part of a read compiled for each annotated
//! function. It decodes what [`Reader`] finds, runs the body on a miss and encodes its value;
//! every decision (flights, leases, waits, logging) is the untyped reader's, compiled once.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::Cache;
use crate::observe::{Call, Outcome};
pub(crate) use crate::reader::Follow;
use crate::reader::{Found, Reader};
use crate::this_call::CallScope;

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

/// `#[cache::set]` on `function`: the cached value, or the body's result (whose value is then
/// stored). The call runs in its span and reports its outcome.
#[allow(clippy::too_many_arguments)] // the generated call's parts, passed straight through
pub(crate) async fn read_through<R, T, F>(
    cache: &Cache,
    function: &'static str,
    key: String,
    ttl: Option<Duration>,
    shape: Shape<R, T>,
    sharing: Option<ShareFns<R>>,
    follow: Follow,
    body: F,
) -> R
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    let call = Call::read(function, &key);
    let read = read(
        Reader::new(cache, &key, ttl, follow),
        &shape,
        sharing.as_ref(),
        body,
    );
    // One instantiation per function, not two: entering a disabled span (the usual case in
    // production, at `info`) is a branch.
    let span = call.span().unwrap_or_else(tracing::Span::none);
    let (result, outcome) = read.instrument(span).await;
    call.read_done(outcome);
    result
}

/// The read itself, and how it was answered.
async fn read<R, T, F>(
    mut reader: Reader<'_>,
    shape: &Shape<R, T>,
    sharing: Option<&ShareFns<R>>,
    body: F,
) -> (R, Outcome)
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    loop {
        match reader.next().await {
            Found::Stored(stored) => match serde_json::from_slice::<T>(&stored) {
                Ok(value) => return ((shape.wrap)(value), reader.decoded(stored)),
                Err(error) => reader.undecodable(stored, error),
            },
            Found::Shared(shared) => match sharing.and_then(|fns| (fns.take)(&*shared)) {
                Some(result) => return (result, reader.taken()),
                None => reader.not_taken(),
            },
            Found::Miss => break,
        }
    }
    // The body may decide how its result is stored (`cache::this_call()`).
    let mut scope = CallScope::default();
    let result = scope.run(body).await;
    let value = if reader.wants_value() {
        (shape.value)(&result).map(serde_json::to_vec)
    } else {
        None
    };
    let stored = reader.store(value, scope.decision()).await;
    let outcome = reader.finish(stored, &|| sharing.map(|fns| (fns.share)(&result)));
    (result, outcome)
}
