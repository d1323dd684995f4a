//! The engine on a store: what is acknowledged survives a restart, a failed
//! write changes nothing, history can be audited, undone and rebuilt.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use pattern_learning::store::Commit;
use pattern_learning::{
    rebuild_from_history, Action, BulkAction, ChangeKind, Engine, Error, Feedback, MessageContext,
    PatternFilter, PatternId, Reason, Selection,
};
use support::{CommitGate, FlakyStore, GatedStore};

const GIFT: &str = "Yes! Gift cards are sold online.";

fn temp_path(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

fn teach(engine: &Engine) -> PatternId {
    let mut id = None;
    for p in [
        "do you sell gift cards",
        "can i buy a gift card",
        "gift cards for sale?",
    ] {
        id = engine
            .feedback(&Feedback::answer(p, GIFT))
            .unwrap()
            .learned_pattern;
    }
    id.unwrap()
}

fn all(engine: &Engine) -> Vec<pattern_learning::Pattern> {
    engine.patterns(PatternFilter::all())
}

#[test]
fn acknowledged_learning_survives_a_restart() {
    let (_dir, path) = temp_path("p.db");
    let (id, before) = {
        let engine = Engine::open(&path).unwrap();
        assert!(engine.is_durable());
        let id = teach(&engine);
        engine
            .feedback(&Feedback::approve("gift card please", id))
            .unwrap();
        (id, all(&engine))
    };
    let engine = Engine::open(&path).unwrap();
    assert_eq!(all(&engine), before);
    let d = engine
        .process("do you sell gift cards?", &MessageContext::new())
        .unwrap();
    assert_eq!(d.pattern_id, Some(id), "the index is rebuilt at open");
    assert_eq!(
        engine.history(id).unwrap().len(),
        4,
        "history spans restarts"
    );
}

#[test]
fn a_second_engine_on_the_same_file_gets_a_clear_error() {
    let (_dir, path) = temp_path("p.db");
    let _first = Engine::open(&path).unwrap();
    assert!(matches!(
        Engine::open(&path),
        Err(Error::StoreLocked { .. })
    ));
}

/// 2025-09-13..2026-03-23: V1 re-enabled itself on every deploy.
#[test]
fn incident_2025_09_13_stored_modes_are_never_changed_at_open() {
    let (_dir, path) = temp_path("p.db");
    {
        let engine = Engine::open(&path).unwrap();
        engine
            .update_config(&serde_json::json!({"enabled": false, "thresholds": {"auto": 0.95}}))
            .unwrap();
        engine
            .update_safety_thresholds(&serde_json::json!({"aiResponseLimit": 2}))
            .unwrap();
    }
    for _ in 0..3 {
        let engine = Engine::open(&path).unwrap();
        assert!(!engine.config().enabled);
        assert_eq!(engine.config().thresholds.auto, 0.95);
        assert_eq!(engine.safety_thresholds().ai_response_limit, 2);
    }
}

#[test]
fn duplicates_are_caught_across_a_restart() {
    let (_dir, path) = temp_path("p.db");
    let ctx = MessageContext::new().message_id("openphone-1");
    {
        let engine = Engine::open(&path).unwrap();
        engine.process("hello", &ctx).unwrap();
    }
    let engine = Engine::open(&path).unwrap();
    let d = engine.process("hello", &ctx).unwrap();
    assert_eq!(d.reason, Reason::DuplicateMessage);
    assert!(d.outbound.is_none());
}

#[test]
fn a_failed_write_leaves_memory_equal_to_the_store() {
    let store = Arc::new(FlakyStore::default());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    let id = teach(&engine);
    let before = all(&engine);
    store.gate.failing.store(true, Ordering::SeqCst);
    // Reject + learn the sent reply: two changes, none may stick.
    let err = engine
        .feedback(&Feedback::reject(
            "gift card balance?",
            id,
            Some("Check your account page.".into()),
        ))
        .unwrap_err();
    assert!(matches!(err, Error::Store { .. }));
    assert!(matches!(
        engine.create_pattern(pattern_learning::NewPattern::new(["hi"], "hello")),
        Err(Error::Store { .. })
    ));
    assert!(engine
        .update_config(&serde_json::json!({"enabled": false}))
        .is_err());
    assert!(
        engine
            .process("gift cards?", &MessageContext::new())
            .is_err(),
        "no decision is acted on unrecorded"
    );
    assert_eq!(all(&engine), before);
    assert!(engine.config().enabled);
    store.gate.failing.store(false, Ordering::SeqCst);
    let reopened = Engine::builder().store(store.clone()).build().unwrap();
    assert_eq!(all(&reopened), before);
    // And it works again once the store does.
    engine
        .feedback(&Feedback::approve("gift cards?", id))
        .unwrap();
}

/// A store shared with a faster engine: every commit of pattern changes is refused
/// for a conflict unless this engine holds the writes (or always, when `hopeless`).
#[derive(Debug, Default)]
struct Racing {
    racing: AtomicBool,
    hopeless: AtomicBool,
    held: AtomicBool,
    holds: AtomicUsize,
    releases: AtomicUsize,
    refused: AtomicUsize,
}

impl CommitGate for Racing {
    fn check(&self, commit: &Commit) -> pattern_learning::Result<()> {
        let lost = self.hopeless.load(Ordering::SeqCst) || !self.held.load(Ordering::SeqCst);
        if self.racing.load(Ordering::SeqCst) && !commit.patterns.is_empty() && lost {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(Error::StoreConflict {
                reason: "pattern changed by another engine (simulated)".into(),
            });
        }
        Ok(())
    }
    fn hold_writes(&self) -> pattern_learning::Result<()> {
        assert!(!self.held.swap(true, Ordering::SeqCst), "hold taken twice");
        self.holds.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn release_writes(&self) -> pattern_learning::Result<()> {
        assert!(
            self.held.swap(false, Ordering::SeqCst),
            "released without a hold"
        );
        self.releases.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

type RacingStore = GatedStore<Racing>;

#[test]
fn an_engine_that_keeps_losing_the_race_gets_its_change_in_under_the_write_hold() {
    let store = Arc::new(RacingStore::default());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    let id = teach(&engine);
    let before = engine.pattern(id).unwrap();
    store.gate.racing.store(true, Ordering::SeqCst);
    engine
        .feedback(&Feedback::approve("gift cards sold here?", id))
        .unwrap();
    assert_eq!(
        store.gate.refused.load(Ordering::SeqCst),
        2,
        "two optimistic tries"
    );
    assert_eq!(store.gate.holds.load(Ordering::SeqCst), 1);
    assert_eq!(store.gate.releases.load(Ordering::SeqCst), 1);
    let after = engine.pattern(id).unwrap();
    assert_eq!(
        after.success_count,
        before.success_count + 1,
        "counted once"
    );
    let reopened = Engine::builder().store(store.clone()).build().unwrap();
    assert_eq!(all(&reopened), all(&engine), "memory equals the store");
}

#[test]
fn a_change_refused_every_time_fails_cleanly_and_never_keeps_the_hold() {
    let store = Arc::new(RacingStore::default());
    let engine = Engine::builder().store(store.clone()).build().unwrap();
    let id = teach(&engine);
    let before = all(&engine);
    store.gate.racing.store(true, Ordering::SeqCst);
    store.gate.hopeless.store(true, Ordering::SeqCst);
    let err = engine
        .feedback(&Feedback::approve("gift cards sold here?", id))
        .unwrap_err();
    assert!(matches!(err, Error::StoreConflict { .. }), "{err}");
    let holds = store.gate.holds.load(Ordering::SeqCst);
    assert!(holds > 0);
    assert_eq!(store.gate.releases.load(Ordering::SeqCst), holds);
    assert!(!store.gate.held.load(Ordering::SeqCst));
    assert_eq!(all(&engine), before, "nothing of the refused change stays");
}

#[test]
fn state_rebuilt_from_the_stored_event_log_equals_the_stored_state() {
    let (_dir, path) = temp_path("p.db");
    let engine = Engine::open(&path).unwrap();
    let id = teach(&engine);
    engine
        .feedback(&Feedback::approve("gift card for mom", id))
        .unwrap();
    engine
        .feedback(&Feedback::reject(
            "gift card balance",
            id,
            Some("See your account.".into()),
        ))
        .unwrap();
    engine.set_auto_executable(id, true).unwrap();
    engine.delete_pattern(id).unwrap();
    engine.restore_pattern(id).unwrap();
    drop(engine);
    let engine = Engine::open(&path).unwrap();
    let rebuilt = rebuild_from_history(&engine.full_history().unwrap()).unwrap();
    let stored: std::collections::BTreeMap<_, _> =
        all(&engine).into_iter().map(|p| (p.id, p)).collect();
    assert_eq!(rebuilt, stored);
}

#[test]
fn undo_restores_the_previous_state_and_is_recorded() {
    let (_dir, path) = temp_path("p.db");
    let engine = Engine::open(&path).unwrap();
    let id = teach(&engine);
    let before = engine.pattern(id).unwrap();
    let out = engine
        .feedback(&Feedback::approve("gift card please", id))
        .unwrap();
    assert!(out.confidence_change.unwrap().1 > before.confidence);
    let last = engine.history(id).unwrap().last().unwrap().seq;
    let restored = engine.undo(last).unwrap();
    assert_eq!(restored.confidence, before.confidence);
    assert_eq!(restored.trigger_examples, before.trigger_examples);
    assert_eq!(restored.execution_count, before.execution_count);
    let history = engine.history(id).unwrap();
    assert_eq!(history.last().unwrap().kind, ChangeKind::Undone);
    // Only the latest change can be undone.
    let first = history.first().unwrap().seq;
    assert!(matches!(engine.undo(first), Err(Error::InvalidPattern(_))));
    drop(engine);
    let reopened = Engine::open(&path).unwrap();
    assert_eq!(reopened.pattern(id).unwrap().confidence, before.confidence);
}

#[test]
fn bulk_dry_run_reports_exactly_what_the_real_run_changes() {
    let (_dir, path) = temp_path("p.db");
    // A fixed clock: the dry run and the real run stamp the same time.
    let clock = pattern_learning::clock::ManualClock::new(pattern_learning::clock::Timestamp(
        1_767_225_600_000,
    ));
    let engine = Engine::builder()
        .clock(Arc::new(clock))
        .open(&path)
        .unwrap()
        .build()
        .unwrap();
    let gift = teach(&engine);
    let hours = engine
        .feedback(&Feedback::answer(
            "what are your hours",
            "We are open 24/7.",
        ))
        .unwrap()
        .learned_pattern
        .unwrap();
    engine
        .feedback(&Feedback::approve("when are you open", hours))
        .unwrap();
    engine.set_active(gift, false).unwrap();
    let selection = Selection {
        max_confidence: Some(0.6),
        ..Selection::default()
    };
    let preview = engine.bulk(BulkAction::Delete, &selection, true).unwrap();
    assert!(preview.dry_run);
    assert_eq!(
        preview.changes.len(),
        1,
        "only the 0.5 pattern; hours has 0.65"
    );
    assert_eq!(all(&engine).iter().filter(|p| p.is_deleted).count(), 0);
    let done = engine.bulk(BulkAction::Delete, &selection, false).unwrap();
    assert_eq!(done.changes, preview.changes);
    assert!(engine.pattern(gift).unwrap().is_deleted);
    // Already in the target state: nothing to report.
    assert!(engine
        .bulk(BulkAction::Delete, &selection, true)
        .unwrap()
        .changes
        .is_empty());
    let undo = engine
        .bulk(BulkAction::Restore, &Selection::default(), false)
        .unwrap();
    assert_eq!(undo.changes.len(), 1);
    let d = engine
        .process("what are your hours", &MessageContext::new())
        .unwrap();
    assert_ne!(d.action, Action::AutoExecute);
}

#[test]
fn v1_rows_import_into_a_durable_engine_and_export_back() {
    use pattern_learning::v1;
    use pattern_learning::ImportOptions;
    let csv = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/store/v1_rows.csv"
    ))
    .unwrap();
    let import = v1::rows::import_csv(csv.as_slice()).unwrap();
    let n = import.patterns.len();
    assert!(n >= 5);
    let (_dir, path) = temp_path("p.db");
    let engine = Engine::open(&path).unwrap();
    let ids = engine
        .import(import.patterns.clone(), ImportOptions::default())
        .unwrap();
    assert_eq!(ids.len(), n);
    for (id, row) in ids.iter().zip(&import.patterns) {
        let p = engine.pattern(*id).unwrap();
        assert_eq!(p.v1_signature, row.v1_signature, "the V1 signature is kept");
        assert!(!p.auto_executable, "auto-send must be approved again");
        assert_eq!(
            p.execution_count, 0,
            "V1 counted matches, not confirmations"
        );
    }
    // All or nothing: importing the same rows again collides on every id.
    let err = engine
        .import(import.patterns.clone(), ImportOptions::default())
        .unwrap_err();
    assert!(
        matches!(err, Error::Import(ref rows) if rows.len() == n),
        "{err}"
    );
    assert_eq!(engine.pattern_count(), n);
    drop(engine);
    let engine = Engine::open(&path).unwrap();
    let exported = v1::rows::export_json(&engine.patterns(PatternFilter::all()));
    let again = v1::rows::import_json(&exported).unwrap();
    assert_eq!(again.patterns.len(), n);
    for (a, b) in again.patterns.iter().zip(&import.patterns) {
        assert_eq!(
            (a.id, &a.v1_signature, &a.response_template),
            (b.id, &b.v1_signature, &b.response_template)
        );
    }
}

/// Typo lookup reads the vocabulary's fst and the words not yet in it; a reopened
/// engine has every word in the fst. Both must correct a misspelt word alike, or
/// the same message gets another decision after a restart.
#[test]
fn a_misspelt_word_is_decided_alike_after_a_restart() {
    use pattern_learning::NewPattern;
    let (_dir, path) = temp_path("p.db");
    let messages = ["bookd", "bookd a bay for tonight", "i bookd it twice"];
    let live = {
        let engine = Engine::open(&path).unwrap();
        let create = |examples: Vec<String>, reply: &str| {
            engine
                .create_pattern(NewPattern::new(examples, reply))
                .unwrap();
        };
        create(
            vec!["can i book a bay".into(), "do you sell books".into()],
            "Book a bay online.",
        );
        // Enough new words for the vocabulary to move everything into its fst…
        for p in 0..30 {
            let words: Vec<String> = (0..10).map(|w| format!("filler{p}x{w}")).collect();
            create(vec![words.join(" ")], &format!("Filler {p}."));
        }
        // …and one more word after that, which waits outside it.
        create(
            vec!["my bay was booked".into(), "who booked my bay".into()],
            "Your booking is confirmed.",
        );
        messages
            .iter()
            .map(|m| engine.process(m, &MessageContext::new()).unwrap())
            .collect::<Vec<_>>()
    };
    let engine = Engine::open(&path).unwrap();
    for (message, before) in messages.iter().zip(live) {
        let after = engine.process(message, &MessageContext::new()).unwrap();
        assert_eq!(
            (
                after.action,
                after.pattern_id,
                after.confidence,
                &after.evidence
            ),
            (
                before.action,
                before.pattern_id,
                before.confidence,
                &before.evidence
            ),
            "{message}"
        );
    }
}
