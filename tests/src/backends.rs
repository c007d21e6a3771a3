//! Running one test body over every backend: [`on_both_backends!`](crate::on_both_backends).

/// Generates, for each `async fn name(kind: Kind)` listed, a test `on_redis::name` over a
/// private Redis server, `on_redis_tls::name` over a private Redis server reached with TLS, and
/// `in_memory::name` over the in-process backend (see [`Kind`](crate::Kind)).
///
/// The tests run on Tokio's current-thread runtime; start the list with `multi_thread:` for a
/// two-thread runtime, where concurrency is what the bodies test:
///
/// ```ignore
/// cache_tests::on_both_backends!(reads_hit, writes_invalidate);
/// cache_tests::on_both_backends!(multi_thread: single_flight_runs_the_body_once);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    (multi_thread: $($name:ident),* $(,)?) => {
        $crate::on_both_backends!(@runtime (flavor = "multi_thread", worker_threads = 2) $($name),*);
    };
    (@runtime $runtime:tt $($name:ident),*) => {
        mod on_redis {
            $(
                #[::tokio::test $runtime]
                async fn $name() {
                    super::$name($crate::Kind::Redis).await
                }
            )*
        }
        mod on_redis_tls {
            $(
                #[::tokio::test $runtime]
                async fn $name() {
                    super::$name($crate::Kind::RedisTls).await
                }
            )*
        }
        mod in_memory {
            $(
                #[::tokio::test $runtime]
                async fn $name() {
                    super::$name($crate::Kind::Memory).await
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!(@runtime () $($name),*);
    };
}
