//! UTC instants as CloudTrail writes them: unix seconds, `2015-08-17T15:01:31Z` (digest fields
//! and the command line), `20150817T150131Z` (digest file names) and `2015/08/17` (the day
//! folders). Civil-date arithmetic only (no time zones, no leap seconds: CloudTrail writes UTC).

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;

/// The start of the hour `t` falls in.
pub fn floor_hour(t: i64) -> i64 {
    t.div_euclid(HOUR) * HOUR
}

/// The start of the day `t` falls in.
pub fn floor_day(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Calendar fields of an instant: (year, month, day, hour, minute, second).
fn fields(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY);
    (y, m, d, s / HOUR, s % HOUR / 60, s % 60)
}

/// `2015-08-17T15:01:31Z`.
pub fn rfc3339(t: i64) -> String {
    let (y, mo, d, h, mi, s) = fields(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `20150817T150131Z`, the instant in a digest file's name.
pub fn stamp(t: i64) -> String {
    let (y, mo, d, h, mi, s) = fields(t);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// `2015/08/17`, the day folder of an instant.
pub fn day_path(t: i64) -> String {
    let (y, m, d, ..) = fields(t);
    format!("{y:04}/{m:02}/{d:02}")
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn instant(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let valid = (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..=60).contains(&s);
    valid.then(|| days_from_civil(y, mo, d) * DAY + h * HOUR + mi * 60 + s)
}

/// `20150817T150131Z` back to unix seconds.
pub fn parse_stamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let f = |r: std::ops::Range<usize>| num(s.get(r)?);
    instant(
        f(0..4)?,
        f(4..6)?,
        f(6..8)?,
        f(9..11)?,
        f(11..13)?,
        f(13..15)?,
    )
}

/// An RFC 3339 instant: `2026-12-01T17:00:00Z`, with fractional seconds or a numeric offset
/// (`+02:00`); a date alone (`2026-12-01`) is its midnight UTC.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_at(s.find(['T', 't', ' ']).unwrap_or(s.len()));
    let mut d = date.split('-');
    let (y, mo, dd) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() {
        return None;
    }
    if rest.is_empty() {
        return instant(y, mo, dd, 0, 0, 0);
    }
    let rest = &rest[1..];
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let clock = clock.split('.').next()?;
    let mut c = clock.split(':');
    let (h, mi, sec) = (
        num(c.next()?)?,
        num(c.next()?)?,
        num(c.next().unwrap_or("0"))?,
    );
    let base = instant(y, mo, dd, h, mi, sec)?;
    let offset = match zone {
        "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':')?;
            sign * (num(oh)? * HOUR + num(om)? * 60)
        }
    };
    Some(base - offset)
}

/// A duration such as `24h`, `7d`, `90m` (the `--since` flag), in seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n = num(&s[..s.len() - unit.len_utf8()])?;
    let scale = match unit {
        'm' => 60,
        'h' => HOUR,
        'd' => DAY,
        'w' => 7 * DAY,
        _ => return None,
    };
    n.checked_mul(scale).filter(|d| *d > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_cloudtrail_instants() {
        let t = 1_439_823_691; // 2015-08-17T15:01:31Z
        assert_eq!(rfc3339(t), "2015-08-17T15:01:31Z");
        assert_eq!(stamp(t), "20150817T150131Z");
        assert_eq!(day_path(t), "2015/08/17");
        assert_eq!(parse_stamp("20150817T150131Z"), Some(t));
        assert_eq!(parse_rfc3339("2015-08-17T15:01:31Z"), Some(t));
        assert_eq!(parse_rfc3339("2015-08-17T17:01:31.250+02:00"), Some(t));
        assert_eq!(parse_rfc3339("2015-08-17"), Some(floor_day(t)));
        assert_eq!(parse_rfc3339("2015-13-17T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_stamp("20150817T150131"), None);
    }

    #[test]
    fn round_trips_every_day_across_leap_years() {
        for day in (-800..80_000).step_by(7) {
            let t = day * DAY + 3_723;
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
            assert_eq!(parse_stamp(&stamp(t)), Some(t));
        }
    }

    #[test]
    fn durations_name_their_unit() {
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("7d"), Some(7 * DAY));
        assert_eq!(parse_duration("90m"), Some(5_400));
        assert_eq!(parse_duration("0h"), None);
        assert_eq!(parse_duration("24"), None);
        assert_eq!(parse_duration("h"), None);
    }
}
