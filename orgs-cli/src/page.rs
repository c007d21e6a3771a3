//! The page of Notify's 2018 experiment: three sequential API calls (an organisation's name, its
//! services, its users), and who caches each one. `orgs demo` times it; `orgs serve --metrics`
//! serves it, so that its metrics have cached calls to count.
//!
//! Only what Notify's admin app caches is cached by `orgs-client` itself (its attributes use the
//! admin app's keys, so both can share a Redis). The page's other two calls are ones the admin app
//! never caches; the demo caches them through a wrapper of its own, and says so in its output.

use cache::{BackendKind, Cache};
use orgs_client::models::{OrganisationService, User};
use orgs_client::{Error, OrganisationsClient};
use serde::Serialize;
use uuid::Uuid;

use crate::Failure;
use crate::markup::escape;

/// Who caches one of the page's calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CachedBy {
    /// `orgs-client`'s own `#[cache::set]`, under Notify's admin app's key.
    OrgsClient,
    /// The demo's wrapper ([`Page`]): Notify's admin app does not cache the call, so neither
    /// does `orgs-client`.
    DemoWrapper,
}

impl CachedBy {
    /// As the demo's table says it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            CachedBy::OrgsClient => "orgs-client",
            CachedBy::DemoWrapper => "the demo's wrapper",
        }
    }
}

/// One of the page's API calls.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    /// The `OrganisationsClient` method the page calls.
    pub(crate) method: &'static str,
    /// The HTTP request behind it.
    pub(crate) request: &'static str,
    /// Who caches it once the demo's column caches it.
    pub(crate) cached_by: CachedBy,
    /// Its key template (before the cache's key prefix).
    pub(crate) key: &'static str,
    /// What the column that starts caching it is called.
    pub(crate) column: &'static str,
}

impl Call {
    /// The key for organisation `org_id`, without the cache's prefix.
    pub(crate) fn key_for(&self, org_id: Uuid) -> String {
        self.key.replace("{org_id}", &org_id.to_string())
    }
}

/// The page's calls, in the order it makes them; column `n` of the demo caches the first `n`.
/// The keys are the ones in the attributes below and on `OrganisationsClient` (a test checks).
pub(crate) const CALLS: [Call; 3] = [
    Call {
        method: "get_organisation_name",
        request: "GET /organisations/{org_id}",
        cached_by: CachedBy::OrgsClient,
        key: "organisation-{org_id}-name",
        column: "cache organisation name",
    },
    Call {
        method: "get_organisation_services",
        request: "GET /organisations/{org_id}/services",
        cached_by: CachedBy::DemoWrapper,
        key: "organisation-{org_id}-services",
        column: "+ services",
    },
    Call {
        method: "get_organisation_users",
        request: "GET /organisations/{org_id}/users",
        cached_by: CachedBy::DemoWrapper,
        key: "organisation-{org_id}-users",
        column: "+ users",
    },
];

/// The page, rendered through one client (and its cache handle).
pub(crate) struct Page {
    client: OrganisationsClient,
}

impl Page {
    /// A page whose calls go through `client`.
    pub(crate) fn new(client: OrganisationsClient) -> Page {
        Page { client }
    }

    // The admin app does not cache these two calls: the wrappers are the demo's, not the client's.

    #[cache::set("organisation-{org_id}-services", cache = self.client.cache())]
    async fn services(&self, org_id: Uuid) -> Result<Vec<OrganisationService>, Error> {
        self.client.get_organisation_services(org_id).await
    }

    #[cache::set("organisation-{org_id}-users", cache = self.client.cache())]
    async fn users(&self, org_id: Uuid) -> Result<Vec<User>, Error> {
        self.client.get_organisation_users(org_id).await
    }

    /// Renders the page as HTML, caching the first `cached` of its three calls.
    pub(crate) async fn render(&self, org_id: Uuid, cached: usize) -> Result<String, Error> {
        // The page shows the organisation's name only, which orgs-client caches as the admin
        // app does; uncached, the same request (`get_organisation_name` is this plus the cache).
        let name = if cached >= 1 {
            self.client.get_organisation_name(org_id).await?
        } else {
            self.client.get_organisation(org_id).await?.name
        };
        let services = if cached >= 2 {
            self.services(org_id).await?
        } else {
            self.client.get_organisation_services(org_id).await?
        };
        let users = if cached >= 3 {
            self.users(org_id).await?
        } else {
            self.client.get_organisation_users(org_id).await?
        };
        let mut html = format!("<h1>{}</h1><ul>", escape(&name));
        for service in &services {
            html.push_str(&format!("<li>{}</li>", escape(&service.name)));
        }
        html.push_str(&format!("</ul><p>{} team members</p>", users.len()));
        Ok(html)
    }
}

/// The page's cache: Redis when REDIS_URL is set (and not switched off), the in-process cache
/// otherwise; its keys prefixed with `prefix`, so that it never touches anyone else's.
pub(crate) fn cache(prefix: &str) -> Result<Cache, Failure> {
    if redis_url_set() {
        let cache = cache::CacheBuilder::from_env()?
            .key_prefix(prefix)
            .build()?;
        if cache.backend_kind() == BackendKind::Redis {
            return Ok(cache);
        }
    }
    Ok(Cache::builder().in_memory().key_prefix(prefix).build()?)
}

/// Whether REDIS_URL is set (and not blank).
fn redis_url_set() -> bool {
    std::env::var("REDIS_URL").is_ok_and(|url| !url.trim().is_empty())
}

/// Which cache the page uses, for a person.
pub(crate) fn describe(cache: &Cache) -> String {
    match cache.backend_kind() {
        BackendKind::InMemory if redis_url_set() => {
            "in-process (REDIS_ENABLED is off, so REDIS_URL is not used)".to_owned()
        }
        BackendKind::InMemory => "in-process (set REDIS_URL to use Redis)".to_owned(),
        _ => cache.backend_description().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use notify_stub::{StubConfig, StubServer};
    use orgs_client::{ApiClient, OrganisationsClient};

    use super::{CALLS, Page};

    #[tokio::test]
    async fn the_calls_described_are_the_keys_written() {
        let stub = StubServer::start(StubConfig::new("secret")).await.unwrap();
        let api = ApiClient::builder(stub.url())
            .secret("secret")
            .build()
            .unwrap();
        let cache = cache::Cache::builder()
            .in_memory()
            .key_prefix("orgs-demo:")
            .build()
            .unwrap();
        let page = Page::new(OrganisationsClient::new(api, cache.clone()));
        let org_id = stub.seed().examples.organisation_id;
        for cached in 0..=CALLS.len() {
            cache.delete_matching("*").await.unwrap();
            page.render(org_id, cached).await.unwrap();
            let written: BTreeSet<String> = cache
                .keys_matching("*", 100)
                .await
                .unwrap()
                .into_iter()
                .collect();
            let described: BTreeSet<String> =
                CALLS[..cached].iter().map(|c| c.key_for(org_id)).collect();
            assert_eq!(written, described, "{cached} calls cached");
        }
        stub.shutdown().await;
    }
}
