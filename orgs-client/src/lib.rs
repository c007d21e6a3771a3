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
//! `Display` or logs. Building a client never connects to the API or to Redis, and a Redis outage
//! never fails a call.

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
pub use crate::organisations::OrganisationsClient;
