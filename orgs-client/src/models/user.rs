use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;

/// A user, as in `GET /organisations/{id}/users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: Uuid,
    /// Their name.
    pub name: String,
    /// Their email address.
    pub email_address: String,
    /// Their mobile number, if they gave one.
    #[serde(default)]
    pub mobile_number: Option<String>,
    /// How they sign in: `sms_auth`, `email_auth` or `webauthn_auth`.
    #[serde(default)]
    pub auth_type: Option<String>,
    /// `active`, `pending` or `inactive`.
    #[serde(default)]
    pub state: Option<String>,
    /// Whether they are a platform admin.
    #[serde(default)]
    pub platform_admin: bool,
    /// Organisations they belong to.
    #[serde(default)]
    pub organisations: Vec<Uuid>,
    /// Services they belong to.
    #[serde(default)]
    pub services: Vec<Uuid>,
    /// When they last signed in.
    #[serde(default)]
    pub logged_in_at: Option<String>,
    /// When their account was created (the API's timestamp text).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Whether they get emails about new features; unknown when `None`.
    #[serde(default)]
    pub receives_new_features_email: Option<bool>,
    /// Fields not named above (permissions, timestamps, …), as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}
