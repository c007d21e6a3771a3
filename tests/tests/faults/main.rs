//! Redis failing under the cache, one mechanism at a time: outages, failover, CPU starvation,
//! single-flight, leases, retried invalidations and the circuit breaker, and the metrics of
//! calls while Redis is up, hung and skipped (the `metrics` feature). Tests under sustained
//! load are in `load`. One test binary: the modules share this process (each metrics test
//! records into its own thread's recorder).

mod failover;
#[cfg(feature = "metrics")]
mod metrics;
mod outage;
mod reliability_units;
mod starvation;
