//! The learning loop end to end: message in, decision out, feedback in, better
//! decisions next time — and the decision and learning rules of `docs/design.md`.

// Tests start from a default config and change one field; that reads best here.
#![allow(clippy::field_reassign_with_default)]

use std::sync::Arc;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::config::{Config, Profile};
use pattern_learning::{
    Action, Engine, Error, Feedback, FeedbackAction, MessageContext, NewPattern, PatternFilter,
    PatternId, PatternUpdate, Reason,
};

const GIFT: &str = "Yes! Gift cards are sold online, from $25 to $500.";
const FROZEN: &str = "Sorry about that! I can reset the TrackMan remotely - reply YES.";

fn engine() -> Engine {
    Engine::builder()
        .clock(Arc::new(ManualClock::new(Timestamp(1_700_000_000_000))))
        .build()
        .unwrap()
}

fn ctx() -> MessageContext {
    MessageContext::new()
}

/// Teaches `reply` through operator answers to each phrasing.
fn teach(engine: &Engine, phrasings: &[&str], reply: &str) -> PatternId {
    let mut id = None;
    for p in phrasings {
        let out = engine.feedback(&Feedback::answer(*p, reply)).unwrap();
        id = out.learned_pattern;
    }
    id.unwrap()
}

const GIFT_PHRASINGS: [&str; 8] = [
    "do you sell gift cards",
    "can i buy a gift card",
    "do you have gift cards for sale",
    "where can i buy a gift card",
    "i want to buy a gift card for my dad",
    "are gift cards available",
    "how do i get a gift card",
    "can i purchase a gift card online",
];

const FROZEN_PHRASINGS: [&str; 8] = [
    "the trackman is frozen",
    "trackman frozen in bay 3",
    "our simulator screen froze",
    "the trackman screen is stuck",
    "sim is frozen again",
    "trackman not responding frozen",
    "the simulator is frozen",
    "screen frozen trackman bay 2",
];

#[test]
fn default_engine_builds() {
    let e = Engine::new();
    assert_eq!(e.config(), Config::default());
}

#[test]
fn engine_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
}

#[test]
fn an_answer_extends_the_pattern_that_carries_the_reply() {
    let e = engine();
    let a = teach(&e, &GIFT_PHRASINGS[..3], GIFT);
    let b = teach(
        &e,
        &GIFT_PHRASINGS[3..5],
        &format!("  {}  ", GIFT.to_uppercase()),
    );
    assert_eq!(a, b, "same reply modulo case and spaces → same pattern");
    let p = e.pattern(a).unwrap();
    assert_eq!(p.trigger_examples.len(), 5);
    assert_eq!(
        p.execution_count, 5,
        "each operator send is a confirmed use"
    );
    assert!(
        p.is_active && !p.auto_executable,
        "learned patterns must earn auto-send"
    );
}

#[test]
fn new_learned_pattern_is_suggested_never_auto_sent() {
    let e = engine();
    teach(&e, &GIFT_PHRASINGS[..2], GIFT);
    let d = e.process("do you sell gift cards?", &ctx()).unwrap();
    assert!(matches!(d.action, Action::Suggest | Action::Queue), "{d:?}");
    assert_eq!(d.response.as_deref(), Some(GIFT));
    assert!(d.outbound.is_none());
}

