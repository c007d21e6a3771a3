//! Plausible, repeatable usage figures for `services-with-usage`, computed from the service id
//! and year rather than stored: the stub has no notifications to add up.

use serde_json::{Value, json};

/// Pence per SMS fragment and per letter, roughly Notify's 2024 rates.
const SMS_RATE: f64 = 0.0197;
const LETTER_RATE: f64 = 0.68;

/// The free SMS allowance a service gets, by organisation type.
fn free_sms_limit(organisation_type: Option<&str>) -> u64 {
    match organisation_type {
        Some("central" | "nhs_central") => 30_000,
        Some("local" | "nhs_local" | "emergency_service" | "school_or_college") => 10_000,
        _ => 5_000,
    }
}

/// FNV-1a, then a SplitMix finaliser: stable across runs and platforms.
fn hash(service_id: &str, year: i64, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in service_id.bytes().chain(year.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 31)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One entry of `services-with-usage`, shaped like Notify's `fetch_usage_for_organisation`.
/// A financial year that has not started yet has no usage.
pub(crate) fn service_usage(
    service_id: &str,
    service_name: &str,
    active: bool,
    organisation_type: Option<&str>,
    year: i64,
    current_financial_year: i64,
) -> Value {
    let free = free_sms_limit(organisation_type);
    let started = year <= current_financial_year;
    let units = if started {
        hash(service_id, year, 1) % 60_000
    } else {
        0
    };
    let letters = if started && hash(service_id, year, 2).is_multiple_of(3) {
        hash(service_id, year, 3) % 4_000
    } else {
        0
    };
    let emails = if started {
        hash(service_id, year, 4) % 250_000
    } else {
        0
    };
    let chargeable = units.saturating_sub(free);
    json!({
        "service_id": service_id,
        "service_name": service_name,
        "free_sms_limit": free,
        "sms_remainder": free.saturating_sub(units),
        "sms_billable_units": units,
        "chargeable_billable_sms": chargeable,
        "sms_cost": round2(chargeable as f64 * SMS_RATE),
        "letter_cost": round2(letters as f64 * LETTER_RATE),
        "emails_sent": emails,
        "active": active,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeatable_and_consistent() {
        let a = service_usage("abc", "A", true, Some("central"), 2023, 2024);
        assert_eq!(
            a,
            service_usage("abc", "A", true, Some("central"), 2023, 2024)
        );
        let units = a["sms_billable_units"].as_u64().unwrap();
        let remainder = a["sms_remainder"].as_u64().unwrap();
        let chargeable = a["chargeable_billable_sms"].as_u64().unwrap();
        assert_eq!(remainder, 30_000u64.saturating_sub(units));
        assert_eq!(chargeable, units.saturating_sub(30_000));
        let future = service_usage("abc", "A", true, Some("central"), 2030, 2024);
        assert_eq!(future["sms_billable_units"], 0);
        assert_eq!(future["emails_sent"], 0);
    }
}
