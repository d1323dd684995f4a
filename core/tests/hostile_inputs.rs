//! The hostile-input matrix through the Rust interface (issue 9; `docs/design.md`, "Bad input"). Each
//! test is one row of the table in RELIABILITY.md: the input, and the typed error
//! or the decision it must get. The Node and Python rows are in
//! `bindings-node/test/hostile.test.js` and `bindings-python/tests/test_hostile.py`.

// Tests start from a default config and change one field; that reads best here.
#![allow(clippy::field_reassign_with_default)]

mod support;

use pattern_learning::config::Config;
use pattern_learning::safety::{SafetySettings, SafetyThresholds};
use pattern_learning::store::SqliteStore;
use pattern_learning::{
    Action, Decision, Engine, Error, Feedback, MessageContext, NewPattern, PatternFilter, Reason,
};
use serde_json::json;
use support::{trained, Fixture, LOGIN, REPLY};

const MB: usize = 1_000_000;

fn fixture() -> Fixture {
    trained(Config::default())
}

/// Processes `text` in a fresh conversation and checks what every decision must
/// satisfy, whatever the input.
fn decide(engine: &Engine, text: &str) -> Decision {
    let d = engine
        .process(text, &MessageContext::new().conversation(fresh()))
        .unwrap_or_else(|e| panic!("process must decide, got {e}"));
    assert!(d.confidence.is_finite() && (0.0..=1.0).contains(&d.confidence));
    if let Some(out) = &d.outbound {
        assert!(!out.text.contains("{{"), "{out:?}");
    }
    d
}

fn fresh() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("conv-{}", N.fetch_add(1, Ordering::Relaxed))
}

fn reason(d: &Decision) -> (Action, Reason) {
    (d.action, d.reason)
}

// ---- message text through `process` --------------------------------------------

#[test]
fn empty_and_whitespace_messages_are_handed_off_silently() {
    let f = fixture();
    for text in ["", " ", "\t\n\r", "\u{3000}\u{a0}", "\u{200b}\u{feff}"] {
        let d = decide(&f.engine, text);
        assert_eq!(
            reason(&d),
            (Action::Escalate, Reason::EmptyMessage),
            "{text:?}"
        );
        assert!(d.outbound.is_none());
    }
}

#[test]
fn one_megabyte_message_is_too_long_by_default() {
    let f = fixture();
    let text = "gift cards ".repeat(MB / 11 + 1);
    let d = decide(&f.engine, &text);
    assert_eq!(reason(&d), (Action::Escalate, Reason::MessageTooLong));
    assert!(d.outbound.is_none());
}

#[test]
fn one_megabyte_message_is_decided_when_the_limit_allows_it() {
    let mut config = Config::default();
    config.max_message_bytes = 1 << 20;
    let f = trained(config);
    let text = format!("{LOGIN} ").repeat(MB / (LOGIN.len() + 1));
    assert!(text.len() <= 1 << 20 && text.len() > 900_000);
    let d = decide(&f.engine, &text);
    assert_ne!(d.reason, Reason::MessageTooLong);
}

#[test]
fn ten_megabyte_message_is_too_long_at_any_limit() {
    let mut config = Config::default();
    config.max_message_bytes = 1 << 20; // the largest limit allowed
    let f = trained(config);
    let d = decide(&f.engine, &"x".repeat(10 * MB));
    assert_eq!(reason(&d), (Action::Escalate, Reason::MessageTooLong));
}

#[test]
fn nul_and_control_characters_are_ordinary_separators() {
    let f = fixture();
    // Only control characters: no words.
    let d = decide(&f.engine, "\0\u{1}\u{7}\u{1b}\u{7f}\0");
    assert_eq!(reason(&d), (Action::Escalate, Reason::EmptyMessage));
    // Control characters between the words of a known message do not hide it.
    let d = decide(&f.engine, "i can't\0log in\u{7} to the\u{1b}trackman");
    assert_eq!(d.pattern_id, Some(f.pattern), "{d:#?}");
    if let Some(out) = &d.outbound {
        assert_eq!(out.text, REPLY);
    }
}

#[test]
fn emoji_and_combining_characters_are_normalised() {
    let f = fixture();
    assert_eq!(
        reason(&decide(&f.engine, "🙂🙂🙂👍")),
        (Action::Escalate, Reason::EmptyMessage)
    );
    // Fullwidth letters (NFKC) and decomposed accents reach the same pattern.
    let d = decide(
        &f.engine,
        "ｉ ｃａｎ'ｔ ｌｏｇ ｉｎ ｔｏ ｔｈｅ ｔｒａｃｋｍａｎ",
    );
    assert_eq!(d.pattern_id, Some(f.pattern), "{d:#?}");
    let d = decide(&f.engine, "i can't log in to the trackman 🙂🏌️‍♂️");
    assert_eq!(d.pattern_id, Some(f.pattern), "{d:#?}");
    // Stacked combining marks (zalgo) decide without error.
    let zalgo: String = "login"
        .chars()
        .flat_map(|c| [c, '\u{301}', '\u{316}', '\u{35c}'])
        .collect();
    decide(&f.engine, &zalgo);
}

