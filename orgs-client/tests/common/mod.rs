//! Shared set-up for the end-to-end tests: a stand-in API, caches on both backends, clients.
#![allow(dead_code)]

pub mod capture;
pub mod raw_server;

use std::time::Duration;

use cache::Cache;
use cache_tests::RedisServer;
use notify_stub::{StubConfig, StubServer};
use orgs_client::{ApiClient, InvitesClient, OrganisationsClient};
use serde_json::Value;

pub const ADMIN_SECRET: &str = "admin-secret-e2e";
pub const ROUTE_SECRET: &str = "route-secret-e2e";

/// A short bound on cache operations, so a dead Redis costs tests little.
pub const CACHE_TIMEOUT: Duration = Duration::from_millis(200);

/// A stand-in API requiring the route secret.
pub async fn stub() -> StubServer {
    StubServer::start(StubConfig::new(ADMIN_SECRET).route_secret(ROUTE_SECRET))
        .await
        .expect("start the stand-in API")
}

/// An admin client for `stub`.
pub fn api(stub: &StubServer) -> ApiClient {
    ApiClient::builder(stub.url())
        .secret(ADMIN_SECRET)
        .route_secret(ROUTE_SECRET)
        .build()
        .expect("a valid configuration")
}

/// Which store a cached test runs on; every cached test runs on both.
pub enum Backend {
    InMemory,
    Redis(RedisServer),
}

impl Backend {
    pub fn all() -> [fn() -> Backend; 2] {
        [
            || Backend::InMemory,
            || Backend::Redis(RedisServer::start()),
        ]
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::InMemory => "in-memory",
            Backend::Redis(_) => "redis",
        }
    }

    pub fn cache(&self) -> Cache {
        match self {
            Backend::InMemory => Cache::in_memory(),
            Backend::Redis(server) => Cache::builder()
                .redis(server.url())
                .timeout(CACHE_TIMEOUT)
                .build()
                .expect("a valid Redis URL"),
        }
    }
}

/// A stub, a cache on `backend`, and the clients over them.
pub struct World {
    pub stub: StubServer,
    pub cache: Cache,
    pub orgs: OrganisationsClient,
    pub invites: InvitesClient,
}

impl World {
    pub async fn new(backend: &Backend) -> World {
        let stub = stub().await;
        let cache = backend.cache();
        let api = api(&stub);
        World {
            orgs: OrganisationsClient::new(api.clone(), cache.clone()),
            invites: InvitesClient::new(api),
            cache,
            stub,
        }
    }

    /// Requests the stub served for `method path` since start or the last reset.
    pub fn calls(&self, method: &str, path: &str) -> u64 {
        self.stub.requests_to(method, path)
    }

    /// Stores a marker under each key (straight through the handle, as another app would).
    pub async fn seed_keys(&self, keys: &[String]) {
        for key in keys {
            self.cache
                .set(key, &Value::String("seeded".into()), None)
                .await
                .expect("seed a key");
        }
    }

    /// Which of `keys` are no longer in the cache.
    pub async fn gone(&self, keys: &[String]) -> Vec<String> {
        let mut gone = Vec::new();
        for key in keys {
            if self
                .cache
                .get::<Value>(key)
                .await
                .expect("read a key")
                .is_none()
            {
                gone.push(key.clone());
            }
        }
        gone.sort();
        gone
    }
}

/// Sorted owned keys.
pub fn keys(keys: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
    keys.sort();
    keys
}
