//! Epoch seconds and the three timestamp formats Notify's JSON uses, without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A UTC calendar breakdown of epoch seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
}

/// Howard Hinnant's `civil_from_days`, so no date crate is needed for three formats.
pub(crate) fn civil(epoch_seconds: i64) -> Civil {
    let days = epoch_seconds.div_euclid(86_400);
    let secs = epoch_seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    let weekday = (days + 3).rem_euclid(7) as u32;
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs % 3600 / 60) as u32,
        second: (secs % 60) as u32,
        weekday,
    }
}

/// Notify's `DATETIME_FORMAT`: `2024-01-31T09:05:00.000000Z`.
pub(crate) fn iso(epoch_seconds: i64) -> String {
    let c = civil(epoch_seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000000Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Notify's `DATETIME_FORMAT_NO_TIMEZONE`: `2024-01-31 09:05:00.000000`.
pub(crate) fn no_timezone(epoch_seconds: i64) -> String {
    let c = civil(epoch_seconds);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.000000",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// How Flask's `jsonify` renders a bare datetime (e.g. `agreement_signed_at`):
/// `Wed, 31 Jan 2024 09:05:00 GMT`.
pub(crate) fn http_date(epoch_seconds: i64) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = civil(epoch_seconds);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[c.weekday as usize % 7],
        c.day,
        MONTHS[(c.month as usize + 11) % 12],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// The year a UK financial year (April to March) containing this instant started in.
pub(crate) fn financial_year_start(epoch_seconds: i64) -> i64 {
    let c = civil(epoch_seconds);
    if c.month >= 4 { c.year } else { c.year - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // 2024-01-31T09:05:00Z
        let t = 1_706_691_900;
        assert_eq!(iso(t), "2024-01-31T09:05:00.000000Z");
        assert_eq!(no_timezone(t), "2024-01-31 09:05:00.000000");
        assert_eq!(http_date(t), "Wed, 31 Jan 2024 09:05:00 GMT");
        assert_eq!(financial_year_start(t), 2023);
        assert_eq!(iso(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // A leap day.
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00.000000Z");
    }
}
