//! Message-safety rules and settings: V1 golden vectors, validation ranges, partial
//! updates and V1 JSON shapes.

use pattern_learning::error::Error;
use pattern_learning::safety::rules::{AlertType, SafetyHit, SafetyRules, SafetyVerdict};
use pattern_learning::safety::settings::{
    default_sentiment_rules, SafetySettings, SafetyThresholds, SentimentRule, Severity,
};
use serde::Deserialize;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Golden vectors
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    #[allow(dead_code)]
    about: String,
    vectors: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    message: String,
    #[serde(default)]
    settings: Option<Value>,
    v1: Outcome,
    expected: Outcome,
    why_changed: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Outcome {
    safe: bool,
    #[serde(default)]
    alert_type: Option<AlertType>,
    #[serde(default)]
    triggered_keywords: Option<Vec<String>>,
    /// Only in `expected`, for sentiment hits.
    #[serde(default)]
    severity: Option<Severity>,
}

impl Outcome {
    /// The fields V1 reported (severity is ours only).
    fn v1_fields(&self) -> (bool, Option<AlertType>, Option<&[String]>) {
        (
            self.safe,
            self.alert_type,
            self.triggered_keywords.as_deref(),
        )
    }
}

fn vectors() -> Vec<Vector> {
    let raw = include_str!("data/safety_v1_vectors.json");
    let file: VectorFile = serde_json::from_str(raw).expect("vector file parses");
    assert!(file.vectors.len() >= 30, "vector file looks truncated");
    file.vectors
}

fn settings_for(vector: &Vector) -> SafetySettings {
    let mut settings = SafetySettings::default();
    if let Some(patch) = &vector.settings {
        settings
            .apply_partial(patch)
            .expect("vector settings patch");
    }
    settings
}

fn default_rules() -> SafetyRules {
    SafetyRules::new(&SafetyThresholds::default(), &SafetySettings::default()).unwrap()
}

#[test]
fn golden_vectors_match() {
    let thresholds = SafetyThresholds::default();
    for v in vectors() {
        let rules = SafetyRules::new(&thresholds, &settings_for(&v)).unwrap();
        let got = rules.check(&v.message);
        let e = &v.expected;
        assert_eq!(got.safe, e.safe, "safe for {:?}: {got:?}", v.message);
        assert_eq!(
            got.alert_type, e.alert_type,
            "alertType for {:?}",
            v.message
        );
        assert_eq!(
            got.triggered_keywords, e.triggered_keywords,
            "triggeredKeywords for {:?}",
            v.message
        );
        let severity = match got.kind {
            Some(SafetyHit::NegativeSentiment { severity }) => Some(severity),
            _ => None,
        };
        assert_eq!(severity, e.severity, "severity for {:?}", v.message);

        // The rest of V1's shape follows from the alert.
        match got.kind {
            None => assert_eq!(serde_json::to_value(&got).unwrap(), json!({"safe": true})),
            Some(SafetyHit::NegativeSentiment { .. }) => {
                assert_eq!(got.reason.as_deref(), Some("negative_sentiment_detected"));
                assert_eq!(
                    got.suggested_response.as_deref(),
                    Some(thresholds.sentiment_escalation_text.as_str())
                );
                assert!(got.rule.is_some());
            }
            Some(SafetyHit::Blacklist) => {
                assert_eq!(
                    got.reason.as_deref(),
                    Some("Message contains blacklisted topics")
                );
                assert_eq!(got.suggested_response, None);
            }
            Some(SafetyHit::Escalation) => {
                assert_eq!(
                    got.reason.as_deref(),
                    Some("Message requires operator attention")
                );
                assert_eq!(got.suggested_response, None);
            }
            Some(other) => panic!("unexpected hit {other:?}"),
        }
    }
}

#[test]
fn why_changed_is_given_exactly_when_we_differ_from_v1() {
    for v in vectors() {
        let differs = v.v1.v1_fields() != v.expected.v1_fields();
        assert_eq!(
            differs,
            !v.why_changed.trim().is_empty(),
            "vector {:?}: v1 {:?} vs expected {:?}, why_changed {:?}",
            v.message,
            v.v1,
            v.expected,
            v.why_changed
        );
        assert_eq!(v.v1.severity, None, "V1 did not report severity");
    }
}