#[test]
fn rtl_text_and_bidi_controls_decide_without_sending() {
    let f = fixture();
    // Semantic retrieval always finds a nearest example: an unrelated message gets it
    // only as a low-confidence hand-off, never as a reply.
    for text in [
        "مرحبا هل تبيعون بطاقات الهدايا",
        "שלום, האם יש כרטיסי מתנה?",
    ] {
        let d = decide(&f.engine, text);
        assert!(d.outbound.is_none(), "{d:#?}");
        assert_eq!(d.action, Action::Escalate, "{d:#?}");
        assert!(d.confidence < 0.4, "{d:#?}");
    }
    // A right-to-left override around a known message changes nothing.
    let d = decide(&f.engine, &format!("\u{202e}{LOGIN}\u{202c}"));
    assert_eq!(d.pattern_id, Some(f.pattern), "{d:#?}");
}

#[test]
fn sql_injection_text_is_just_text() {
    let f = fixture();
    let d = decide(&f.engine, "'; DROP TABLE patterns; --");
    assert!(d.outbound.is_none());
    assert_eq!(f.engine.patterns(PatternFilter::all()).len(), 1);
}

#[test]
fn template_injection_in_messages_and_variables_is_never_expanded() {
    let engine = Engine::new();
    let examples = [
        "hi my name is sam",
        "hello this is sam",
        "hey it's sam here",
    ];
    let id = engine
        .create_pattern(
            NewPattern::new(examples, "Hi {{customer_name|there}}, welcome back!")
                .confidence(1.0)
                .auto_executable(true),
        )
        .unwrap()
        .id;
    for e in examples {
        engine.feedback(&Feedback::approve(e, id)).unwrap();
        engine
            .feedback(&Feedback::approve(format!("{e}!"), id))
            .unwrap();
    }
    for name in [
        "{{constructor}}",
        "{{__proto__}}",
        "{{customer_name}}",
        "{{",
    ] {
        let ctx = MessageContext::new()
            .conversation(fresh())
            .customer_name(name);
        let d = engine.process("hi my name is sam", &ctx).unwrap();
        assert!(d.outbound.is_none(), "{name}: {d:#?}");
        assert_ne!(d.action, Action::AutoExecute, "{name}");
    }
    for text in [
        "{{constructor}}",
        "{{__proto__}} hello",
        "hi {{customer_name}}",
    ] {
        let d = decide(&engine, text);
        if let Some(r) = &d.response {
            assert!(
                !r.contains("constructor") && !r.contains("__proto__"),
                "{r}"
            );
        }
    }
}

#[test]
fn a_learned_reply_with_an_unfillable_variable_is_never_sent() {
    let engine = Engine::new();
    for q in [
        "do you sell gift cards",
        "can i buy a gift card",
        "gift cards for sale?",
    ] {
        engine
            .feedback(&Feedback::answer(q, "Yes: {{constructor}} {{__proto__}}"))
            .unwrap();
    }
    let d = decide(&engine, "do you sell gift cards");
    assert!(d.outbound.is_none(), "{d:#?}");
}

// ---- feedback and patterns --------------------------------------------------------

#[test]
fn feedback_with_no_words_or_huge_text_gets_typed_errors() {
    let engine = Engine::new();
    for q in ["", "   ", "\0\0", "🙂"] {
        let e = engine
            .feedback(&Feedback::answer(q, "a reply"))
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_FEEDBACK", "{q:?}: {e}");
    }
    let e = engine
        .feedback(&Feedback::answer("gift cards", "x".repeat(MB)))
        .unwrap_err();
    assert_eq!(e.code(), "TEXT_TOO_LONG", "{e}");
    let e = engine
        .feedback(&Feedback::answer("x".repeat(10 * MB), "a reply"))
        .unwrap_err();
    assert_eq!(e.code(), "TEXT_TOO_LONG", "{e}");
    assert!(engine.patterns(PatternFilter::all()).is_empty());
}

#[test]
fn non_finite_or_out_of_range_pattern_confidence_is_refused_or_clamped() {
    let engine = Engine::new();
    for c in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.5, 1.5] {
        match engine.create_pattern(NewPattern::new(["gift cards please"], "Yes.").confidence(c)) {
            Ok(p) => assert!((0.0..=1.0).contains(&p.confidence), "{c}: {p:?}"),
            Err(e) => assert_eq!(e.code(), "INVALID_PATTERN", "{c}: {e}"),
        }
    }
    for p in engine.patterns(PatternFilter::all()) {
        assert!(p.confidence.is_finite() && (0.0..=1.0).contains(&p.confidence));
    }
}

// ---- configuration and settings ---------------------------------------------------

fn config_error(patch: serde_json::Value) -> Error {
    let engine = Engine::new();
    let before = engine.config();
    let e = engine.update_config(&patch).unwrap_err();
    assert_eq!(engine.config(), before, "a refused patch changes nothing");
    e
}

