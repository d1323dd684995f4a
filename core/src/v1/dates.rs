//! Timestamps as text, in the forms V1 meets: JavaScript's `toISOString` (V1's
//! result shapes) and PostgreSQL's `timestamptz` (its `decision_patterns` rows), on
//! the proleptic Gregorian calendar.

use crate::clock::Timestamp;

const MS_PER_DAY: i64 = 86_400_000;

/// A timestamp as ISO 8601 in UTC with milliseconds (`2023-11-14T22:13:20.000Z`), what
/// JavaScript's `Date.prototype.toISOString` prints.
///
/// # Example
/// ```
/// use pattern_learning::{clock::Timestamp, v1::iso8601};
/// assert_eq!(iso8601(Timestamp(0)), "1970-01-01T00:00:00.000Z");
/// ```
pub fn iso8601(t: Timestamp) -> String {
    let days = t.0.div_euclid(MS_PER_DAY);
    let ms = t.0.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// `2025-09-05 12:34:56.789+00`, as `COPY … CSV` writes a `timestamptz` in UTC.
pub(crate) fn format_timestamp_csv(t: Timestamp) -> String {
    postgres_text(t, ' ', "+00")
}

/// `2025-09-05T12:34:56.789+00:00`, as `row_to_json` writes a `timestamptz` in UTC.
pub(crate) fn format_timestamp_json(t: Timestamp) -> String {
    postgres_text(t, 'T', "+00:00")
}

/// PostgreSQL's output: a four-digit (or longer) year, `BC` after the offset for
/// years before 1 AD, and the fraction of a second without trailing zeros.
fn postgres_text(t: Timestamp, separator: char, utc_offset: &str) -> String {
    let days = t.0.div_euclid(MS_PER_DAY);
    let in_day = t.0.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (shown_year, era) = if year <= 0 {
        (1 - year, " BC")
    } else {
        (year, "")
    };
    let seconds = in_day / 1000;
    let mut out = format!(
        "{shown_year:04}-{month:02}-{day:02}{separator}{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    let ms = in_day % 1000;
    if ms != 0 {
        let fraction = format!("{ms:03}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push_str(utc_offset);
    out.push_str(era);
    out
}

/// Parses a timestamp as PostgreSQL, node-pg or JavaScript write it:
/// `2025-09-05 12:34:56.789+00`, `2025-09-05T12:34:56.789Z`,
/// `2025-09-05T12:34:56.789-03:30`, `2025-09-05 12:34:56` (no offset: UTC),
/// `2025-09-05`, optionally followed by ` BC`. The error says what is wrong.
pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let mut s = text.trim();
    let bc = match s.strip_suffix(" BC") {
        Some(rest) => {
            s = rest;
            true
        }
        None => false,
    };
    let mut p = Cursor(s.as_bytes());
    let mut year = p.digits(4, 9).ok_or("expected a year")?;
    if bc {
        year = 1 - year;
    }
    p.expect(b'-').ok_or("expected `-` after the year")?;
    let month = p.digits(2, 2).ok_or("expected a month")?;
    p.expect(b'-').ok_or("expected `-` after the month")?;
    let day = p.digits(2, 2).ok_or("expected a day")?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err("no such date".to_owned());
    }
    let mut millis = days_from_civil(year, month, day) * MS_PER_DAY;
    if p.expect(b'T')
        .or_else(|| p.expect(b't'))
        .or_else(|| p.expect(b' '))
        .is_some()
    {
        let hour = p.digits(2, 2).ok_or("expected an hour")?;
        p.expect(b':').ok_or("expected `:` after the hour")?;
        let minute = p.digits(2, 2).ok_or("expected minutes")?;
        let second = match p.expect(b':') {
            Some(()) => p.digits(2, 2).ok_or("expected seconds")?,
            None => 0,
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err("no such time of day".to_owned());
        }
        millis += ((hour * 60 + minute) * 60 + second) * 1000;
        if p.expect(b'.').is_some() {
            let digits = p.take_while(|b| b.is_ascii_digit());
            if digits.is_empty() {
                return Err("expected digits after `.`".to_owned());
            }
            // Milliseconds: the first three digits, padded (microseconds are dropped).
            let ms = digits
                .iter()
                .chain(b"000")
                .take(3)
                .fold(0, |acc, d| acc * 10 + i64::from(d - b'0'));
            millis += ms;
        }
        p.expect(b' ');
        millis -= parse_offset(&mut p).ok_or("bad time zone offset")?;
    }
    if !p.0.is_empty() {
        return Err("unexpected text at the end".to_owned());
    }
    Ok(Timestamp(millis))
}

/// `Z`, `+HH`, `+HH:MM`, `+HHMM`, `+HH:MM:SS` (milliseconds east of UTC); none is UTC.
fn parse_offset(p: &mut Cursor<'_>) -> Option<i64> {
    if p.expect(b'Z').or_else(|| p.expect(b'z')).is_some() {
        return Some(0);
    }
    let sign = if p.expect(b'+').is_some() {
        1
    } else if p.expect(b'-').is_some() {
        -1
    } else {
        return if p.0.is_empty() { Some(0) } else { None };
    };
    let hours = p.digits(2, 2)?;
    p.expect(b':');
    let minutes = p.digits(2, 2).unwrap_or(0);
    p.expect(b':');
    let seconds = p.digits(2, 2).unwrap_or(0);
    if hours > 15 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(sign * ((hours * 60 + minutes) * 60 + seconds) * 1000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A byte cursor over ASCII syntax.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn expect(&mut self, b: u8) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        (first == b).then(|| self.0 = rest)
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &[u8] {
        let n = self.0.iter().take_while(|b| f(**b)).count();
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        taken
    }

    /// Between `min` and `max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let n = self
            .0
            .iter()
            .take(max)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n < min {
            return None;
        }
        let (digits, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + i64::from(d - b'0')),
        )
    }
}

#[cfg(test)]
mod tests;
