//! The API's JSON shapes as types.
//!
//! Field names are the API's. Unknown fields are kept in each type's `extra` map rather than
//! dropped, so a value cached by this crate is the same JSON the API sent and Notify's admin app
//! can read it from a shared Redis. Nullable or optional fields are `Option`s.

mod branding;
mod invite;
mod organisation;
mod organisation_type;
mod organisation_update;
mod service;
mod usage;
mod user;

pub use branding::{EmailBranding, LetterBranding};
pub use invite::{Invite, InviteStatus};
pub use organisation::{NewOrganisation, Organisation, OrganisationSummary};
pub use organisation_type::OrganisationType;
pub use organisation_update::OrganisationUpdate;
pub use service::OrganisationService;
pub use usage::{ServiceUsage, ServicesAndUsage};
pub use user::User;

/// Fields the API sent that these types do not name, kept so values round-trip unchanged.
pub type Extra = serde_json::Map<String, serde_json::Value>;
