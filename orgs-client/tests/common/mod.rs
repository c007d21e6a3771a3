//! Shared set-up for the end-to-end tests: a stand-in API, a cache on either backend (the
//! `cache-tests` fixture), clients.
#![allow(dead_code)]

pub mod capture;
pub mod raw_server;

use std::time::Duration;

use cache::Cache;
use cache_tests::{Fixture, Kind};
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

/// The backends every cached test runs on.
pub const BACKENDS: [Kind; 2] = [Kind::Memory, Kind::Redis];

/// A stub, a cache on a backend, and the clients over them.
pub struct World {
    pub stub: StubServer,
    /// The store behind the cache (its Redis server, to kill).
    pub fixture: Fixture,
    pub cache: Cache,
    pub orgs: OrganisationsClient,
    pub invites: InvitesClient,
}

impl World {
    /// A world whose cache is on `kind` (its operations bounded by [`CACHE_TIMEOUT`]).
    pub async fn new(kind: Kind) -> World {
        let stub = stub().await;
        let fixture = Fixture::with(kind, |builder| builder.timeout(CACHE_TIMEOUT));
        let cache = fixture.cache.clone();
        let api = api(&stub);
        World {
            orgs: OrganisationsClient::new(api.clone(), cache.clone()),
            invites: InvitesClient::new(api),
            fixture,
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
