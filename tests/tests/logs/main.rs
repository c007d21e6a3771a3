//! What the cache tells a person: a connection error's cause in one log line, warnings
//! rate-limited, a tracing span per call, and no secret in any of it.
//!
//! Each test captures its own thread's `tracing` output. They share a binary with no other
//! tests: while only one subscriber is registered, `tracing` caches a callsite's interest as
//! the registering thread sees it, so a callsite first reached by a test without a subscriber
//! would stay off for a concurrent test capturing it.

mod connect_errors;
mod secrets;
mod spans;
