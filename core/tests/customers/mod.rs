//! Two customers in one inbox, for the erasure tests of every store: Sam (whose
//! data is erased) and Ana (whose data stays). Each has marker strings that only
//! their data holds, so a search of a store's content — through the API, or in its
//! raw file or tables — tells whether anything of theirs is left.
#![allow(dead_code)]

use pattern_learning::privacy::Customer;
use pattern_learning::store::Store;
use pattern_learning::{
    rebuild_from_history, Engine, Feedback, MessageContext, NewPattern, PatternFilter, PatternId,
    Reason,
};

pub const SAM_PHONE: &str = "+1 (902) 555-0100";
pub const SAM_CONVERSATION: &str = "conv-sam-4711";
pub const SAM_NAME: &str = "Samwise Gamgee";
/// What Sam wrote.
pub const SAM_CLUBS: &str = "do you rent left-handed clubs? call me on 902-555-0100";
pub const SAM_UMBRELLA: &str = "I left a zebra-striped umbrella in bay 4";
pub const SAM_CANCEL: &str = "this is Samwise Gamgee, cancel my booking";
/// Strings only Sam's data holds.
pub const SAM_MARKERS: [&str; 7] = [
    "Samwise",
    "Gamgee",
    "conv-sam-4711",
    "msg-sam-",
    "left-handed",
    "zebra-striped",
    "555-0100",
];
pub const ANA_CONVERSATION: &str = "conv-ana-1234";
pub const ANA_CLUBS: &str = "do you rent clubs for a periwinkle themed party";
/// Strings only Ana's data holds.
pub const ANA_MARKERS: [&str; 3] = ["conv-ana-1234", "msg-ana-", "periwinkle"];
/// The trusted pattern's reply, with the customer's name.
pub const CLUBS_REPLY: &str = "Hi {{customer_name|there}}, yes: rental clubs are $10 a set.";

/// Sam, by phone number and conversation.
pub fn sam() -> Customer {
    Customer {
        phone: Some(SAM_PHONE.to_owned()),
        conversation_id: Some(SAM_CONVERSATION.to_owned()),
    }
}

fn sam_ctx(n: u32) -> MessageContext {
    MessageContext::new()
        .conversation(SAM_CONVERSATION)
        .phone(SAM_PHONE)
        .customer_name(SAM_NAME)
        .message_id(format!("msg-sam-{n:04}"))
}

fn ana_ctx(n: u32) -> MessageContext {
    MessageContext::new()
        .conversation(ANA_CONVERSATION)
        .customer_name("Ana")
        .message_id(format!("msg-ana-{n:04}"))
}

/// The patterns the day leaves.
pub struct Day {
    /// The trusted clubs pattern (one example learned from Sam, one from Ana).
    pub clubs: PatternId,
    /// The pattern learned from Sam's umbrella message only.
    pub umbrella: PatternId,
}

/// A day of the inbox: Sam asks about clubs (the reply names him), loses an
/// umbrella (an operator answers: a new pattern), cancels (a rejection), and an
/// operator takes over his conversation; Ana asks about clubs (approved).
pub fn play(engine: &Engine) -> Day {
    let clubs = engine
        .create_pattern(
            NewPattern::new(
                [
                    "do you rent golf clubs",
                    "can i rent clubs here",
                    "are rental clubs available",
                    "do you have golf clubs to rent",
                    "can we rent golf clubs",
                    "golf club rental",
                    "rent golf clubs",
                ],
                CLUBS_REPLY,
            )
            .confidence(1.0)
            .auto_executable(true),
        )
        .unwrap()
        .id;
    // Operators sent it before: enough support and approvals (V1's threshold, 10)
    // to send it unattended.
    for p in [
        "do you rent golf clubs",
        "can i rent clubs here",
        "rent golf clubs",
    ] {
        for _ in 0..4 {
            engine
                .feedback(&Feedback::approve(format!("{p}!"), clubs))
                .unwrap();
        }
    }
    let d = engine.process(SAM_CLUBS, &sam_ctx(1)).unwrap();
    assert_eq!(d.pattern_id, Some(clubs), "{d:?}");
    assert!(
        d.response.as_deref().unwrap_or("").contains(SAM_NAME),
        "{d:?}"
    );
    engine
        .feedback(&Feedback {
            decision_id: Some(d.id),
            ..Feedback::approve(SAM_CLUBS, clubs)
        })
        .unwrap();
    engine.process(SAM_UMBRELLA, &sam_ctx(2)).unwrap();
    let umbrella = engine
        .feedback(&Feedback::answer(
            SAM_UMBRELLA,
            "We found it: it is at the front desk.",
        ))
        .unwrap()
        .learned_pattern
        .unwrap();
    engine.process(SAM_CANCEL, &sam_ctx(3)).unwrap();
    engine
        .feedback(&Feedback::reject(SAM_CANCEL, clubs, None))
        .unwrap();
    engine
        .record_operator_message(SAM_CONVERSATION, Some(SAM_CANCEL))
        .unwrap();
    let d = engine.process(ANA_CLUBS, &ana_ctx(1)).unwrap();
    engine
        .feedback(&Feedback {
            decision_id: Some(d.id),
            ..Feedback::approve(ANA_CLUBS, clubs)
        })
        .unwrap();
    Day { clubs, umbrella }
}

