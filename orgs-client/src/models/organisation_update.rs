use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{Extra, OrganisationType};

/// The fields `update_organisation` changes: only those set are sent, `null` included where a
/// setter takes an `Option` (so `email_branding_id(None)` removes the branding).
///
/// ```
/// use orgs_client::{OrganisationType, OrganisationUpdate};
///
/// let update = OrganisationUpdate::new()
///     .name("Cabinet Office")
///     .organisation_type(OrganisationType::Central)
///     .email_branding_id(None);
/// assert_eq!(
///     serde_json::to_string(&update)?,
///     r#"{"email_branding_id":null,"name":"Cabinet Office","organisation_type":"central"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrganisationUpdate {
    fields: Extra,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, value: $ty) -> Self {
                self.field(stringify!($name), value)
            }
        )*
    };
}

impl OrganisationUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        OrganisationUpdate::default()
    }

    /// Sets any field by its API name, for fields without a setter.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields set, by API name.
    pub fn fields(&self) -> &Extra {
        &self.fields
    }

    /// Sets the type.
    pub fn organisation_type(self, value: OrganisationType) -> Self {
        self.field("organisation_type", String::from(value))
    }

    /// Sets the email branding (`None` removes it).
    pub fn email_branding_id(self, value: Option<Uuid>) -> Self {
        self.field("email_branding_id", value.map(|id| id.to_string()))
    }

    /// Sets the letter branding (`None` removes it).
    pub fn letter_branding_id(self, value: Option<Uuid>) -> Self {
        self.field("letter_branding_id", value.map(|id| id.to_string()))
    }

    /// Sets who signed the agreement.
    pub fn agreement_signed_by_id(self, value: Option<Uuid>) -> Self {
        self.field("agreement_signed_by_id", value.map(|id| id.to_string()))
    }

    /// Sets the email domains (replacing the existing ones).
    pub fn domains(self, value: Vec<String>) -> Self {
        self.field("domains", value)
    }

    /// Sets the organisation permissions (replacing the existing ones).
    pub fn permissions(self, value: Vec<String>) -> Self {
        self.field("permissions", value)
    }

    setters! {
        /// Sets the name.
        name: &str;
        /// Sets whether it is active.
        active: bool;
        /// Sets whether it is a crown body (`None`: unknown).
        crown: Option<bool>;
        /// Sets whether it has signed the agreement (`None`: unknown).
        agreement_signed: Option<bool>;
        /// Sets the name of the person the agreement was signed on behalf of.
        agreement_signed_on_behalf_of_name: Option<&str>;
        /// Sets the email address of the person the agreement was signed on behalf of.
        agreement_signed_on_behalf_of_email_address: Option<&str>;
        /// Sets the agreement version signed.
        agreement_signed_version: Option<f64>;
        /// Sets the notes shown on go-live requests.
        request_to_go_live_notes: Option<&str>;
        /// Sets the internal notes.
        notes: Option<&str>;
        /// Sets the purchase order number.
        purchase_order_number: Option<&str>;
        /// Sets the billing contact names.
        billing_contact_names: Option<&str>;
        /// Sets the billing contact email addresses.
        billing_contact_email_addresses: Option<&str>;
        /// Sets the billing reference.
        billing_reference: Option<&str>;
        /// Sets whether members may approve their own services' go-live requests.
        can_approve_own_go_live_requests: bool;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::OrganisationUpdate;

    #[test]
    fn only_set_fields_are_sent_nulls_included() {
        let id = Uuid::nil();
        let update = OrganisationUpdate::new()
            .crown(None)
            .letter_branding_id(Some(id))
            .agreement_signed_version(Some(3.6))
            .domains(vec!["a.gov.uk".into()])
            .field("new_field", 1);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({
                "crown": null,
                "letter_branding_id": id.to_string(),
                "agreement_signed_version": 3.6,
                "domains": ["a.gov.uk"],
                "new_field": 1,
            })
        );
        assert!(OrganisationUpdate::new().is_empty());
    }
}
