//! Property tests of the safety invariants (DESIGN §7, issue "Safety guards").

// Tests start from a default config and change one field; that reads best here.
#![allow(clippy::field_reassign_with_default)]

use std::collections::HashMap;
use std::sync::Arc;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::config::Config;
use pattern_learning::{Engine, Feedback, MessageContext, NewPattern, OutboundKind, PatternId};
use proptest::prelude::*;

const REPLY: &str = "Tap 'Guest' on the login screen to play without an account.";
const PHRASINGS: [&str; 6] = [
    "i can't log in to the trackman",
    "the qr code won't log us in",
    "cant login on the simulator",
    "trackman login is not working",
    "qr login failed",
    "we can't sign in to trackman",
];
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

fn trained(config: Config) -> (Engine, ManualClock, PatternId) {
    let clock = ManualClock::new(Timestamp(1_767_225_600_000));
    let engine = Engine::builder()
        .config(config)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let id = engine
        .create_pattern(
            NewPattern::new(PHRASINGS, REPLY)
                .confidence(1.0)
                .auto_executable(true),
        )
        .unwrap()
        .id;
    for p in PHRASINGS.iter().take(5) {
        engine
            .feedback(&Feedback::approve(format!("{p}?"), id))
            .unwrap();
    }
    (engine, clock, id)
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
        let (engine, clock, id) = trained(config);
        for s in steps {
            match s {
                Step::Message { text, conversation, message_id } => {
                    let d = engine.process(POOL[text], &ctx(conversation, message_id)).unwrap();
                    prop_assert!(d.outbound.is_none(), "{:?}", d);
                    prop_assert!(d.confidence.is_finite() && (0.0..=1.0).contains(&d.confidence));
                }
                Step::Approve { text } => { let _ = engine.feedback(&Feedback::approve(POOL[text], id)); }
                Step::Operator { conversation } => engine.record_operator_message(&format!("conv-{conversation}"), None),
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
        let (engine, clock, _) = trained(Config::default());
        engine.record_operator_message("conv-locked", Some(POOL[0]));
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
        let (engine, clock, _) = trained(config);
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
        let (engine, _clock, _) = trained(config);
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
        let (engine, _, _) = trained(Config::default());
        let d = engine.process(&text, &MessageContext::new()).unwrap();
        prop_assert!(d.confidence.is_finite() && (0.0..=1.0).contains(&d.confidence));
        prop_assert!(d.evidence.similarity.is_finite());
        if let Some(o) = &d.outbound {
            prop_assert!(!o.text.contains("{{"));
        }
    }
}
