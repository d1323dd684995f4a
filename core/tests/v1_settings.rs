//! Every V1 safety setting does what it says (docs/v1-behaviour.md, "Safety
//! thresholds and settings"): `requireApprovalForNew` and `approvalThreshold`,
//! `minExamplesRequired`, `operatorOverrideWeight`, `enableFallbackResponses` with
//! `fallbackMessages`, and `escalationMessage`. Each test fails without the effect.

mod support;

use std::sync::Arc;

use pattern_learning::clock::ManualClock;
use pattern_learning::config::Config;
use pattern_learning::{
    Action, Decision, Engine, Error, Feedback, MessageContext, NewPattern, OutboundKind, PatternId,
    Reason,
};
use serde_json::{json, Value};
use support::{trained, LOGIN, PHRASINGS, REPLY, START};

/// An engine with the trusted pattern of `support::trained`, before any approval,
/// and these safety settings.
fn untrusted(config: Config, settings: Value) -> (Engine, PatternId) {
    let engine = Engine::builder()
        .config(config)
        .clock(Arc::new(ManualClock::new(START)))
        .build()
        .expect("an engine");
    engine
        .update_safety_settings(&settings)
        .expect("valid settings");
    let id = engine
        .create_pattern(
            NewPattern::new(PHRASINGS, REPLY)
                .confidence(1.0)
                .auto_executable(true),
        )
        .expect("created")
        .id;
    (engine, id)
}

fn approve(engine: &Engine, id: PatternId, times: usize) {
    for i in 0..times {
        let query = format!("{} (approval {i})", PHRASINGS[i % PHRASINGS.len()]);
        engine
            .feedback(&Feedback::approve(query, id))
            .expect("approved");
    }
}

fn edit(engine: &Engine, id: PatternId, times: usize) {
    for i in 0..times {
        let query = format!("{} (edit {i})", PHRASINGS[i % PHRASINGS.len()]);
        let sent = format!("{REPLY} Ask at the desk if it fails.");
        engine
            .feedback(&Feedback::modify(query, id, sent))
            .expect("approved with edits");
    }
}

fn decide(engine: &Engine, conversation: &str) -> Decision {
    let ctx = MessageContext::new().conversation(conversation);
    engine.process(LOGIN, &ctx).expect("a decision")
}

fn gate(d: &Decision, name: &str) -> (f64, f64, bool) {
    let g = d
        .evidence
        .gates
        .iter()
        .find(|g| g.gate == name)
        .unwrap_or_else(|| panic!("no gate {name} in {:?}", d.evidence.gates));
    (g.value, g.required, g.passed)
}

#[test]
fn approval_threshold_holds_back_a_new_pattern_until_operators_approved_it() {
    let (engine, id) = untrusted(Config::default(), json!({"approvalThreshold": 6}));
    approve(&engine, id, 5);
    let d = decide(&engine, "c1");
    assert!(!d.sends(), "{d:?}");
    assert_eq!(d.reason, Reason::NotAutoExecutable);
    assert_eq!(gate(&d, "operator_approvals"), (5.0, 6.0, false));
    let standing = engine.pattern_approval(id).expect("a pattern");
    assert!(standing.requires_approval);
    assert_eq!((standing.approval_count, standing.threshold), (5.0, 6));

    approve(&engine, id, 1);
    let d = decide(&engine, "c2");
    assert!(d.sends(), "{d:?}");
    assert!(
        !engine
            .pattern_approval(id)
            .expect("a pattern")
            .requires_approval
    );
}

#[test]
fn without_require_approval_for_new_the_threshold_asks_for_nothing() {
    let settings = json!({"requireApprovalForNew": false, "approvalThreshold": 6});
    let (engine, id) = untrusted(Config::default(), settings);
    approve(&engine, id, 4); // the support gate: operators sent the reply 4 times
    let d = decide(&engine, "c1");
    assert!(d.sends(), "{d:?}");
    assert!(d
        .evidence
        .gates
        .iter()
        .all(|g| g.gate != "operator_approvals"));
    assert_eq!(engine.pattern_approval(id).expect("a pattern").threshold, 0);
}

#[test]
fn the_stricter_of_the_environment_and_the_approval_threshold_holds() {
    let production = Config::resolve_with_env(&json!({}), Some("production")).expect("valid");
    // V1's threshold is the stricter: 6 > 2.
    let (engine, id) = untrusted(production.clone(), json!({"approvalThreshold": 6}));
    approve(&engine, id, 4);
    assert_eq!(
        gate(&decide(&engine, "c1"), "operator_approvals"),
        (4.0, 6.0, false)
    );
    // The environment is the stricter: 2 > 1 (and 4 approvals pass it).
    let (engine, id) = untrusted(production, json!({"approvalThreshold": 1}));
    approve(&engine, id, 4);
    let d = decide(&engine, "c1");
    assert_eq!(gate(&d, "operator_approvals"), (4.0, 2.0, true));
    assert!(d.sends(), "{d:?}");
}

#[test]
fn operator_override_weight_sets_how_much_an_edited_send_counts() {
    for (weight, count, sends) in [
        (1.0, 6.0, true),
        (2.0, 5.0, false),
        (3.0, 4.0 + 2.0 / 3.0, false),
    ] {
        let settings = json!({"approvalThreshold": 6, "operatorOverrideWeight": weight});
        let (engine, id) = untrusted(Config::default(), settings);
        approve(&engine, id, 4);
        edit(&engine, id, 2);
        let d = decide(&engine, "c1");
        let (value, required, passed) = gate(&d, "operator_approvals");
        assert!((value - count).abs() < 1e-12, "weight {weight}: {value}");
        assert_eq!(
            (required, passed, d.sends()),
            (6.0, sends, sends),
            "weight {weight}"
        );
    }
}

