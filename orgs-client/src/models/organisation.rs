use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Extra, OrganisationType};

/// An entry of `GET /organisations`: active organisations first, then by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    /// The organisation's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Whether it is active (archived organisations are not).
    pub active: bool,
    /// How many of its services are live.
    #[serde(default)]
    pub count_of_live_services: u64,
    /// Email domains whose users belong to it, e.g. `cabinet-office.gov.uk`.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Its type, when set.
    #[serde(default)]
    pub organisation_type: Option<OrganisationType>,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An organisation: `GET /organisations/{id}`, `POST /organisations`, by-domain lookups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    /// The organisation's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Whether it is active (archived organisations are not).
    pub active: bool,
    /// Whether it is a crown body; unknown when `None`.
    #[serde(default)]
    pub crown: Option<bool>,
    /// Its type, when set.
    #[serde(default)]
    pub organisation_type: Option<OrganisationType>,
    /// Default letter branding for its services.
    #[serde(default)]
    pub letter_branding_id: Option<Uuid>,
    /// Default email branding for its services.
    #[serde(default)]
    pub email_branding_id: Option<Uuid>,
    /// Whether it has signed the data sharing and financial agreement; unknown when `None`.
    #[serde(default)]
    pub agreement_signed: Option<bool>,
    /// When the agreement was signed (the API's timestamp text).
    #[serde(default)]
    pub agreement_signed_at: Option<String>,
    /// The user who signed it.
    #[serde(default)]
    pub agreement_signed_by_id: Option<Uuid>,
    /// Name of the person it was signed on behalf of.
    #[serde(default)]
    pub agreement_signed_on_behalf_of_name: Option<String>,
    /// Email address of the person it was signed on behalf of.
    #[serde(default)]
    pub agreement_signed_on_behalf_of_email_address: Option<String>,
    /// Version of the agreement signed, e.g. `3.6`.
    #[serde(default)]
    pub agreement_signed_version: Option<f64>,
    /// Email domains whose users belong to it.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Notes shown when its services ask to go live.
    #[serde(default)]
    pub request_to_go_live_notes: Option<String>,
    /// How many of its services are live.
    #[serde(default)]
    pub count_of_live_services: u64,
    /// Internal notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Purchase order number for billing.
    #[serde(default)]
    pub purchase_order_number: Option<String>,
    /// Billing contact names, as one text.
    #[serde(default)]
    pub billing_contact_names: Option<String>,
    /// Billing contact email addresses, as one text.
    #[serde(default)]
    pub billing_contact_email_addresses: Option<String>,
    /// Billing reference.
    #[serde(default)]
    pub billing_reference: Option<String>,
    /// Whether its members may approve their own services' go-live requests.
    #[serde(default)]
    pub can_approve_own_go_live_requests: bool,
    /// Organisation permissions, e.g. `can_ask_to_join_a_service`.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What `create_organisation` sends: `name`, `crown`, `organisation_type` and
/// `agreement_signed`, as Notify's admin app sends them.
///
/// `crown` is required: the API refuses a create without a boolean there (`null` is a 400,
/// "crown None is not of type boolean"), so there is no way to build one without it.
/// `agreement_signed` is sent as `null` until set, as the admin app sends it.
///
/// ```
/// use orgs_client::{NewOrganisation, OrganisationType};
///
/// let new = NewOrganisation::new("Ministry of Tests", OrganisationType::Central, true);
/// assert_eq!(
///     serde_json::to_value(&new)?,
///     serde_json::json!({
///         "name": "Ministry of Tests",
///         "crown": true,
///         "organisation_type": "central",
///         "agreement_signed": null,
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrganisation {
    /// Its name: unique, or the API answers 400 "Organisation name already exists".
    pub name: String,
    /// Whether it is a crown body (required by the API).
    pub crown: bool,
    /// Its type.
    pub organisation_type: OrganisationType,
    /// Whether it has signed the agreement; sent as `null` when unknown.
    pub agreement_signed: Option<bool>,
}

impl NewOrganisation {
    /// An organisation called `name` of type `organisation_type`, a crown body or not; whether
    /// it signed the agreement is unknown.
    pub fn new(
        name: impl Into<String>,
        organisation_type: impl Into<OrganisationType>,
        crown: bool,
    ) -> Self {
        NewOrganisation {
            name: name.into(),
            crown,
            organisation_type: organisation_type.into(),
            agreement_signed: None,
        }
    }

    /// Sets whether it has signed the agreement.
    pub fn agreement_signed(mut self, signed: bool) -> Self {
        self.agreement_signed = Some(signed);
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Organisation, OrganisationSummary};
    use crate::models::OrganisationType;

    #[test]
    fn unknown_fields_are_kept_and_round_trip() {
        let sent = json!({
            "id": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6",
            "name": "Cabinet Office",
            "active": true,
            "count_of_live_services": 3,
            "domains": ["cabinet-office.gov.uk"],
            "organisation_type": "central",
            "something_new": {"x": 1}
        });
        let summary: OrganisationSummary = serde_json::from_value(sent.clone()).unwrap();
        assert_eq!(summary.organisation_type, Some(OrganisationType::Central));
        assert_eq!(summary.extra["something_new"], json!({"x": 1}));
        assert_eq!(serde_json::to_value(&summary).unwrap(), sent);
    }

    #[test]
    fn a_minimal_organisation_decodes() {
        let organisation: Organisation = serde_json::from_value(json!({
            "id": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6",
            "name": "Org",
            "active": false,
            "crown": null,
            "organisation_type": null,
            "agreement_signed_version": 3.6,
        }))
        .unwrap();
        assert_eq!(organisation.crown, None);
        assert_eq!(organisation.agreement_signed_version, Some(3.6));
        assert!(organisation.domains.is_empty());
        assert!(organisation.extra.is_empty());
    }
}
