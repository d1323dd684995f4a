//! Memory bounds of long-running engines (issue 9, soak run in RELIABILITY.md):
//! whatever grows with the number of messages is capped.

use std::sync::Arc;

use pattern_learning::store::{MemoryStore, Store};
use pattern_learning::{Engine, Feedback, MessageContext};

/// `MemoryStore` keeps only the newest decisions; sequence numbers go on counting,
/// and the engine keeps committing after the oldest ones were dropped.
#[test]
fn memory_store_decision_log_is_bounded() {
    let store = Arc::new(MemoryStore::with_decision_limit(5));
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    engine
        .feedback(&Feedback::answer("do you sell gift cards", "Yes, online."))
        .unwrap();
    for i in 0..40 {
        let ctx = MessageContext::new()
            .conversation(format!("c{}", i % 3))
            .message_id(format!("m{i}"));
        engine.process("do you sell gift cards?", &ctx).unwrap();
    }
    let kept = store.decisions(0, usize::MAX).unwrap();
    let seqs: Vec<u64> = kept.iter().map(|d| d.seq).collect();
    assert_eq!(seqs, vec![36, 37, 38, 39, 40]);
    assert_eq!(store.load().unwrap().last_decision_seq, 40);
    assert_eq!(store.decisions(38, 10).unwrap().len(), 2);
    // Patterns and their events are state, never dropped.
    assert_eq!(store.load().unwrap().patterns.len(), 1);
    assert_eq!(store.events(None, 0, usize::MAX).unwrap().len(), 1);
}

#[test]
fn memory_store_default_keeps_the_documented_number_of_decisions() {
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    let n = MemoryStore::DEFAULT_DECISION_LIMIT + 25;
    for i in 0..n {
        let ctx = MessageContext::new().message_id(format!("m{i}"));
        engine.process("hello there", &ctx).unwrap();
    }
    let kept = store.decisions(0, usize::MAX).unwrap();
    assert_eq!(kept.len(), MemoryStore::DEFAULT_DECISION_LIMIT);
    assert_eq!(kept.last().unwrap().seq, n as u64);
    assert_eq!(kept.first().unwrap().seq, 26);
}

/// Rejecting the same message again and again counts every rejection but
/// remembers the message once (it used to add one more negative example each time).
#[test]
fn repeated_rejections_of_one_message_are_remembered_once() {
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    let out = engine
        .feedback(&Feedback::answer("do you sell gift cards", "Yes, online."))
        .unwrap();
    let id = out.learned_pattern.unwrap();
    for i in 0..50 {
        let message = if i % 2 == 0 {
            "can i buy a gift card for my dad"
        } else {
            "Can I buy a GIFT card for my dad?"
        };
        engine
            .feedback(&Feedback::reject(message, id, None))
            .unwrap();
    }
    engine
        .feedback(&Feedback::reject("gift card balance", id, None))
        .unwrap();
    assert_eq!(engine.pattern(id).unwrap().failure_count, 51);
    let rejections = store.load().unwrap().rejections;
    assert_eq!(rejections.len(), 2, "{rejections:?}");
    // Still not proposed again for either message.
    let d = engine
        .process("can i buy a gift card for my dad", &MessageContext::new())
        .unwrap();
    assert_ne!(d.pattern_id, Some(id));
}

/// The guards remember at most `max_conversations` conversations (default
/// 100,000; least recently seen are forgotten); a store forgets the same ones, so
/// its conversation table (and a `MemoryStore`'s memory) stays bounded however
/// many conversations arrive.
#[test]
fn stored_conversation_state_is_bounded_like_memory() {
    const LIMIT: usize = 200;
    let store = Arc::new(MemoryStore::with_decision_limit(1));
    let engine = Engine::builder()
        .store(store.clone())
        .max_conversations(LIMIT)
        .build()
        .unwrap();
    for i in 0..LIMIT + 50 {
        let ctx = MessageContext::new().conversation(format!("c{i}"));
        engine.process("hello there", &ctx).unwrap();
        if i == 9 {
            assert_eq!(store.load().unwrap().conversations.len(), 10);
        }
    }
    let stored = store.load().unwrap().conversations;
    assert_eq!(stored.len(), LIMIT);
    assert!(stored.contains_key(&format!("c{}", LIMIT + 49)));
}
