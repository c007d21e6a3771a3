use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;

/// An entry of `GET /organisations/{id}/services`: active services first, then by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganisationService {
    /// The service's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Whether it is active (archived services are not).
    pub active: bool,
    /// Whether it is in trial mode (restricted) rather than live.
    pub restricted: bool,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}
