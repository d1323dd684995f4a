//! Issue 24: two engines on one PostgreSQL database share everything a call
//! reported done, and nothing is applied to the wrong thing: feedback by decision id
//! on the other engine, a takeover on one engine honoured by the other, approvals
//! and undos seen by both, a redelivered feedback counted once, one decision per
//! inbound message id, and the calibration record.
//!
//! The server comes from `scripts/with-postgres` (run by `scripts/test`), which sets
//! `PATTERN_LEARNING_TEST_POSTGRES`. Without it every test prints that it was
//! skipped and why. Each test works in its own PostgreSQL schema.
#![cfg(feature = "postgres")]

mod support;

use std::sync::Arc;

use pattern_learning::clock::ManualClock;
use pattern_learning::config::Config;
use pattern_learning::store::PostgresOptions;
use pattern_learning::{
    Action, ChangeKind, Engine, Error, Feedback, MessageContext, NewPattern, PatternId, Reason,
};
use support::{without_v1_approval_threshold, LOGIN, PHRASINGS, REPLY, START};

const ENV: &str = "PATTERN_LEARNING_TEST_POSTGRES";

/// Two engines on one fresh schema, on one manual clock.
struct Pair {
    a: Engine,
    b: Engine,
    clock: ManualClock,
}

fn pair(test: &str, config: Config) -> Option<Pair> {
    let Ok(url) = std::env::var(ENV).map(|u| u.trim().to_owned()) else {
        eprintln!(
            "SKIPPED {test}: {ENV} is not set. These tests need a real PostgreSQL server; \
             run them with scripts/with-postgres (scripts/test does)."
        );
        return None;
    };
    let schema = format!("t_shared_{test}_{}", std::process::id());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("the server");
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .expect("a fresh schema");
    let options = PostgresOptions {
        schema,
        ..PostgresOptions::default()
    };
    let clock = ManualClock::new(START);
    let engine = |config: Option<Config>| {
        let builder = Engine::builder()
            .clock(Arc::new(clock.clone()))
            .open_postgres(&url, options.clone())
            .expect("the store opens");
        // The first engine writes the settings both use; the approval rule under
        // test is the environment's.
        match config {
            Some(c) => builder
                .config(c)
                .safety_settings(without_v1_approval_threshold()),
            None => builder,
        }
        .build()
        .expect("the engine builds")
    };
    let a = engine(Some(config));
    let b = engine(None);
    Some(Pair { a, b, clock })
}

fn train(engine: &Engine, approvals: usize) -> PatternId {
    let id = engine
        .create_pattern(
            NewPattern::new(PHRASINGS, REPLY)
                .confidence(1.0)
                .auto_executable(true),
        )
        .expect("created")
        .id;
    for p in PHRASINGS.iter().take(approvals) {
        engine
            .feedback(&Feedback::approve(format!("{p}!"), id))
            .expect("approved");
    }
    id
}

fn conversation(id: &str) -> MessageContext {
    MessageContext::new().conversation(id)
}

#[test]
fn feedback_by_decision_id_on_the_other_engine_judges_the_decided_pattern() {
    let Some(p) = pair("by_id", Config::default()) else {
        return;
    };
    let pattern = train(&p.a, 5);
    p.a.set_auto_executable(pattern, false).expect("revoked");
    let d = p.a.process(LOGIN, &conversation("c1")).expect("decided");
    assert_eq!((d.action, d.pattern_id), (Action::Suggest, Some(pattern)));
    let before = p.a.pattern(pattern).expect("kept").execution_count;
    let mut approve = Feedback::approve(LOGIN, pattern);
    approve.pattern_id = None;
    approve.decision_id = Some(d.id);
    let outcome = p.b.feedback(&approve).expect("applied on the other engine");
    assert_eq!(outcome.judged_pattern, Some(pattern));
    p.a.refresh().expect("the other engine's changes");
    assert_eq!(
        p.a.pattern(pattern).expect("kept").execution_count,
        before + 1,
        "engine a sees engine b's feedback"
    );
    let mut unknown = approve.clone();
    unknown.decision_id = Some(pattern_learning::DecisionId::new(START));
    assert!(matches!(
        p.b.feedback(&unknown),
        Err(Error::UnknownDecision(_))
    ));
}

