use super::*;

/// The hand-written calendar (H. Hinnant's algorithms) that these functions used
/// before the `time` crate: the reference the crate's results must equal.
mod hinnant {
    use crate::clock::Timestamp;

    const MS_PER_DAY: i64 = 86_400_000;

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
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

    /// Date and milliseconds into the day.
    fn split(t: Timestamp) -> ((i64, i64, i64), i64) {
        (
            civil_from_days(t.0.div_euclid(MS_PER_DAY)),
            t.0.rem_euclid(MS_PER_DAY),
        )
    }

    pub fn iso8601(t: Timestamp) -> String {
        let ((year, month, day), ms) = split(t);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    }

    pub fn postgres_csv(t: Timestamp) -> String {
        let ((year, month, day), in_day) = split(t);
        let (shown_year, era) = if year <= 0 {
            (1 - year, " BC")
        } else {
            (year, "")
        };
        let seconds = in_day / 1000;
        let mut out = format!(
            "{shown_year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        let ms = in_day % 1000;
        if ms != 0 {
            out.push_str(&format!(".{}", format!("{ms:03}").trim_end_matches('0')));
        }
        out + "+00" + era
    }
}

/// The first and last millisecond the calendar holds.
fn range() -> (i64, i64) {
    let first = PrimitiveDateTime::MIN.assume_utc().unix_timestamp() * 1000;
    let last = PrimitiveDateTime::MAX.assume_utc().unix_timestamp() * 1000 + 999;
    (first, last)
}

#[test]
fn iso8601_matches_javascript() {
    assert_eq!(iso8601(Timestamp(0)), "1970-01-01T00:00:00.000Z");
    assert_eq!(
        iso8601(Timestamp(1_700_000_000_123)),
        "2023-11-14T22:13:20.123Z"
    );
    assert_eq!(iso8601(Timestamp(-1)), "1969-12-31T23:59:59.999Z");
    assert_eq!(
        iso8601(Timestamp(951_782_400_000)),
        "2000-02-29T00:00:00.000Z"
    );
}

#[test]
fn timestamps_beyond_the_calendar_are_written_as_its_ends() {
    let (first, last) = range();
    assert_eq!(iso8601(Timestamp(i64::MAX)), "999999-12-31T23:59:59.999Z");
    assert_eq!(iso8601(Timestamp(last + 1)), iso8601(Timestamp(last)));
    assert_eq!(iso8601(Timestamp(i64::MIN)), "-999999-01-01T00:00:00.000Z");
    assert_eq!(iso8601(Timestamp(first - 1)), iso8601(Timestamp(first)));
    assert_eq!(
        format_timestamp_csv(Timestamp(i64::MIN)),
        "1000000-01-01 00:00:00+00 BC"
    );
    assert_eq!(
        parse_timestamp(&format_timestamp_csv(Timestamp(i64::MIN))),
        Ok(Timestamp(first))
    );
}

/// Leap days, the epoch, the ends of 32-bit seconds, the year 10000, the first years
/// AD and BC, PostgreSQL's limits: written as the hand-written calendar wrote them.
#[test]
fn edge_dates_are_written_as_before() {
    let edges = [
        ("1970-01-01 00:00:00+00", 0),
        ("1969-12-31 23:59:59.999+00", -1),
        ("2000-02-29 00:00:00+00", 951_782_400_000),
        ("2024-02-29 12:00:00+00", 1_709_208_000_000),
        ("1900-03-01 00:00:00+00", -2_203_891_200_000),
        ("2038-01-19 03:14:07+00", 2_147_483_647_000),
        ("2038-01-19 03:14:08+00", 2_147_483_648_000),
        ("2106-02-07 06:28:15+00", 4_294_967_295_000),
        ("2100-02-28 23:59:59.5+00", 4_107_542_399_500),
        ("9999-12-31 23:59:59.999+00", 253_402_300_799_999),
        ("10000-01-01 00:00:00+00", 253_402_300_800_000),
        ("0001-01-01 00:00:00+00", -62_135_596_800_000),
        ("0001-12-31 23:59:59+00 BC", -62_135_596_801_000),
        ("4713-11-24 00:00:00+00 BC", -210_835_180_800_000),
        ("294276-12-31 23:59:59.999+00", 9_224_318_015_999_999),
    ];
    for (text, ms) in edges {
        let t = Timestamp(ms);
        assert_eq!(format_timestamp_csv(t), text, "{ms}");
        assert_eq!(format_timestamp_csv(t), hinnant::postgres_csv(t), "{ms}");
        assert_eq!(iso8601(t), hinnant::iso8601(t), "{ms}");
        assert_eq!(parse_timestamp(text), Ok(t), "{text}");
    }
}

#[test]
fn negative_offsets_and_leap_days_parse_as_before() {
    let cases = [
        ("2024-02-29 21:30:00-03:30", (2024, 3, 1), 3600),
        ("2000-03-01 00:15:00+01", (2000, 2, 29), 23 * 3600 + 15 * 60),
        ("1970-01-01 00:00:00-00:00:01", (1970, 1, 1), 1),
        ("1969-12-31T20:00:00-04:00", (1970, 1, 1), 0),
        (
            "0001-01-01 00:00:00+15:59:59 BC",
            (-1, 12, 31),
            8 * 3600 + 1,
        ),
        (
            "2038-01-18 23:14:07-0400",
            (2038, 1, 19),
            3 * 3600 + 14 * 60 + 7,
        ),
    ];
    for (text, (year, month, day), seconds) in cases {
        let days = hinnant::days_from_civil(year, month, day);
        let expected = Timestamp(days * 86_400_000 + seconds * 1000);
        assert_eq!(parse_timestamp(text), Ok(expected), "{text}");
    }
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
        "2025-00-01",
        "2025-02-29",
        "1900-02-29",
        "2025-04-31",
        "2025-09-05 25:00:00",
        "2025-09-05 12:60:00",
        "2025-09-05 12:34:56 UTC",
        "2025-09-05T12:34:56.+00",
        "2025-09-05 12:34:56+16",
        "infinity",
    ] {
        assert!(parse_timestamp(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn a_year_beyond_the_calendar_is_an_error_not_an_overflow() {
    for text in [
        "1000000-01-01",
        "999999999-12-31 23:59:59+00",
        "1000001-01-01 BC",
    ] {
        assert_eq!(
            parse_timestamp(text),
            Err("year out of range".to_owned()),
            "{text}"
        );
    }
    assert!(parse_timestamp("999999-12-31 23:59:59.999+00").is_ok());
    assert!(parse_timestamp("1000000-01-01 BC").is_ok());
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
    fn the_calendar_writes_what_the_hand_written_one_did(any in proptest::num::i64::ANY) {
        let (first, last) = range();
        let t = Timestamp(first + any.rem_euclid(last - first + 1));
        proptest::prop_assert_eq!(iso8601(t), hinnant::iso8601(t));
        proptest::prop_assert_eq!(format_timestamp_csv(t), hinnant::postgres_csv(t));
        proptest::prop_assert_eq!(parse_timestamp(&hinnant::postgres_csv(t)), Ok(t));
    }

    #[test]
    fn near_the_epoch_too(ms in -100_000_000_000_000i64..100_000_000_000_000) {
        let t = Timestamp(ms);
        proptest::prop_assert_eq!(iso8601(t), hinnant::iso8601(t));
        proptest::prop_assert_eq!(format_timestamp_csv(t), hinnant::postgres_csv(t));
    }
}
