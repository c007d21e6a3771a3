use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;

/// An invitation to join an organisation's team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    /// The invite's id.
    pub id: Uuid,
    /// The organisation invited to.
    pub organisation: Uuid,
    /// Who was invited.
    pub email_address: String,
    /// The user who sent the invite.
    pub invited_by: Uuid,
    /// Where it stands.
    pub status: InviteStatus,
    /// When it was sent (the API's timestamp text).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An invite's `status`. Unknown values are kept as [`Unknown`](InviteStatus::Unknown).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum InviteStatus {
    /// `pending`: sent, not yet answered.
    Pending,
    /// `accepted`.
    Accepted,
    /// `cancelled`.
    Cancelled,
    /// `expired`.
    Expired,
    /// A value this crate does not know, as sent.
    Unknown(String),
}

impl InviteStatus {
    /// The API's name for this status.
    pub fn as_str(&self) -> &str {
        match self {
            InviteStatus::Pending => "pending",
            InviteStatus::Accepted => "accepted",
            InviteStatus::Cancelled => "cancelled",
            InviteStatus::Expired => "expired",
            InviteStatus::Unknown(name) => name,
        }
    }
}

impl From<String> for InviteStatus {
    fn from(name: String) -> Self {
        match name.as_str() {
            "pending" => InviteStatus::Pending,
            "accepted" => InviteStatus::Accepted,
            "cancelled" => InviteStatus::Cancelled,
            "expired" => InviteStatus::Expired,
            _ => InviteStatus::Unknown(name),
        }
    }
}

impl From<InviteStatus> for String {
    fn from(status: InviteStatus) -> Self {
        match status {
            InviteStatus::Unknown(name) => name,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for InviteStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
