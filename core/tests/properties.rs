//! Property tests of the engine's invariants (ARCHITECTURE.md, "Invariants"; issue 9):
//!
//! - decision confidence is finite and in `[0, 1]`;
//! - a disabled engine never produces an outbound message;
//! - nothing is auto-sent without an active, auto-executable pattern whose
//!   decision confidence clears the auto threshold;
//! - a reply containing `{{` is never sent;
//! - a rejected reply is not proposed again for the same message;
//! - the patterns rebuilt from the event log equal the stored patterns (and the
//!   live ones, and those of an engine reopened on the store);
//!
//! plus the conversation guards: lockout, idempotency, the hourly cap.

// Tests start from a default config and change one field; that reads best here.
#![allow(clippy::field_reassign_with_default)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pattern_learning::config::Config;
use pattern_learning::store::{MemoryStore, Store};
use pattern_learning::{
    rebuild_from_history, Engine, Feedback, MessageContext, NewPattern, OutboundKind,
    PatternFilter, PatternId, PatternUpdate,
};
use proptest::prelude::*;

mod support;

use support::{trained, Fixture, PHRASINGS};

/// Messages the properties draw from: known phrasings, unknown ones, unsafe ones.
const POOL: [&str; 10] = [
    "i can't log in to the trackman",
    "trackman login is not working",
    "qr login failed",
    "what are your hours",
    "this is ridiculous",
    "my lawyer will call",
    "",
    "thanks",
    "can't log in again",
    "urgent: door won't open",
];

fn fixture(config: Config) -> (Engine, pattern_learning::clock::ManualClock, PatternId) {
    let Fixture {
        engine,
        clock,
        pattern,
    } = trained(config);
    (engine, clock, pattern)
}

#[derive(Debug, Clone)]
enum Step {
    Message {
        text: usize,
        conversation: u8,
        message_id: Option<u8>,
    },
    Approve {
        text: usize,
    },
    Operator {
        conversation: u8,
    },
    Wait {
        secs: u16,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..POOL.len(), 0u8..4, proptest::option::of(0u8..6))
            .prop_map(|(text, conversation, message_id)| Step::Message { text, conversation, message_id }),
        1 => (0..POOL.len()).prop_map(|text| Step::Approve { text }),
        1 => (0u8..4).prop_map(|conversation| Step::Operator { conversation }),
        2 => (0u16..4000).prop_map(|secs| Step::Wait { secs }),
    ]
}

