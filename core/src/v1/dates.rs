//! Timestamps as text, in the forms V1 meets: JavaScript's `toISOString` (V1's
//! result shapes) and PostgreSQL's `timestamptz` (its `decision_patterns` rows).
//!
//! The calendar is the `time` crate's: proleptic Gregorian, years −999,999 to
//! 999,999, which holds PostgreSQL's range (4713 BC to 294276 AD). A timestamp
//! beyond it (no clock or database gives one) is written as the nearest instant in
//! range; a year beyond it does not parse.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::clock::Timestamp;

/// A timestamp as ISO 8601 in UTC with milliseconds (`2023-11-14T22:13:20.000Z`), what
/// JavaScript's `Date.prototype.toISOString` prints.
///
/// # Example
/// ```
/// use pattern_learning::{clock::Timestamp, v1::iso8601};
/// assert_eq!(iso8601(Timestamp(0)), "1970-01-01T00:00:00.000Z");
/// ```
pub fn iso8601(t: Timestamp) -> String {
    let t = utc(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
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
    let t = utc(t);
    let year = i64::from(t.year());
    let (shown_year, era) = if year <= 0 {
        (1 - year, " BC")
    } else {
        (year, "")
    };
    let mut out = format!(
        "{shown_year:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let ms = t.millisecond();
    if ms != 0 {
        let fraction = format!("{ms:03}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push_str(utc_offset);
    out.push_str(era);
    out
}

/// The UTC date and time of a timestamp; beyond the calendar, its nearest end.
fn utc(t: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.0) * 1_000_000).unwrap_or_else(|_| {
        let end = if t.0 < 0 {
            PrimitiveDateTime::MIN
        } else {
            PrimitiveDateTime::MAX
        };
        end.assume_utc()
    })
}

/// Parses a timestamp as PostgreSQL, node-pg or JavaScript write it:
/// `2025-09-05 12:34:56.789+00`, `2025-09-05T12:34:56.789Z`,
/// `2025-09-05T12:34:56.789-03:30`, `2025-09-05 12:34:56` (no offset: UTC),
/// `2025-09-05`, optionally followed by ` BC`. The error says what is wrong.
pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    let (text, bc) = match text.strip_suffix(" BC") {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let mut p = Cursor(text.as_bytes());
    let date = parse_date(&mut p, bc)?;
    let mut at = date.midnight().assume_utc();
    if p.expect(b'T')
        .or_else(|| p.expect(b't'))
        .or_else(|| p.expect(b' '))
        .is_some()
    {
        let time = parse_time_of_day(&mut p)?;
        p.expect(b' ');
        let offset = parse_offset(&mut p).ok_or("bad time zone offset")?;
        at = PrimitiveDateTime::new(date, time).assume_offset(offset);
    }
    if !p.0.is_empty() {
        return Err("unexpected text at the end".to_owned());
    }
    Ok(Timestamp(
        at.unix_timestamp() * 1000 + i64::from(at.millisecond()),
    ))
}

/// `YYYY-MM-DD` (four to nine digits of year), checked against the calendar.
fn parse_date(p: &mut Cursor<'_>, bc: bool) -> Result<Date, String> {
    let mut year = p.digits(4, 9).ok_or("expected a year")?;
    if bc {
        year = 1 - year;
    }
    p.expect(b'-').ok_or("expected `-` after the year")?;
    let month = p.digits(2, 2).ok_or("expected a month")?;
    p.expect(b'-').ok_or("expected `-` after the month")?;
    let day = p.digits(2, 2).ok_or("expected a day")?;
    let year = i32::try_from(year).map_err(|_| "year out of range")?;
    // Two digits each: both fit a `u8`.
    let month = Month::try_from(month as u8).map_err(|_| "no such date")?;
    Date::from_calendar_date(year, month, day as u8).map_err(|e| {
        if e.name() == "year" {
            "year out of range".to_owned()
        } else {
            "no such date".to_owned()
        }
    })
}

/// `HH:MM[:SS][.fraction]`; the fraction is cut to milliseconds.
fn parse_time_of_day(p: &mut Cursor<'_>) -> Result<Time, String> {
    let hour = p.digits(2, 2).ok_or("expected an hour")?;
    p.expect(b':').ok_or("expected `:` after the hour")?;
    let minute = p.digits(2, 2).ok_or("expected minutes")?;
    let second = match p.expect(b':') {
        Some(()) => p.digits(2, 2).ok_or("expected seconds")?,
        None => 0,
    };
    // Two digits each: all fit a `u8`.
    let time = Time::from_hms(hour as u8, minute as u8, second as u8)
        .map_err(|_| "no such time of day")?;
    if p.expect(b'.').is_none() {
        return Ok(time);
    }
    let digits = p.take_while(|b| b.is_ascii_digit());
    if digits.is_empty() {
        return Err("expected digits after `.`".to_owned());
    }
    // Milliseconds: the first three digits, padded (microseconds are dropped).
    let ms = digits
        .iter()
        .chain(b"000")
        .take(3)
        .fold(0, |acc, d| acc * 10 + u16::from(d - b'0'));
    time.replace_millisecond(ms)
        .map_err(|_| "no such time of day".to_owned())
}

/// `Z`, `+HH`, `+HH:MM`, `+HHMM`, `+HH:MM:SS` (up to PostgreSQL's ±15:59:59); none
/// is UTC.
fn parse_offset(p: &mut Cursor<'_>) -> Option<UtcOffset> {
    if p.expect(b'Z').or_else(|| p.expect(b'z')).is_some() {
        return Some(UtcOffset::UTC);
    }
    let sign = if p.expect(b'+').is_some() {
        1
    } else if p.expect(b'-').is_some() {
        -1
    } else {
        return p.0.is_empty().then_some(UtcOffset::UTC);
    };
    let hours = p.digits(2, 2)?;
    p.expect(b':');
    let minutes = p.digits(2, 2).unwrap_or(0);
    p.expect(b':');
    let seconds = p.digits(2, 2).unwrap_or(0);
    if hours > 15 || minutes > 59 || seconds > 59 {
        return None;
    }
    // Checked above: each fits an `i8`.
    let part = |n: i64| (sign * n) as i8;
    UtcOffset::from_hms(part(hours), part(minutes), part(seconds)).ok()
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
