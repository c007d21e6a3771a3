//! The Rust examples of the repository's Markdown, compiled and run as doc tests: each page is
//! the documentation of an item here, so `cargo test --doc -p cache-tests` builds every fenced
//! `rust` block of it. `tests/tests/docs.rs` checks that every page with one is listed.

#[doc = include_str!("../../README.md")]
pub struct Readme;

#[doc = include_str!("../../docs/CONFIGURATION.md")]
pub struct Configuration;

#[doc = include_str!("../../docs/DEPLOYING.md")]
pub struct Deploying;

#[doc = include_str!("../../docs/NEAR_CACHE.md")]
pub struct NearCache;

#[doc = include_str!("../../docs/PYTHON.md")]
pub struct Python;
