use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
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
    /// The organisation permissions the invited user will get, e.g. `can_make_services_live`.
    /// Read from a list (of names, or of `{"permission": name}` objects) or a comma-separated
    /// text; empty when the API sends none.
    #[serde(default, deserialize_with = "permission_names")]
    pub permissions: Vec<String>,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Permission names from any of the shapes Notify has used for them.
fn permission_names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let name = |item: &Value| match item {
        Value::String(name) => Some(name.clone()),
        Value::Object(map) => map.get("permission")?.as_str().map(str::to_owned),
        _ => None,
    };
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => Ok(text
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                name(item).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "a permission is neither a name nor {{\"permission\": name}}: {item}"
                    ))
                })
            })
            .collect(),
        other => Err(serde::de::Error::custom(format!(
            "permissions is neither a list nor a text: {other}"
        ))),
    }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Invite;

    fn invite(permissions: serde_json::Value) -> Invite {
        let mut sent = json!({
            "id": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6",
            "organisation": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a7",
            "email_address": "a@b.gov.uk",
            "invited_by": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a8",
            "status": "pending",
        });
        if !permissions.is_null() {
            sent["permissions"] = permissions;
        }
        serde_json::from_value(sent).unwrap()
    }

    #[test]
    fn permissions_are_read_from_every_shape() {
        let expected = ["can_make_services_live".to_owned()];
        assert_eq!(
            invite(json!(["can_make_services_live"])).permissions,
            expected
        );
        assert_eq!(
            invite(json!([{"permission": "can_make_services_live"}])).permissions,
            expected
        );
        assert_eq!(
            invite(json!("can_make_services_live")).permissions,
            expected
        );
        assert!(invite(json!("")).permissions.is_empty());
        assert!(invite(json!([])).permissions.is_empty());
        assert!(invite(serde_json::Value::Null).permissions.is_empty());
        let sent = json!({
            "id": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6",
            "organisation": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a7",
            "email_address": "a@b.gov.uk",
            "invited_by": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a8",
            "status": "pending",
            "permissions": 3,
        });
        assert!(serde_json::from_value::<Invite>(sent).is_err());
    }
}
