//! Redis failing under the cache: outages, faults under load, failover, CPU starvation, each
//! reliability mechanism on its own (single-flight, leases, retried invalidations, the circuit
//! breaker), cancelled calls, and the consistency checker. One test binary: the modules share
//! this process.

mod cancellation;
mod consistency;
mod failover;
mod faults;
mod outage;
mod reliability_units;
mod starvation;