/// A model of V1's `checkMessageSafety` (`docs/v1-behaviour.md`): rules without word
/// boundaries, case-insensitive, on the raw message; keywords as substrings of the
/// lower-cased message. Used to check the `v1` column of the vector file.
fn v1_check(message: &str, settings: &SafetySettings) -> Outcome {
    for rule in default_sentiment_rules() {
        let re = regex::RegexBuilder::new(&rule.pattern)
            .case_insensitive(true)
            .build()
            .unwrap();
        if re.is_match(message) {
            return Outcome {
                safe: false,
                alert_type: Some(AlertType::Escalation),
                triggered_keywords: Some(vec!["negative_sentiment".into()]),
                severity: None,
            };
        }
    }
    let lower = message.to_lowercase();
    let hits = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|k| k.trim().to_lowercase())
            .filter(|k| !k.is_empty() && lower.contains(k.as_str()))
            .collect()
    };
    for (list, alert) in [
        (&settings.blacklist_topics, AlertType::Blacklist),
        (&settings.escalation_keywords, AlertType::Escalation),
    ] {
        let found = hits(list);
        if !found.is_empty() {
            return Outcome {
                safe: false,
                alert_type: Some(alert),
                triggered_keywords: Some(found),
                severity: None,
            };
        }
    }
    Outcome {
        safe: true,
        alert_type: None,
        triggered_keywords: None,
        severity: None,
    }
}

#[test]
fn v1_column_matches_a_model_of_v1() {
    for v in vectors() {
        assert_eq!(
            v1_check(&v.message, &settings_for(&v)),
            v.v1,
            "v1 column for {:?}",
            v.message
        );
    }
}

#[test]
fn one_megabyte_messages_are_handled() {
    let rules = default_rules();
    for unit in [
        "booking ",
        "héllo wörld ",
        "🙂",
        "日本語 ",
        "humane issue illegal ",
    ] {
        let big = unit.repeat(1_000_000 / unit.len() + 1);
        assert!(big.len() >= 1_000_000);
        assert!(rules.check(&big).safe, "unit {unit:?}");
    }
    // A hit at the very end of a large message is still found.
    let mut big = "fine ".repeat(200_000);
    big.push_str("this is ridiculous");
    let v = rules.check(&big);
    assert_eq!(
        v.kind,
        Some(SafetyHit::NegativeSentiment {
            severity: Severity::High
        })
    );
}

#[test]
fn odd_input_does_not_panic() {
    let rules = default_rules();
    for msg in [
        "\u{0}\u{7}\u{1b}[31m",
        "\u{202e}tnegru",
        "'''",
        "'s",
        "s'",
        "ies",
        "\u{feff}urgent",
        "🙂🙂🙂",
        "a\u{301}\u{301}\u{301}",
    ] {
        let _ = rules.check(msg);
    }
    assert!(!rules.check("\u{feff}urgent").safe);
}

#[test]
fn verdict_json_has_v1_shape() {
    let rules = default_rules();
    let sentiment = serde_json::to_value(rules.check("what a waste of time")).unwrap();
    assert_eq!(
        keys(&sentiment),
        [
            "alertType",
            "reason",
            "safe",
            "suggestedResponse",
            "triggeredKeywords"
        ]
    );
    assert_eq!(sentiment["alertType"], "escalation");
    assert_eq!(
        sentiment["triggeredKeywords"],
        json!(["negative_sentiment"])
    );

    let blacklist = serde_json::to_value(rules.check("I need a refund")).unwrap();
    assert_eq!(
        blacklist,
        json!({
            "safe": false,
            "reason": "Message contains blacklisted topics",
            "alertType": "blacklist",
            "triggeredKeywords": ["refund"]
        })
    );
    assert_eq!(
        serde_json::to_value(SafetyVerdict::safe()).unwrap(),
        json!({"safe": true})
    );
}

#[test]
fn sentiment_comes_before_blacklist_and_blacklist_before_escalation() {
    let rules = default_rules();
    // `refund` is blacklisted, `ridiculous` a sentiment word.
    assert_eq!(
        rules.check("refund now, this is ridiculous").alert_type,
        Some(AlertType::Escalation)
    );
    // `emergency` is in both keyword lists; the blacklist wins, as in V1.
    let v = rules.check("emergency, it is urgent");
    assert_eq!(v.kind, Some(SafetyHit::Blacklist));
    assert_eq!(v.triggered_keywords, Some(vec!["emergency".to_string()]));
}

