//! Drives an in-memory engine (ManualClock) through arbitrary sequences of
//! process / feedback / create / update / set_active / set_auto_executable /
//! delete / restore / record_operator_message / clock and config changes, and
//! checks after every step:
//!
//! 1. a decision's confidence is finite and in `[0, 1]`;
//! 2. a disabled engine (`config.enabled == false`) sends nothing;
//! 3. an outbound `Reply` comes from a pattern that is active, not deleted and
//!    auto-executable, with a decision confidence that clears the auto threshold,
//!    and its text holds no `{{`;
//! 4. a pattern rejected for a message is never proposed again for that same
//!    message (the same text);
//! 5. every pattern's confidence is finite and in `[0, 1]`;
//! 6. `rebuild_from_history(full_history())` equals `patterns(PatternFilter::all())`
//!    keyed by id (every change is an appended event).
//!
//! The input is a `Vec<Op>` derived with `arbitrary`; on failure libFuzzer prints
//! its `Debug` form, which reads as the script to replay in a test.
#![no_main]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::config::Profile;
use pattern_learning::{
    rebuild_from_history, Config, Engine, Feedback, MessageContext, NewPattern, OutboundKind,
    PatternFilter, PatternId, PatternUpdate,
};
use serde_json::json;

const MESSAGES: [&str; 12] = [
    "i can't log in to the trackman",
    "trackman login is not working",
    "qr login failed",
    "what are your hours",
    "what time do you open",
    "do you sell gift cards?",
    "this is ridiculous, refund me now",
    "my lawyer will call",
    "",
    "thanks",
    "urgent: door won't open",
    "can i book bay {{bay_number}} for tonight",
];
const REPLIES: [&str; 6] = [
    "Tap 'Guest' on the login screen to play without an account.",
    "We are open 6am to 11pm every day.",
    "Yes! Gift cards are sold online at {{booking_link|our website}}.",
    "Hi {{customer_name}}, a staff member will reset bay {{bay_number}}.",
    "Hi {{customer_name|there}}, the door code was sent by text.",
    "{{unterminated",
];
const MAX_TEXT: usize = 160;

#[derive(Debug, Arbitrary)]
enum Text {
    Known(u8),
    Free(String),
}

