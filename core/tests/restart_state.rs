//! Issue 24: nothing a call reported done is lost or misapplied across a restart
//! of a durable engine (one SQLite file): decision ids, feedback by decision id,
//! operator takeovers, feedback idempotency, the hourly cap, the calibration
//! record; and a failed write leaves memory as the store has it.

mod support;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use pattern_learning::clock::ManualClock;
use pattern_learning::config::Config;
use pattern_learning::{
    Action, DecisionId, Engine, Error, Feedback, MessageContext, NewPattern, PatternId, Reason,
};
use support::{FlakyStore, LOGIN, PHRASINGS, REPLY, START};

/// An engine on the file at `path` (created when missing) with a manual clock.
fn open(path: &Path, clock: &ManualClock) -> Engine {
    Engine::builder()
        .clock(Arc::new(clock.clone()))
        .open(path)
        .expect("the store opens")
        .build()
        .expect("the engine builds")
}

/// The trusted, auto-executable pattern of `support::trained`, on this engine.
fn train(engine: &Engine) -> PatternId {
    let id = engine
        .create_pattern(
            NewPattern::new(PHRASINGS, REPLY)
                .confidence(1.0)
                .auto_executable(true),
        )
        .expect("created")
        .id;
    for p in PHRASINGS.iter().take(5) {
        engine
            .feedback(&Feedback::approve(format!("{p}!"), id))
            .expect("approved");
    }
    id
}

fn temp() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("patterns.db");
    (dir, path)
}

fn conversation(id: &str) -> MessageContext {
    MessageContext::new().conversation(id)
}

#[test]
fn decision_ids_never_repeat_across_restarts() {
    let (_dir, path) = temp();
    let clock = ManualClock::new(START);
    let mut ids = HashSet::new();
    for round in 0..3 {
        let engine = open(&path, &clock);
        for i in 0..20 {
            let ctx = MessageContext::new().message_id(format!("m{}", i % 15));
            let d = engine.process("hello there", &ctx).expect("decided");
            assert!(ids.insert(d.id), "round {round}: {} handed out twice", d.id);
        }
    }
    assert_eq!(ids.len(), 60);
}

#[test]
fn feedback_by_decision_id_judges_the_decided_pattern_after_a_restart() {
    let (_dir, path) = temp();
    let clock = ManualClock::new(START);
    let (decided, pattern, other) = {
        let engine = open(&path, &clock);
        let pattern = train(&engine);
        engine.set_auto_executable(pattern, false).expect("revoked");
        let other = engine
            .create_pattern(NewPattern::new(["what are your hours"], "9 to 5."))
            .expect("created")
            .id;
        let d = engine.process(LOGIN, &conversation("c1")).expect("decided");
        assert_eq!(d.pattern_id, Some(pattern));
        assert_eq!(d.action, Action::Suggest);
        (d.id, pattern, other)
    };
    let engine = open(&path, &clock);
    let before = engine.pattern(pattern).expect("kept").execution_count;
    let mut approve = Feedback::approve(LOGIN, pattern);
    approve.pattern_id = None;
    approve.decision_id = Some(decided);
    let outcome = engine.feedback(&approve).expect("applied");
    assert_eq!(outcome.judged_pattern, Some(pattern));
    assert_eq!(
        engine.pattern(pattern).expect("kept").execution_count,
        before + 1
    );
    // Naming another pattern than the decided one is refused, never applied.
    let mut wrong = Feedback::approve(LOGIN, other);
    wrong.decision_id = Some(decided);
    assert!(matches!(
        engine.feedback(&wrong),
        Err(Error::InvalidFeedback(_))
    ));
    // An id no engine handed out is a typed error; nothing changes.
    let mut unknown = Feedback::approve(LOGIN, pattern);
    unknown.pattern_id = None;
    unknown.decision_id = Some(DecisionId::new(START));
    assert!(matches!(
        engine.feedback(&unknown),
        Err(Error::UnknownDecision(_))
    ));
    assert_eq!(
        engine.pattern(pattern).expect("kept").execution_count,
        before + 1
    );
}

#[test]
fn an_operator_takeover_survives_a_restart() {
    let (_dir, path) = temp();
    let clock = ManualClock::new(START);
    {
        let engine = open(&path, &clock);
        train(&engine);
        engine
            .record_operator_message("c1", Some(LOGIN))
            .expect("the takeover is written");
    }
    clock.advance_secs(60);
    let engine = open(&path, &clock);
    let d = engine.process(LOGIN, &conversation("c1")).expect("decided");
    assert!(!d.sends(), "{d:?}");
    assert!(
        matches!(d.reason, Reason::GlobalCooldown | Reason::OperatorActive),
        "{d:?}"
    );
    // Another conversation is not locked.
    assert!(engine
        .process(LOGIN, &conversation("c2"))
        .expect("decided")
        .sends());
}

