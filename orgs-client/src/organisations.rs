//! [`OrganisationsClient`]: the organisations API, with the admin app's cache keys.

use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use crate::envelope::Data;
use crate::models::{
    EmailBranding, LetterBranding, NewOrganisation, Organisation, OrganisationService,
    OrganisationSummary, OrganisationUpdate, ServicesAndUsage, User,
};
use crate::{ApiClient, Error};

/// How long [`OrganisationsClient`] keeps what it caches: 28 days, the admin app's TTL
/// (notifications-utils' default, which none of the admin app's organisation reads overrides).
/// Every cached method writes it in its attribute (`ttl = "28d"`), so the handle's default TTL
/// is never used.
pub const CACHE_TTL: Duration = Duration::from_secs(28 * 24 * 60 * 60);

/// The organisations API, cached under the same keys, for the same time, and invalidated with
/// the same rule as in Notify's admin app, so both can share one Redis without serving each
/// other stale data.
///
/// - **Reads** marked *cached* are served from the cache when present, else stored for
///   [`CACHE_TTL`](crate::CACHE_TTL) (28 days, the admin app's TTL for every one of these keys),
///   whatever the handle's default TTL (`CACHE_DEFAULT_TTL`) is. A cache outage never fails a
///   read: it only costs the API round trip.
/// - **Writes are strict**, as the admin app's: each deletes the keys it makes stale *before*
///   the API call and again *after* it. If the delete before fails (Redis down, too slow, or
///   skipped by its circuit breaker), the call returns [`Error::Cache`] and the API is not
///   called: stale data is worse than a failed request. The delete after the call runs whether
///   the call succeeded or failed (a failed write may have partly applied); if it fails, the
///   call's own result is still returned and the delete is retried in the background. That is
///   the one difference from the admin app, which raises then: the write has been made, and an
///   error would tell the caller it had not. With the cache disabled
///   ([`cache::Cache::disabled`], `REDIS_ENABLED=0`) writes have nothing to delete and never
///   fail for it, as in the admin app with Redis off.
///
/// No method takes an acting user: Notify's organisation endpoints record none, and an unknown
/// field such as `created_by` in a create or update body makes the API fail with a 500.
///
/// Cheap to clone: clones share the connection pool and the cache handle.
#[derive(Debug, Clone)]
pub struct OrganisationsClient {
    api: ApiClient,
    cache: cache::Cache,
}

impl OrganisationsClient {
    /// A client over `api`, caching through `cache` (use [`cache::Cache::disabled`] for none).
    pub fn new(api: ApiClient, cache: cache::Cache) -> Self {
        OrganisationsClient { api, cache }
    }

