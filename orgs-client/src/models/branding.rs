use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;

/// An email branding in an organisation's pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailBranding {
    /// The branding's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Banner colour, e.g. `#005ea5`.
    #[serde(default)]
    pub colour: Option<String>,
    /// Logo file name.
    #[serde(default)]
    pub logo: Option<String>,
    /// Text shown beside the logo.
    #[serde(default)]
    pub text: Option<String>,
    /// `org`, `both` or `org_banner`.
    #[serde(default)]
    pub brand_type: Option<String>,
    /// Alternative text for the logo.
    #[serde(default)]
    pub alt_text: Option<String>,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A letter branding in an organisation's pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterBranding {
    /// The branding's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Logo file name.
    #[serde(default)]
    pub filename: Option<String>,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}
