//! What the cache reports: metrics per function and outcome (the `metrics` feature) and tracing
//! spans. One test binary: each test records into its own thread's recorder or subscriber.

#[cfg(feature = "metrics")]
mod metrics;
mod spans;
