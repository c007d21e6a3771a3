//! A temporary database file, removed (with SQLite's side files) when dropped.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::errors::StubError;

pub(crate) struct TempPath {
    path: PathBuf,
}

impl TempPath {
    /// Creates an empty file with a name no other stub in any process is using.
    pub(crate) fn create() -> Result<TempPath, StubError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut last_error = None;
        for _ in 0..16 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                "notify-stub-{}-{n}-{nanos}.sqlite3",
                std::process::id()
            ));
            // `create_new` so two stubs can never share a file.
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(TempPath { path }),
                Err(e) => last_error = Some(e),
            }
        }
        Err(StubError::TempFile {
            dir,
            source: last_error
                .unwrap_or_else(|| std::io::Error::other("no free temporary file name")),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            // Side files may not exist; nothing to report either way.
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}
