//! A stand-in for GOV.UK Notify's organisations API.
//!
//! [`StubServer`] is a real HTTP server (axum on a loopback port) backed by SQLite and seeded
//! with a deterministic, realistic data set: hundreds of organisations, over a thousand
//! services, users, invites and branding pools. It checks JWTs the way Notify's API does and,
//! standing in for the proxy in front of that API, the `X-Custom-Forwarder` route secret (a
//! switch, [`StubConfig::proxy`], on by default: the real API application never checks that
//! header itself). It answers with Notify's JSON shapes, status codes and messages — those
//! observed on the real API included, such as a 500 for a field an organisation endpoint does
//! not know — counts the requests it serves (so a test can prove a cache hit never reached it)
//! and can add latency to every request to stand in for network distance.
//!
//! ```no_run
//! # async fn demo() -> Result<(), notify_stub::StubError> {
//! use notify_stub::{StubConfig, StubServer};
//!
//! let server = StubServer::start(StubConfig::new("admin-secret")).await?;
//! let base = server.url(); // http://127.0.0.1:PORT
//! // … call `{base}/organisations` with `Authorization: Bearer <jwt>` …
//! assert_eq!(server.requests_to("GET", "/organisations"), 0);
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The JSON it produces is built here, independently of any client crate's models, so a
//! client whose field names drift from Notify's fails against it.
#![warn(missing_docs)]

mod api_error;
mod auth;
mod body;
mod config;
mod counting;
mod db;
mod errors;
mod py_json;
mod routes;
mod server;
mod time;
mod usage;

pub use config::{DEFAULT_ADMIN_CLIENT_ID, StubConfig};
pub use counting::RequestCounts;
pub use db::brandings::{NHS_EMAIL_BRANDING_ID, NHS_LETTER_BRANDING_ID};
pub use db::seed::{SeedExamples, SeedSummary, seed_summary};
pub use errors::StubError;
pub use server::StubServer;
