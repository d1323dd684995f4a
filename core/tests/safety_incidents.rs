//! One test per V1 safety incident (`docs/v1-behaviour.md`, "V1's incidents"), named
//! after it, plus the conversation guards and modes (`docs/design.md`, "Safety on by
//! default").

// Tests start from a default config and change one field; that reads best here.
#![allow(clippy::field_reassign_with_default)]

use pattern_learning::config::Config;
use pattern_learning::{Action, Engine, Error, Feedback, MessageContext, OutboundKind, Reason};

mod support;

use support::{trained, LOGIN, PHRASINGS, REPLY};

fn conv(id: &str) -> MessageContext {
    MessageContext::new()
        .conversation(id)
        .phone("+1 902 555 0100")
}

#[test]
fn fixture_auto_sends_in_a_fresh_conversation() {
    let f = trained(Config::default());
    let d = f.engine.process(LOGIN, &conv("c0")).unwrap();
    assert_eq!(d.action, Action::AutoExecute, "{:#?}", d.evidence);
    assert_eq!(d.outbound.unwrap().kind, OutboundKind::Reply);
}

/// 2025-09-04: a "Thanks" got a substantive (wrong) reply.
#[test]
fn incident_2025_09_04_thanks_never_gets_a_substantive_reply() {
    let f = trained(Config::default());
    for (i, msg) in ["Thanks", "thanks!", "ok thank you", "👍"]
        .iter()
        .enumerate()
    {
        let d = f.engine.process(msg, &conv(&format!("c1-{i}"))).unwrap();
        assert!(d.outbound.is_none(), "{msg}: {d:#?}");
    }
}

/// 2025-09-06: learned patterns were created active and auto-sent untrusted.
#[test]
fn incident_2025_09_06_learned_patterns_never_auto_send_before_trust() {
    let e = Engine::new();
    for p in PHRASINGS {
        e.feedback(&Feedback::answer(p, REPLY)).unwrap();
    }
    let d = e.process(LOGIN, &conv("c1")).unwrap();
    assert!(d.outbound.is_none(), "{d:#?}");
    assert_ne!(d.action, Action::AutoExecute);
}

/// 2025-09-07..10-01: active patterns without the auto flag auto-sent.
#[test]
fn incident_2025_09_07_active_pattern_without_auto_flag_never_auto_sends() {
    let f = trained(Config::default());
    f.engine.set_auto_executable(f.pattern, false).unwrap();
    let d = f.engine.process(LOGIN, &conv("c1")).unwrap();
    assert_eq!(
        (d.action, d.reason),
        (Action::Suggest, Reason::NotAutoExecutable)
    );
    assert!(d.outbound.is_none());
}

/// 2025-09-13..2026-03-23: a start-up script re-enabled the system on every deploy.
#[test]
fn incident_2025_09_13_engine_never_changes_its_own_mode() {
    let mut c = Config::default();
    c.enabled = false;
    c.shadow_mode = true;
    let f = trained(c.clone());
    for _ in 0..3 {
        f.engine.process(LOGIN, &conv("c1")).unwrap();
        f.engine.feedback(&Feedback::answer("hello", "hi")).unwrap();
    }
    let now = f.engine.config();
    assert!(!now.enabled && now.shadow_mode);
    assert_eq!(now, c);
}

/// 2025-10-02: rapid-message detection counted AI and operator messages.
#[test]
fn incident_2025_10_02_rapid_message_detection_counts_inbound_only() {
    let f = trained(Config::default());
    let c = conv("c2");
    let first = f.engine.process(LOGIN, &c).unwrap();
    assert!(first.outbound.is_some(), "auto reply goes out");
    // Our auto reply and an operator reply do not count; one more inbound is fine.
    f.clock.advance_secs(5);
    let second = f.engine.process("thanks it works", &c).unwrap();
    assert_ne!(second.reason, Reason::RapidMessages);
    // A third inbound within 60 s is rapid: one customer-facing escalation …
    f.clock.advance_secs(5);
    let third = f.engine.process("also where is the bathroom", &c).unwrap();
    assert_eq!(
        (third.action, third.reason),
        (Action::Escalate, Reason::RapidMessages)
    );
    assert_eq!(third.outbound.unwrap().kind, OutboundKind::Escalation);
    // … and only one per lock.
    f.clock.advance_secs(5);
    let fourth = f.engine.process("hello??", &c).unwrap();
    assert!(fourth.outbound.is_none(), "{fourth:#?}");
}

/// 2025-11-24..27: "I can't login" got the same reply again and again.
#[test]
fn incident_2025_11_24_same_pattern_not_repeated_in_one_conversation() {
    let f = trained(Config::default());
    let c = conv("c3");
    assert!(f.engine.process(LOGIN, &c).unwrap().outbound.is_some());
    f.clock.advance_secs(600);
    let again = f.engine.process(LOGIN, &c).unwrap();
    assert!(again.outbound.is_none(), "{again:#?}");
    assert_eq!(again.reason, Reason::PatternReuseLimit);
    assert_eq!(
        again.action,
        Action::Suggest,
        "an explicit outcome, shown to an operator"
    );
}

