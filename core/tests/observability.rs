//! Issue 11: metrics that add up, subscribers that cannot hurt `process`,
//! alerts, environment profiles and tracing spans.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use pattern_learning::alerts::Alert;
use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::events::Event;
use pattern_learning::{Action, Config, Engine, Feedback, MessageContext, PatternId, Reason};
use serde_json::json;
use support::FlakyStore;

const GIFT: &str = "Yes! Gift cards are sold online, from $25 to $500.";
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

/// An engine under `config` whose only approval rule is the environment's: V1's
/// `approvalThreshold` (10 by default) is off, so the environments' rules show.
fn engine_with(config: Config) -> (Engine, ManualClock) {
    let clock = ManualClock::new(Timestamp(1_700_000_000_000));
    let settings = support::without_v1_approval_threshold();
    let engine = Engine::builder()
        .config(config)
        .safety_settings(settings)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    (engine, clock)
}

/// Teaches the gift-card reply and makes it auto-sendable (confidence 1).
fn trusted_gift(engine: &Engine) -> PatternId {
    let mut id = None;
    for p in GIFT_PHRASINGS {
        id = engine
            .feedback(&Feedback::answer(p, GIFT))
            .unwrap()
            .learned_pattern;
    }
    let id = id.unwrap();
    engine
        .update_pattern(
            id,
            pattern_learning::PatternUpdate {
                confidence: Some(1.0),
                ..Default::default()
            },
        )
        .unwrap();
    engine.set_auto_executable(id, true).unwrap();
    id
}