    /// A client configured from the process environment (see [`from_vars`](Self::from_vars)).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// A client configured through `lookup`: the API from `API_HOST_NAME`, `ADMIN_CLIENT_USER_NAME`,
    /// `ADMIN_CLIENT_SECRET`, `ROUTE_SECRET_KEY_1` (see [`ApiClientBuilder::from_vars`]), the cache
    /// from `REDIS_URL`, `REDIS_ENABLED` and the toolkit's `CACHE_*` variables (see
    /// [`cache::CacheBuilder::from_vars`]). Connects to nothing.
    ///
    /// [`ApiClientBuilder::from_vars`]: crate::ApiClientBuilder::from_vars
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let api = ApiClient::from_vars(&lookup)?;
        let cache = crate::config::cache_from_vars(&lookup)?;
        Ok(OrganisationsClient::new(api, cache))
    }

    /// The API connection.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The cache handle.
    pub fn cache(&self) -> &cache::Cache {
        &self.cache
    }

    /// Every organisation (`GET /organisations`). Cached as `organisations`, for 28 days.
    #[cache::set("organisations", ttl = "28d", cache = self.cache)]
    pub async fn get_organisations(&self) -> Result<Vec<OrganisationSummary>, Error> {
        self.api.get("/organisations").await
    }

    /// Every organisation's domains, flattened, from [`get_organisations`](Self::get_organisations).
    /// Cached as `domains`, for 28 days.
    #[cache::set("domains", ttl = "28d", cache = self.cache)]
    pub async fn get_domains(&self) -> Result<Vec<String>, Error> {
        let organisations = self.get_organisations().await?;
        Ok(organisations
            .into_iter()
            .flat_map(|organisation| organisation.domains)
            .collect())
    }

    /// One organisation (`GET /organisations/{org_id}`). Not cached.
    pub async fn get_organisation(&self, org_id: Uuid) -> Result<Organisation, Error> {
        self.api.get(&format!("/organisations/{org_id}")).await
    }

    /// An organisation's name, from [`get_organisation`](Self::get_organisation). Cached as
    /// `organisation-{org_id}-name`, for 28 days.
    #[cache::set("organisation-{org_id}-name", ttl = "28d", cache = self.cache)]
    pub async fn get_organisation_name(&self, org_id: Uuid) -> Result<String, Error> {
        Ok(self.get_organisation(org_id).await?.name)
    }

    /// The organisation whose domain is the longest suffix of `domain`
    /// (`GET /organisations/by-domain?domain=…`); `Ok(None)` when none matches (404).
    /// A missing domain or one containing `@` is a 400 error.
    pub async fn get_organisation_by_domain(
        &self,
        domain: &str,
    ) -> Result<Option<Organisation>, Error> {
        match self
            .api
            .get_with_query("/organisations/by-domain", &[("domain", domain)])
            .await
        {
            Ok(organisation) => Ok(Some(organisation)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Organisations whose name contains `name`, ignoring case
    /// (`GET /organisations/search?name=…`, answered as `{"data": [...]}`). Not cached.
    pub async fn search(&self, name: &str) -> Result<Vec<OrganisationSummary>, Error> {
        let found: Data<Vec<OrganisationSummary>> = self
            .api
            .get_with_query("/organisations/search", &[("name", name)])
            .await?;
        Ok(found.data)
    }

    /// Creates an organisation (`POST /organisations`), sending exactly the four fields of
    /// [`NewOrganisation`]. A duplicate name is a 400 error, "Organisation name already exists".
    ///
    /// Deletes `organisations`, strictly (before and after; see the type's docs), as the admin
    /// app does: a new organisation missing from a cached list is the stale data it guards against.
    #[cache::delete("organisations", strict, cache = self.cache)]
    pub async fn create_organisation(
        &self,
        organisation: &NewOrganisation,
    ) -> Result<Organisation, Error> {
        self.api.post("/organisations", organisation).await
    }

    /// Changes an organisation's fields (`POST /organisations/{org_id}`), sending only the
    /// fields set in `update`. A field the API does not know is a server error (500) there.
    ///
    /// Deletes `domains`, `organisations`, `organisation-{org_id}-name`,
    /// `organisation-{org_id}-email-branding-pool`, `organisation-{org_id}-letter-branding-pool`,
    /// and `service-{id}` for each of the organisation's services (listed first, uncached, since
    /// an organisation's fields show in its services'; if listing fails, nothing is written).
    ///
    /// Strict, as the admin app's decorators for the first five keys. The admin app deletes the
    /// `service-{id}` keys by hand, after the call only and failing open; here they go with the
    /// others, before and after, in the same round trip: never staler than the admin app, and one
    /// rule for the whole write.
    pub async fn update_organisation(
        &self,
        org_id: Uuid,
        update: &OrganisationUpdate,
    ) -> Result<(), Error> {
        let service_ids: Vec<Uuid> = self
            .get_organisation_services(org_id)
            .await?
            .into_iter()
            .map(|service| service.id)
            .collect();
        self.write_organisation(org_id, &service_ids, update).await
    }

    /// The write of [`update_organisation`](Self::update_organisation), with every key it makes
    /// stale, one per service included, deleted in one round trip before the call and one after.
    #[cache::delete(
        "domains",
        "organisations",
        "organisation-{org_id}-name",
        "organisation-{org_id}-email-branding-pool",
        "organisation-{org_id}-letter-branding-pool",
        "service-{service_ids[..]}",
        strict,
        cache = self.cache
    )]
    async fn write_organisation(
        &self,
        org_id: Uuid,
        service_ids: &[Uuid],
        update: &OrganisationUpdate,
    ) -> Result<(), Error> {
        self.api
            .post_no_content(&format!("/organisations/{org_id}"), update)
            .await
    }

    /// Moves a service into an organisation (`POST /organisations/{org_id}/service`).
    /// Deletes `service-{service_id}`, `live-service-and-organisation-counts` and `organisations`,
    /// strictly, as the admin app does (its three decorators).
    #[cache::delete(
        "service-{service_id}",
        "live-service-and-organisation-counts",
        "organisations",
        strict,
        cache = self.cache
    )]
    pub async fn update_service_organisation(
        &self,
        org_id: Uuid,
        service_id: Uuid,
    ) -> Result<(), Error> {
        self.api
            .post_no_content(
                &format!("/organisations/{org_id}/service"),
                &json!({ "service_id": service_id }),
            )
            .await
    }

    /// An organisation's services, active first, then by name
    /// (`GET /organisations/{org_id}/services`). Not cached.
    pub async fn get_organisation_services(
        &self,
        org_id: Uuid,
    ) -> Result<Vec<OrganisationService>, Error> {
        self.api
            .get(&format!("/organisations/{org_id}/services"))
            .await
    }

    /// An organisation's team members (`GET /organisations/{org_id}/users`). Not cached.
    pub async fn get_organisation_users(&self, org_id: Uuid) -> Result<Vec<User>, Error> {
        let users: Data<Vec<User>> = self
            .api
            .get(&format!("/organisations/{org_id}/users"))
            .await?;
        Ok(users.data)
    }

    /// Removes a user from an organisation's team (`DELETE /organisations/{org_id}/users/{user_id}`,
    /// without a body: the API ignores one). Deletes `user-{user_id}`, strictly, as the admin app
    /// does: a cached user would still list the organisation.
    #[cache::delete("user-{user_id}", strict, cache = self.cache)]
    pub async fn remove_user_from_organisation(
        &self,
        org_id: Uuid,
        user_id: Uuid,
    ) -> Result<(), Error> {
        self.api
            .delete(&format!("/organisations/{org_id}/users/{user_id}"), None)
            .await
    }

    /// An organisation's services with their usage in the financial year starting in April of
    /// `year` (`GET /organisations/{org_id}/services-with-usage?year=…`). Not cached.
    pub async fn get_services_and_usage(
        &self,
        org_id: Uuid,
        year: i32,
    ) -> Result<ServicesAndUsage, Error> {
        self.api
            .get_with_query(
                &format!("/organisations/{org_id}/services-with-usage"),
                &[("year", &year.to_string())],
            )
            .await
    }

    /// Archives an organisation (`POST /organisations/{org_id}/archive`).
    /// Deletes `organisations`, `organisation-{org_id}-name` and `domains`, strictly, as the admin
    /// app does: an archived organisation must not stay listed, nor its domains claimed.
    #[cache::delete(
        "organisations",
        "organisation-{org_id}-name",
        "domains",
        strict,
        cache = self.cache
    )]
    pub async fn archive_organisation(&self, org_id: Uuid) -> Result<(), Error> {
        self.api
            .post_no_content(&format!("/organisations/{org_id}/archive"), &json!({}))
            .await
    }

    /// The email brandings an organisation's services may choose from
    /// (`GET /organisations/{org_id}/email-branding-pool`). Cached as
    /// `organisation-{org_id}-email-branding-pool`, for 28 days.
    #[cache::set("organisation-{org_id}-email-branding-pool", ttl = "28d", cache = self.cache)]
    pub async fn get_email_branding_pool(&self, org_id: Uuid) -> Result<Vec<EmailBranding>, Error> {
        let pool: Data<Vec<EmailBranding>> = self
            .api
            .get(&format!("/organisations/{org_id}/email-branding-pool"))
            .await?;
        Ok(pool.data)
    }

    /// The letter brandings an organisation's services may choose from
    /// (`GET /organisations/{org_id}/letter-branding-pool`). Cached as
    /// `organisation-{org_id}-letter-branding-pool`, for 28 days.
    #[cache::set("organisation-{org_id}-letter-branding-pool", ttl = "28d", cache = self.cache)]
    pub async fn get_letter_branding_pool(
        &self,
        org_id: Uuid,
    ) -> Result<Vec<LetterBranding>, Error> {
        let pool: Data<Vec<LetterBranding>> = self
            .api
            .get(&format!("/organisations/{org_id}/letter-branding-pool"))
            .await?;
        Ok(pool.data)
    }

    /// Adds brandings to an organisation's email branding pool
    /// (`POST /organisations/{org_id}/email-branding-pool`). An id that is no email branding is a
    /// 404 error, and then nothing is added. Deletes
    /// `organisation-{org_id}-email-branding-pool`, strictly, as the admin app does.
    #[cache::delete("organisation-{org_id}-email-branding-pool", strict, cache = self.cache)]
    pub async fn add_brandings_to_email_branding_pool(
        &self,
        org_id: Uuid,
        branding_ids: &[Uuid],
    ) -> Result<(), Error> {
        self.api
            .post_no_content(
                &format!("/organisations/{org_id}/email-branding-pool"),
                &json!({ "branding_ids": branding_ids }),
            )
            .await
    }

    /// Adds brandings to an organisation's letter branding pool
    /// (`POST /organisations/{org_id}/letter-branding-pool`). An id that is no letter branding is
    /// a 404 error, and then nothing is added. Deletes
    /// `organisation-{org_id}-letter-branding-pool`, strictly, as the admin app does.
    #[cache::delete("organisation-{org_id}-letter-branding-pool", strict, cache = self.cache)]
    pub async fn add_brandings_to_letter_branding_pool(
        &self,
        org_id: Uuid,
        branding_ids: &[Uuid],
    ) -> Result<(), Error> {
        self.api
            .post_no_content(
                &format!("/organisations/{org_id}/letter-branding-pool"),
                &json!({ "branding_ids": branding_ids }),
            )
            .await
    }

    /// Removes a branding from an organisation's email branding pool
    /// (`DELETE /organisations/{org_id}/email-branding-pool/{branding_id}`). Deletes
    /// `organisation-{org_id}-email-branding-pool`, strictly, as the admin app does.
    #[cache::delete("organisation-{org_id}-email-branding-pool", strict, cache = self.cache)]
    pub async fn remove_email_branding_from_pool(
        &self,
        org_id: Uuid,
        branding_id: Uuid,
    ) -> Result<(), Error> {
        self.api
            .delete(
                &format!("/organisations/{org_id}/email-branding-pool/{branding_id}"),
                None,
            )
            .await
    }

    /// Removes a branding from an organisation's letter branding pool
    /// (`DELETE /organisations/{org_id}/letter-branding-pool/{branding_id}`). Deletes
    /// `organisation-{org_id}-letter-branding-pool`, strictly, as the admin app does.
    #[cache::delete("organisation-{org_id}-letter-branding-pool", strict, cache = self.cache)]
    pub async fn remove_letter_branding_from_pool(
        &self,
        org_id: Uuid,
        branding_id: Uuid,
    ) -> Result<(), Error> {
        self.api
            .delete(
                &format!("/organisations/{org_id}/letter-branding-pool/{branding_id}"),
                None,
            )
            .await
    }
}
