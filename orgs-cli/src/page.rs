//! The page of Notify's 2018 experiment: three sequential API calls (an organisation, its
//! services, its users), each of which may go through the cache. `orgs demo` times it;
//! `orgs serve --metrics` serves it, so that its metrics have cached calls to count.

use cache::{BackendKind, Cache};
use orgs_client::models::{Organisation, OrganisationService, User};
use orgs_client::{Error, OrganisationsClient};
use uuid::Uuid;

use crate::Failure;

/// The page's client and the cache its calls go through.
pub(crate) struct Page {
    pub(crate) client: OrganisationsClient,
    pub(crate) cache: Cache,
}

impl Page {
    #[cache::set("organisation-{org_id}", cache = self.cache)]
    async fn organisation(&self, org_id: Uuid) -> Result<Organisation, Error> {
        self.client.get_organisation(org_id).await
    }

    #[cache::set("organisation-{org_id}-services", cache = self.cache)]
    async fn services(&self, org_id: Uuid) -> Result<Vec<OrganisationService>, Error> {
        self.client.get_organisation_services(org_id).await
    }

    #[cache::set("organisation-{org_id}-users", cache = self.cache)]
    async fn users(&self, org_id: Uuid) -> Result<Vec<User>, Error> {
        self.client.get_organisation_users(org_id).await
    }

    /// Renders the page as HTML, caching the first `cached` of its three calls.
    pub(crate) async fn render(&self, org_id: Uuid, cached: usize) -> Result<String, Error> {
        let organisation = if cached >= 1 {
            self.organisation(org_id).await?
        } else {
            self.client.get_organisation(org_id).await?
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
        let mut html = format!("<h1>{}</h1><ul>", escape(&organisation.name));
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

/// Text for HTML: names come from the API.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_escaped() {
        assert_eq!(
            super::escape(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
