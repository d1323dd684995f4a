//! The V1 surface end to end: service calls on an engine, mapped to V1's shapes.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::clock::{ManualClock, Timestamp};
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::Action;
use crate::engine::Engine;
use crate::pattern::{NewPattern, PatternId};
use crate::signature;

const GIFT: &str = "Yes! Gift cards are sold online, from $25 to $500.";
const GIFT_PHRASINGS: [&str; 6] = [
    "do you sell gift cards",
    "can i buy a gift card",
    "do you have gift cards for sale",
    "where can i buy a gift card",
    "are gift cards available",
    "can i purchase a gift card online",
];

fn engine_with(config: Config) -> Engine {
    Engine::builder()
        .config(config)
        .clock(Arc::new(ManualClock::new(Timestamp(1_700_000_000_000))))
        .build()
        .unwrap()
}

fn engine() -> Engine {
    engine_with(config())
}

fn ctx(conversation: &str) -> MessageContext {
    context(Some("+19025550100"), Some(conversation), Some("Sam"))
}

fn teach(engine: &Engine) -> PatternId {
    let mut id = None;
    for p in GIFT_PHRASINGS {
        match learn_from_human_response(engine, p, GIFT, Some("teach"), None, Some("op-1")).unwrap()
        {
            LearnOutcome::Learned(o) => id = o.learned_pattern,
            other => panic!("{other:?}"),
        }
    }
    id.unwrap()
}

/// A pattern that auto-sends: taught, then approved until promoted.
fn auto_pattern(engine: &Engine) -> PatternId {
    let id = teach(engine);
    engine.set_auto_executable(id, true).unwrap();
    // Loose tiers and gates, no approval rule: these tests are about the V1
    // mapping, not scoring.
    engine
        .update_safety_settings(&json!({"requireApprovalForNew": false}))
        .unwrap();
    let mut c = engine.config();
    c.thresholds.auto = 0.3;
    c.thresholds.suggest = 0.2;
    c.thresholds.queue = 0.1;
    c.gates.neighbours = 1;
    c.gates.min_margin = 0.0;
    c.gates.min_support = 1;
    engine.set_config(c).unwrap();
    id
}

#[test]
fn no_match_is_a_silent_hand_off_in_v1_shape() {
    let e = engine();
    let r = process_message(&e, "Do you sell gift cards?", &ctx("c1")).unwrap();
    let mut json = serde_json::to_value(&r).unwrap();
    json.as_object_mut().unwrap().remove("decisionId");
    assert_eq!(
        json,
        json!({"action": "escalate", "confidence": 0.0,
               "reason": "no_matching_pattern", "learnFromResponse": true})
    );
}

#[test]
fn disabled_maps_to_v1_reason_and_learns_nothing_from_the_answer_flag() {
    let mut c = config();
    c.enabled = false;
    let e = engine_with(c);
    let r = process_message(&e, "Do you sell gift cards?", &ctx("c1")).unwrap();
    assert_eq!(r.action, Action::Escalate);
    assert_eq!(r.reason.as_deref(), Some("pattern_learning_disabled"));
    assert_eq!(r.learn_from_response, None);
    assert_eq!(r.response, None);
    assert!(!config_view(&e).enabled && !config_view(&e).openphone_enabled);
}