#[test]
fn disabling_sentiment_falls_through_to_keywords() {
    let mut t = SafetyThresholds::default();
    t.apply_partial(&json!({"negativeSentimentEnabled": false}))
        .unwrap();
    let rules = SafetyRules::new(&t, &SafetySettings::default()).unwrap();
    assert!(rules.check("this is ridiculous").safe);
    assert_eq!(
        rules.check("I want a refund, this is ridiculous").kind,
        Some(SafetyHit::Blacklist)
    );
}

// ---------------------------------------------------------------------------
// Default sentiment rules
// ---------------------------------------------------------------------------

/// V1 migration 352 stored the default rules with doubled backslashes, so every rule
/// using `\s` looked for a literal backslash and never matched (`docs/v1-behaviour.md`). The
/// built-in rules must be escaped correctly and each must catch real phrasings.
#[test]
fn migration_352_escaping_bug_sentiment_rules_match() {
    let examples: [(&[&str], Severity); 8] = [
        (
            &[
                "The sim is still broken",
                "still not working after the reset",
                "it still doesn\u{2019}t work",
            ],
            Severity::High,
        ),
        (&["That doesn't help at all"], Severity::High),
        (
            &[
                "I'm frustrated",
                "so ANNOYED right now",
                "this is terrible service",
            ],
            Severity::High,
        ),
        (
            &[
                "Can I talk to a real person",
                "is there a human there?",
                "operator please",
                "I need to speak to someone",
            ],
            Severity::Medium,
        ),
        (&["What a waste of time"], Severity::Critical),
        (&["The bot is not helpful"], Severity::Medium),
        (
            &["this is stupid", "This is DUMB", "this is   useless"],
            Severity::High,
        ),
        (
            &[
                "still confused about the door code",
                "I still don't understand",
            ],
            Severity::Medium,
        ),
    ];
    let defaults = default_sentiment_rules();
    assert_eq!(defaults.len(), examples.len());
    for (index, (rule, (phrases, severity))) in defaults.iter().zip(examples).enumerate() {
        assert_eq!(rule.severity, severity, "severity of rule {index}");
        assert!(
            !rule.pattern.contains(r"\\"),
            "rule {index} has a doubled backslash: {}",
            rule.pattern
        );
        // Each rule alone, so that an earlier rule cannot hide a broken later one.
        let thresholds = SafetyThresholds {
            negative_sentiment_patterns: vec![rule.clone()],
            ..SafetyThresholds::default()
        };
        let settings = SafetySettings {
            blacklist_topics: vec![],
            escalation_keywords: vec![],
            ..SafetySettings::default()
        };
        let rules = SafetyRules::new(&thresholds, &settings)
            .unwrap_or_else(|e| panic!("rule {index} does not compile: {e}"));
        for phrase in phrases {
            let v = rules.check(phrase);
            assert_eq!(
                v.kind,
                Some(SafetyHit::NegativeSentiment { severity }),
                "rule {index} ({}) on {phrase:?}",
                rule.pattern
            );
            assert_eq!(v.rule.as_deref(), Some(rule.pattern.as_str()));
        }
    }

    // The migration-352 form (a literal backslash before `s`) compiles but matches
    // nothing; this is the bug the built-ins must not reproduce.
    let buggy = SafetyThresholds {
        negative_sentiment_patterns: vec![SentimentRule::new(
            r"waste\\s+of\\s+time",
            Severity::Critical,
        )],
        ..SafetyThresholds::default()
    };
    let rules = SafetyRules::new(&buggy, &SafetySettings::default()).unwrap();
    assert!(rules.check("What a waste of time").safe);
}

#[test]
fn default_thresholds_use_the_default_rules() {
    assert_eq!(
        SafetyThresholds::default().negative_sentiment_patterns,
        default_sentiment_rules()
    );
}

// ---------------------------------------------------------------------------
// Validation ranges
// ---------------------------------------------------------------------------

fn assert_invalid_config<T: std::fmt::Debug>(result: Result<T, Error>, expected_key: &str) {
    match result {
        Err(Error::InvalidConfig { key, .. }) => assert_eq!(key, expected_key),
        other => panic!("expected InvalidConfig for {expected_key}, got {other:?}"),
    }
}

