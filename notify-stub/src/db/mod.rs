//! The SQLite store: opening it, and running queries off the async worker threads.
//!
//! One connection behind a mutex, used from `spawn_blocking`: SQLite calls block on file I/O,
//! and the machine this runs on has two cores, so they must not occupy the runtime's worker
//! threads. A single connection serialises writes, which SQLite does anyway, and every query
//! here takes microseconds; the simulated latency is slept on the async side, outside the lock.

pub(crate) mod brandings;
pub(crate) mod invites;
pub(crate) mod organisations;
pub(crate) mod schema;
pub(crate) mod seed;
pub(crate) mod services;
mod temp;
pub(crate) mod users;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::api_error::ApiError;
use crate::errors::StubError;
use temp::TempPath;

/// A cheap handle to the store; clones share the connection.
#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    // Declared before `temp` so the connection closes before the file is removed.
    conn: Mutex<Connection>,
    temp: Option<TempPath>,
}

impl Db {
    /// Opens (creating and seeding if needed) the database at `path`, or a fresh temporary
    /// file removed when the last handle is dropped. Blocking: call from a blocking thread.
    pub(crate) fn open(path: Option<&Path>, data: &seed::SeedData) -> Result<Db, StubError> {
        let (conn, temp) = match path {
            Some(path) => (Connection::open(path)?, None),
            None => {
                let temp = TempPath::create()?;
                (Connection::open(temp.path())?, Some(temp))
            }
        };
        // A temporary database need not survive a crash; a named one should.
        let synchronous = if temp.is_some() { "OFF" } else { "NORMAL" };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
             PRAGMA foreign_keys = ON;"
        ))?;
        schema::create(&conn)?;
        let mut conn = conn;
        if !seed::is_seeded(&conn)? {
            seed::insert(&mut conn, data)?;
        }
        Ok(Db {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                temp,
            }),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            // A panic elsewhere cannot leave SQLite half-written (each change is one
            // transaction), so a poisoned lock is still safe to use.
            let mut conn = inner.conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|error| {
            tracing::error!(%error, "notify-stub: database task failed");
            ApiError::Internal
        })?
    }

    /// The temporary file in use, if the database is temporary.
    pub(crate) fn temp_path(&self) -> Option<&Path> {
        self.inner.temp.as_ref().map(TempPath::path)
    }
}
