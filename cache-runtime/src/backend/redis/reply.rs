//! Waiting for a command's reply, and deciding whose fault a missed deadline is.
//!
//! The timeout bounds how long Redis may stay silent, not how long this process may take to
//! read an answer. On a busy machine the timer fires while the reply sits in the socket, or
//! while other callers' replies are still being read ahead of ours: neither is Redis failing,
//! and failing open there turns CPU starvation into API calls. So at the deadline the reply is
//! looked for once more after the connection's task has had its turn, and the wait goes on
//! (up to [`PATIENCE`] timeouts in all) while Redis is heard answering other commands on the
//! link, or while this process was too starved to see the deadline on time. Only a whole
//! timeout heard in silence, seen on time, is [`Waited::Silent`]: that alone counts against
//! Redis (the breaker, reconnecting).

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;

/// How many timeouts a command may wait in all while Redis is heard answering others.
pub(super) const PATIENCE: u32 = 10;

/// What came of waiting for a reply.
pub(super) enum Waited<T> {
    /// The reply, or the connection's error.
    Replied(redis::RedisResult<T>),
    /// A whole timeout passed, seen on time, and Redis answered nothing on the link meanwhile.
    Silent,
    /// No reply after [`PATIENCE`] timeouts, but Redis was answering others, or this process was
    /// starved: the command is abandoned without blaming Redis. How late the last deadline was
    /// seen.
    Late(Duration),
}

/// Waits for `command`'s reply until `deadline`, then as long as Redis is heard answering (the
/// count `heard` returns changes) or the process is starved, within [`PATIENCE`] timeouts.
///
/// `command` comes pinned by the caller: taken by value, it would be held twice in this
/// future (the argument and its pinned copy), and every read's boxed future with it.
pub(super) async fn wait<T>(
    mut command: Pin<&mut impl Future<Output = redis::RedisResult<T>>>,
    deadline: Instant,
    timeout: Duration,
    heard: impl Fn() -> u64,
) -> Waited<T> {
    let cap = deadline + timeout * (PATIENCE - 1);
    let mut deadline = deadline;
    let mut heard_before = heard();
    loop {
        if let Ok(reply) = tokio::time::timeout_at(deadline, command.as_mut()).await {
            return Waited::Replied(reply);
        }
        // The reply may be in the socket, waiting for the connection's task, which was woken
        // with our timer: let it run, then look once more.
        tokio::task::yield_now().await;
        if let Poll::Ready(reply) = poll_fn(|cx| Poll::Ready(command.as_mut().poll(cx))).await {
            return Waited::Replied(reply);
        }
        let now = Instant::now();
        let late = now.saturating_duration_since(deadline);
        let answering = heard() != heard_before;
        if !answering && !starved(late, timeout) {
            return Waited::Silent;
        }
        if now >= cap {
            return Waited::Late(late);
        }
        heard_before = heard();
        deadline = (now + timeout).min(cap);
    }
}

/// Whether a deadline seen `late` means this process was starved of CPU: the timer fired long
/// after it was due, so whatever Redis did meanwhile could not have been seen.
pub(super) fn starved(late: Duration, timeout: Duration) -> bool {
    late > (timeout / 2).max(Duration::from_millis(20))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use std::pin::pin;

    use super::*;

    const TIMEOUT: Duration = Duration::from_millis(20);

    #[tokio::test(start_paused = true)]
    async fn silence_on_time_is_silent() {
        let waited = wait(
            pin!(std::future::pending::<redis::RedisResult<()>>()),
            Instant::now() + TIMEOUT,
            TIMEOUT,
            || 0,
        )
        .await;
        assert!(matches!(waited, Waited::Silent));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_behind_others_is_waited_for() {
        let answers = AtomicU64::new(0);
        let command = async {
            tokio::time::sleep(TIMEOUT * 3).await;
            Ok(7)
        };
        // Redis answers someone else at every poll of the count.
        let heard = || answers.fetch_add(1, Ordering::Relaxed);
        let waited = wait(pin!(command), Instant::now() + TIMEOUT, TIMEOUT, heard).await;
        assert!(matches!(waited, Waited::Replied(Ok(7))));
    }

    #[tokio::test(start_paused = true)]
    async fn patience_ends() {
        let answers = AtomicU64::new(0);
        let heard = || answers.fetch_add(1, Ordering::Relaxed);
        let waited = wait(
            pin!(std::future::pending::<redis::RedisResult<()>>()),
            Instant::now() + TIMEOUT,
            TIMEOUT,
            heard,
        )
        .await;
        assert!(matches!(waited, Waited::Late(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_delivered_with_the_deadline_is_read() {
        let deadline = Instant::now() + TIMEOUT;
        let (send, receive) = tokio::sync::oneshot::channel();
        // The connection's task, woken at the deadline as a reply lands in the socket while
        // the process is busy: it has not run yet when the timer wakes the caller.
        tokio::spawn(async move {
            tokio::time::sleep_until(deadline).await;
            send.send(7).unwrap();
        });
        let command = async { Ok(receive.await.unwrap_or(0)) };
        let waited = wait(pin!(command), deadline, TIMEOUT, || 0).await;
        assert!(matches!(waited, Waited::Replied(Ok(7))));
    }
}