#[test]
fn approvals_promote_a_pattern_and_then_it_auto_sends() {
    let e = engine();
    let id = teach(&e, &GIFT_PHRASINGS, GIFT);
    teach(&e, &FROZEN_PHRASINGS, FROZEN);
    let before = e.pattern(id).unwrap().confidence;
    for msg in [
        "do you guys sell gift cards",
        "gift cards for sale?",
        "can i buy gift cards",
    ] {
        let d = e.process(msg, &ctx()).unwrap();
        assert_eq!(d.pattern_id, Some(id));
        let mut fb = Feedback::approve(msg, id);
        fb.decision_id = Some(d.id);
        e.feedback(&fb).unwrap();
    }
    let p = e.pattern(id).unwrap();
    assert!((p.confidence - (before + 0.45).min(1.0)).abs() < 1e-9);
    assert!(
        p.auto_executable,
        "confidence > 0.85 with > 3 executions promotes"
    );
    // Promoted, but not sent before V1's default approvalThreshold of 10 approvals.
    let d = e.process("do you sell gift cards", &ctx()).unwrap();
    assert_eq!(d.reason, Reason::NotAutoExecutable, "{:#?}", d.evidence);
    for i in 3..10 {
        let msg = format!("do you sell gift cards ({i})");
        e.feedback(&Feedback::approve(msg.as_str(), id)).unwrap();
    }
    let d = e.process("do you sell gift cards", &ctx()).unwrap();
    assert_eq!(d.action, Action::AutoExecute, "{:#?}", d.evidence);
    assert_eq!(d.reason, Reason::ConfidentMatch);
    assert_eq!(d.outbound.as_ref().map(|o| o.text.as_str()), Some(GIFT));
    assert!(d.confidence > 0.85 && d.confidence <= 1.0);
}

#[test]
fn a_generic_keyword_on_a_trusted_pattern_does_not_auto_send() {
    let e = engine();
    let id = e
        .create_pattern(
            NewPattern::new(["Can I change my booking?"], "You can change it in Skedda.")
                .keywords(["booking"])
                .confidence(1.0)
                .auto_executable(true),
        )
        .unwrap()
        .id;
    let d = e
        .process(
            "my friend booking a party wants to know about food trucks",
            &ctx(),
        )
        .unwrap();
    assert_ne!(d.action, Action::AutoExecute, "{d:#?}");
    assert!(d.evidence.keyword_hits.contains(&"booking".to_string()) || d.pattern_id != Some(id));
}

#[test]
fn a_rejected_reply_is_not_proposed_again_for_the_same_message() {
    let e = engine();
    let gift = teach(&e, &GIFT_PHRASINGS, GIFT);
    let msg = "can i buy a gift card for the trackman bay";
    let d = e.process(msg, &ctx()).unwrap();
    assert_eq!(d.pattern_id, Some(gift));
    e.feedback(&Feedback::reject(msg, gift, None)).unwrap();
    let again = e.process(msg, &ctx()).unwrap();
    assert_ne!(again.pattern_id, Some(gift), "{again:#?}");
    assert_eq!(e.pattern(gift).unwrap().failure_count, 1);
}

#[test]
fn reject_with_a_sent_reply_learns_that_reply() {
    let e = engine();
    let gift = teach(&e, &GIFT_PHRASINGS[..3], GIFT);
    let out = e
        .feedback(&Feedback::reject(
            "my gift card is not showing on my account",
            gift,
            Some("Send us the card number and we'll add it.".into()),
        ))
        .unwrap();
    assert_eq!(out.judged_pattern, Some(gift));
    assert!(out.created);
    let (before, after) = out.confidence_change.unwrap();
    assert!((before - after - 0.20).abs() < 1e-9, "seed reject is −0.20");
}

#[test]
fn confidence_stays_clamped_under_many_rejections_and_approvals() {
    let e = engine();
    let id = teach(&e, &GIFT_PHRASINGS[..2], GIFT);
    for i in 0..10 {
        e.feedback(&Feedback::reject(
            format!("gift card question {i}"),
            id,
            None,
        ))
        .unwrap();
    }
    assert_eq!(e.pattern(id).unwrap().confidence, 0.0);
    for i in 0..10 {
        e.feedback(&Feedback::approve(format!("gift card {i}"), id))
            .unwrap();
    }
    assert_eq!(e.pattern(id).unwrap().confidence, 1.0);
}

#[test]
fn counters_count_confirmed_outcomes_not_matches() {
    let e = engine();
    let id = teach(&e, &GIFT_PHRASINGS[..2], GIFT);
    for _ in 0..5 {
        e.process("do you sell gift cards", &ctx()).unwrap();
    }
    let p = e.pattern(id).unwrap();
    assert_eq!(p.execution_count, 2);
    assert_eq!(p.success_count, 2);
    assert!(p.last_used.is_some());
}

