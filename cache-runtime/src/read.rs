//! Reading through the cache, typed: the only part of a read compiled for each annotated
//! function. It decodes what [`Reader`] finds, runs the body on a miss and encodes its value;
//! every decision (flights, leases, waits, logging) is the untyped reader's, compiled once.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tracing::{Instrument, Span};

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

/// `#[cache::set]` on `function`: the cached value, or the body's result (whose value is then
/// stored). The call runs in its span and reports its outcome.
///
/// This is the one future compiled for each annotated function (its body's type is unique), so
/// it only sequences: [`look_up`] and [`store`] depend on the return type alone (one copy for
/// all functions returning it), and the decisions are the untyped [`Reader`]'s.
#[allow(clippy::too_many_arguments)] // the generated call's parts, passed straight through
pub(crate) async fn read_through<R, T, F>(
    cache: &Cache,
    function: &'static str,
    key: String,
    ttl: Option<Duration>,
    shape: Shape<R, T>,
    sharing: Option<ShareFns<R>>,
    reuse: Option<ReuseFns<T>>,
    follow: Follow,
    body: F,
) -> R
where
    T: serde::Serialize + DeserializeOwned,
    F: Future<Output = R>,
{
    let call = Call::read(function, &key);
    // Entering a disabled span (the usual case in production, at `info`) is a branch.
    let span = call.span().unwrap_or_else(Span::none);
    let sharing = sharing.as_ref();
    let mut reader = Reader::new(cache, &key, ttl, follow);
    let looked_up = look_up(&mut reader, &shape, sharing, reuse.as_ref())
        .instrument(span.clone())
        .await;
    let (result, outcome) = match looked_up {
        Some(answered) => answered,
        None => {
            // The body may decide how its result is stored (`cache::this_call()`).
            let mut scope = CallScope::default();
            let result = scope.run(body, &span).await;
            let decision = scope.decision();
            store(&mut reader, &shape, sharing, result, decision)
                .instrument(span)
                .await
        }
    };
    call.read_done(outcome);
    result
}

/// The cached value (or a leader's shared result), decoded (or, from a near copy, cloned);
/// `None`: run the body.
async fn look_up<R, T>(
    reader: &mut Reader<'_>,
    shape: &Shape<R, T>,
    sharing: Option<&ShareFns<R>>,
    reuse: Option<&ReuseFns<T>>,
) -> Option<(R, Outcome)>
where
    T: DeserializeOwned,
{
    loop {
        match reader.next().await {
            Found::Stored(stored) => {
                // Only a near copy has a decoded value: any other hit is one branch more.
                if let Some(reuse) = reuse
                    && let Some(value) = stored.decoded().and_then(reuse.get)
                {
                    return Some(((shape.wrap)(value), reader.decoded(stored)));
                }
                match serde_json::from_slice::<T>(&stored) {
                    Ok(value) => {
                        if let Some(reuse) = reuse {
                            stored.keep_decoded(|| (reuse.put)(&value));
                        }
                        return Some(((shape.wrap)(value), reader.decoded(stored)));
                    }
                    Err(error) => reader.undecodable(stored, error),
                }
            }
            Found::Shared(shared) => match sharing.and_then(|fns| (fns.take)(&*shared)) {
                Some(result) => return Some((result, reader.taken())),
                None => reader.not_taken(),
            },
            Found::Miss => return None,
        }
    }
}

/// Stores the body's value, hands it to this call's followers, and returns the result.
async fn store<R, T>(
    reader: &mut Reader<'_>,
    shape: &Shape<R, T>,
    sharing: Option<&ShareFns<R>>,
    result: R,
    decision: Decision,
) -> (R, Outcome)
where
    T: serde::Serialize,
{
    let value = if reader.wants_value() {
        (shape.value)(&result).map(serde_json::to_vec)
    } else {
        None
    };
    let stored = reader.store(value, decision).await;
    let outcome = reader.finish(stored, &|| sharing.map(|fns| (fns.share)(&result)));
    (result, outcome)
}
