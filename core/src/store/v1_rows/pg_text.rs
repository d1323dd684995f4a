//! PostgreSQL's text forms: array literals, timestamps, and `COPY … CSV` fields.

use std::fmt::Write as _;

use crate::clock::Timestamp;

/// Parses a one-dimensional array literal as PostgreSQL writes it: `{a,b}`,
/// `{"gift card","say \"hi\""}`, `{}`, `[0:1]={a,b}`. Unquoted `NULL` elements are
/// `None`; whitespace around unquoted elements is dropped, as PostgreSQL does.
pub(super) fn parse_array(text: &str) -> Result<Vec<Option<String>>, String> {
    let mut rest = text.trim();
    if rest.starts_with('[') {
        // Explicit bounds, written for arrays that do not start at 1.
        let eq = rest.find('=').ok_or("array bounds without `=`")?;
        rest = rest[eq + 1..].trim_start();
    }
    let mut chars = rest.chars().peekable();
    if chars.next() != Some('{') {
        return Err(format!(
            "`{}` is not an array literal (`{{…}}`)",
            shorten(text)
        ));
    }
    let mut items = Vec::new();
    let mut expect_item = true;
    loop {
        while chars.next_if(|c| is_array_space(*c)).is_some() {}
        match chars.next() {
            None => return Err("unterminated array literal (missing `}`)".to_owned()),
            Some('}') if items.is_empty() || !expect_item => break,
            Some('}') => return Err("array literal ends with `,`".to_owned()),
            Some(',') if !expect_item => expect_item = true,
            Some(_) if !expect_item => return Err("missing `,` between array elements".to_owned()),
            Some('{') => return Err("multidimensional arrays are not supported".to_owned()),
            Some(',') => return Err("empty array element".to_owned()),
            Some('"') => {
                let mut item = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated quoted array element".to_owned()),
                        Some('"') => break,
                        Some('\\') => {
                            item.push(chars.next().ok_or("array literal ends with `\\`")?)
                        }
                        Some(c) => item.push(c),
                    }
                }
                items.push(Some(item));
                expect_item = false;
            }
            Some(first) => {
                let mut item = String::new();
                let mut escaped = false;
                let mut c = first;
                // Length of `item` up to its last non-space or escaped character.
                let mut keep = 0;
                loop {
                    if c == '\\' {
                        item.push(chars.next().ok_or("array literal ends with `\\`")?);
                        escaped = true;
                        keep = item.len();
                    } else if c == '"' || c == '{' {
                        return Err(format!("unexpected `{c}` inside an unquoted array element"));
                    } else {
                        item.push(c);
                        if !is_array_space(c) {
                            keep = item.len();
                        }
                    }
                    match chars.peek() {
                        Some(',' | '}') | None => break,
                        Some(_) => c = chars.next().unwrap_or_default(),
                    }
                }
                item.truncate(keep);
                let is_null = !escaped && item.eq_ignore_ascii_case("NULL");
                items.push((!is_null).then_some(item));
                expect_item = false;
            }
        }
    }
    let trailing: String = chars.collect();
    if !trailing.trim().is_empty() {
        return Err(format!(
            "text after the array literal: `{}`",
            shorten(&trailing)
        ));
    }
    Ok(items)
}

/// Writes a text array as PostgreSQL does: elements quoted when they are empty,
/// `NULL`, or contain a delimiter, quote, backslash or white space.
pub(super) fn format_array(items: &[String]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let quote = item.is_empty()
            || item.eq_ignore_ascii_case("NULL")
            || item
                .chars()
                .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || is_array_space(c));
        if quote {
            out.push('"');
            for c in item.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(item);
        }
    }
    out.push('}');
    out
}

/// White space as PostgreSQL's array parser sees it.
fn is_array_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