/// 2025-12-02 → 2026-03-23: every "no match" texted "still having trouble" and locked.
#[test]
fn incident_2025_12_02_no_match_is_a_silent_hand_off() {
    let f = trained(Config::default());
    let d = f
        .engine
        .process("what time does the pro shop in truro open", &conv("c4"))
        .unwrap();
    assert_eq!(d.action, Action::Escalate);
    assert!(d.outbound.is_none());
    // The conversation is not locked: a later known question still auto-replies.
    f.clock.advance_secs(600);
    assert!(f
        .engine
        .process(LOGIN, &conv("c4"))
        .unwrap()
        .outbound
        .is_some());
}

/// 2025-12-02 → 2026-01-08: the disabled system still sent escalation texts.
#[test]
fn incident_2026_01_08_disabled_engine_sends_nothing() {
    let mut c = Config::default();
    c.enabled = false;
    let f = trained(c);
    let conversation = conv("c5");
    for msg in [
        LOGIN,
        "this is ridiculous, still not working",
        "I hurt my wrist",
        "a",
        "b",
        "c",
    ] {
        let d = f.engine.process(msg, &conversation).unwrap();
        assert!(d.outbound.is_none(), "{msg}: {d:#?}");
        assert_eq!(d.reason, Reason::Disabled);
    }
}

/// Before 2026-01-02: the AI reply counter was never incremented.
#[test]
fn incident_2026_01_02_ai_reply_cap_fires() {
    let mut config = Config::default();
    config.guards.max_pattern_uses_per_conversation = 10;
    let f = trained(config);
    f.engine
        .update_safety_thresholds(
            &serde_json::json!({"aiResponseLimit": 2, "rapidMessageEnabled": false}),
        )
        .unwrap();
    let c = conv("c6");
    let mut sent = 0;
    for i in 0..5 {
        f.clock.advance_secs(120);
        let d = f.engine.process(&format!("{LOGIN} {i}"), &c).unwrap();
        match d.outbound.map(|o| o.kind) {
            Some(OutboundKind::Reply) => sent += 1,
            Some(OutboundKind::Escalation) => assert_eq!(d.reason, Reason::AiReplyLimit),
            None => {}
        }
    }
    assert_eq!(sent, 2, "exactly the cap");
}

/// 2026-04-05: duplicate webhook deliveries caused double replies.
#[test]
fn incident_2026_04_05_duplicate_webhook_never_sends_twice() {
    let f = trained(Config::default());
    let c = conv("c7").message_id("openphone-msg-123");
    let first = f.engine.process(LOGIN, &c).unwrap();
    let second = f.engine.process(LOGIN, &c).unwrap();
    assert!(first.outbound.is_some());
    assert!(second.outbound.is_none());
    assert_eq!(second.reason, Reason::DuplicateMessage);
    assert_eq!(second.pattern_id, first.pattern_id, "the same decision");
    assert_eq!(
        second.action,
        Action::Escalate,
        "a caller looking at the action alone must not send again"
    );
    assert_eq!(second.would_action, Some(Action::AutoExecute));
}

/// [static] Blacklisted topics were still auto-answered by V3-PLS.
#[test]
fn incident_static_blacklisted_message_never_auto_answered() {
    let f = trained(Config::default());
    let d = f
        .engine
        .process(
            "i can't log in to the trackman, my lawyer says",
            &conv("c8"),
        )
        .unwrap();
    assert_eq!(
        (d.action, d.reason),
        (Action::Escalate, Reason::SafetyBlacklist)
    );
    assert!(d.outbound.is_none());
    let d = f
        .engine
        .process("urgent i can't log in to the trackman", &conv("c9"))
        .unwrap();
    assert_eq!(d.reason, Reason::SafetyEscalation);
    assert!(d.outbound.is_none());
}

/// [static] "issue" matched `sue`, "illegal" matched `legal`.
#[test]
fn incident_static_keywords_match_words_not_substrings() {
    let f = trained(Config::default());
    let d = f
        .engine
        .process(
            "i have an issue, i can't log in to the trackman",
            &conv("c10"),
        )
        .unwrap();
    assert!(d.safety.safe, "{:?}", d.safety);
    assert!(
        f.engine
            .check_message_safety("Is it illegal to bring beer?")
            .safe
    );
}

/// [static] Topic-aware lockout ignored `conversation_locked` after an escalation.
#[test]
fn incident_static_locked_conversation_gets_no_automatic_reply() {
    let f = trained(Config::default());
    let c = conv("c11");
    let d = f.engine.process("this is ridiculous", &c).unwrap();
    assert_eq!(d.reason, Reason::NegativeSentiment);
    assert_eq!(d.outbound.unwrap().kind, OutboundKind::Escalation);
    f.clock.advance_secs(600);
    let again = f.engine.process("this is ridiculous!!", &c).unwrap();
    assert!(
        again.outbound.is_none(),
        "one customer-facing escalation per lock"
    );
    f.clock.advance_secs(600);
    let later = f.engine.process(LOGIN, &c).unwrap();
    assert!(later.outbound.is_none(), "{later:#?}");
}

