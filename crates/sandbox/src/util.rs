//! Small helpers: HighLevel-looking ids and timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distributions::Alphanumeric;

/// A random id of HighLevel's shape (20 alphanumerics, e.g. `seD4PfOuKoVMLkEZqohJ`).
pub(crate) fn new_id() -> String {
    random_string(20)
}

/// A random opaque credential (tokens, codes).
pub(crate) fn random_string(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Now, as HighLevel writes timestamps: `2021-08-31T09:59:41.937Z`.
pub(crate) fn now_iso() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 as of now (the daily rate limit resets at UTC midnight).
pub(crate) fn utc_day() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 86_400
}

/// Proleptic Gregorian date of a day count (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Parses a birth date in one of the formats HighLevel's DTO lists
/// (`YYYY/MM/DD`, `MM/DD/YYYY`, `YYYY-MM-DD`, `MM-DD-YYYY`, with `/ - . _` as separators).
pub(crate) fn parse_birth_date(s: &str) -> Option<(u32, u32, u32)> {
    let sep = s.chars().find(|c| matches!(c, '/' | '-' | '.' | '_'))?;
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 3 || parts.iter().any(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let (y, m, d) = match (parts[0].len(), parts[1].len(), parts[2].len()) {
        (4, 2, 2) => (parts[0], parts[1], parts[2]),
        (2, 2, 4) => (parts[2], parts[0], parts[1]),
        _ => return None,
    };
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12)
        .contains(&m)
        .then(|| days[m as usize - 1])
        .filter(|&max| (1..=max).contains(&d))
        .map(|_| (y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_870), (2021, 8, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn timestamps_look_like_highlevels() {
        let t = now_iso();
        assert_eq!(t.len(), "2021-08-31T09:59:41.937Z".len(), "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T');
    }

    #[test]
    fn birth_dates_in_every_listed_format() {
        for s in [
            "1990/09/25",
            "09/25/1990",
            "1990-09-25",
            "09-25-1990",
            "1990.09.25",
            "09.25.1990",
            "1990_09_25",
            "09_25_1990",
        ] {
            assert_eq!(parse_birth_date(s), Some((1990, 9, 25)), "{s}");
        }
        assert_eq!(parse_birth_date("1990-02-30"), None);
        assert_eq!(parse_birth_date("25/09/90"), None);
        assert_eq!(parse_birth_date("yesterday"), None);
    }
}