#[test]
fn threshold_ranges_accept_bounds_and_reject_just_outside() {
    // (camelCase key, snake_case key, min, max)
    let ranges = [
        ("rapidMessageThreshold", "rapid_message_threshold", 2, 10),
        (
            "rapidMessageWindowSeconds",
            "rapid_message_window_seconds",
            30,
            300,
        ),
        ("aiResponseLimit", "ai_response_limit", 1, 10),
        ("operatorLockoutHours", "operator_lockout_hours", 1, 24),
        ("globalCooldownMinutes", "global_cooldown_minutes", 15, 180),
    ];
    for (camel, snake, min, max) in ranges {
        for ok in [min, max] {
            let mut t = SafetyThresholds::default();
            t.apply_partial(&json!({ camel: ok }))
                .unwrap_or_else(|e| panic!("{camel} = {ok}: {e}"));
            assert_eq!(t.validate(), Ok(()));
        }
        for bad in [min - 1, max + 1] {
            let mut t = SafetyThresholds::default();
            assert_invalid_config(t.apply_partial(&json!({ camel: bad })), snake);
            assert_eq!(
                t,
                SafetyThresholds::default(),
                "{camel} = {bad} changed self"
            );
        }
    }
}

#[test]
fn settings_ranges_accept_bounds_and_reject_just_outside() {
    for ok in [1, 10] {
        SafetySettings::default()
            .apply_partial(&json!({ "minExamplesRequired": ok }))
            .unwrap();
    }
    for bad in [0, 11] {
        assert_invalid_config(
            SafetySettings::default().apply_partial(&json!({ "minExamplesRequired": bad })),
            "min_examples_required",
        );
    }
    for ok in [1.0, 3.0] {
        SafetySettings::default()
            .apply_partial(&json!({ "operatorOverrideWeight": ok }))
            .unwrap();
    }
    for bad in [0.99, 3.01] {
        assert_invalid_config(
            SafetySettings::default().apply_partial(&json!({ "operatorOverrideWeight": bad })),
            "operator_override_weight",
        );
    }
    SafetySettings::default()
        .apply_partial(&json!({ "approvalThreshold": 1 }))
        .unwrap();
    assert_invalid_config(
        SafetySettings::default().apply_partial(&json!({ "approvalThreshold": 0 })),
        "approval_threshold",
    );
}

#[test]
fn nan_and_infinite_weights_are_rejected() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let settings = SafetySettings {
            operator_override_weight: bad,
            ..SafetySettings::default()
        };
        assert_invalid_config(settings.validate(), "operator_override_weight");
        assert_invalid_config(
            SafetyRules::new(&SafetyThresholds::default(), &settings),
            "operator_override_weight",
        );
    }
    // JSON has no NaN: the usual spellings arrive as a string or null, both type errors.
    for bad in [json!("NaN"), json!(null), json!("2.0")] {
        let mut s = SafetySettings::default();
        assert_invalid_config(
            s.apply_partial(&json!({ "operatorOverrideWeight": bad })),
            "operator_override_weight",
        );
        assert_eq!(s, SafetySettings::default());
    }
}

#[test]
fn empty_texts_are_rejected() {
    for (camel, snake) in [
        ("escalationMessage", "escalation_message"),
        (
            "rapidMessageEscalationText",
            "rapid_message_escalation_text",
        ),
        ("aiLimitEscalationText", "ai_limit_escalation_text"),
        ("sentimentEscalationText", "sentiment_escalation_text"),
    ] {
        for bad in ["", "  \n "] {
            assert_invalid_config(
                SafetyThresholds::default().apply_partial(&json!({ camel: bad })),
                snake,
            );
        }
    }
}

#[test]
fn wordless_keywords_are_rejected() {
    for bad in [json!(["refund", ""]), json!(["!!!"])] {
        assert_invalid_config(
            SafetySettings::default().apply_partial(&json!({ "blacklistTopics": bad })),
            "blacklist_topics",
        );
    }
    // V1's stored form, a comma-separated string, drops empty entries instead.
    let mut s = SafetySettings::default();
    s.apply_partial(&json!({"escalation_keywords": " Urgent ,, speak to manager,"}))
        .unwrap();
    assert_eq!(s.escalation_keywords, ["Urgent", "speak to manager"]);
    let rules = SafetyRules::new(&SafetyThresholds::default(), &s).unwrap();
    assert_eq!(
        rules
            .check("Can I SPEAK to the manager? no: speak to manager")
            .triggered_keywords,
        Some(vec!["speak to manager".to_string()])
    );
    assert_eq!(
        rules.check("it's urgent").triggered_keywords,
        Some(vec!["urgent".to_string()])
    );
}