/// [static] The system learned its own `- ClubAI` replies as operator replies.
#[test]
fn incident_static_engine_never_learns_its_own_replies() {
    let mut c = Config::default();
    c.ai_signature = Some("- ClubAI".into());
    let e = Engine::with_config(c).unwrap();
    let err = e
        .feedback(&Feedback::answer(
            "wifi?",
            "The wifi password is golf2024\n\n- ClubAI",
        ))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidFeedback(_)));
    assert_eq!(e.pattern_count(), 0);
}

// ---- operator takeover, cool-down, caps, modes ----------------------------

#[test]
fn operator_takeover_locks_the_topic_for_the_lockout_hours() {
    let f = trained(Config::default());
    f.engine
        .record_operator_message("c12", Some(LOGIN))
        .expect("takeover recorded");
    // Global cool-down (60 min): nothing automatic on any topic.
    f.clock.advance_secs(30 * 60);
    let d = f.engine.process(LOGIN, &conv("c12")).unwrap();
    assert_eq!(
        (d.action, d.reason),
        (Action::Suggest, Reason::GlobalCooldown)
    );
    // After the cool-down, the operator's topic stays locked for 4 h.
    f.clock.advance_secs(60 * 60);
    let d = f.engine.process(LOGIN, &conv("c12")).unwrap();
    assert_eq!(d.reason, Reason::OperatorActive);
    assert!(d.outbound.is_none());
    // After 4 h the lock is over.
    f.clock.advance_secs(3 * 3600);
    assert!(f
        .engine
        .process(LOGIN, &conv("c12"))
        .unwrap()
        .outbound
        .is_some());
}

#[test]
fn blanket_lockout_mode_locks_every_topic() {
    let f = trained(Config::default());
    f.engine
        .update_safety_thresholds(&serde_json::json!({"topicLockoutEnabled": false}))
        .unwrap();
    f.engine
        .record_operator_message("c13", Some("what are your hours"))
        .expect("takeover recorded");
    f.clock.advance_secs(2 * 3600);
    let d = f.engine.process(LOGIN, &conv("c13")).unwrap();
    assert_eq!(d.reason, Reason::OperatorActive);
}

#[test]
fn global_hourly_cap_is_never_exceeded() {
    let mut config = Config::default();
    config.guards.max_auto_sends_per_hour = Some(3);
    let f = trained(config);
    let mut sent = 0;
    for i in 0..10 {
        let d = f.engine.process(LOGIN, &conv(&format!("cap-{i}"))).unwrap();
        if d.outbound.is_some() {
            sent += 1;
        } else {
            assert_eq!(d.reason, Reason::RateLimited);
        }
    }
    assert_eq!(sent, 3);
    f.clock.advance_secs(3601);
    assert!(f
        .engine
        .process(LOGIN, &conv("cap-next"))
        .unwrap()
        .outbound
        .is_some());
}

#[test]
fn shadow_mode_records_what_would_happen_and_sends_nothing() {
    let mut c = Config::default();
    c.shadow_mode = true;
    let f = trained(c);
    let d = f.engine.process(LOGIN, &conv("c14")).unwrap();
    assert_eq!(d.action, Action::Shadow);
    assert_eq!(d.would_action, Some(Action::AutoExecute));
    assert!(d.outbound.is_none());
}

#[test]
fn test_numbers_bypass_the_conversation_guards() {
    let mut c = Config::default();
    c.guards.test_phones = vec!["+19025550100".into()];
    c.guards.max_pattern_uses_per_conversation = 100;
    let f = trained(c);
    f.engine
        .record_operator_message("c15", Some(LOGIN))
        .expect("takeover recorded");
    let d = f.engine.process(LOGIN, &conv("c15")).unwrap();
    assert!(
        d.outbound.is_some(),
        "the test phone ignores the lockout: {d:#?}"
    );
}

#[test]
fn settings_updates_are_validated_and_all_or_nothing() {
    let e = Engine::new();
    let before = e.safety_thresholds();
    assert!(matches!(
        e.update_safety_thresholds(&serde_json::json!({"rapidMessageThreshold": 50})),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        e.update_safety_thresholds(
            &serde_json::json!({"aiResponseLimit": 2, "minConfidenceToAct": 0.9})
        ),
        Err(Error::UnknownSetting { .. })
    ));
    assert_eq!(e.safety_thresholds(), before);
    let after = e
        .update_safety_settings(&serde_json::json!({"blacklistTopics": ["weather"]}))
        .unwrap();
    assert_eq!(after.blacklist_topics, ["weather"]);
    assert!(!e.check_message_safety("how is the weather").safe);
    assert!(
        e.check_message_safety("Can I get a refund?").safe,
        "what get returns is what is used"
    );
    e.reset_sentiment_rules().unwrap();
    assert_eq!(
        e.safety_thresholds().negative_sentiment_patterns,
        pattern_learning::safety::default_sentiment_rules()
    );
}
