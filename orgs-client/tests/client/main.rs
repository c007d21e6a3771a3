//! `orgs-client` against the stand-in API (and raw servers that misbehave), on each cache
//! backend: token auth, configuration, errors, invalidation, invites, a Redis outage, cached
//! reads and redaction of secrets. One test binary: the modules share this process (log capture
//! is per thread). The contract suite, which can also run against a real API, is `contract`.

mod common;

mod auth;
mod config;
mod errors;
mod invalidation;
mod invites;
mod outage;
mod reads;
mod redaction;