#[test]
fn non_finite_and_negative_thresholds_are_invalid_config() {
    // JSON has no NaN or infinity: they reach the config through Rust (or a binding).
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut c = Config::default();
        c.thresholds.auto = v;
        assert_eq!(c.validate().unwrap_err().code(), "INVALID_CONFIG", "{v}");
        assert!(Engine::builder().config(c).build().is_err());
    }
    let e = config_error(json!({"thresholds": {"queue": -0.1}}));
    assert!(e.is_config_error(), "{e}");
    let e = config_error(json!({"thresholds": {"auto": 1.5}}));
    assert!(e.is_config_error(), "{e}");
    let e = config_error(json!({"thresholds": {"auto": 0.3}}));
    assert_eq!(e.code(), "THRESHOLDS_OUT_OF_ORDER", "{e}");
}

#[test]
fn unknown_config_keys_and_wrong_types_are_refused() {
    for patch in [
        json!({"thresholds": {"autoo": 0.9}}),
        json!({"no_such_key": true}),
        json!({"__proto__": {"enabled": false}}),
        json!({"constructor": {"prototype": {}}}),
    ] {
        assert_eq!(
            config_error(patch.clone()).code(),
            "UNKNOWN_SETTING",
            "{patch}"
        );
    }
    for patch in [
        json!({"thresholds": {"auto": "high"}}),
        json!({"enabled": "yes"}),
        json!({"thresholds": 0.9}),
        json!({"max_message_bytes": -1}),
    ] {
        assert_eq!(
            config_error(patch.clone()).code(),
            "INVALID_CONFIG",
            "{patch}"
        );
    }
    let e = Config::from_json(r#"{"thresholds": {"auto": 0.9}, "constructor": {}}"#);
    assert!(e.is_err());
    let e = Config::from_json("{\"__proto__\": {\"enabled\": true}}").unwrap_err();
    assert_eq!(e.code(), "PARSE_ERROR", "{e}");
}

#[test]
fn unknown_and_non_finite_safety_settings_are_refused() {
    let mut t = SafetyThresholds::default();
    let e = t.apply_partial(&json!({"noSuchKey": 1})).unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_SETTING", "{e}");
    let mut s = SafetySettings::default();
    let e = s.apply_partial(&json!({"__proto__": 1})).unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_SETTING", "{e}");
    let mut t = SafetyThresholds::default();
    let refused = t.apply_partial(&json!({"aiResponseLimit": -3}));
    assert!(refused.is_err() || t.validate().is_err());
}

// ---- bytes: store files and V1 imports --------------------------------------------

#[test]
fn invalid_utf8_in_a_v1_csv_import_is_a_typed_error() {
    let mut csv = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/store/v1_rows.csv"),
    )
    .unwrap();
    let at = csv.iter().rposition(|&b| b.is_ascii_alphabetic()).unwrap();
    csv[at] = 0xff;
    csv.extend_from_slice(b"\xc3\x28\xed\xa0\x80\n");
    let e = pattern_learning::v1::rows::import_csv(&csv[..]).unwrap_err();
    assert!(matches!(e.code(), "PARSE_ERROR" | "IMPORT_ERROR"), "{e}");
}

#[test]
fn arbitrary_bytes_as_a_store_file_are_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        (
            "garbage.db",
            b"\xff\xfe\x00 not a database \xed\xa0\x80".to_vec(),
        ),
        ("sqlite-prefix.db", {
            let mut b = b"SQLite format 3\0".to_vec();
            b.resize(4096, 0xab);
            b
        }),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let e = Engine::open(&path).unwrap_err();
        assert_eq!(e.code(), "CORRUPT_STORE", "{name}: {e}");
        let e = SqliteStore::open(&path).unwrap_err();
        assert_eq!(e.code(), "CORRUPT_STORE", "{name}: {e}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} changed");
    }
}

#[test]
fn hostile_texts_round_trip_through_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patterns.db");
    let texts = [
        "'; DROP TABLE patterns; --",
        "Robert'); DELETE FROM events WHERE ('1'='1",
        "nul\0inside and \u{1b}[31m escapes",
        "مرحبا \u{202e}abc\u{202c} שלום",
        "e\u{301}mojis 🙂👍🏽 and zalgo l\u{316}o\u{35c}g",
        "{{constructor}} {{__proto__}} words",
    ];
    let ids: Vec<_> = {
        let engine = Engine::open(&path).unwrap();
        texts
            .iter()
            .map(|t| {
                engine
                    .create_pattern(NewPattern::new([format!("question {t}")], *t))
                    .unwrap()
                    .id
            })
            .collect()
    };
    let engine = Engine::open(&path).unwrap();
    for (id, t) in ids.iter().zip(texts) {
        let p = engine.pattern(*id).unwrap();
        assert_eq!(p.response_template, t);
        assert_eq!(p.trigger_examples, vec![format!("question {t}")]);
    }
    assert_eq!(engine.patterns(PatternFilter::all()).len(), texts.len());
}
