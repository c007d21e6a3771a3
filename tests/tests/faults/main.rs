//! Redis failing under the cache: outages, faults under load, failover, CPU starvation, each
//! reliability mechanism on its own (single-flight, leases, retried invalidations, the circuit
//! breaker), cancelled calls, the consistency checker, and the metrics of calls while Redis is
//! up, hung and skipped (the `metrics` feature). One test binary: the modules share this
//! process (each metrics test records into its own thread's recorder).

mod cancellation;
mod consistency;
mod failover;
mod faults;
#[cfg(feature = "metrics")]
mod metrics;
mod outage;
mod reliability_units;
mod starvation;