fn ctx(conversation: u8, message_id: Option<u8>) -> MessageContext {
    let mut c = MessageContext::new().conversation(format!("conv-{conversation}"));
    if let Some(m) = message_id {
        c = c.message_id(format!("msg-{m}"));
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A disabled engine never produces an outbound message of any kind.
    #[test]
    fn disabled_engine_never_sends(steps in proptest::collection::vec(step(), 1..40)) {
        let mut config = Config::default();
        config.enabled = false;
        let (engine, clock, id) = fixture(config);
        for s in steps {
            match s {
                Step::Message { text, conversation, message_id } => {
                    let d = engine.process(POOL[text], &ctx(conversation, message_id)).unwrap();
                    prop_assert!(d.outbound.is_none(), "{:?}", d);
                    prop_assert!(d.confidence.is_finite() && (0.0..=1.0).contains(&d.confidence));
                }
                Step::Approve { text } => { let _ = engine.feedback(&Feedback::approve(POOL[text], id)); }
                Step::Operator { conversation } => engine
                    .record_operator_message(&format!("conv-{conversation}"), None)
                    .expect("takeover recorded"),
                Step::Wait { secs } => clock.advance_secs(i64::from(secs)),
            }
        }
    }

    /// A conversation under operator lockout (inside the global cool-down) never
    /// gets an automatic reply.
    #[test]
    fn locked_out_conversation_never_gets_an_automatic_reply(
        texts in proptest::collection::vec(0..POOL.len(), 1..20),
        waits in proptest::collection::vec(0i64..170, 1..20),
    ) {
        let (engine, clock, _) = fixture(Config::default());
        engine.record_operator_message("conv-locked", Some(POOL[0]))
            .expect("takeover recorded");
        // The cool-down is 60 minutes; all waits together stay inside it.
        for (t, w) in texts.iter().zip(waits.iter().cycle()) {
            clock.advance_secs(*w);
            let d = engine.process(POOL[*t], &MessageContext::new().conversation("conv-locked")).unwrap();
            prop_assert!(!d.outbound.iter().any(|o| o.kind == OutboundKind::Reply), "{:?}", d);
        }
    }

    /// Processing the same inbound message id twice never sends twice.
    #[test]
    fn the_same_message_id_never_sends_twice(steps in proptest::collection::vec(step(), 1..60)) {
        let mut config = Config::default();
        config.guards.max_pattern_uses_per_conversation = 1000;
        let (engine, clock, _) = fixture(config);
        let mut sends: HashMap<u8, usize> = HashMap::new();
        for s in steps {
            match s {
                Step::Message { text, conversation, message_id } => {
                    let d = engine.process(POOL[text], &ctx(conversation, message_id)).unwrap();
                    if let (Some(m), Some(_)) = (message_id, &d.outbound) {
                        let n = sends.entry(m).or_default();
                        *n += 1;
                        prop_assert!(*n <= 1, "message id {} sent twice", m);
                    }
                }
                Step::Wait { secs } => clock.advance_secs(i64::from(secs)),
                _ => {}
            }
        }
    }

    /// The hourly cap of automatic sends holds under any interleaving of threads.
    #[test]
    fn hourly_cap_holds_across_threads(cap in 1u32..8, threads in 2usize..5, per_thread in 1usize..12) {
        let mut config = Config::default();
        config.guards.max_auto_sends_per_hour = Some(cap);
        let (engine, _clock, _) = fixture(config);
        let engine = Arc::new(engine);
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let engine = Arc::clone(&engine);
                std::thread::spawn(move || {
                    (0..per_thread)
                        .filter(|i| {
                            let c = MessageContext::new().conversation(format!("t{t}-{i}"));
                            engine.process(PHRASINGS[0], &c).unwrap().outbound.is_some()
                        })
                        .count()
                })
            })
            .collect();
        let sent: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        prop_assert!(sent <= cap as usize);
        prop_assert_eq!(sent, (cap as usize).min(threads * per_thread));
    }

    /// Decision confidence is always finite and in [0, 1], for any text.
    #[test]
    fn confidence_is_always_in_the_unit_interval(text in ".{0,200}") {
        let (engine, _, _) = fixture(Config::default());
        let d = engine.process(&text, &MessageContext::new()).unwrap();
        prop_assert!(d.confidence.is_finite() && (0.0..=1.0).contains(&d.confidence));
        prop_assert!(d.evidence.similarity.is_finite());
        if let Some(o) = &d.outbound {
            prop_assert!(!o.text.contains("{{"));
        }
    }
}

/// A change an operator or admin makes to the trusted pattern between messages.
#[derive(Debug, Clone)]
enum Change {
    Message { text: usize, conversation: u8 },
    FreeMessage(String),
    SetActive(bool),
    SetAuto(bool),
    Confidence(f64),
    Approve { text: usize },
    Reject { text: usize },
    Delete,
    Restore,
    Wait { secs: u16 },
}

/// A number of thousandths in `range`, e.g. `thousandths(-500..1500)` for −0.5 to 1.499.
/// From integers: proptest's own float range sampler can trip a debug assertion of its
/// own on some seeds (proptest 1.x, `float_samplers.rs`), which failed a CI run.
fn thousandths(range: std::ops::Range<i32>) -> impl Strategy<Value = f64> {
    range.prop_map(|i| f64::from(i) / 1000.0)
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => (0..POOL.len(), 0u8..6).prop_map(|(text, conversation)| Change::Message { text, conversation }),
        1 => "[a-z' ]{0,40}".prop_map(Change::FreeMessage),
        1 => any::<bool>().prop_map(Change::SetActive),
        1 => any::<bool>().prop_map(Change::SetAuto),
        1 => prop_oneof![thousandths(-1000..2000), Just(f64::NAN), Just(f64::INFINITY), Just(0.85), Just(0.86)]
            .prop_map(Change::Confidence),
        1 => (0..POOL.len()).prop_map(|text| Change::Approve { text }),
        1 => (0..POOL.len()).prop_map(|text| Change::Reject { text }),
        1 => Just(Change::Delete),
        1 => Just(Change::Restore),
        1 => (0u16..4000).prop_map(|secs| Change::Wait { secs }),
    ]
}

