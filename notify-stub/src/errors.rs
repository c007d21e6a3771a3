//! Errors from starting the stub (not the HTTP errors it answers with: see `api_error`).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why [`StubServer::start`](crate::StubServer::start) failed.
#[derive(Debug, thiserror::Error)]
pub enum StubError {
    /// The listening socket could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The temporary database file could not be created.
    #[error("could not create a temporary database file in {dir}: {source}")]
    TempFile {
        /// The directory tried.
        dir: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// SQLite failed while opening, creating or seeding the database.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// The blocking task that opens and seeds the database did not finish.
    #[error("database set-up task failed: {0}")]
    SetupTask(String),
    /// Any other I/O failure (reading the bound address, waiting for Ctrl-C).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}
