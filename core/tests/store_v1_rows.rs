//! V1 `decision_patterns` rows: importing what PostgreSQL and node-pg produce, exporting
//! what PostgreSQL reads back, and refusing bad rows all at once.
//!
//! The fixtures in `tests/data/store/` were produced by a real PostgreSQL 15 from
//! `v1_decision_patterns.sql` (see `make_v1_fixtures.sh`). The export goldens
//! (`v1_rows.export.*`) were checked by loading them back with `COPY … FROM`; after a
//! deliberate format change, rewrite them with `PL_BLESS=1 cargo test --test store_v1_rows`.

use pattern_learning::clock::Timestamp;
use pattern_learning::signature::{signature, v1_signature};
use pattern_learning::v1::{self, rows::V1Import};
use pattern_learning::{Error, Pattern, PatternId, Provenance};
use proptest::prelude::*;
use serde_json::json;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/store/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn csv_import() -> V1Import {
    v1::rows::import_csv(read("v1_rows.csv").as_bytes()).unwrap()
}

fn by_id(import: &V1Import, id: u64) -> &Pattern {
    import
        .patterns
        .iter()
        .find(|p| p.id == PatternId(id))
        .unwrap()
}

/// 2025-09-05 12:34:56.789 UTC and friends, in milliseconds.
fn utc(text: &str) -> Timestamp {
    let json =
        format!(r#"[{{"id":1,"trigger_text":"x","response_template":"y","created_at":"{text}"}}]"#);
    v1::rows::import_json(&json).unwrap().patterns[0].created_at
}

#[test]
fn csv_and_both_json_shapes_import_alike() {
    let csv = csv_import();
    let pg = v1::rows::import_json(&read("v1_rows.pg.json")).unwrap();
    let node = v1::rows::import_json(&read("v1_rows.node.json")).unwrap();
    assert_eq!(pg, csv);
    assert_eq!(node, csv);
    assert_eq!(csv.patterns.len(), 7);
}

#[test]
fn rows_map_to_patterns_as_documented() {
    let import = csv_import();
    for p in &import.patterns {
        assert_eq!(p.provenance, Provenance::Imported);
        assert_eq!(p.signature, signature(&p.trigger_examples[0]), "{}", p.id);
        assert!(p.v1_signature.is_some());
    }

    let gift = by_id(&import, 3);
    assert_eq!(gift.topic, "gift_cards");
    assert_eq!(
        gift.trigger_examples,
        [
            "Do you sell gift cards?",
            "Can I buy a gift card for my dad?",
            "gift certificates available??"
        ]
    );
    assert_eq!(
        gift.trigger_keywords,
        [
            "gift card",
            "gift cards",
            "giftcard",
            "gift certificate",
            "voucher"
        ]
    );
    assert_eq!(gift.confidence, 0.9);
    assert!(gift.auto_executable && gift.is_active && !gift.is_deleted);
    assert_eq!(
        (
            gift.execution_count,
            gift.success_count,
            gift.failure_count,
            gift.override_count
        ),
        (41, 41, 0, 2)
    );
    assert_eq!(
        gift.v1_signature.as_deref(),
        Some("5c691d177ecd75f8f8bebaee31c09bab")
    );
    assert_eq!(
        gift.action_template.as_ref().unwrap()["metadata"]["is_edge_case"],
        false
    );
    assert_eq!(gift.created_at, utc("2025-10-01T00:00:00Z"));
    assert_eq!(gift.last_used, Some(utc("2026-01-14 18:22:05.118")));
    assert_eq!(gift.last_modified, utc("2025-12-02 09:15:00.5"));

    let trackman = by_id(&import, 17);
    assert_eq!(trackman.topic, "tech_support");
    assert_eq!(
        trackman.trigger_examples,
        ["The trackman in bay 3 is frozen"]
    );
    assert_eq!(
        trackman.action_template,
        Some(json!([{"type": "reset_trackman", "bay": "{{bay_number}}"}]))
    );
    assert_eq!(
        trackman.v1_signature.as_deref(),
        Some(v1_signature("The trackman in bay 3 is frozen").as_str())
    );
    // last_modified is NULL: updated_at (a timestamptz) stands in.
    assert_eq!(trackman.last_modified, Timestamp(1_757_075_696_789));

    let booking = by_id(&import, 18);
    assert!(booking.trigger_keywords.is_empty(), "NULL keywords");
    assert_eq!(booking.trigger_examples.len(), 3);
    assert_eq!(booking.last_used, None);

    let door = by_id(&import, 21);
    assert_eq!(
        door.trigger_keywords,
        [
            "door",
            "won't open",
            "can't get in",
            "locked out!",
            "say \"open sesame\""
        ]
    );
    assert!(!door.is_active);
    assert_eq!(door.confidence, 0.5);
    assert_eq!(
        door.action_template.as_ref().unwrap()["entities"]["location"],
        "Bedford"
    );

    let hours = by_id(&import, 25);
    assert_eq!(hours.topic, "general", "faq is not a topic");
    assert_eq!(hours.trigger_examples[2], "Café hours?");

    let thanks = by_id(&import, 30);
    assert!(thanks.is_deleted && !thanks.is_active);

    let food = by_id(&import, 33);
    assert_eq!(
        food.trigger_examples,
        ["Can I bring food & drinks?"],
        "from the `pattern` alias"
    );
    assert_eq!(
        food.trigger_keywords,
        [
            "food & drinks",
            "outside food",
            "bring \"own\" drinks",
            "alcohol, beer"
        ]
    );
    assert!(food
        .response_template
        .contains("please.\n\"Bring your own\" drinks aren't permitted"));
    assert_eq!(
        food.last_modified, food.created_at,
        "no last_modified nor updated_at"
    );
}

#[test]
fn caveats_come_back_as_warnings() {
    let import = csv_import();
    let mut warnings: Vec<(usize, u64, &str)> = Vec::new();
    for w in &import.warnings {
        let kind = if w.message.contains("is not V1's signature") {
            "signature"
        } else if w.message.contains("is not a topic") {
            "topic"
        } else if w.message.contains("element of trigger_keywords") {
            "keyword"
        } else {
            panic!("unexpected warning {w}")
        };
        warnings.push((w.row, w.id, kind));
    }
    assert_eq!(
        warnings,
        [
            (1, 3, "signature"),  // migration 234 seed: MD5 of a fixed phrase
            (3, 18, "signature"), // manual route: MD5 with punctuation kept
            (4, 21, "keyword"),   // NULL element
            (4, 21, "keyword"),   // empty element
            (5, 25, "topic"),
            (5, 25, "signature"),
        ]
    );
    assert!(import.warnings[0]
        .to_string()
        .starts_with("row 1 (id 3): pattern_signature 5c691d17"));
}

#[test]
fn exports_match_their_goldens_and_import_back_unchanged() {
    let patterns = csv_import().patterns;
    let mut csv = Vec::new();
    v1::rows::export_csv(&patterns, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let json = v1::rows::export_json(&patterns);
    if std::env::var_os("PL_BLESS").is_some() {
        std::fs::write(format!("{DATA}v1_rows.export.csv"), &csv).unwrap();
        std::fs::write(format!("{DATA}v1_rows.export.json"), &json).unwrap();
    }
    assert_eq!(csv, read("v1_rows.export.csv"));
    assert_eq!(json, read("v1_rows.export.json"));
    assert_eq!(
        v1::rows::import_csv(csv.as_bytes()).unwrap().patterns,
        patterns
    );
    assert_eq!(v1::rows::import_json(&json).unwrap().patterns, patterns);
}

#[test]
fn export_writes_postgres_text_forms() {
    let import = csv_import();
    let mut out = Vec::new();
    v1::rows::export_csv(&import.patterns, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(header, v1::rows::EXPORT_COLUMNS.join(","));
    let trackman = text.lines().find(|l| l.starts_with("17,")).unwrap();
    assert!(trackman.starts_with(
        "17,tech_issue,b616e9e8dee7ea7abe8c5ae878a54a71,The trackman in bay 3 is frozen,"
    ));
    assert!(trackman.contains(r#","{trackman,frozen,""not working"",stuck}","#));
    assert!(trackman.contains(
        ",0.85,f,t,f,12,12,0,1,imported,2025-09-05 12:34:56.789+00,2025-09-13 21:03:11+00,"
    ));

    // An empty string is quoted; NULL is an empty field.
    let mut p = import.patterns[0].clone();
    p.trigger_keywords = vec![String::new(), "NULL".to_owned()];
    p.last_used = None;
    p.action_template = None;
    let mut out = Vec::new();
    v1::rows::export_csv(&[p], &mut out).unwrap();
    let row = String::from_utf8(out).unwrap();
    assert!(row.contains(r#","{"""",""NULL""}","#), "{row}");
    assert!(row.contains(",,0.90,"), "NULL action_template: {row}");
}

fn import_error(result: pattern_learning::Result<V1Import>) -> Vec<(usize, String)> {
    match result {
        Err(Error::Import(rows)) => rows.into_iter().map(|e| (e.row, e.reason)).collect(),
        other => panic!("expected Error::Import, got {other:?}"),
    }
}

#[test]
fn bad_rows_fail_the_whole_import_and_are_all_reported() {
    let rows = json!([
        {"id": 1, "trigger_text": "fine", "response_template": "ok", "created_at": "2025-09-05 12:00:00"},
        {"trigger_text": "no id", "response_template": "ok", "created_at": "2025-09-05"},
        {"id": 3, "trigger_text": "x", "response_template": "ok", "confidence_score": "high", "created_at": "2025-09-05"},
        {"id": 4, "trigger_text": "x", "response_template": "ok", "confidence_score": 1.5, "created_at": "2025-09-05"},
        {"id": 5, "trigger_text": "x", "response_template": "   ", "created_at": "2025-09-05"},
        {"id": 6, "pattern_type": "learned", "pattern_signature": "8c75e70ab6784fc2ae46aef35313ad46",
         "trigger_text": "8c75e70ab6784fc2ae46aef35313ad46", "response_template": "ok", "created_at": "2025-09-05"},
        {"id": 7, "trigger_text": "x", "response_template": "ok", "created_at": "last tuesday"},
        {"id": 8, "trigger_text": "x", "trigger_keywords": "{a,b", "response_template": "ok", "created_at": "2025-09-05"},
        {"id": 1, "trigger_text": "again", "response_template": "ok", "created_at": "2025-09-05"},
        "not a row",
        {"id": -3, "trigger_text": "x", "response_template": "ok", "created_at": "2025-09-05", "is_active": "maybe"},
        {"id": 12, "trigger_text": "x", "response_template": "ok"},
        {"id": 13, "trigger_text": "x", "response_template": "ok", "created_at": "2025-09-05", "action_template": "{not json"},
    ]);
    let errors = import_error(v1::rows::import_json(&rows.to_string()));
    let expected: [(usize, &str); 12] = [
        (2, "id is missing"),
        (3, "confidence_score: `high` is not a number"),
        (4, "confidence_score 1.5 is outside [0, 1]"),
        (5, "response_template is empty or NULL"),
        (6, "no trigger"),
        (7, "created_at: `last tuesday` is not a timestamp"),
        (8, "trigger_keywords: unterminated array literal"),
        (9, "duplicate id 1 (also row 1)"),
        (10, "expected an object, found a string"),
        (
            11,
            "id: -3 is not a non-negative integer; is_active: `maybe` is not a boolean",
        ),
        (12, "created_at (and first_seen) is NULL"),
        (13, "action_template: not JSON"),
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for ((row, reason), (want_row, want)) in errors.iter().zip(expected) {
        assert_eq!(*row, want_row, "{reason}");
        assert!(
            reason.contains(want),
            "row {row}: `{reason}` does not contain `{want}`"
        );
    }
    // The error's message names the count and the first bad row.
    let message = Error::Import(vec![pattern_learning::error::RowError {
        row: 2,
        reason: "id is missing".to_owned(),
    }])
    .to_string();
    assert!(
        message.contains("1 bad row(s)") && message.contains("row 2: id is missing"),
        "{message}"
    );
}

#[test]
fn a_row_whose_trigger_text_is_its_signature_uses_its_examples() {
    let rows = json!([{
        "id": 6, "pattern_type": "learned", "pattern_signature": "8c75e70ab6784fc2ae46aef35313ad46",
        "trigger_text": "8c75e70ab6784fc2ae46aef35313ad46", "trigger_examples": ["Do you sell gift cards?"],
        "response_template": "ok", "created_at": "2025-09-05"
    }]);
    let import = v1::rows::import_json(&rows.to_string()).unwrap();
    assert_eq!(
        import.patterns[0].trigger_examples,
        ["Do you sell gift cards?"]
    );
    assert_eq!(import.patterns[0].topic, "general");
    assert!(import
        .warnings
        .iter()
        .any(|w| w.message.contains("not a customer message")));
}

#[test]
fn csv_shape_problems() {
    let parse_error = |csv: &str| match v1::rows::import_csv(csv.as_bytes()) {
        Err(Error::Parse { what, reason }) => {
            assert!(what.contains("CSV"));
            reason
        }
        other => panic!("expected Error::Parse, got {other:?}"),
    };
    assert!(parse_error("").contains("empty"));
    assert!(parse_error("id,trigger_text\n1,x\n").contains("response_template"));
    assert!(
        parse_error("id,id,trigger_text,response_template,created_at\n").contains("appears twice")
    );

    // A byte-order mark and CRLF line ends (a spreadsheet re-save) are fine.
    let csv = "\u{feff}id,trigger_text,response_template,created_at\r\n1,hi,\"hello,\r\nthere\",2025-09-05\r\n";
    let import = v1::rows::import_csv(csv.as_bytes()).unwrap();
    assert_eq!(import.patterns[0].response_template, "hello,\r\nthere");
    assert_eq!(import.patterns[0].confidence, 0.5);
    assert!(import
        .warnings
        .iter()
        .any(|w| w.message.contains("confidence_score is NULL")));

    let ragged = "id,trigger_text,response_template,created_at\n1,hi,hello,2025-09-05\n2,hi,hello\n3,hi,hello,2025-09-05,extra\n";
    let errors = import_error(v1::rows::import_csv(ragged.as_bytes()));
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3]);
    assert!(errors[0].1.contains("3 fields, but the header has 4"));

    let invalid_utf8 = b"id,trigger_text,response_template,created_at\n1,caf\xe9,x,2025-09-05\n";
    let errors = import_error(v1::rows::import_csv(&invalid_utf8[..]));
    assert_eq!(errors[0].0, 1);
}

#[test]
fn json_that_is_not_an_array_of_rows_is_a_parse_error() {
    for bad in ["", "{", r#"{"id": 1}"#, "42"] {
        assert!(
            matches!(v1::rows::import_json(bad), Err(Error::Parse { .. })),
            "{bad:?}"
        );
    }
    assert_eq!(
        v1::rows::import_json("[]").unwrap(),
        V1Import {
            patterns: vec![],
            warnings: vec![]
        }
    );
}

/// Patterns as an import produces them, with arbitrary text.
fn arb_importable() -> impl Strategy<Value = Pattern> {
    let text = "\\PC{1,30}".prop_filter("not blank", |s: &String| !s.trim().is_empty());
    let keyword = "\\PC{1,12}"
        .prop_map(|s: String| s.trim().to_owned())
        .prop_filter("not blank", |s| !s.is_empty());
    let topics = prop::sample::select(vec![
        "tech_support",
        "access",
        "booking",
        "gift_cards",
        "pricing",
        "membership",
        "hours",
        "general",
    ]);
    let time = -62_135_596_800_000i64..253_402_300_799_999; // years 1 to 9999
    (
        (
            1..=i64::MAX as u64,
            topics,
            prop::collection::btree_set(text.clone(), 1..4),
            prop::collection::vec(keyword, 0..4),
            text,
        ),
        (
            0..=100u32,
            any::<[bool; 3]>(),
            any::<[u32; 4]>(),
            prop::option::of("[0-9a-f]{32}"),
        ),
        (time.clone(), prop::option::of(time.clone()), time),
        prop_oneof![
            Just(None),
            "\\PC{0,8}".prop_map(|s| Some(json!({"actions": [{"say": s}]})))
        ],
    )
        .prop_map(
            |(
                (id, topic, examples, keywords, response),
                (cents, flags, counts, v1),
                (created, used, modified),
                action,
            )| {
                let examples: Vec<String> = examples.into_iter().collect();
                Pattern {
                    id: PatternId(id),
                    topic: topic.to_owned(),
                    signature: signature(&examples[0]),
                    v1_signature: Some(v1.unwrap_or_else(|| v1_signature(&examples[0]))),
                    trigger_examples: examples,
                    trigger_keywords: keywords,
                    response_template: response,
                    action_template: action,
                    confidence: format!("{:.2}", f64::from(cents) / 100.0).parse().unwrap(),
                    is_active: flags[0],
                    auto_executable: flags[1],
                    is_deleted: flags[2],
                    execution_count: u64::from(counts[0]),
                    success_count: u64::from(counts[1]),
                    failure_count: u64::from(counts[2]),
                    override_count: u64::from(counts[3]),
                    provenance: Provenance::Imported,
                    created_at: Timestamp(created),
                    last_used: used.map(Timestamp),
                    last_modified: Timestamp(modified),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_importable_pattern_round_trips_through_csv_and_json(patterns in prop::collection::vec(arb_importable(), 1..4)) {
        // Ids must be unique within one import.
        let patterns: Vec<Pattern> = patterns.into_iter().enumerate().map(|(i, mut p)| { p.id = PatternId(i as u64 + 1); p }).collect();
        let mut csv = Vec::new();
        v1::rows::export_csv(&patterns, &mut csv).unwrap();
        prop_assert_eq!(&v1::rows::import_csv(csv.as_slice()).unwrap().patterns, &patterns);
        prop_assert_eq!(&v1::rows::import_json(&v1::rows::export_json(&patterns)).unwrap().patterns, &patterns);
    }
}
