//! The cache under load: faults injected while many readers and writers run (a killed, frozen
//! or flooded server), calls cancelled at random points, and the consistency checker. Each test
//! runs many tasks for a while, so they share a binary with each other only, not with the
//! mechanism tests in `faults`, whose short timeouts a neighbour's load could run out. One test
//! binary: the modules share this process.

mod cancellation;
mod consistency;
mod faults;