#[test]
fn an_unfilled_variable_is_never_sent_and_the_decision_says_why() {
    let e = engine();
    let reply = "Hi {{customer_name}}, your door code is {{code}}.";
    let id = e
        .create_pattern(
            NewPattern::new(
                GIFT_PHRASINGS
                    .iter()
                    .map(|s| s.replace("gift card", "door code")),
                reply,
            )
            .confidence(1.0)
            .auto_executable(true),
        )
        .unwrap()
        .id;
    // V1's default approvalThreshold: 10 approvals before any automatic send.
    for i in 0..10 {
        e.feedback(&Feedback::approve(format!("what is the door code {i}"), id))
            .unwrap();
    }
    let d = e
        .process("what is the door code", &ctx().customer_name("Sam"))
        .unwrap();
    assert_eq!(d.pattern_id, Some(id));
    assert_ne!(d.action, Action::AutoExecute, "{d:#?}");
    assert!(d.outbound.is_none());
    assert_eq!(d.evidence.missing_variables, ["code"]);
    if d.confidence > 0.85 {
        assert_eq!(d.reason, Reason::TemplateIncomplete);
    }
    let filled = e
        .process(
            "what is the door code",
            &ctx().customer_name("Sam").variable("code", "4321"),
        )
        .unwrap();
    assert_eq!(
        filled.response.as_deref(),
        Some("Hi Sam, your door code is 4321.")
    );
}

#[test]
fn a_bay_number_is_not_a_time_in_templates() {
    let e = engine();
    let id = e
        .create_pattern(NewPattern::new(
            ["trackman frozen in bay 3"],
            "Resetting bay {{bay_number}} at {{time|once you reply}}.",
        ))
        .unwrap()
        .id;
    let d = e.process("trackman frozen in bay 3", &ctx()).unwrap();
    assert_eq!(d.pattern_id, Some(id));
    assert_eq!(
        d.response.as_deref(),
        Some("Resetting bay 3 at once you reply.")
    );
}

#[test]
fn pattern_management_round_trip() {
    let e = engine();
    let p = e
        .create_pattern(NewPattern::new(
            ["Do you rent clubs?", "can i rent golf clubs"],
            "Yes, clubs are free to use.",
        ))
        .unwrap();
    assert_eq!(p.trigger_keywords, ["rent", "clubs", "golf"]);
    assert!(p.v1_signature.is_some());
    let updated = e
        .update_pattern(
            p.id,
            PatternUpdate {
                response_template: Some("Yes, house clubs are free.".into()),
                ..PatternUpdate::default()
            },
        )
        .unwrap();
    assert_eq!(updated.response_template, "Yes, house clubs are free.");
    assert!(!e.set_active(p.id, false).unwrap().is_active);
    let d = e.process("do you rent clubs", &ctx()).unwrap();
    assert_eq!(d.pattern_id, None, "inactive patterns are never proposed");
    e.set_active(p.id, true).unwrap();
    assert!(e.set_auto_executable(p.id, true).unwrap().auto_executable);
    e.delete_pattern(p.id).unwrap();
    assert!(e.patterns(PatternFilter::default()).is_empty());
    assert_eq!(e.patterns(PatternFilter::all()).len(), 1);
    assert!(matches!(
        e.delete_pattern(p.id),
        Err(Error::UnknownPattern(_))
    ));
    let restored = e.restore_pattern(p.id).unwrap();
    assert!(!restored.is_deleted);
    let kinds: Vec<_> = e.history(p.id).unwrap().iter().map(|ev| ev.kind).collect();
    assert_eq!(kinds.len(), 7, "{kinds:?}");
}

#[test]
fn process_batch_keeps_order_and_matches_process() {
    let e = engine();
    teach(&e, &GIFT_PHRASINGS, GIFT);
    teach(&e, &FROZEN_PHRASINGS, FROZEN);
    let batch: Vec<(String, MessageContext)> = ["gift card please", "trackman froze", "hello", ""]
        .iter()
        .map(|m| (m.to_string(), ctx()))
        .collect();
    let out = e.process_batch(&batch);
    assert_eq!(out.len(), 4);
    for ((msg, c), d) in batch.iter().zip(&out) {
        let single = e.process(msg, c).unwrap();
        let d = d.as_ref().unwrap();
        assert_eq!(
            (d.action, d.pattern_id, d.reason),
            (single.action, single.pattern_id, single.reason)
        );
    }
}

