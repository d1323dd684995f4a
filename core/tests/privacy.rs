//! Issue #28: customer data. Identifiers redacted from what the engine learns
//! (this file's first part); erasure of one customer and retention (below), read
//! back from the raw store afterwards.

use std::sync::Arc;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::store::{SqliteStore, Store};
use pattern_learning::{Engine, Feedback, MatchKind, MessageContext};

const T0: Timestamp = Timestamp(1_767_225_600_000);

fn engine_at(clock: &ManualClock) -> Engine {
    Engine::builder()
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

#[test]
fn learned_examples_are_redacted_and_match_other_numbers_exactly() {
    let clock = ManualClock::new(T0);
    let engine = engine_at(&clock);
    let outcome = engine
        .feedback(&Feedback::answer(
            "this is Sam, please call me back at 902-555-0100",
            "We will call you back within the hour.",
        ))
        .unwrap();
    let id = outcome.learned_pattern.unwrap();
    let pattern = engine.pattern(id).unwrap();
    assert_eq!(
        pattern.trigger_examples,
        ["this is [name], please call me back at [phone]"]
    );
    let history = engine.history(id).unwrap();
    assert_eq!(
        history[0].full.as_ref().unwrap().trigger_examples,
        pattern.trigger_examples
    );
    // Another customer, another number: the same wording matches exactly.
    let d = engine
        .process(
            "This is Ana, please call me back at (782) 555-0199",
            &MessageContext::new(),
        )
        .unwrap();
    assert_eq!(d.pattern_id, Some(id));
    assert_eq!(d.evidence.match_kind, MatchKind::ExactSignature);
    assert_eq!(
        d.evidence.nearest_example.as_deref(),
        Some("this is [name], please call me back at [phone]")
    );
}

#[test]
fn approvals_and_rejections_learn_the_redacted_message() {
    let clock = ManualClock::new(T0);
    let engine = engine_at(&clock);
    let id = engine
        .feedback(&Feedback::answer(
            "can I book bay 3 tonight",
            "Yes, book online.",
        ))
        .unwrap()
        .learned_pattern
        .unwrap();
    engine
        .feedback(&Feedback::approve(
            "can I book bay 3 tonight? my email is sam@example.com",
            id,
        ))
        .unwrap();
    engine
        .feedback(&Feedback::reject("can I cancel, I'm Sam Lee", id, None))
        .unwrap();
    let examples = engine.pattern(id).unwrap().trigger_examples;
    assert_eq!(
        examples,
        [
            "can I book bay 3 tonight",
            "can I book bay 3 tonight? my email is [email]"
        ]
    );
    let messages: Vec<Option<String>> = engine
        .history(id)
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(
        messages,
        [
            None,
            Some("can I book bay 3 tonight? my email is [email]".to_owned()),
            Some("can I cancel, I'm [name]".to_owned()),
        ]
    );
}

#[test]
fn the_store_holds_only_the_redacted_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    {
        let engine = Engine::open(&path).unwrap();
        engine
            .feedback(&Feedback::answer(
                "my number changed to 902 555 0100, I'm Sam",
                "Thanks, updated.",
            ))
            .unwrap();
    }
    let state = SqliteStore::open(&path).unwrap().load().unwrap();
    assert_eq!(
        state.patterns[0].trigger_examples,
        ["my number changed to [phone], I'm [name]"]
    );
}
