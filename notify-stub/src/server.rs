//! Starting, observing and stopping a stub server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::Clients;
use crate::config::StubConfig;
use crate::counting::{RequestCounter, RequestCounts};
use crate::db::seed::SeedSummary;
use crate::db::{Db, seed};
use crate::errors::StubError;
use crate::routes::{self, AppState};

/// How long [`StubServer::shutdown`] lets open requests finish before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running stub: an HTTP server on its own task, until [`shutdown`](Self::shutdown) or drop.
pub struct StubServer {
    addr: SocketAddr,
    counter: Arc<RequestCounter>,
    seed: SeedSummary,
    database_path: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl StubServer {
    /// Opens (and seeds) the database, binds the listening socket and starts serving.
    pub async fn start(config: StubConfig) -> Result<StubServer, StubError> {
        let path = config.database_path.clone();
        // Generating and inserting the seed is blocking work: keep it off the async threads.
        let (db, seed) = tokio::task::spawn_blocking(move || {
            let data = seed::generate();
            let db = Db::open(path.as_deref(), &data)?;
            Ok::<_, StubError>((db, data.summary()))
        })
        .await
        .map_err(|e| StubError::SetupTask(e.to_string()))??;
        let database_path = match (&config.database_path, db.temp_path()) {
            (Some(path), _) => path.clone(),
            (None, Some(temp)) => temp.to_path_buf(),
            (None, None) => PathBuf::new(),
        };

        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StubError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr()?;
        let counter = Arc::new(RequestCounter::default());
        let app = routes::router(AppState {
            db,
            clients: Arc::new(Clients::from_config(&config)),
            counter: Arc::clone(&counter),
            latency: config.latency,
            invite_emails_fail: config.invite_emails_fail,
        });

        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let signal = async {
                // A dropped sender (the handle was dropped) also means stop.
                let _ = stopped.await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::error!(%error, "notify-stub: server stopped with an error");
            }
        });
        tracing::info!(%addr, "notify-stub: listening");
        Ok(StubServer {
            addr,
            counter,
            seed,
            database_path,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests received since start or the last [`reset_counts`](Self::reset_counts),
    /// including rejected (401/403/404…) ones.
    pub fn requests(&self) -> u64 {
        self.counter.total()
    }

    /// Requests received for this method and concrete path, e.g.
    /// `("GET", "/organisations/<uuid>/services")`. The method is case-insensitive; a query
    /// string on `path` is ignored (requests are counted by path alone).
    pub fn requests_to(&self, method: &str, path: &str) -> u64 {
        self.counter.to(method, path)
    }

    /// A snapshot of all counts, by method and path.
    pub fn request_counts(&self) -> RequestCounts {
        self.counter.snapshot()
    }

    /// Sets every count back to zero.
    pub fn reset_counts(&self) {
        self.counter.reset();
    }

    /// What the database was seeded with (see [`SeedSummary`]). For a reused
    /// [`database_path`](StubConfig::database_path) this describes the original seed, not
    /// later changes.
    pub fn seed(&self) -> &SeedSummary {
        &self.seed
    }

    /// The SQLite file in use: the configured path, or the temporary file (which is removed
    /// when the server stops).
    pub fn database_path(&self) -> &Path {
        &self.database_path
    }

    /// Stops accepting connections, lets requests in flight finish (for up to 5 s), and
    /// returns once the server task has ended and a temporary database has been removed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            // Requests still running after the grace period are cut off.
            task.abort();
            let _ = task.await;
        }
    }

    /// Serves until Ctrl-C (SIGINT), then shuts down gracefully: for a standalone process.
    pub async fn serve_until_ctrl_c(self) -> Result<(), StubError> {
        let result = tokio::signal::ctrl_c().await;
        self.shutdown().await;
        result.map_err(StubError::from)
    }
}

impl Drop for StubServer {
    /// Signals the server to stop; it finishes in the background.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for StubServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StubServer")
            .field("addr", &self.addr)
            .field("requests", &self.requests())
            .field("database_path", &self.database_path)
            .finish_non_exhaustive()
    }
}