/// An operator's takeover holds in Sam's conversation (lockout or cool-down).
pub fn sam_is_locked_out(engine: &Engine, message_id: &str) -> bool {
    let ctx = MessageContext::new()
        .conversation(SAM_CONVERSATION)
        .message_id(message_id);
    let d = engine.process("do you rent golf clubs", &ctx).unwrap();
    matches!(d.reason, Reason::OperatorActive | Reason::GlobalCooldown)
}

/// Everything a store returns through its API, as JSON text.
pub fn store_text(store: &dyn Store) -> String {
    let state = store.load().unwrap();
    let events = store.events(None, 0, usize::MAX).unwrap();
    let decisions = store.decisions(0, usize::MAX).unwrap();
    let log = store.erasures().unwrap();
    format!(
        "{}\n{}\n{}\n{}",
        serde_json::to_string(&state).unwrap(),
        serde_json::to_string(&events).unwrap(),
        serde_json::to_string(&decisions).unwrap(),
        serde_json::to_string(&log).unwrap()
    )
}

/// Everything an engine holds of patterns and history, as JSON text.
pub fn engine_text(engine: &Engine) -> String {
    format!(
        "{}\n{}",
        serde_json::to_string(&engine.patterns(PatternFilter::all())).unwrap(),
        serde_json::to_string(&engine.full_history().unwrap()).unwrap()
    )
}

/// The markers of `markers` that `text` holds.
pub fn found<'a>(text: &str, markers: &[&'a str]) -> Vec<&'a str> {
    markers
        .iter()
        .copied()
        .filter(|m| text.contains(m))
        .collect()
}

/// What every store must hold after Sam's erasure: nothing of his, all of Ana's,
/// a history that rebuilds the patterns, and one entry in the erasure log.
pub fn assert_sam_erased(store: &dyn Store, day: &Day) {
    let text = store_text(store);
    assert_eq!(found(&text, &SAM_MARKERS), Vec::<&str>::new());
    assert_eq!(found(&text, &ANA_MARKERS), ANA_MARKERS);
    let state = store.load().unwrap();
    let umbrella = state
        .patterns
        .iter()
        .find(|p| p.id == day.umbrella)
        .unwrap();
    assert!(umbrella.trigger_examples.is_empty());
    assert!(
        !umbrella.is_active,
        "a pattern left without examples is deactivated"
    );
    let events = store.events(None, 0, usize::MAX).unwrap();
    let rebuilt = rebuild_from_history(&events).unwrap();
    for p in &state.patterns {
        assert_eq!(rebuilt.get(&p.id), Some(p), "pattern {}", p.id);
    }
    assert!(!state.conversations.contains_key(SAM_CONVERSATION));
    assert!(state.conversations.contains_key(ANA_CONVERSATION));
    let decisions = store.decisions(0, usize::MAX).unwrap();
    let redacted: Vec<_> = decisions.iter().filter(|d| d.message.is_empty()).collect();
    assert_eq!(
        redacted.len(),
        4,
        "Sam's three messages and the lockout check"
    );
    for d in redacted {
        assert!(d.response.is_none() && d.message_id.is_none() && d.conversation_id.is_none());
        assert!(!d.action.is_empty(), "what counts is kept");
    }
    let log = store.erasures().unwrap();
    assert_eq!(log.len(), 1);
    let counts = log[0].counts;
    assert_eq!(
        (
            counts.decisions,
            counts.examples,
            counts.rejections,
            counts.conversations
        ),
        (4, 2, 1, 1)
    );
    assert!(counts.events >= 3, "{counts:?}");
}