/// The operations of [`state_rebuilt_from_the_event_log_equals_the_stored_state`].
#[derive(Debug, Clone)]
enum Edit {
    Answer {
        text: usize,
        reply: u8,
    },
    Approve {
        text: usize,
        pattern: u8,
    },
    Reject {
        text: usize,
        pattern: u8,
    },
    Create {
        text: usize,
        reply: u8,
    },
    Update {
        pattern: u8,
        confidence: f64,
        text: usize,
    },
    SetActive {
        pattern: u8,
        yes: bool,
    },
    Delete {
        pattern: u8,
    },
    Restore {
        pattern: u8,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    let t = 0..POOL.len();
    prop_oneof![
        (t.clone(), 0u8..4).prop_map(|(text, reply)| Edit::Answer { text, reply }),
        (t.clone(), any::<u8>()).prop_map(|(text, pattern)| Edit::Approve { text, pattern }),
        (t.clone(), any::<u8>()).prop_map(|(text, pattern)| Edit::Reject { text, pattern }),
        (t.clone(), 0u8..4).prop_map(|(text, reply)| Edit::Create { text, reply }),
        (any::<u8>(), thousandths(-500..1500), t).prop_map(|(pattern, confidence, text)| {
            Edit::Update {
                pattern,
                confidence,
                text,
            }
        }),
        (any::<u8>(), any::<bool>()).prop_map(|(pattern, yes)| Edit::SetActive { pattern, yes }),
        any::<u8>().prop_map(|pattern| Edit::Delete { pattern }),
        any::<u8>().prop_map(|pattern| Edit::Restore { pattern }),
    ]
}

fn nth_pattern(engine: &Engine, k: u8) -> PatternId {
    let all = engine.patterns(PatternFilter::all());
    if all.is_empty() {
        PatternId(u64::from(k))
    } else {
        all[k as usize % all.len()].id
    }
}

fn reply(k: u8) -> String {
    format!("Reply number {k}: see you at the club, {{{{customer_name|friend}}}}.")
}

proptest! {
    // Each case builds one or two engines (most of its time, in debug builds):
    // 24 cases keep this block to about as long as the one above; the engine_ops
    // fuzz target checks the same invariants on many more sequences.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// An outbound reply always comes from an active, not deleted, auto-executable
    /// pattern, at a decision confidence that clears the auto threshold, and never
    /// holds `{{` — whatever is done to the pattern between messages.
    #[test]
    fn auto_send_requires_an_active_auto_executable_pattern_above_the_threshold(
        changes in proptest::collection::vec(change(), 1..40),
    ) {
        let (engine, clock, id) = fixture(Config::default());
        let thresholds = engine.config().thresholds;
        for c in changes {
            let decision = match c {
                Change::Message { text, conversation } => {
                    Some(engine.process(POOL[text], &ctx(conversation, None)).unwrap())
                }
                Change::FreeMessage(text) => Some(engine.process(&text, &ctx(9, None)).unwrap()),
                Change::SetActive(yes) => { let _ = engine.set_active(id, yes); None }
                Change::SetAuto(yes) => { let _ = engine.set_auto_executable(id, yes); None }
                Change::Confidence(c) => {
                    let update = PatternUpdate { confidence: Some(c), ..PatternUpdate::default() };
                    let _ = engine.update_pattern(id, update);
                    None
                }
                Change::Approve { text } => { let _ = engine.feedback(&Feedback::approve(POOL[text], id)); None }
                Change::Reject { text } => { let _ = engine.feedback(&Feedback::reject(POOL[text], id, None)); None }
                Change::Delete => { let _ = engine.delete_pattern(id); None }
                Change::Restore => { let _ = engine.restore_pattern(id); None }
                Change::Wait { secs } => { clock.advance_secs(i64::from(secs)); None }
            };
            let Some(d) = decision else { continue };
            prop_assert!(d.confidence.is_finite() && (0.0..=1.0).contains(&d.confidence));
            if let Some(out) = d.outbound.as_ref().filter(|o| o.kind == OutboundKind::Reply) {
                let p = engine.pattern(d.pattern_id.expect("a reply names its pattern")).unwrap();
                prop_assert!(p.is_active && !p.is_deleted && p.auto_executable, "{:?} from {:?}", d, p);
                prop_assert!(thresholds.clears(d.confidence, thresholds.auto), "{:?}", d);
                prop_assert!(!out.text.contains("{{"), "{:?}", out);
            }
        }
    }

    /// A reply whose variables are not all filled — or are filled with text that
    /// holds `{{` — is never sent.
    #[test]
    fn a_reply_containing_braces_is_never_sent(
        bay in proptest::option::of("[a-z0-9{}| ]{0,8}"),
        name in proptest::option::of("[A-Za-z{}]{0,8}"),
        text in 0..3usize,
    ) {
        let engine = Engine::new();
        let template = "Hi {{customer_name|there}}, bay {{bay_number}} is being reset.";
        let id = engine
            .create_pattern(NewPattern::new(PHRASINGS, template).confidence(1.0).auto_executable(true))
            .unwrap()
            .id;
        for p in PHRASINGS.iter().take(5) {
            engine.feedback(&Feedback::approve(format!("{p}!"), id)).unwrap();
        }
        let mut c = MessageContext::new().conversation("braces");
        if let Some(b) = &bay {
            c = c.variable("bay_number", b.clone());
        }
        if let Some(n) = &name {
            c = c.customer_name(n.clone());
        }
        let d = engine.process(PHRASINGS[text], &c).unwrap();
        if let Some(out) = &d.outbound {
            prop_assert!(!out.text.contains("{{"), "{:?}", out);
        }
        if bay.is_none() {
            prop_assert!(d.outbound.is_none(), "an unfilled variable was sent: {:?}", d);
        }
    }

    /// After an operator rejects a pattern for a message, that pattern is not
    /// proposed again for the same message, whatever else happens in between.
    #[test]
    fn a_rejected_reply_is_not_proposed_again_for_the_same_message(
        text in prop_oneof![(0..PHRASINGS.len()).prop_map(|i| PHRASINGS[i].to_owned()), "[a-z]{2,10}[a-z' ]{0,30}"],
        between in proptest::collection::vec(change(), 0..12),
    ) {
        let (engine, clock, id) = fixture(Config::default());
        engine.feedback(&Feedback::reject(text.clone(), id, None)).unwrap();
        for c in between {
            match c {
                Change::Message { text, conversation } => { engine.process(POOL[text], &ctx(conversation, None)).unwrap(); }
                Change::Approve { text } => { let _ = engine.feedback(&Feedback::approve(POOL[text], id)); }
                Change::SetActive(yes) => { engine.set_active(id, yes).unwrap(); }
                Change::Wait { secs } => clock.advance_secs(i64::from(secs)),
                _ => {}
            }
        }
        engine.set_active(id, true).unwrap();
        let d = engine.process(&text, &MessageContext::new()).unwrap();
        prop_assert_ne!(d.pattern_id, Some(id), "{:?}", d);
        prop_assert!(d.outbound.is_none() || d.pattern_id != Some(id));
    }

    /// Every change is an appended event: the patterns rebuilt from the store's
    /// event log equal the store's patterns, the engine's live patterns, and the
    /// patterns of a new engine opened on the same store.
    #[test]
    fn state_rebuilt_from_the_event_log_equals_the_stored_state(
        edits in proptest::collection::vec(edit(), 1..30),
    ) {
        let store = Arc::new(MemoryStore::new());
        let engine = Engine::builder().store(store.clone()).build().unwrap();
        for e in edits {
            let _ = match e {
                Edit::Answer { text, reply: r } => engine.feedback(&Feedback::answer(POOL[text], reply(r))).map(drop),
                Edit::Approve { text, pattern } => engine.feedback(&Feedback::approve(POOL[text], nth_pattern(&engine, pattern))).map(drop),
                Edit::Reject { text, pattern } => engine.feedback(&Feedback::reject(POOL[text], nth_pattern(&engine, pattern), None)).map(drop),
                Edit::Create { text, reply: r } => engine.create_pattern(NewPattern::new([POOL[text]], reply(r))).map(drop),
                Edit::Update { pattern, confidence, text } => {
                    let update = PatternUpdate {
                        confidence: Some(confidence),
                        trigger_examples: Some(vec![POOL[text].to_owned(), "an added example".to_owned()]),
                        ..PatternUpdate::default()
                    };
                    engine.update_pattern(nth_pattern(&engine, pattern), update).map(drop)
                }
                Edit::SetActive { pattern, yes } => engine.set_active(nth_pattern(&engine, pattern), yes).map(drop),
                Edit::Delete { pattern } => engine.delete_pattern(nth_pattern(&engine, pattern)).map(drop),
                Edit::Restore { pattern } => engine.restore_pattern(nth_pattern(&engine, pattern)).map(drop),
            };
        }
        let events = store.events(None, 0, usize::MAX).unwrap();
        let rebuilt = rebuild_from_history(&events).unwrap();
        let stored: BTreeMap<_, _> = store.load().unwrap().patterns.into_iter().map(|p| (p.id, p)).collect();
        let live: BTreeMap<_, _> = engine.patterns(PatternFilter::all()).into_iter().map(|p| (p.id, p)).collect();
        prop_assert_eq!(&rebuilt, &stored);
        prop_assert_eq!(&live, &stored);
        drop(engine);
        let reopened = Engine::builder().store(store.clone()).build().unwrap();
        let again: BTreeMap<_, _> = reopened.patterns(PatternFilter::all()).into_iter().map(|p| (p.id, p)).collect();
        prop_assert_eq!(&again, &stored);
    }
}
