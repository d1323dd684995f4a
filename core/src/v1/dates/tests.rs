use super::*;

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
    // Extremes do not panic.
    let _ = iso8601(Timestamp(i64::MAX));
    let _ = iso8601(Timestamp(i64::MIN));
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
}