#[test]
fn min_examples_required_holds_back_auto_sends_not_suggestions() {
    let f = trained(Config::default());
    f.engine
        .update_safety_settings(&json!({"minExamplesRequired": 8}))
        .expect("valid");
    assert!(decide(&f.engine, "c1").sends(), "8 examples are enough");
    f.engine
        .update_safety_settings(&json!({"minExamplesRequired": 9}))
        .expect("valid");
    let d = decide(&f.engine, "c2");
    assert!(!d.sends(), "{d:?}");
    assert_eq!(d.reason, Reason::InsufficientSupport);
    assert_eq!(gate(&d, "min_examples"), (8.0, 9.0, false));
    assert_eq!(
        d.response.as_deref(),
        Some(REPLY),
        "still proposed to an operator"
    );
}

/// Safety settings with fallback responses on and a booking text.
fn fallbacks_on() -> Value {
    json!({
        "enableFallbackResponses": true,
        "fallbackMessages": {"booking": "Book or change online at clubhouse247golf.com."},
    })
}

fn notice(d: &Decision) -> Option<&str> {
    d.outbound
        .as_ref()
        .filter(|o| o.kind == OutboundKind::Escalation)
        .map(|o| o.text.as_str())
}

/// Nothing close enough to propose: a hand-off that tells the customer nothing
/// of its own.
fn silent_hand_off(d: &Decision) -> bool {
    d.action == Action::Escalate
        && matches!(d.reason, Reason::NoMatchingPattern | Reason::LowConfidence)
}

const BOOKING: &str = "can i book a bay for saturday morning";
const HOURS: &str = "are you open on christmas day";

#[test]
fn fallback_texts_are_off_by_default_and_no_match_stays_silent() {
    let f = trained(Config::default());
    let ctx = MessageContext::new().conversation("c1");
    let d = f.engine.process(BOOKING, &ctx).expect("a decision");
    assert!(silent_hand_off(&d), "{d:?}");
    assert!(d.outbound.is_none(), "{d:?}");
}

#[test]
fn a_silent_hand_off_tells_the_topics_fallback_once_per_lock() {
    let f = trained(Config::default());
    f.engine
        .update_safety_settings(&fallbacks_on())
        .expect("valid");
    let ctx = MessageContext::new().conversation("c1");
    let d = f.engine.process(BOOKING, &ctx).expect("a decision");
    assert!(silent_hand_off(&d), "{d:?}");
    assert_eq!(
        notice(&d),
        Some("Book or change online at clubhouse247golf.com.")
    );
    // Once per lock: the conversation waits for an operator now.
    f.clock.advance_secs(120);
    let again = f.engine.process(HOURS, &ctx).expect("a decision");
    assert_eq!(notice(&again), None, "{again:?}");
    assert!(!f.engine.process(LOGIN, &ctx).expect("a decision").sends());
    // Another conversation gets its own notice; without a conversation, none.
    let other = MessageContext::new().conversation("c2");
    assert!(notice(&f.engine.process(BOOKING, &other).expect("a decision")).is_some());
    let nowhere = f
        .engine
        .process(BOOKING, &MessageContext::new())
        .expect("a decision");
    assert_eq!(notice(&nowhere), None);
}

#[test]
fn a_fallback_waits_out_an_operators_lockout() {
    let f = trained(Config::default());
    f.engine
        .update_safety_settings(&fallbacks_on())
        .expect("valid");
    f.engine
        .record_operator_message("c1", Some(BOOKING))
        .expect("takeover recorded");
    let ctx = MessageContext::new().conversation("c1");
    let d = f.engine.process(BOOKING, &ctx).expect("a decision");
    assert_eq!(notice(&d), None, "{d:?}");
}

#[test]
fn escalation_message_is_the_fallback_of_topics_without_a_text() {
    let f = trained(Config::default());
    f.engine
        .update_safety_settings(&fallbacks_on())
        .expect("valid");
    let text = "Thanks! A team member will reply shortly.\n\n- ClubAI";
    f.engine
        .update_safety_thresholds(&json!({"escalationMessage": text}))
        .expect("valid");
    let ctx = MessageContext::new().conversation("c1");
    let d = f.engine.process(HOURS, &ctx).expect("a decision");
    assert_eq!(d.topic, "hours");
    assert_eq!(notice(&d), Some(text));
}

#[test]
fn fallback_notices_never_go_out_disabled_or_in_shadow_mode() {
    for patch in [json!({"enabled": false}), json!({"shadowMode": true})] {
        let f = trained(Config::default());
        f.engine
            .update_safety_settings(&fallbacks_on())
            .expect("valid");
        f.engine.update_config(&patch).expect("valid");
        let ctx = MessageContext::new().conversation("c1");
        let d = f.engine.process(BOOKING, &ctx).expect("a decision");
        assert!(d.outbound.is_none(), "{patch}: {d:?}");
    }
}

#[test]
fn customer_facing_texts_with_a_placeholder_are_refused() {
    let f = trained(Config::default());
    let refused = f
        .engine
        .update_safety_settings(&json!({"fallbackMessages": {"general": "Hi {{customer_name}}!"}}));
    assert!(
        matches!(refused, Err(Error::InvalidConfig { ref key, .. }) if key == "fallback_messages.general"),
        "{refused:?}"
    );
    let refused = f
        .engine
        .update_safety_thresholds(&json!({"escalationMessage": "Hi {{customer_name}}"}));
    assert!(
        matches!(refused, Err(Error::InvalidConfig { ref key, .. }) if key == "escalation_message"),
        "{refused:?}"
    );
}
