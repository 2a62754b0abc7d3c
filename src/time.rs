//! Timestamps: one format everywhere (§5), RFC 3339 UTC with microseconds, fixed width so
//! that text order is time order in SQL.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Now as a stored timestamp, e.g. `2026-12-04T21:39:39.123456+00:00`.
pub fn now() -> String {
    format(Utc::now())
}

pub fn format(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// Now plus `seconds`, formatted.
pub fn in_seconds(seconds: i64) -> String {
    format(Utc::now() + chrono::Duration::seconds(seconds))
}

/// Parses RFC 3339 (any offset, converted to UTC); a time without offset is UTC (§6).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    const NAIVE: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    if let Some(at) = NAIVE
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    {
        return Some(at.and_utc());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_format_is_fixed_width_utc_micros() {
        let t = now();
        assert_eq!(t.len(), "2026-12-04T21:39:39.123456+00:00".len());
        assert!(t.ends_with("+00:00"));
    }

    #[test]
    fn parses_offsets_and_naive_times() {
        let a = parse("2026-01-01T10:00:00+02:00").map(format);
        assert_eq!(a.as_deref(), Some("2026-01-01T08:00:00.000000+00:00"));
        let b = parse("2026-01-01T10:00:00").map(format);
        assert_eq!(b.as_deref(), Some("2026-01-01T10:00:00.000000+00:00"));
        assert!(parse("yesterday").is_none());
    }
}
