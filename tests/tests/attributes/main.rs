//! What the attributes do, on Redis and in process: reads through, invalidations, keys from
//! collections, per-call decisions, TTLs, every kind of function signature, return types,
//! `#[async_trait]` methods, blocking functions, handles shared across runtimes, hostile
//! patterns and corrupt contents. One test binary: the modules share this process.

mod async_trait;
mod blocking;
mod collection_keys;
mod corruption;
mod invalidation;
mod pattern_property;
mod read_through;
mod result_types;
mod runtimes;
mod signatures;
mod smoke;
mod this_call;
mod ttls;