#[test]
fn type_errors_are_invalid_config() {
    for bad in [
        json!("3"),
        json!(3.5),
        json!(-1),
        json!(null),
        json!([3]),
        json!(1u64 << 40),
    ] {
        let mut t = SafetyThresholds::default();
        assert_invalid_config(
            t.apply_partial(&json!({ "rapidMessageThreshold": bad })),
            "rapid_message_threshold",
        );
        assert_eq!(t, SafetyThresholds::default());
    }
    assert_invalid_config(
        SafetyThresholds::default().apply_partial(&json!({"rapidMessageEnabled": "false"})),
        "rapid_message_enabled",
    );
    assert_invalid_config(
        SafetyThresholds::default().apply_partial(
            &json!({"negativeSentimentPatterns": [{"pattern": "x", "severity": "severe"}]}),
        ),
        "negative_sentiment_patterns",
    );
    assert!(matches!(
        SafetyThresholds::default().apply_partial(&json!([1, 2])),
        Err(Error::Parse { .. })
    ));
}

// ---------------------------------------------------------------------------
// Partial updates
// ---------------------------------------------------------------------------

#[test]
fn unknown_keys_are_rejected_with_the_known_list() {
    let mut t = SafetyThresholds::default();
    match t.apply_partial(&json!({"rapidMessageThreshold": 4, "minConfidenceToAct": 0.9})) {
        Err(Error::UnknownSetting { key, known }) => {
            assert_eq!(key, "minConfidenceToAct");
            for name in [
                "rapidMessageThreshold",
                "globalCooldownMinutes",
                "sentimentEscalationText",
            ] {
                assert!(known.contains(name), "{known}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t, SafetyThresholds::default());

    let mut s = SafetySettings::default();
    match s.apply_partial(&json!({"blacklist": ["x"]})) {
        Err(Error::UnknownSetting { key, known }) => {
            assert_eq!(key, "blacklist");
            assert!(known.contains("blacklistTopics"), "{known}");
        }
        other => panic!("{other:?}"),
    }
    match s.apply_partial(&json!({"fallbackMessages": {"pricing": "x"}})) {
        Err(Error::UnknownSetting { key, known }) => {
            assert_eq!(key, "fallbackMessages.pricing");
            assert!(known.contains("techSupport"), "{known}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s, SafetySettings::default());
}

#[test]
fn partial_update_is_all_or_nothing() {
    let mut t = SafetyThresholds::default();
    // Valid keys first, an invalid value last: nothing may stick.
    let err = t.apply_partial(&json!({
        "aiResponseLimit": 5,
        "escalationMessage": "New text\n\n- ClubAI",
        "rapidMessageThreshold": 99
    }));
    assert_invalid_config(err, "rapid_message_threshold");
    assert_eq!(t, SafetyThresholds::default());

    // An invalid rule rejects the whole patch too.
    let err = t.apply_partial(&json!({
        "aiResponseLimit": 5,
        "negativeSentimentPatterns": [{"pattern": "ok", "severity": "low"}, {"pattern": "(", "severity": "high"}]
    }));
    assert!(matches!(err, Err(Error::InvalidRule { .. })), "{err:?}");
    assert_eq!(t, SafetyThresholds::default());

    let mut s = SafetySettings::default();
    let err = s.apply_partial(&json!({
        "blacklistTopics": ["gift card"],
        "fallbackMessages": {"booking": "Book online."},
        "minExamplesRequired": 0
    }));
    assert_invalid_config(err, "min_examples_required");
    assert_eq!(s, SafetySettings::default());

    // And a good patch applies every key.
    t.apply_partial(&json!({"aiResponseLimit": 5, "topic_lockout_enabled": false}))
        .unwrap();
    assert_eq!(t.ai_response_limit, 5);
    assert!(!t.topic_lockout_enabled);
    assert_eq!(t.rapid_message_threshold, 3);
}

#[test]
fn snake_case_keys_are_accepted() {
    let mut t = SafetyThresholds::default();
    t.apply_partial(&json!({
        "rapid_message_window_seconds": 120,
        "negative_sentiment_patterns": [{"pattern": "not\\s+good", "severity": "low"}]
    }))
    .unwrap();
    assert_eq!(t.rapid_message_window_seconds, 120);
    assert_eq!(
        t.negative_sentiment_patterns,
        [SentimentRule::new(r"not\s+good", Severity::Low)]
    );

    let mut s = SafetySettings::default();
    s.apply_partial(&json!({"fallback_messages": {"brand_tone": "Friendly."}, "require_approval_for_new": false}))
        .unwrap();
    assert_eq!(s.fallback_messages.brand_tone, "Friendly.");
    assert!(!s.require_approval_for_new);
}

#[test]
fn invalid_regex_is_rejected() {
    for bad in ["(", "[a-", "a)|(b", "", "x*", r"\"] {
        let thresholds = SafetyThresholds {
            negative_sentiment_patterns: vec![SentimentRule::new(bad, Severity::High)],
            ..SafetyThresholds::default()
        };
        match SafetyRules::new(&thresholds, &SafetySettings::default()) {
            Err(Error::InvalidRule { pattern, reason }) => {
                assert_eq!(pattern, bad);
                assert!(!reason.is_empty());
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(thresholds.validate().is_err());
    }
    // Rules are checked even while the sentiment check is switched off.
    let thresholds = SafetyThresholds {
        negative_sentiment_enabled: false,
        negative_sentiment_patterns: vec![SentimentRule::new("(", Severity::High)],
        ..SafetyThresholds::default()
    };
    assert!(SafetyRules::new(&thresholds, &SafetySettings::default()).is_err());
}

// ---------------------------------------------------------------------------
// V1 JSON shapes
// ---------------------------------------------------------------------------

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn safety_thresholds_json_matches_v1() {
    let value = serde_json::to_value(SafetyThresholds::default()).unwrap();
    let mut expected = vec![
        "rapidMessageThreshold",
        "rapidMessageWindowSeconds",
        "rapidMessageEnabled",
        "aiResponseLimit",
        "aiResponseLimitEnabled",
        "operatorLockoutHours",
        "escalationMessage",
        "negativeSentimentEnabled",
        "negativeSentimentPatterns",
        "rapidMessageEscalationText",
        "aiLimitEscalationText",
        "sentimentEscalationText",
        "topicLockoutEnabled",
        "globalCooldownMinutes",
    ];
    expected.sort_unstable();
    assert_eq!(keys(&value), expected);
    assert_eq!(value["rapidMessageThreshold"], 3);
    assert_eq!(value["rapidMessageWindowSeconds"], 60);
    assert_eq!(value["aiResponseLimit"], 3);
    assert_eq!(value["operatorLockoutHours"], 4);
    assert_eq!(value["globalCooldownMinutes"], 60);
    assert_eq!(value["topicLockoutEnabled"], true);
    assert_eq!(
        value["negativeSentimentPatterns"][0],
        json!({"pattern": r"still\s+(broken|not\s+working|doesn't\s+work)", "severity": "high"})
    );
    assert_eq!(
        value["negativeSentimentPatterns"][4]["severity"],
        "critical"
    );

    // Round trip, and V1's document with snake_case keys reads the same.
    let back: SafetyThresholds = serde_json::from_value(value).unwrap();
    assert_eq!(back, SafetyThresholds::default());
    let snake: SafetyThresholds =
        serde_json::from_value(json!({"ai_response_limit": 6, "rapidMessageEnabled": false}))
            .unwrap();
    assert_eq!(snake.ai_response_limit, 6);
    assert!(!snake.rapid_message_enabled);
    assert_eq!(
        snake.operator_lockout_hours, 4,
        "missing keys take defaults"
    );
    assert!(serde_json::from_value::<SafetyThresholds>(json!({"bogus": 1})).is_err());
}

#[test]
fn safety_settings_json_matches_v1() {
    let value = serde_json::to_value(SafetySettings::default()).unwrap();
    assert_eq!(
        keys(&value),
        [
            "approvalThreshold",
            "blacklistTopics",
            "enableFallbackResponses",
            "escalationKeywords",
            "fallbackMessages",
            "minExamplesRequired",
            "operatorOverrideWeight",
            "requireApprovalForNew",
        ]
    );
    assert_eq!(
        value["fallbackMessages"],
        json!({"booking": "", "emergency": "", "techSupport": "", "brandTone": "", "general": ""})
    );
    assert_eq!(value["requireApprovalForNew"], true);
    assert_eq!(value["approvalThreshold"], 10);
    assert_eq!(value["minExamplesRequired"], 5);
    assert_eq!(value["operatorOverrideWeight"], 2.0);
    assert_eq!(value["enableFallbackResponses"], false);
    assert_eq!(value["blacklistTopics"].as_array().unwrap().len(), 13);
    assert_eq!(value["escalationKeywords"].as_array().unwrap().len(), 13);
    assert_eq!(value["escalationKeywords"][2], "sue");

    let back: SafetySettings = serde_json::from_value(value).unwrap();
    assert_eq!(back, SafetySettings::default());
}