#[test]
fn a_learned_pattern_is_proposed_signed_with_the_pattern_row() {
    let e = engine();
    let id = teach(&e);
    let r = process_message(&e, "do you sell gift cards?", &ctx("c2")).unwrap();
    assert!(
        matches!(r.action, Action::Suggest | Action::Queue),
        "{r:#?}"
    );
    assert_eq!(r.pattern_id, Some(id));
    assert_eq!(r.response.as_deref(), Some(&*format!("{GIFT}\n\n- ClubAI")));
    assert_eq!(r.actions.as_deref(), Some(&[][..]));
    assert!(r.confidence.is_some_and(|c| (0.0..=1.0).contains(&c)));
    assert_eq!(r.learn_from_response, None);
    let row = r.pattern.as_ref().unwrap();
    assert_eq!(row.id, id);
    assert_eq!(row.pattern_type, "gift_cards");
    assert_eq!(row.response_template, GIFT);
    assert_eq!(
        row.pattern_signature,
        signature::v1_signature(GIFT_PHRASINGS[0])
    );
    assert_eq!(row.created_from, "learned");
    assert_eq!(row.created_at, "2023-11-14T22:13:20.000Z");
    let reasoning = r.reasoning.as_ref().unwrap();
    assert!(
        reasoning.thought_process.contains("similarity"),
        "{reasoning:?}"
    );
    let json = serde_json::to_value(&r).unwrap();
    for key in [
        "action",
        "pattern",
        "patternId",
        "response",
        "actions",
        "confidence",
        "reason",
        "reasoning",
    ] {
        assert!(json.get(key).is_some(), "missing {key} in {json}");
    }
    assert!(json["reasoning"].get("thought_process").is_some());
    assert!(json["reasoning"].get("confidence_explanation").is_some());
    assert!(json["pattern"]["confidence_score"].is_number());
}

#[test]
fn an_approved_pattern_auto_executes_with_the_reply_to_send() {
    let e = engine();
    let id = auto_pattern(&e);
    let r = process_message(&e, "do you sell gift cards", &ctx("c3")).unwrap();
    assert_eq!(r.action, Action::AutoExecute, "{r:#?}");
    assert_eq!(r.pattern_id, Some(id));
    assert_eq!(r.response.as_deref(), Some(&*sign(GIFT)));
}

#[test]
fn a_duplicate_delivery_is_never_sent_or_queued_again() {
    let e = engine();
    auto_pattern(&e);
    let ctx = MessageContext {
        message_id: Some("openphone-1".into()),
        ..ctx("c10")
    };
    let first = process_message(&e, "do you sell gift cards", &ctx).unwrap();
    assert_eq!(first.action, Action::AutoExecute);
    let again = process_message(&e, "do you sell gift cards", &ctx).unwrap();
    assert_eq!(again.action, Action::Escalate);
    assert_eq!(again.reason.as_deref(), Some("duplicate_message"));
    assert_eq!(
        (again.response, again.actions, again.learn_from_response),
        (None, None, None)
    );
}

#[test]
fn shadow_mode_never_carries_a_response() {
    let e = engine();
    auto_pattern(&e);
    let mut c = e.config();
    c.shadow_mode = true;
    e.set_config(c).unwrap();
    let r = process_message(&e, "do you sell gift cards", &ctx("c4")).unwrap();
    assert_eq!(r.action, Action::Shadow);
    assert_eq!(r.response, None);
    assert!(r.pattern.is_some() && r.confidence.is_some());
    assert!(config_view(&e).shadow_mode);
}

#[test]
fn an_operator_reply_takes_over_the_conversation() {
    let e = engine();
    auto_pattern(&e);
    learn_from_human_response(
        &e,
        "hi there",
        "Hello! How can I help?",
        Some("c5"),
        None,
        None,
    )
    .unwrap();
    let r = process_message(&e, "do you sell gift cards", &ctx("c5")).unwrap();
    assert_ne!(r.action, Action::AutoExecute, "{r:#?}");
    // Topic mode (the default): a global cool-down, then the answered topic's lockout.
    assert_eq!(r.reason.as_deref(), Some("global_cooldown"));
    // Another conversation is not affected.
    let r = process_message(&e, "do you sell gift cards", &ctx("c6")).unwrap();
    assert_eq!(r.action, Action::AutoExecute);
}