#[test]
fn a_takeover_on_one_engine_holds_on_the_other() {
    let Some(p) = pair("takeover", Config::default()) else {
        return;
    };
    train(&p.a, 5);
    p.a.record_operator_message("c1", Some(LOGIN))
        .expect("written");
    p.clock.advance_secs(30);
    let d = p.b.process(LOGIN, &conversation("c1")).expect("decided");
    assert!(!d.sends(), "{d:?}");
    // b's decision in c1 wrote c1's guard state: a's lockout is still in it.
    let again = p.a.process(LOGIN, &conversation("c1")).expect("decided");
    assert!(!again.sends(), "{again:?}");
    // And the other way round.
    p.b.record_operator_message("c2", Some(LOGIN))
        .expect("written");
    let on_a = p.a.process(LOGIN, &conversation("c2")).expect("decided");
    assert!(!on_a.sends(), "{on_a:?}");
    assert!(p
        .b
        .process(LOGIN, &conversation("c3"))
        .expect("decided")
        .sends());
}

#[test]
fn approvals_and_undo_on_one_engine_change_what_the_other_auto_sends() {
    let config = Config {
        approvals_before_auto_send: 2,
        ..Config::default()
    };
    let Some(p) = pair("approvals", config) else {
        return;
    };
    let pattern = train(&p.a, 0);
    for (engine, q) in [(&p.a, "qr login failed!"), (&p.b, "trackman login broke")] {
        for _ in 0..2 {
            engine
                .feedback(&Feedback::approve(q, pattern))
                .expect("approved");
        }
    }
    // Four approvals (two on each engine) and the support gate met: a sends.
    let sent = p.a.process(LOGIN, &conversation("c1")).expect("decided");
    assert!(sent.sends(), "{sent:?}");
    // Undo on b of everything since creation: a must stop sending at once.
    let created =
        p.b.history(pattern)
            .expect("history")
            .into_iter()
            .find(|e| e.kind == ChangeKind::Created)
            .expect("created event");
    let approved =
        p.b.history(pattern)
            .expect("history")
            .into_iter()
            .rev()
            .find(|e| e.kind == ChangeKind::Approved)
            .expect("an approval");
    assert!(approved.seq > created.seq);
    p.b.undo(approved.seq).expect("undone on b");
    let held = p.a.process(LOGIN, &conversation("c2")).expect("decided");
    assert!(!held.sends(), "an undo on b is seen by a: {held:?}");
}

#[test]
fn a_feedback_delivered_to_both_engines_counts_once() {
    let Some(p) = pair("feedback_once", Config::default()) else {
        return;
    };
    let pattern = train(&p.a, 0);
    let mut approve = Feedback::approve("qr login failed again", pattern);
    approve.id = Some("webhook-fb-1".into());
    assert!(!p.a.feedback(&approve).expect("applied").duplicate);
    assert!(p.b.feedback(&approve).expect("answered").duplicate);
    p.b.refresh().expect("the other engine's changes");
    assert_eq!(p.b.pattern(pattern).expect("seen").execution_count, 1);
}

#[test]
fn one_inbound_message_id_is_decided_once_across_engines() {
    let Some(p) = pair("message_once", Config::default()) else {
        return;
    };
    train(&p.a, 0); // not auto-executable enough: a suggestion, not a send
    let ctx = conversation("c1").message_id("openphone-7");
    let first = p.a.process("hello, anyone?", &ctx).expect("decided");
    assert_ne!(first.reason, Reason::DuplicateMessage);
    let second = p.b.process("hello, anyone?", &ctx).expect("decided");
    assert_eq!(second.reason, Reason::DuplicateMessage, "{second:?}");
    assert!(!second.sends());
    // The duplicate was not recorded: feedback naming its id judges nothing.
    let mut approve = Feedback::approve("hello, anyone?", PatternId(1));
    approve.pattern_id = None;
    approve.decision_id = Some(second.id);
    for engine in [&p.b, &p.a] {
        assert!(matches!(
            engine.feedback(&approve),
            Err(Error::UnknownDecision(_))
        ));
    }
}

#[test]
fn the_calibration_record_is_shared() {
    let config = Config {
        target_precision: Some(0.9),
        ..Config::default()
    };
    let Some(p) = pair("calibration", config) else {
        return;
    };
    let pattern = train(&p.a, 5);
    p.a.set_auto_executable(pattern, false).expect("revoked");
    for i in 0..60 {
        let d =
            p.a.process(LOGIN, &conversation(&format!("j{i}")))
                .expect("decided");
        let mut approve = Feedback::approve(format!("{LOGIN} {i}"), pattern);
        approve.decision_id = Some(d.id);
        p.a.feedback(&approve).expect("approved");
    }
    let on_a =
        p.a.process(LOGIN, &conversation("probe-a"))
            .expect("decided");
    let on_b =
        p.b.process(LOGIN, &conversation("probe-b"))
            .expect("decided");
    assert!(on_a.evidence.expected_precision.is_some(), "{on_a:?}");
    assert_eq!(
        (
            on_b.evidence.auto_threshold,
            on_b.evidence.expected_precision
        ),
        (
            on_a.evidence.auto_threshold,
            on_a.evidence.expected_precision
        )
    );
}
