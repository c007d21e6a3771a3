//! A client for GOV.UK Notify's organisations API, cached with the `cache` toolkit's attributes
//! under the same Redis keys as Notify's admin app.
//!
//! ```no_run
//! use orgs_client::{ApiClient, Error, NewOrganisation, OrganisationType, OrganisationsClient};
//!
//! # async fn run() -> Result<(), Error> {
//! // Or `OrganisationsClient::from_env()`, reading the admin app's variables
//! // (API_HOST_NAME, ADMIN_CLIENT_SECRET, ROUTE_SECRET_KEY_1, REDIS_URL, ...).
//! let api = ApiClient::builder("https://api.notifications.service.gov.uk")
//!     .secret("admin-client-secret")
//!     .build()?;
//! let cache = cache::Cache::redis("redis://127.0.0.1:6379").expect("a valid URL"); // connects on first use
//! let organisations = OrganisationsClient::new(api, cache);
//!
//! let all = organisations.get_organisations().await?; // API call, then cached as `organisations`
//! let again = organisations.get_organisations().await?; // from the cache
//! assert_eq!(all, again);
//!
//! let crown = true; // required by the API
//! let created = organisations
//!     .create_organisation(&NewOrganisation::new("Ministry of Tests", OrganisationType::Central, crown))
//!     .await?; // deletes `organisations`
//! println!("{} is {}", created.name, created.id);
//!
//! match organisations.get_organisation_by_domain("tests.gov.uk").await? {
//!     Some(organisation) => println!("belongs to {}", organisation.name),
//!     None => println!("no organisation for that domain"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! - [`ApiClient`] is the base every client type wraps: configuration ([`ApiClientBuilder`],
//!   or the admin app's environment variables), a pooled HTTP client, a fresh HS256 token per
//!   request, the route secret header, and error mapping. It authenticates as `notify-admin` with
//!   the admin secret, or as a service with a [`ServiceApiKey`].
//! - [`OrganisationsClient`] has every method of the admin app's organisations client, with its
//!   cache keys; [`InvitesClient`] handles organisation team invitations.
//! - Every failure is an [`Error`] carrying the HTTP status (503 when there was no response) and
//!   the API's message.
//!
//! Secrets (the admin secret, the route secret, a key's secret, tokens) never appear in `Debug`,
//! `Display` or logs. Building a client never connects to the API or to Redis.
//!
//! # The cache: Notify's admin app's keys, TTLs and rule
//!
//! [`OrganisationsClient`] caches what the admin app caches, under the same keys, so the two can
//! share one Redis:
//!
//! - **TTLs are the client's own.** Every cached read stores its value for [`CACHE_TTL`],
//!   28 days, the admin app's TTL for each of its five keys (`organisations`, `domains`,
//!   `organisation-{id}-name`, and the two branding pools). The handle's default TTL
//!   (`CACHE_DEFAULT_TTL`, 24 hours unless set) is not used by this crate, so nothing needs
//!   setting to get Notify's behaviour.
//! - **Reads fail open.** A Redis outage only costs the API round trip; the read returns the
//!   API's answer.
//! - **Writes are strict.** Each write deletes the keys it makes stale before the API call and
//!   again after it, as the admin app has since 2024 ("stale data is worse than failing the
//!   user's request"). When the delete before the call fails, the write is not sent and the
//!   call returns [`Error::Cache`] ([`Error::is_cache`]); retrying once Redis answers is safe.
//!   When the delete after the call fails, the call's result is returned and the delete is
//!   retried in the background: the write has been made, and an error would say it had not
//!   (the admin app raises there). Each write's docs say which keys it deletes and why.
//! - **No cache, no failure.** With the cache disabled ([`cache::Cache::disabled`], or
//!   `REDIS_ENABLED=0`) reads go to the API and writes have nothing to delete.
//!
//! [`InvitesClient`] caches nothing, as in the admin app.

#![warn(missing_docs)]

mod api_client;
mod api_key;
mod config;
mod envelope;
mod error;
mod invites;
mod jwt;
mod jwt_crypto;
pub mod models;
mod organisations;
mod secret;

pub use crate::api_client::ApiClient;
pub use crate::api_key::{ApiKeyError, ServiceApiKey};
pub use crate::config::{ApiClientBuilder, DEFAULT_CLIENT_ID, DEFAULT_TIMEOUT, USER_AGENT, vars};
pub use crate::error::{Error, NO_RESPONSE_STATUS};
pub use crate::invites::InvitesClient;
pub use crate::jwt_crypto::install_jwt_crypto;
pub use crate::models::{
    EmailBranding, Invite, InviteStatus, LetterBranding, NewOrganisation, Organisation,
    OrganisationService, OrganisationSummary, OrganisationType, OrganisationUpdate, ServiceUsage,
    ServicesAndUsage, User,
};
pub use crate::organisations::{CACHE_TTL, OrganisationsClient};