#[test]
fn v1_profile_uses_v1_thresholds_and_increments() {
    let e = Engine::with_config(Config::from_profile(Profile::V1)).unwrap();
    let id = teach(&e, &GIFT_PHRASINGS[..2], GIFT);
    let out = e.feedback(&Feedback::approve("gift card?", id)).unwrap();
    let (a, b) = out.confidence_change.unwrap();
    assert!((b - a - 0.05).abs() < 1e-9);
    assert_eq!(e.config().thresholds.auto, 0.65);
}

#[test]
fn v2_structured_feedback_is_accepted() {
    let e = engine();
    let id = teach(&e, &GIFT_PHRASINGS[..2], GIFT);
    let json = format!(
        r#"{{"id":"fb-1","timestamp":1700000000000,"query":"gift cards?","response":"{GIFT}",
        "confidence":0.7,"feedback":{{"rating":"helpful"}},"context":{{"userId":"op-1","location":"Bedford"}},
        "patternId":{}}}"#,
        id.0
    );
    let fb = Feedback::from_json(&json).unwrap();
    let out = e.feedback(&fb).unwrap();
    assert_eq!(out.action, FeedbackAction::Approve);
    assert!(!out.duplicate);
    assert!(
        e.feedback(&fb).unwrap().duplicate,
        "same feedback id twice is ignored"
    );
    let history = e.history(id).unwrap();
    assert_eq!(history.last().unwrap().actor.as_deref(), Some("op-1"));
}

#[test]
fn target_precision_without_a_record_keeps_the_configured_threshold() {
    let mut c = Config::default();
    c.target_precision = Some(0.99);
    let e = Engine::with_config(c).unwrap();
    teach(&e, &GIFT_PHRASINGS, GIFT);
    let d = e.process("gift card please", &ctx()).unwrap();
    assert_eq!(d.evidence.auto_threshold, 0.85);
    assert_eq!(d.evidence.expected_precision, None);
}

// ---- bad input -------------------------------------------------------------

#[test]
fn empty_and_whitespace_messages_are_a_silent_hand_off() {
    let e = engine();
    teach(&e, &GIFT_PHRASINGS, GIFT);
    for msg in ["", "   ", "\n\t", "🙂🙂", "?!.,"] {
        let d = e.process(msg, &ctx()).unwrap();
        assert_eq!(d.action, Action::Escalate, "{msg:?}");
        assert_eq!(d.reason, Reason::EmptyMessage);
        assert!(d.outbound.is_none(), "no customer-facing text for {msg:?}");
    }
}

#[test]
fn a_one_megabyte_message_is_handed_off() {
    let e = engine();
    let big = "trackman ".repeat(120_000);
    let d = e.process(&big, &ctx()).unwrap();
    assert_eq!(
        (d.action, d.reason),
        (Action::Escalate, Reason::MessageTooLong)
    );
    assert!(matches!(
        e.feedback(&Feedback::answer(big.as_str(), "ok")),
        Err(Error::TextTooLong { .. })
    ));
}

#[test]
fn control_characters_emoji_and_rtl_text_get_defined_decisions() {
    let e = engine();
    teach(&e, &GIFT_PHRASINGS, GIFT);
    for msg in [
        "gift\u{0}card\u{7}?",
        "\u{202E}sdrac tfig\u{202C} 🎁🎁",
        "هل تبيعون بطاقات الهدايا؟",
        "e\u{301}\u{301}\u{301} gift card",
        "\u{FEFF}gift cards\u{200B}",
    ] {
        let d = e.process(msg, &ctx()).unwrap();
        assert!(
            (0.0..=1.0).contains(&d.confidence) && d.confidence.is_finite(),
            "{msg:?}"
        );
        assert!(
            d.outbound.is_none(),
            "nothing is trusted enough yet: {msg:?}"
        );
    }
}

