//! The stand-in API over real sockets: token auth, branding, invites, an organisation's
//! lifecycle, members, and organisations. One test binary: the modules share this process.

mod common;

mod auth;
mod branding;
mod invites;
mod lifecycle;
mod members;
mod organisations;
