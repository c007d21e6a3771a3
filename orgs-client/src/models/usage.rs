use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;

/// `GET /organisations/{id}/services-with-usage?year=…`: an organisation's services with what they
/// sent and spent in a financial year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicesAndUsage {
    /// One entry per service.
    pub services: Vec<ServiceUsage>,
    /// Fields not named above (e.g. when the figures were last updated).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One service's usage in a financial year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceUsage {
    /// The service's id.
    pub service_id: Uuid,
    /// Its name.
    pub service_name: String,
    /// Whether it is active.
    #[serde(default)]
    pub active: Option<bool>,
    /// Emails sent.
    #[serde(default)]
    pub emails_sent: Option<u64>,
    /// Text message fragments sent.
    #[serde(default)]
    pub sms_billable_units: Option<u64>,
    /// Fragments beyond the free allowance.
    #[serde(default)]
    pub chargeable_billable_sms: Option<u64>,
    /// Free allowance for the year.
    #[serde(default)]
    pub free_sms_limit: Option<u64>,
    /// Free fragments left (negative once the allowance is used up).
    #[serde(default)]
    pub sms_remainder: Option<i64>,
    /// Cost of text messages, in pounds.
    #[serde(default)]
    pub sms_cost: Option<f64>,
    /// Cost of letters, in pounds.
    #[serde(default)]
    pub letter_cost: Option<f64>,
    /// Fields not named above, as the API sent them.
    #[serde(flatten)]
    pub extra: Extra,
}