/// Quotes one `COPY … WITH CSV` field as PostgreSQL does; `None` is SQL NULL (an
/// empty, unquoted field), so an empty string is written `""`.
pub(super) fn csv_field(out: &mut String, value: Option<&str>) {
    let Some(value) = value else { return };
    let quote = value.is_empty() || value == "\\." || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

const MS_PER_DAY: i64 = 86_400_000;

/// Parses a timestamp as PostgreSQL, node-pg or JavaScript write it:
/// `2025-09-05 12:34:56.789+00`, `2025-09-05T12:34:56.789Z`,
/// `2025-09-05T12:34:56.789-03:30`, `2025-09-05 12:34:56` (no offset: UTC),
/// `2025-09-05`, optionally followed by ` BC`.
pub(super) fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let bad = |why: &str| format!("`{}` is not a timestamp: {why}", shorten(text));
    let mut s = text.trim();
    let bc = match s.strip_suffix(" BC") {
        Some(rest) => {
            s = rest;
            true
        }
        None => false,
    };
    let mut p = Cursor(s.as_bytes());
    let mut year = p.digits(4, 9).ok_or_else(|| bad("expected a year"))?;
    if bc {
        year = 1 - year;
    }
    p.expect(b'-')
        .ok_or_else(|| bad("expected `-` after the year"))?;
    let month = p.digits(2, 2).ok_or_else(|| bad("expected a month"))?;
    p.expect(b'-')
        .ok_or_else(|| bad("expected `-` after the month"))?;
    let day = p.digits(2, 2).ok_or_else(|| bad("expected a day"))?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(bad("no such date"));
    }
    let mut millis = days_from_civil(year, month, day) * MS_PER_DAY;
    if p.expect(b'T')
        .or_else(|| p.expect(b't'))
        .or_else(|| p.expect(b' '))
        .is_some()
    {
        let hour = p.digits(2, 2).ok_or_else(|| bad("expected an hour"))?;
        p.expect(b':')
            .ok_or_else(|| bad("expected `:` after the hour"))?;
        let minute = p.digits(2, 2).ok_or_else(|| bad("expected minutes"))?;
        let second = match p.expect(b':') {
            Some(()) => p.digits(2, 2).ok_or_else(|| bad("expected seconds"))?,
            None => 0,
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad("no such time of day"));
        }
        millis += ((hour * 60 + minute) * 60 + second) * 1000;
        if p.expect(b'.').is_some() {
            let digits = p.take_while(|b| b.is_ascii_digit());
            if digits.is_empty() {
                return Err(bad("expected digits after `.`"));
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
        millis -= parse_offset(&mut p).ok_or_else(|| bad("bad time zone offset"))?;
    }
    if !p.0.is_empty() {
        return Err(bad("unexpected text at the end"));
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

/// `2025-09-05 12:34:56.789+00`, as `COPY … CSV` writes a `timestamptz` in UTC.
pub(super) fn format_timestamp_csv(t: Timestamp) -> String {
    format_timestamp(t, ' ', "+00")
}

/// `2025-09-05T12:34:56.789+00:00`, as `row_to_json` writes a `timestamptz` in UTC.
pub(super) fn format_timestamp_json(t: Timestamp) -> String {
    format_timestamp(t, 'T', "+00:00")
}

fn format_timestamp(t: Timestamp, separator: char, utc: &str) -> String {
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
        let _ = write!(out, ".{}", fraction.trim_end_matches('0'));
    }
    out.push_str(utc);
    out.push_str(era);
    out
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

/// The start of a long text, for error messages.
pub(super) fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(text: &str) -> Vec<Option<String>> {
        match parse_array(text) {
            Ok(items) => items,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn some(items: &[&str]) -> Vec<Option<String>> {
        items.iter().map(|s| Some((*s).to_owned())).collect()
    }

    #[test]
    fn array_literals_as_postgres_writes_them() {
        assert_eq!(array("{}"), some(&[]));
        assert_eq!(array("{a,b}"), some(&["a", "b"]));
        assert_eq!(
            array(r#"{"gift card","two words"}"#),
            some(&["gift card", "two words"])
        );
        assert_eq!(
            array(r#"{"say \"hi\"","back\\slash"}"#),
            some(&[r#"say "hi""#, r"back\slash"])
        );
        assert_eq!(
            array(r#"{NULL,"NULL",null}"#),
            vec![None, Some("NULL".to_owned()), None]
        );
        assert_eq!(array("{ a b , c }"), some(&["a b", "c"]));
        assert_eq!(array(r#"{"",x}"#), some(&["", "x"]));
        assert_eq!(array(r"{a\,b,c\ }"), some(&["a,b", "c "]));
        assert_eq!(array("[0:1]={a,b}"), some(&["a", "b"]));
        assert_eq!(array("{won't,24/7,$25}"), some(&["won't", "24/7", "$25"]));
    }

    #[test]
    fn bad_array_literals_are_errors() {
        for bad in [
            "",
            "a,b",
            "{a,b",
            "{a,,b}",
            "{a,}",
            "{{a},{b}}",
            "{\"a}",
            "{a} x",
            "{a\"b}",
        ] {
            assert!(parse_array(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn arrays_round_trip_through_format() {
        let items: Vec<String> = [
            "plain",
            "",
            "NULL",
            "two words",
            "a,b",
            "q\"uote",
            "back\\slash",
            "{x}",
            "tab\there",
            "café",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let text = format_array(&items);
        assert_eq!(
            array(&text),
            items.iter().cloned().map(Some).collect::<Vec<_>>()
        );
        assert_eq!(
            format_array(&["a".to_owned(), "b c".to_owned()]),
            r#"{a,"b c"}"#
        );
        assert_eq!(format_array(&[]), "{}");
    }

    #[test]
    fn timestamps_in_every_shape_v1_exports_them() {
        let t = Timestamp(1_757_075_696_789); // 2025-09-05 12:34:56.789 UTC
        for text in [
            "2025-09-05 12:34:56.789+00",
            "2025-09-05 12:34:56.789",
            "2025-09-05T12:34:56.789Z",
            "2025-09-05T12:34:56.789+00:00",
            "2025-09-05T12:34:56.789123+00:00",
            "2025-09-05 09:04:56.789-03:30",
            "2025-09-05 14:34:56.789+0200",
        ] {
            assert_eq!(parse_timestamp(text), Ok(t), "{text}");
        }
        assert_eq!(
            parse_timestamp("2025-09-05 12:34:56.7+00"),
            Ok(Timestamp(1_757_075_696_700))
        );
        assert_eq!(
            parse_timestamp("2025-09-05"),
            Ok(Timestamp(1_757_030_400_000))
        );
        assert_eq!(parse_timestamp("1970-01-01 00:00:00+00"), Ok(Timestamp(0)));
        assert_eq!(format_timestamp_csv(t), "2025-09-05 12:34:56.789+00");
        assert_eq!(format_timestamp_json(t), "2025-09-05T12:34:56.789+00:00");
        assert_eq!(
            format_timestamp_csv(Timestamp(1_757_075_696_700)),
            "2025-09-05 12:34:56.7+00"
        );
        assert_eq!(format_timestamp_csv(Timestamp(0)), "1970-01-01 00:00:00+00");
    }

    #[test]
    fn bad_timestamps_are_errors() {
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-02-29",
            "2025-09-05 25:00:00",
            "2025-09-05 12:34:56 UTC",
            "2025-09-05T12:34:56.+00",
            "infinity",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?} parsed");
        }
    }

    proptest::proptest! {
        #[test]
        fn timestamps_round_trip(ms in proptest::num::i64::ANY) {
            // The range PostgreSQL itself supports (4713 BC to 294276 AD).
            let ms = ms % 9_000_000_000_000_000;
            let t = Timestamp(ms);
            proptest::prop_assert_eq!(parse_timestamp(&format_timestamp_csv(t)), Ok(t));
            proptest::prop_assert_eq!(parse_timestamp(&format_timestamp_json(t)), Ok(t));
        }

        #[test]
        fn arrays_round_trip(items in proptest::collection::vec("\\PC*", 0..6)) {
            let parsed = parse_array(&format_array(&items));
            proptest::prop_assert_eq!(parsed, Ok(items.into_iter().map(Some).collect::<Vec<_>>()));
        }
    }
}
