//! Issue #28: customer data. Identifiers redacted from what the engine learns
//! (this file's first part); erasure of one customer and retention (below), read
//! back from the raw store afterwards.

mod customers;

use std::path::Path;
use std::sync::Arc;

use customers::{found, ANA_MARKERS, SAM_CONVERSATION, SAM_MARKERS};
use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::privacy::Customer;
use pattern_learning::store::{ErasureKind, MemoryStore, SqliteStore, Store};
use pattern_learning::{Engine, Error, Feedback, MatchKind, MessageContext, PatternFilter, Reason};

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

/// Every byte of the store's files (the database, its write-ahead log and
/// shared-memory file), as text.
fn raw_files(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(path.parent().unwrap()).unwrap() {
        let file = entry.unwrap().path();
        if file
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(&name)
        {
            bytes.extend(std::fs::read(&file).unwrap());
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn erasing_a_customer_leaves_nothing_of_them_in_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.db");
    let clock = ManualClock::new(T0);
    let engine = Engine::builder()
        .clock(Arc::new(clock.clone()))
        .open(&path)
        .unwrap()
        .build()
        .unwrap();
    let day = customers::play(&engine);
    assert!(customers::sam_is_locked_out(&engine, "msg-sam-0004"));
    // The file holds Sam's data before (so the search below can find it).
    assert_eq!(
        found(&raw_files(&path), &SAM_MARKERS).len(),
        SAM_MARKERS.len()
    );

    let erased = engine.erase_customer(&customers::sam()).unwrap();
    assert_eq!(
        (
            erased.decisions,
            erased.examples,
            erased.rejections,
            erased.conversations
        ),
        (4, 2, 1, 1)
    );
    let raw = raw_files(&path);
    assert_eq!(found(&raw, &SAM_MARKERS), Vec::<&str>::new());
    assert_eq!(found(&raw, &ANA_MARKERS), ANA_MARKERS);

    let live = customers::engine_text(&engine);
    assert_eq!(found(&live, &SAM_MARKERS), Vec::<&str>::new());
    drop(engine);

    let store = SqliteStore::open(&path).unwrap();
    store.check_integrity().unwrap();
    customers::assert_sam_erased(&store, &day);
    assert_eq!(store.erasures().unwrap()[0].kind, ErasureKind::Customer);
    drop(store);
    // The store still decides, with Ana's example.
    let reopened = Engine::open(&path).unwrap();
    let d = reopened
        .process(customers::ANA_CLUBS, &MessageContext::new())
        .unwrap();
    assert_eq!(d.pattern_id, Some(day.clubs));
}

#[test]
fn a_live_engine_forgets_the_customer_too() {
    let engine = Engine::builder()
        .store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let day = customers::play(&engine);
    assert!(customers::sam_is_locked_out(&engine, "msg-sam-0004"));
    let duplicate = engine
        .process(
            customers::SAM_UMBRELLA,
            &MessageContext::new().message_id("msg-sam-0002"),
        )
        .unwrap();
    assert_eq!(duplicate.reason, Reason::DuplicateMessage);
    engine.erase_customer(&customers::sam()).unwrap();
    // Patterns and history, the conversation's lockout, the message ids remembered.
    let live = customers::engine_text(&engine);
    assert_eq!(found(&live, &SAM_MARKERS), Vec::<&str>::new());
    assert!(!customers::sam_is_locked_out(&engine, "msg-sam-0005"));
    let again = engine
        .process(
            customers::SAM_UMBRELLA,
            &MessageContext::new().message_id("msg-sam-0002"),
        )
        .unwrap();
    assert_ne!(again.reason, Reason::DuplicateMessage);
    assert_ne!(
        again.pattern_id,
        Some(day.umbrella),
        "the pattern lost its example"
    );
    // Ana's message id is still remembered: her duplicate is not answered twice.
    let ana = engine
        .process(
            customers::ANA_CLUBS,
            &MessageContext::new().message_id("msg-ana-0001"),
        )
        .unwrap();
    assert_eq!(ana.reason, Reason::DuplicateMessage);
}

#[test]
fn erasure_is_the_same_in_memory() {
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::builder()
        .clock(Arc::new(ManualClock::new(T0)))
        .store(store.clone())
        .build()
        .unwrap();
    let day = customers::play(&engine);
    assert!(customers::sam_is_locked_out(&engine, "msg-sam-0004"));
    engine.erase_customer(&customers::sam()).unwrap();
    customers::assert_sam_erased(store.as_ref(), &day);
    assert_eq!(engine.erasure_log().unwrap().len(), 1);
}

#[test]
fn erasing_by_conversation_or_by_phone_alone() {
    // By conversation: all three of Sam's messages, the number with them.
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    customers::play(&engine);
    let erased = engine
        .erase_customer(&Customer::conversation(SAM_CONVERSATION))
        .unwrap();
    assert_eq!((erased.decisions, erased.conversations), (3, 1));
    let text = customers::store_text(store.as_ref());
    assert_eq!(found(&text, &SAM_MARKERS), Vec::<&str>::new());
    assert_eq!(found(&text, &ANA_MARKERS), ANA_MARKERS);

    // By phone, in another formatting: what holds the number, in any conversation
    // (his conversation id is not his number, so the umbrella stays).
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    customers::play(&engine);
    let erased = engine
        .erase_customer(&Customer::phone("9025550100"))
        .unwrap();
    assert_eq!((erased.decisions, erased.examples), (1, 1));
    let text = customers::store_text(store.as_ref());
    assert_eq!(
        found(&text, &["555-0100", "left-handed"]),
        Vec::<&str>::new()
    );
    assert!(text.contains("zebra-striped"));

    // V1 keyed conversations by the phone number.
    let engine = Engine::builder()
        .store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let ctx = pattern_learning::v1::context(Some("+19025550100"), None, None);
    engine.process("anyone at the front desk?", &ctx).unwrap();
    let erased = engine
        .erase_customer(&Customer::phone("(902) 555-0100"))
        .unwrap();
    assert_eq!((erased.decisions, erased.conversations), (1, 1));
}

#[test]
fn a_customer_must_be_named() {
    let engine = Engine::new();
    for customer in [
        Customer::default(),
        Customer::conversation(" "),
        Customer::phone("n/a"),
    ] {
        let err = engine.erase_customer(&customer).unwrap_err();
        assert!(matches!(err, Error::InvalidCustomer(_)), "{err}");
        assert_eq!(err.code(), "INVALID_CUSTOMER");
    }
}

#[test]
fn an_erasure_cannot_be_undone() {
    let engine = Engine::builder()
        .store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    customers::play(&engine);
    engine.erase_customer(&customers::sam()).unwrap();
    let last = engine.full_history().unwrap().last().unwrap().clone();
    assert_eq!(last.kind, pattern_learning::ChangeKind::Erased);
    let err = engine.undo(last.seq).unwrap_err();
    assert!(err.to_string().contains("cannot be undone"), "{err}");
    assert_eq!(
        found(&customers::engine_text(&engine), &SAM_MARKERS),
        Vec::<&str>::new()
    );
}

const DAY_MS: i64 = 86_400_000;

#[test]
fn retention_drops_old_decision_text_and_keeps_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.db");
    let clock = ManualClock::new(T0);
    let open = || {
        Engine::builder()
            .clock(Arc::new(clock.clone()))
            .open(&path)
            .unwrap()
            .build()
            .unwrap()
    };
    let engine = open();
    let old = MessageContext::new()
        .conversation("conv-old-77")
        .message_id("msg-old-1");
    engine
        .process("is the aquamarine bay open tonight", &old)
        .unwrap();
    clock.set(T0.plus_millis(100 * DAY_MS));
    let new = MessageContext::new()
        .conversation("conv-new-88")
        .message_id("msg-new-1");
    engine
        .process("is the vermilion bay open tonight", &new)
        .unwrap();
    // No period set: nothing happens.
    assert_eq!(engine.apply_retention().unwrap(), None);
    engine
        .update_config(&serde_json::json!({"retention": {"decisionDays": 90}}))
        .unwrap();
    let counts = engine.apply_retention().unwrap().unwrap();
    assert_eq!((counts.decisions, counts.conversations), (1, 1));
    let raw = raw_files(&path);
    for gone in ["aquamarine", "conv-old-77", "msg-old-1"] {
        assert!(!raw.contains(gone), "{gone} is still in the file");
    }
    for kept in ["vermilion", "conv-new-88", "msg-new-1"] {
        assert!(raw.contains(kept), "{kept} is gone");
    }
    drop(engine);
    let store = SqliteStore::open(&path).unwrap();
    let decisions = store.decisions(0, usize::MAX).unwrap();
    assert_eq!(decisions.len(), 2, "the counts are kept");
    assert_eq!(decisions[0].message, "");
    assert_eq!(decisions[0].action, "escalate");
    assert_eq!(decisions[1].message, "is the vermilion bay open tonight");
    let log = store.erasures().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind, ErasureKind::Retention);
    drop(store);

    // With `on_open` (the default) opening applies it: 100 more days.
    clock.set(T0.plus_millis(200 * DAY_MS));
    drop(open());
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.decisions(0, usize::MAX).unwrap()[1].message, "");
    assert_eq!(store.erasures().unwrap().len(), 2);
    assert!(!raw_files(&path).contains("vermilion"));
}

