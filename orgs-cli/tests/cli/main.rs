//! The `orgs` binary, run as a user runs it: real processes, the stand-in API on a real socket,
//! a real `redis-server` where the cache is Redis, pipes and a terminal (through `script`).
//! Nothing here compares times: a busy machine changes them, never the outcome.

mod cache;
mod color;
mod delete_pattern;
mod demo;
mod exit_codes;
mod help;
mod organisations;
mod pipes;
mod secrets;
mod serve;
mod support;