#[test]
fn a_feedback_delivered_again_after_a_restart_counts_once() {
    let (_dir, path) = temp();
    let clock = ManualClock::new(START);
    let mut approve = Feedback::approve("the trackman login fails", PatternId(1));
    approve.id = Some("fb-42".into());
    let count = {
        let engine = open(&path, &clock);
        let pattern = train(&engine);
        approve.pattern_id = Some(pattern);
        let first = engine.feedback(&approve).expect("applied");
        assert!(!first.duplicate);
        engine.pattern(pattern).expect("kept").execution_count
    };
    let engine = open(&path, &clock);
    let again = engine.feedback(&approve).expect("answered");
    assert!(again.duplicate);
    let pattern = approve.pattern_id.expect("set above");
    assert_eq!(
        engine.pattern(pattern).expect("kept").execution_count,
        count
    );
}

#[test]
fn the_hourly_cap_holds_across_a_restart() {
    let (_dir, path) = temp();
    let clock = ManualClock::new(START);
    let config = Config {
        guards: pattern_learning::config::GuardLimits {
            max_auto_sends_per_hour: Some(1),
            ..Default::default()
        },
        ..Config::default()
    };
    {
        let engine = Engine::builder()
            .config(config)
            .clock(Arc::new(clock.clone()))
            .open(&path)
            .expect("opens")
            .build()
            .expect("builds");
        train(&engine);
        assert!(engine
            .process(LOGIN, &conversation("c1"))
            .expect("decided")
            .sends());
    }
    clock.advance_secs(600);
    let engine = open(&path, &clock);
    let d = engine.process(LOGIN, &conversation("c2")).expect("decided");
    assert_eq!(d.reason, Reason::RateLimited, "{d:?}");
    clock.advance_secs(3_600);
    assert!(engine
        .process(LOGIN, &conversation("c3"))
        .expect("decided")
        .sends());
}

#[test]
fn the_calibration_record_survives_a_restart() {
    let (_dir, path) = temp();
    let clock = ManualClock::new(START);
    let config = Config {
        target_precision: Some(0.9),
        ..Config::default()
    };
    let before = {
        let engine = Engine::builder()
            .config(config)
            .clock(Arc::new(clock.clone()))
            .open(&path)
            .expect("opens")
            .build()
            .expect("builds");
        let pattern = train(&engine);
        engine.set_auto_executable(pattern, false).expect("revoked");
        // 60 judged proposals, all right: a threshold is derived from them.
        for i in 0..60 {
            let ctx = conversation(&format!("judged-{i}"));
            let d = engine.process(LOGIN, &ctx).expect("decided");
            let mut approve = Feedback::approve(format!("{LOGIN} {i}"), pattern);
            approve.decision_id = Some(d.id);
            engine.feedback(&approve).expect("approved");
        }
        let d = engine
            .process(LOGIN, &conversation("probe"))
            .expect("decided");
        assert!(d.evidence.expected_precision.is_some(), "{d:?}");
        (d.evidence.auto_threshold, d.evidence.expected_precision)
    };
    let engine = open(&path, &clock);
    let d = engine
        .process(LOGIN, &conversation("probe-2"))
        .expect("decided");
    assert_eq!(
        (d.evidence.auto_threshold, d.evidence.expected_precision),
        before
    );
}

#[test]
fn a_failed_decision_write_changes_no_guard_state() {
    let store = Arc::new(FlakyStore::default());
    let clock = ManualClock::new(START);
    let engine = Engine::builder()
        .store(store.clone())
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("builds");
    train(&engine);
    let ctx = conversation("c1").message_id("openphone-1");
    store.gate.failing.store(true, Ordering::SeqCst);
    assert!(matches!(
        engine.process(LOGIN, &ctx),
        Err(Error::Store { .. })
    ));
    assert!(matches!(
        engine.record_operator_message("c1", Some(LOGIN)),
        Err(Error::Store { .. })
    ));
    store.gate.failing.store(false, Ordering::SeqCst);
    // Neither the send (reuse limit 1 per conversation) nor the takeover nor the
    // message id was kept: the retry is decided afresh and sends.
    let retry = engine.process(LOGIN, &ctx).expect("decided");
    assert!(retry.sends(), "{retry:?}");
    let reopened = Engine::builder()
        .store(store.clone())
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("builds");
    let again = reopened.process(LOGIN, &ctx).expect("decided");
    assert_eq!(again.reason, Reason::DuplicateMessage);
    let next = reopened
        .process(LOGIN, &conversation("c1"))
        .expect("decided");
    assert_eq!(next.reason, Reason::PatternReuseLimit, "{next:?}");
}