#[test]
fn retention_periods_are_validated() {
    let engine = Engine::new();
    for days in [0, 36_501] {
        let err = engine
            .update_config(&serde_json::json!({"retention": {"decision_days": days}}))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfig { ref key, .. } if key == "retention.decision_days"),
            "{err}"
        );
    }
    let config = engine
        .update_config(
            &serde_json::json!({"retention.decisionDays": 30, "retention.onOpen": false}),
        )
        .unwrap();
    assert_eq!(config.retention.decision_days, Some(30));
    assert!(!config.retention.on_open);
}

#[test]
fn retention_keeps_locks_of_conversations_seen_within_the_period() {
    let clock = ManualClock::new(T0);
    let engine = Engine::builder()
        .clock(Arc::new(clock.clone()))
        .store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    engine.record_operator_message("conv-recent", None).unwrap();
    engine
        .update_config(&serde_json::json!({"retention": {"decisionDays": 1}}))
        .unwrap();
    assert_eq!(engine.apply_retention().unwrap().unwrap().conversations, 0);
    let d = engine
        .process("hello", &MessageContext::new().conversation("conv-recent"))
        .unwrap();
    assert_eq!(engine.patterns(PatternFilter::all()).len(), 0);
    assert_ne!(d.reason, Reason::DuplicateMessage);
}