#[test]
fn signed_replies_are_neither_learned_nor_a_takeover() {
    let e = engine();
    auto_pattern(&e);
    let before = e.pattern_count();
    for reply in ["Sure.\n\n- ClubAI", "Sure. -ClubAI"] {
        let out = learn_from_human_response(&e, "hi there", reply, Some("c7"), None, None).unwrap();
        assert_eq!(out, LearnOutcome::SkippedAiReply);
        let out = record_operator_response(&e, "hi there", reply, None, None).unwrap();
        assert_eq!(out, LearnOutcome::SkippedAiReply);
    }
    assert_eq!(e.pattern_count(), before);
    let r = process_message(&e, "do you sell gift cards", &ctx("c7")).unwrap();
    assert_eq!(r.action, Action::AutoExecute);
}

#[test]
fn text_without_words_is_skipped_not_an_error() {
    let e = engine();
    assert_eq!(
        learn_from_human_response(&e, "   ", "ok", Some("c8"), None, None).unwrap(),
        LearnOutcome::SkippedNoText
    );
    assert_eq!(
        record_operator_response(&e, "hello", "👍", None, None).unwrap(),
        LearnOutcome::SkippedNoText
    );
    assert_eq!(e.pattern_count(), 0);
}

#[test]
fn operator_text_never_overwrites_the_template() {
    let e = engine();
    let id = e
        .create_pattern(NewPattern::new(["do you sell gift cards"], GIFT))
        .unwrap()
        .id;
    let before = e.pattern(id).unwrap();
    // "ok" is not the proposed reply: no verdict on the pattern, trust unchanged.
    let out = record_operator_response(&e, "gift cards?", "ok", Some(id), Some("op")).unwrap();
    let LearnOutcome::Learned(out) = out else {
        panic!("{out:?}")
    };
    assert_eq!(out.action, crate::FeedbackAction::Answer);
    assert_eq!((out.judged_pattern, out.confidence_change), (None, None));
    let p = e.pattern(id).unwrap();
    assert_eq!(p.response_template, GIFT);
    assert_eq!(
        (p.confidence, p.override_count, p.execution_count),
        (before.confidence, 0, before.execution_count)
    );
    assert_eq!(e.pattern_approval(id).unwrap().approval_count, 0.0);
    // An edit of the reply is an approval with edits; the reply stays.
    let edited = "Yes! Gift cards are sold online, from $25 to $400.";
    let out = record_operator_response(&e, "gift cards please", edited, Some(id), None).unwrap();
    let LearnOutcome::Learned(out) = out else {
        panic!("{out:?}")
    };
    assert_eq!(out.action, crate::FeedbackAction::Modify);
    let p = e.pattern(id).unwrap();
    assert_eq!((p.response_template.as_str(), p.override_count), (GIFT, 1));
    // The same reply is an approval.
    let out =
        record_operator_response(&e, "gift cards", &GIFT.to_uppercase(), Some(id), None).unwrap();
    let LearnOutcome::Learned(out) = out else {
        panic!("{out:?}")
    };
    assert_eq!(out.action, crate::FeedbackAction::Approve);
    // Without a pattern id the reply is learned as an answer.
    let out = record_operator_response(&e, "are you open on sundays", "Yes, 9 to 5.", None, None)
        .unwrap();
    let LearnOutcome::Learned(out) = out else {
        panic!("{out:?}")
    };
    assert!(out.created);
    // An unknown pattern is an error.
    assert!(record_operator_response(&e, "x y", "z w", Some(PatternId(999)), None).is_err());
}

#[test]
fn action_templates_are_rendered_into_the_actions_list() {
    let e = engine();
    let id = e
        .create_pattern(NewPattern {
            action_template: Some(
                json!({"actions": [{"type": "reset_trackman", "bay": "{{bay_number}}"}]}),
            ),
            ..NewPattern::new(
                ["the trackman in bay 3 is frozen"],
                "Resetting bay {{bay_number}} now.",
            )
        })
        .unwrap()
        .id;
    let r = process_message(&e, "the trackman in bay 3 is frozen", &ctx("c9")).unwrap();
    assert_eq!(r.pattern_id, Some(id), "{r:#?}");
    assert_eq!(
        r.actions,
        Some(vec![json!({"type": "reset_trackman", "bay": "3"})])
    );
}
