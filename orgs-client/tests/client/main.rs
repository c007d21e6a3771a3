//! `orgs-client` against the stand-in API (and raw servers that misbehave), on each cache
//! backend: token auth, configuration, errors, invalidation, invites, a Redis outage and cached
//! reads. One test binary: the modules share this process. Two suites are binaries of their
//! own: `contract`, which can also run against a real API, and `redaction`, which captures the
//! `tracing` output of its thread (a callsite first reached by a thread without a subscriber
//! could stay off for it while it is the only subscriber registered).

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod config;
mod errors;
mod invalidation;
mod invites;
mod outage;
mod reads;