#[test]
fn nan_and_out_of_order_thresholds_are_typed_errors() {
    let mut c = Config::default();
    c.thresholds.auto = f64::NAN;
    assert!(matches!(
        Engine::with_config(c.clone()),
        Err(Error::InvalidConfig { .. })
    ));
    c.thresholds.auto = 0.5;
    assert!(matches!(
        Engine::with_config(c.clone()),
        Err(Error::ThresholdsOutOfOrder { .. })
    ));
    let e = engine();
    c.thresholds.auto = -1.0;
    assert!(e.set_config(c).is_err());
    assert_eq!(
        e.config(),
        Config::default(),
        "a rejected config changes nothing"
    );
}

#[test]
fn feedback_on_an_unknown_pattern_is_a_typed_error() {
    let e = engine();
    let err = e
        .feedback(&Feedback::approve("hi", PatternId(999)))
        .unwrap_err();
    assert_eq!(err, Error::UnknownPattern(PatternId(999)));
    assert!(matches!(
        e.feedback(&Feedback {
            query: "x".into(),
            ..Feedback::default()
        }),
        Err(Error::InvalidFeedback(_))
    ));
    assert!(matches!(
        e.feedback(&Feedback::answer("   ", "reply")),
        Err(Error::InvalidFeedback(_))
    ));
}

#[test]
fn invalid_caller_embeddings_are_typed_errors() {
    let e = engine();
    let p = NewPattern {
        embeddings: vec![vec![0.1, 0.2, 0.3]],
        ..NewPattern::new(["gift cards"], GIFT)
    };
    e.create_pattern(p).unwrap();
    for bad in [
        vec![f32::NAN, 0.0, 1.0],
        vec![1.0, 2.0],
        vec![0.0, 0.0, 0.0],
    ] {
        let err = e.process("gift cards", &ctx().embedding(bad)).unwrap_err();
        assert!(matches!(err, Error::InvalidEmbedding(_)));
    }
    let d = e
        .process("gift cards", &ctx().embedding(vec![0.1, 0.2, 0.3]))
        .unwrap();
    assert!(d.evidence.semantic.is_some());
}

#[test]
fn invalid_patterns_are_rejected() {
    let e = engine();
    assert!(matches!(
        e.create_pattern(NewPattern::new(Vec::<String>::new(), "x")),
        Err(Error::InvalidPattern(_))
    ));
    assert!(matches!(
        e.create_pattern(NewPattern::new(["hi"], "  ")),
        Err(Error::InvalidPattern(_))
    ));
    assert!(matches!(
        e.create_pattern(NewPattern::new(["hi"], "x").confidence(f64::INFINITY)),
        Err(Error::InvalidPattern(_))
    ));
    let mut bad_topic = NewPattern::new(["hi"], "x");
    bad_topic.topic = Some("weather".into());
    assert!(matches!(
        e.create_pattern(bad_topic),
        Err(Error::Parse { .. })
    ));
}

#[test]
fn state_rebuilt_from_history_equals_live_state() {
    let e = engine();
    let gift = teach(&e, &GIFT_PHRASINGS, GIFT);
    let frozen = teach(&e, &FROZEN_PHRASINGS[..4], FROZEN);
    for (i, msg) in [
        "gift cards?",
        "GIFT CARDS?",
        "trackman froze",
        "do you sell gift cards",
    ]
    .iter()
    .enumerate()
    {
        let d = e.process(msg, &ctx()).unwrap();
        if let Some(pid) = d.pattern_id {
            let fb = if i % 2 == 0 {
                Feedback::approve(*msg, pid)
            } else {
                Feedback::reject(*msg, pid, Some(FROZEN.into()))
            };
            e.feedback(&fb).unwrap();
        }
    }
    e.feedback(&Feedback::modify("gift card for mom", gift, "Yes, online!"))
        .unwrap();
    e.update_pattern(
        frozen,
        PatternUpdate {
            trigger_keywords: Some(vec!["frozen".into()]),
            ..PatternUpdate::default()
        },
    )
    .unwrap();
    e.set_auto_executable(frozen, true).unwrap();
    e.delete_pattern(frozen).unwrap();
    e.restore_pattern(frozen).unwrap();
    let rebuilt = pattern_learning::rebuild_from_history(&e.full_history().unwrap()).unwrap();
    let live: std::collections::BTreeMap<_, _> = e
        .patterns(PatternFilter::all())
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    assert_eq!(rebuilt, live);
}
