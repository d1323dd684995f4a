//! Failure injection: read-only and full databases refuse a commit whole.

use super::*;
use crate::book::{ChangeKind, PatternState};
use crate::clock::Timestamp;
use crate::pattern::Pattern;

fn pattern(id: u64, examples: usize) -> Pattern {
    Pattern {
        topic: "gift_cards".to_owned(),
        trigger_examples: (0..examples)
            .map(|i| format!("do you sell gift cards, variant {i} {}", "x".repeat(200)))
            .collect(),
        trigger_keywords: vec!["gift card".to_owned()],
        response_template: "Yes, online.".to_owned(),
        ..Pattern::sample(id)
    }
}

fn event(seq: u64, p: &Pattern) -> PatternEvent {
    PatternEvent {
        seq,
        at: Timestamp(2_000),
        actor: Some("op-1".to_owned()),
        kind: ChangeKind::Approved,
        pattern_id: p.id,
        old_confidence: Some(0.5),
        new_confidence: p.confidence,
        message: Some("gift card?".to_owned()),
        state: PatternState {
            confidence: p.confidence,
            is_active: p.is_active,
            auto_executable: p.auto_executable,
            is_deleted: p.is_deleted,
            execution_count: p.execution_count,
            success_count: p.success_count,
            failure_count: p.failure_count,
            override_count: p.override_count,
            examples: p.trigger_examples.len(),
            last_used: p.last_used,
            last_modified: p.last_modified,
        },
        full: None,
    }
}

/// A store with one pattern and one event, and a commit that changes both.
fn store_and_commit() -> (tempfile::TempDir, SqliteStore, Commit) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
    let p = pattern(1, 2);
    store
        .commit(&Commit {
            events: vec![event(1, &p)],
            patterns: vec![p.clone()],
            ..Commit::default()
        })
        .unwrap();
    let mut changed = p.clone();
    changed.confidence = 0.65;
    changed.execution_count = 1;
    let big = pattern(2, 200);
    let commit = Commit {
        events: vec![event(2, &changed), event(3, &big)],
        patterns: vec![changed, big],
        rejections: vec![(PatternId(1), "no thanks".to_owned())],
        settings: vec![("config".to_owned(), serde_json::json!({"x": 1}))],
        ..Commit::default()
    };
    (dir, store, commit)
}

fn assert_refused_whole(store: &SqliteStore, commit: &Commit, before: &StoredState, why: &str) {
    match store.commit(commit) {
        Err(Error::Store { operation, reason }) => {
            assert_eq!(operation, "commit");
            assert!(reason.contains(why), "{reason}");
        }
        other => panic!("expected Error::Store, got {other:?}"),
    }
    assert_eq!(&store.load().unwrap(), before);
    assert_eq!(store.events(None, 0, 100).unwrap().len(), 1);
}

#[test]
fn a_read_only_database_refuses_a_commit_whole() {
    let (_dir, store, commit) = store_and_commit();
    let before = store.load().unwrap();
    store
        .conn
        .lock()
        .pragma_update(None, "query_only", true)
        .unwrap();
    assert_refused_whole(&store, &commit, &before, "readonly database");
    store
        .conn
        .lock()
        .pragma_update(None, "query_only", false)
        .unwrap();
    store.commit(&commit).unwrap();
    assert_eq!(store.load().unwrap().patterns.len(), 2);
}

#[test]
fn a_full_disk_refuses_a_commit_whole() {
    let (_dir, store, commit) = store_and_commit();
    let before = store.load().unwrap();
    {
        // The file may not grow: the large pattern in the commit needs new pages.
        let conn = store.conn.lock();
        let pages: i64 = conn
            .pragma_query_value(None, "page_count", |row| row.get(0))
            .unwrap();
        conn.pragma_update(None, "max_page_count", pages).unwrap();
    }
    assert_refused_whole(&store, &commit, &before, "database or disk is full");
    // Room again: the same commit goes through.
    store
        .conn
        .lock()
        .pragma_update(None, "max_page_count", 1_000_000)
        .unwrap();
    store.commit(&commit).unwrap();
    let after = store.load().unwrap();
    assert_eq!(after.patterns.len(), 2);
    assert_eq!(after.last_event_seq, 3);
}

#[test]
fn a_failed_commit_leaves_the_store_usable() {
    let (_dir, store, commit) = store_and_commit();
    let mut bad = commit.clone();
    bad.events[1].seq = 2; // duplicate of the first event's seq
    let before = store.load().unwrap();
    assert_refused_whole(&store, &bad, &before, "strictly increasing");
    store.commit(&commit).unwrap();
    assert_eq!(store.load().unwrap().last_event_seq, 3);
}