impl Text {
    fn get(&self) -> String {
        match self {
            Text::Known(i) => MESSAGES[*i as usize % MESSAGES.len()].to_owned(),
            Text::Free(s) => s.chars().take(MAX_TEXT).collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Reply {
    Known(u8),
    Free(String),
}

impl Reply {
    fn get(&self) -> String {
        match self {
            Reply::Known(i) => REPLIES[*i as usize % REPLIES.len()].to_owned(),
            Reply::Free(s) => s.chars().take(MAX_TEXT).collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Conf {
    Step(u8),
    Raw(f64),
}

impl Conf {
    fn get(&self) -> f64 {
        match self {
            Conf::Step(b) => f64::from(*b) / 255.0,
            Conf::Raw(f) => *f,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Op {
    Process {
        text: Text,
        conversation: u8,
        message_id: Option<u8>,
        name: Option<String>,
        bay: Option<String>,
    },
    Approve {
        text: Text,
        pattern: u8,
        last_decision: bool,
    },
    Modify {
        text: Text,
        pattern: u8,
        reply: Reply,
    },
    Reject {
        text: Text,
        pattern: u8,
        reply: Option<Reply>,
    },
    Answer {
        text: Text,
        reply: Reply,
        feedback_id: Option<u8>,
    },
    Create {
        examples: Vec<Text>,
        reply: Reply,
        confidence: Option<Conf>,
        auto: bool,
        active: bool,
    },
    Update {
        pattern: u8,
        reply: Option<Reply>,
        examples: Option<Vec<Text>>,
        confidence: Option<Conf>,
    },
    SetActive {
        pattern: u8,
        yes: bool,
    },
    SetAuto {
        pattern: u8,
        yes: bool,
    },
    Delete {
        pattern: u8,
    },
    Restore {
        pattern: u8,
    },
    Operator {
        conversation: u8,
        last: Option<Text>,
    },
    Advance {
        secs: u16,
    },
    SetEnabled(bool),
    SetShadow(bool),
}

#[derive(Debug, Arbitrary)]
struct Script {
    v1_profile: bool,
    enabled: bool,
    ops: Vec<Op>,
}

fn pick(engine: &Engine, k: u8) -> PatternId {
    let all = engine.patterns(PatternFilter::all());
    if all.is_empty() || k == u8::MAX {
        // Also exercise unknown ids.
        PatternId(u64::from(k))
    } else {
        all[k as usize % all.len()].id
    }
}

fuzz_target!(|script: Script| {
    let mut config = Config::from_profile(if script.v1_profile {
        Profile::V1
    } else {
        Profile::Seed
    });
    config.enabled = script.enabled;
    let clock = ManualClock::new(Timestamp(1_767_225_600_000));
    let engine = Engine::builder()
        .config(config)
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("a profile config builds");
    let mut last_decision = None;
    // (message, pattern) pairs an operator rejected, successfully.
    let mut rejected: HashSet<(String, PatternId)> = HashSet::new();

    for (step, op) in script.ops.iter().take(48).enumerate() {
        match op {
            Op::Process {
                text,
                conversation,
                message_id,
                name,
                bay,
            } => {
                let mut ctx = MessageContext::new().conversation(format!("c{}", conversation % 4));
                if let Some(m) = message_id {
                    ctx = ctx.message_id(format!("m{m}"));
                }
                if let Some(n) = name {
                    ctx = ctx.customer_name(n.chars().take(MAX_TEXT).collect::<String>());
                }
                if let Some(b) = bay {
                    ctx = ctx.variable("bay_number", b.chars().take(MAX_TEXT).collect::<String>());
                }
                let message = text.get();
                let config = engine.config();
                let Ok(decision) = engine.process(&message, &ctx) else {
                    continue;
                };
                last_decision = Some(decision.id);
                if let Some(p) = decision.pattern_id {
                    assert!(
                        !rejected.contains(&(message.clone(), p)),
                        "step {step}: pattern {p:?} proposed again for {message:?} after a rejection: {decision:?}"
                    );
                }
                let c = decision.confidence;
                assert!(
                    c.is_finite() && (0.0..=1.0).contains(&c),
                    "step {step}: confidence {c} out of [0,1]"
                );
                if !config.enabled {
                    assert!(
                        decision.outbound.is_none(),
                        "step {step}: disabled engine sent {:?}",
                        decision.outbound
                    );
                }
                if let Some(out) = &decision.outbound {
                    if out.kind == OutboundKind::Reply {
                        let id = decision.pattern_id.expect("a reply names its pattern");
                        let p = engine.pattern(id).expect("a reply's pattern exists");
                        assert!(
                            p.is_active && !p.is_deleted,
                            "step {step}: reply from inactive/deleted {p:?}"
                        );
                        assert!(
                            p.auto_executable,
                            "step {step}: reply from non-auto pattern {p:?}"
                        );
                        assert!(
                            config
                                .thresholds
                                .clears(c, decision.evidence.auto_threshold),
                            "step {step}: reply at confidence {c} below auto threshold {}",
                            decision.evidence.auto_threshold
                        );
                        assert!(
                            !out.text.contains("{{"),
                            "step {step}: reply with placeholder {:?}",
                            out.text
                        );
                    }
                }
            }
            Op::Approve {
                text,
                pattern,
                last_decision: use_last,
            } => {
                let mut fb = Feedback::approve(text.get(), pick(&engine, *pattern));
                if *use_last {
                    fb.decision_id = last_decision;
                }
                let _ = engine.feedback(&fb);
            }
            Op::Modify {
                text,
                pattern,
                reply,
            } => {
                let _ = engine.feedback(&Feedback::modify(
                    text.get(),
                    pick(&engine, *pattern),
                    reply.get(),
                ));
            }
            Op::Reject {
                text,
                pattern,
                reply,
            } => {
                let message = text.get();
                let id = pick(&engine, *pattern);
                let fb = Feedback::reject(message.clone(), id, reply.as_ref().map(Reply::get));
                if engine.feedback(&fb).is_ok() {
                    rejected.insert((message, id));
                }
            }
            Op::Answer {
                text,
                reply,
                feedback_id,
            } => {
                let mut fb = Feedback::answer(text.get(), reply.get());
                fb.id = feedback_id.map(|i| format!("fb{i}"));
                let _ = engine.feedback(&fb);
            }
            Op::Create {
                examples,
                reply,
                confidence,
                auto,
                active,
            } => {
                let mut new = NewPattern::new(examples.iter().take(4).map(Text::get), reply.get())
                    .auto_executable(*auto);
                new.is_active = *active;
                if let Some(c) = confidence {
                    new = new.confidence(c.get());
                }
                let _ = engine.create_pattern(new);
            }
            Op::Update {
                pattern,
                reply,
                examples,
                confidence,
            } => {
                let update = PatternUpdate {
                    response_template: reply.as_ref().map(Reply::get),
                    trigger_examples: examples
                        .as_ref()
                        .map(|e| e.iter().take(4).map(Text::get).collect()),
                    confidence: confidence.as_ref().map(Conf::get),
                    ..PatternUpdate::default()
                };
                let _ = engine.update_pattern(pick(&engine, *pattern), update);
            }
            Op::SetActive { pattern, yes } => {
                let _ = engine.set_active(pick(&engine, *pattern), *yes);
            }
            Op::SetAuto { pattern, yes } => {
                let _ = engine.set_auto_executable(pick(&engine, *pattern), *yes);
            }
            Op::Delete { pattern } => {
                let _ = engine.delete_pattern(pick(&engine, *pattern));
            }
            Op::Restore { pattern } => {
                let _ = engine.restore_pattern(pick(&engine, *pattern));
            }
            Op::Operator { conversation, last } => {
                let last = last.as_ref().map(Text::get);
                engine
                    .record_operator_message(&format!("c{}", conversation % 4), last.as_deref())
                    .expect("an engine without a store records a takeover in memory");
            }
            Op::Advance { secs } => clock.advance_secs(i64::from(*secs)),
            Op::SetEnabled(on) => {
                engine
                    .update_config(&json!({ "enabled": on }))
                    .expect("enabled is a valid patch");
            }
            Op::SetShadow(on) => {
                engine
                    .update_config(&json!({ "shadow_mode": on }))
                    .expect("shadow_mode is a valid patch");
            }
        }

        for p in engine.patterns(PatternFilter::all()) {
            assert!(
                p.confidence.is_finite() && (0.0..=1.0).contains(&p.confidence),
                "step {step}: pattern confidence out of range: {p:?}"
            );
        }
        let history = engine.full_history().expect("in-memory history");
        let rebuilt = rebuild_from_history(&history).expect("history replays");
        let live: BTreeMap<_, _> = engine
            .patterns(PatternFilter::all())
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        assert_eq!(
            rebuilt, live,
            "step {step}: history replay differs from live patterns"
        );
    }
});
