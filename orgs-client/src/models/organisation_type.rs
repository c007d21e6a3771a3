use std::fmt;

use serde::{Deserialize, Serialize};

/// An organisation's type (`organisation_type`). Values this crate does not know are kept as
/// [`Unknown`](OrganisationType::Unknown), so a new type on the API side is not a decoding error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum OrganisationType {
    /// `central`: central government.
    Central,
    /// `local`: local government.
    Local,
    /// `nhs_central`: NHS central government agency or public body.
    NhsCentral,
    /// `nhs_local`: NHS trust or integrated care board.
    NhsLocal,
    /// `nhs_gp`: GP surgery.
    NhsGp,
    /// `emergency_service`: emergency service.
    EmergencyService,
    /// `school_or_college`: school or college.
    SchoolOrCollege,
    /// `other`: other.
    Other,
    /// `nhs_notify`: NHS Notify.
    NhsNotify,
    /// A value this crate does not know, as sent.
    Unknown(String),
}

impl OrganisationType {
    /// The API's name for this type.
    pub fn as_str(&self) -> &str {
        match self {
            OrganisationType::Central => "central",
            OrganisationType::Local => "local",
            OrganisationType::NhsCentral => "nhs_central",
            OrganisationType::NhsLocal => "nhs_local",
            OrganisationType::NhsGp => "nhs_gp",
            OrganisationType::EmergencyService => "emergency_service",
            OrganisationType::SchoolOrCollege => "school_or_college",
            OrganisationType::Other => "other",
            OrganisationType::NhsNotify => "nhs_notify",
            OrganisationType::Unknown(name) => name,
        }
    }
}

impl From<String> for OrganisationType {
    fn from(name: String) -> Self {
        match name.as_str() {
            "central" => OrganisationType::Central,
            "local" => OrganisationType::Local,
            "nhs_central" => OrganisationType::NhsCentral,
            "nhs_local" => OrganisationType::NhsLocal,
            "nhs_gp" => OrganisationType::NhsGp,
            "emergency_service" => OrganisationType::EmergencyService,
            "school_or_college" => OrganisationType::SchoolOrCollege,
            "other" => OrganisationType::Other,
            "nhs_notify" => OrganisationType::NhsNotify,
            _ => OrganisationType::Unknown(name),
        }
    }
}

impl From<&str> for OrganisationType {
    fn from(name: &str) -> Self {
        OrganisationType::from(name.to_owned())
    }
}

impl From<OrganisationType> for String {
    fn from(kind: OrganisationType) -> Self {
        match kind {
            OrganisationType::Unknown(name) => name,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for OrganisationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrganisationType;

    #[test]
    fn round_trips_known_and_unknown_values() {
        for name in [
            "central",
            "nhs_gp",
            "other",
            "school_or_college",
            "nhs_notify",
            "new_kind",
        ] {
            let kind: OrganisationType = serde_json::from_value(name.into()).unwrap();
            assert_eq!(serde_json::to_value(&kind).unwrap(), name);
            assert_eq!(kind.to_string(), name);
        }
        assert_eq!(
            OrganisationType::from("nhs_local"),
            OrganisationType::NhsLocal
        );
        assert_eq!(
            OrganisationType::from("nhs_notify"),
            OrganisationType::NhsNotify
        );
        assert_eq!(
            OrganisationType::from("x"),
            OrganisationType::Unknown("x".into())
        );
    }
}