#[test]
fn metrics_add_up_exactly_to_the_decisions_made() {
    let (engine, clock) = engine_with(Config::default());
    let id = trusted_gift(&engine);
    let mut by_action: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
    let mut sends = 0;
    let messages = [
        "do you sell gift cards",
        "gift cards for sale?",
        "",
        "what time do you open tomorrow",
        "this is the worst service ever, I want a refund",
        "can i buy a gift card",
        "do you sell gift cards",
    ];
    for (i, m) in messages.iter().cycle().take(60).enumerate() {
        clock.advance_secs(30);
        let ctx = MessageContext::new()
            .conversation(format!("c{}", i % 5))
            .message_id(format!("m{}", i % 50)); // the last 10 are duplicates
        let d = engine.process(m, &ctx).unwrap();
        *by_action.entry(d.action.as_str().into()).or_default() += 1;
        *by_reason.entry(d.reason.as_str().into()).or_default() += 1;
        sends += u64::from(d.sends() && d.action == Action::AutoExecute);
    }
    // One error: a bad caller vector.
    let bad = MessageContext::new().embedding(vec![f32::NAN; 3]);
    assert!(engine.process("gift cards", &bad).is_err());
    engine
        .feedback(&Feedback::approve("gift card?", id))
        .unwrap();
    engine
        .feedback(&Feedback::reject("open late?", id, None))
        .unwrap();
    let mut dup = Feedback::approve("gift card please", id);
    dup.id = Some("f1".into());
    engine.feedback(&dup).unwrap();
    engine.feedback(&dup).unwrap();
    assert!(engine
        .feedback(&Feedback::approve("no id", PatternId(999)))
        .is_err());

    let m = engine.metrics();
    assert_eq!(m.decisions, 60);
    for action in ["auto_execute", "suggest", "queue", "escalate", "shadow"] {
        assert_eq!(
            m.decisions_by_action[action],
            by_action.get(action).copied().unwrap_or(0),
            "{action}"
        );
        assert_eq!(m.confidence[action].count, m.decisions_by_action[action]);
    }
    assert_eq!(m.decisions_by_reason, by_reason);
    let pairs: u64 = m
        .decisions_by_action_reason
        .values()
        .flat_map(|r| r.values())
        .sum();
    assert_eq!(pairs, 60);
    assert_eq!(by_reason["duplicate_message"], 10);
    assert!(sends > 0, "the trusted pattern auto-sent: {by_action:?}");
    assert_eq!(m.auto_sends, sends);
    assert_eq!(
        m.auto_sends_per_hour
            .iter()
            .map(|h| h.auto_sends)
            .sum::<u64>(),
        sends
    );
    assert_eq!(m.process_latency_us.count, 61, "60 decisions and 1 error");
    assert_eq!(m.errors.process, 1);
    assert_eq!(m.feedback.answered, 8);
    assert_eq!((m.feedback.approved, m.feedback.rejected), (2, 1));
    assert_eq!(m.feedback.duplicate, 1);
    assert_eq!(m.errors.feedback, 1);
    assert_eq!(m.feedback_latency_us.count, 8 + 4 + 1);
    assert_eq!(m.judged_suggestions, 3);
    assert_eq!(m.suggestion_precision, Some(2.0 / 3.0));
    assert_eq!(m.patterns.total, 1);
    assert_eq!(m.patterns.auto_executable, 1);
    let guards: u64 = m.guard_triggers.values().sum();
    assert!(guards > 0, "reuse limits and lockouts trip: {m:#?}");

    let text = engine.prometheus();
    let sum_lines = |prefix: &str| -> u64 {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(sum_lines("pattern_learning_decisions_total{"), 60);
    assert_eq!(sum_lines("pattern_learning_guard_triggers_total{"), guards);
    assert!(text.contains("pattern_learning_patterns{state=\"auto_executable\"} 1"));
}

#[test]
fn metrics_stay_exact_under_concurrency() {
    let (engine, _) = engine_with(Config::default());
    trusted_gift(&engine);
    let engine = Arc::new(engine);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let e = engine.clone();
            std::thread::spawn(move || {
                for i in 0..250 {
                    let m = if i % 2 == 0 {
                        "gift cards?"
                    } else {
                        "opening hours"
                    };
                    let ctx = MessageContext::new().conversation(format!("t{t}-{i}"));
                    e.process(m, &ctx).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let m = engine.metrics();
    assert_eq!(m.decisions, 1000);
    assert_eq!(m.decisions_by_action.values().sum::<u64>(), 1000);
    assert_eq!(m.process_latency_us.count, 1000);
}

#[test]
fn panicking_slow_and_vanished_subscribers_never_break_processing() {
    let (engine, _) = engine_with(Config::default());
    // Panics on every event.
    let panicky = engine.subscribe(16, |_| panic!("subscriber bug"));
    // Blocks until released: its queue of 4 fills and the rest is dropped.
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let slow_seen = Arc::new(AtomicUsize::new(0));
    let seen = slow_seen.clone();
    let slow = engine.subscribe(4, move |_| {
        let _ = release_rx.lock().unwrap().recv();
        seen.fetch_add(1, Ordering::SeqCst);
    });
    // A channel whose receiver is dropped at once.
    let (gone, rx) = engine.subscribe_channel(4);
    drop(rx);
    // A healthy channel that sees everything.
    let (_ok, events) = engine.subscribe_channel(1000);

    for i in 0..100 {
        let d = engine
            .process(&format!("question number {i}"), &MessageContext::new())
            .unwrap();
        assert_eq!(d.action, Action::Escalate);
    }
    engine
        .feedback(&Feedback::answer("gift cards?", GIFT))
        .unwrap();
    assert_eq!(engine.metrics().decisions, 100);

    let received: Vec<Event> = events.try_iter().collect();
    assert_eq!(received.len(), 101);
    assert_eq!(
        received.iter().filter(|e| e.kind() == "decision").count(),
        100
    );
    assert!(
        matches!(received.last(), Some(Event::Feedback(f)) if f.outcome.as_ref().is_some_and(|o| o.created))
    );

    panicky.flush();
    assert!(panicky.failed() > 0);
    assert_eq!(
        panicky.failed() + panicky.dropped(),
        101,
        "every panic caught and counted (the rest dropped while it was busy)"
    );
    assert_eq!(panicky.delivered(), 0);
    assert!(slow.dropped() > 0, "a full queue drops instead of blocking");
    assert_eq!(gone.delivered(), 0);
    let queued = 101 - slow.dropped();
    for _ in 0..queued {
        release_tx.send(()).unwrap();
    }
    slow.flush();
    assert_eq!(slow_seen.load(Ordering::SeqCst) as u64, queued);
    assert_eq!(
        gone.dropped(),
        0,
        "a vanished receiver ends the subscription"
    );
    assert_eq!(
        engine.metrics().events_dropped,
        slow.dropped() + panicky.dropped()
    );
    slow.unsubscribe();
    engine.process("one more", &MessageContext::new()).unwrap();
    assert_eq!(slow.delivered(), queued, "nothing after unsubscribe");
}

#[test]
fn events_carry_what_a_statsd_forwarder_needs() {
    let (engine, _) = engine_with(Config::default());
    trusted_gift(&engine);
    let (_sub, events) = engine.subscribe_channel(16);
    let d = engine
        .process("do you sell gift cards", &MessageContext::new())
        .unwrap();
    let Event::Decision(e) = events.recv().unwrap() else {
        panic!("a decision event")
    };
    assert_eq!(e.decision, d);
    assert_eq!(
        format!("routing.{}", e.decision.action.as_str()),
        "routing.auto_execute"
    );
    let json = serde_json::to_value(Event::Decision(e)).unwrap();
    assert_eq!(json["type"], "decision");
    assert_eq!(json["decision"]["action"], "auto_execute");
    assert!(json["decision"]["confidence"].as_f64().unwrap() > 0.85);
}

fn alerts(events: &mpsc::Receiver<Event>) -> Vec<Arc<Alert>> {
    events
        .try_iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(a),
            _ => None,
        })
        .collect()
}

#[test]
fn store_errors_raise_alerts() {
    let store = Arc::new(FlakyStore::default());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    let (_sub, events) = engine.subscribe_channel(64);
    store.gate.failing.store(true, Ordering::SeqCst);
    assert!(engine.process("hello", &MessageContext::new()).is_err());
    assert!(engine.feedback(&Feedback::answer("hi", "hello")).is_err());
    let got = alerts(&events);
    let ops: Vec<&str> = got
        .iter()
        .map(|a| match &**a {
            Alert::StoreError { operation, .. } => operation.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ops, ["process", "feedback"]);
    let m = engine.metrics();
    assert_eq!((m.errors.store, m.alerts), (2, 2));
}

#[test]
fn hourly_cap_and_repeated_guards_raise_alerts_once() {
    let mut config = Config::default();
    config.guards.max_auto_sends_per_hour = Some(2);
    config.alerts.guard_repeat = 3;
    let (engine, clock) = engine_with(config);
    trusted_gift(&engine);
    let caught = Arc::new(Mutex::new(Vec::new()));
    let sink = caught.clone();
    let sub = engine.on_alert(move |a| sink.lock().unwrap().push(a.clone()));
    let mut sent = 0;
    for i in 0..6 {
        clock.advance_secs(1);
        let ctx = MessageContext::new().conversation(format!("c{i}"));
        let d = engine.process("do you sell gift cards", &ctx).unwrap();
        sent += usize::from(d.sends());
    }
    sub.flush();
    assert_eq!(sent, 2, "the cap holds");
    let kinds: Vec<&str> = caught.lock().unwrap().iter().map(|a| a.kind()).collect();
    assert_eq!(kinds, ["hourly_cap_reached", "guard_tripping"]);
    assert_eq!(engine.metrics().guard_triggers["rate_limited"], 4);
}

#[test]
fn falling_suggestion_precision_raises_an_alert() {
    let mut config = Config::default();
    config.alerts.precision_floor = Some(0.75);
    config.alerts.precision_min_judged = 4;
    let (engine, _) = engine_with(config);
    let id = trusted_gift(&engine);
    let (_sub, events) = engine.subscribe_channel(64);
    for ok in [true, true, true, false] {
        let fb = if ok {
            Feedback::approve("gift cards?", id)
        } else {
            Feedback::reject("gift cards?", id, None)
        };
        engine.feedback(&fb).unwrap();
    }
    assert!(
        alerts(&events).is_empty(),
        "3/4 = 0.75 is not under the floor"
    );
    engine
        .feedback(&Feedback::reject("gift cards?", id, None))
        .unwrap();
    let got = alerts(&events);
    assert!(
        matches!(
            got.as_slice(),
            [a] if matches!(&**a, Alert::PrecisionBelowFloor { judged: 5, floor, .. } if *floor == 0.75)
        ),
        "{got:?}"
    );
}

fn approvals_needed_in(env: &str) -> (usize, Vec<Action>) {
    let config = Config::resolve_with_env(&json!({}), Some(env)).unwrap();
    let (engine, clock) = engine_with(config);
    let id = trusted_gift(&engine);
    let mut actions = Vec::new();
    for i in 0..3 {
        clock.advance_secs(60);
        let ctx = MessageContext::new().conversation(format!("{env}-{i}"));
        let d = engine.process("do you sell gift cards", &ctx).unwrap();
        actions.push(d.would_action.unwrap_or(d.action));
        if d.would_action.unwrap_or(d.action) != Action::AutoExecute {
            assert_eq!(d.reason, Reason::NotAutoExecutable, "{d:#?}");
            let gate = d
                .evidence
                .gates
                .iter()
                .find(|g| g.gate == "operator_approvals")
                .expect("the approvals gate is shown");
            assert_eq!(gate.value, i as f64);
            assert!(!gate.passed);
        }
        let mut fb = Feedback::approve("do you sell gift cards", id);
        fb.decision_id = Some(d.id);
        engine.feedback(&fb).unwrap();
    }
    let first_auto = actions
        .iter()
        .position(|a| *a == Action::AutoExecute)
        .unwrap_or(usize::MAX);
    (first_auto, actions)
}

#[test]
fn production_needs_two_approvals_staging_one_before_any_auto_send() {
    let (first, actions) = approvals_needed_in("production");
    assert_eq!(first, 2, "{actions:?}");
    let (first, actions) = approvals_needed_in("staging");
    assert_eq!(first, 1, "{actions:?}");
    // Without an environment the same pattern auto-sends at once (the test can fail).
    let (engine, _) = engine_with(Config::default());
    trusted_gift(&engine);
    let d = engine
        .process("do you sell gift cards", &MessageContext::new())
        .unwrap();
    assert_eq!(d.action, Action::AutoExecute);
}

#[test]
fn development_starts_in_shadow_mode_and_sends_nothing() {
    let config = Config::resolve_with_env(&json!({}), Some("development")).unwrap();
    assert!(config.shadow_mode);
    let (engine, _) = engine_with(config);
    trusted_gift(&engine);
    let d = engine
        .process("do you sell gift cards", &MessageContext::new())
        .unwrap();
    assert_eq!(d.action, Action::Shadow);
    assert_eq!(d.would_action, Some(Action::AutoExecute));
    assert!(d.outbound.is_none());
    assert_eq!(engine.metrics().auto_sends, 0);
}

#[test]
fn approvals_undone_no_longer_count() {
    let config = Config::resolve_with_env(&json!({}), Some("staging")).unwrap();
    let (engine, _) = engine_with(config);
    let id = trusted_gift(&engine);
    engine
        .feedback(&Feedback::approve("gift cards?", id))
        .unwrap();
    let latest = engine.history(id).unwrap().last().unwrap().seq;
    engine.undo(latest).unwrap();
    let d = engine
        .process("do you sell gift cards", &MessageContext::new())
        .unwrap();
    assert_ne!(d.action, Action::AutoExecute, "{d:#?}");
}
