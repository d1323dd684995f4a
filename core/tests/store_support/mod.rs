//! Realistic store content shared by the `store_*` tests.
#![allow(dead_code)]

use pattern_learning::clock::Timestamp;
use pattern_learning::store::{
    Commit, DecisionRecord, ExampleVector, Judgement, MemoryStore, SqliteStore, Store,
};
use pattern_learning::{
    ChangeKind, DecisionId, Pattern, PatternEvent, PatternId, PatternState, Provenance,
};
use serde_json::json;

/// 2025-09-05 12:00:00 UTC.
pub const T0: i64 = 1_757_073_600_000;

/// A pattern with every field set to something other than its default.
pub fn pattern(id: u64) -> Pattern {
    Pattern {
        id: PatternId(id),
        topic: "tech_support".to_owned(),
        signature: format!("{id:032x}"),
        trigger_examples: vec![
            "The TrackMan in bay 3 is frozen".to_owned(),
            "trackman stuck, won’t track shots 🏌️".to_owned(),
            "simulador congelado — ¿pueden reiniciarlo?".to_owned(),
        ],
        trigger_keywords: vec![
            "trackman".to_owned(),
            "frozen".to_owned(),
            "won't track".to_owned(),
        ],
        response_template:
            "Sorry! I'll reset the TrackMan in bay {{bay_number|your bay}} now.\nGive it a minute."
                .to_owned(),
        action_template: Some(
            json!({"actions": [{"type": "reset_trackman", "bay": "{{bay_number}}"}], "entities": {}}),
        ),
        confidence: 0.1 + 0.2, // 0.30000000000000004: needs all 17 digits
        is_active: true,
        auto_executable: true,
        is_deleted: false,
        execution_count: 7,
        success_count: 5,
        failure_count: 1,
        override_count: 2,
        provenance: Provenance::Imported,
        v1_signature: Some("b616e9e8dee7ea7abe8c5ae878a54a71".to_owned()),
        created_at: Timestamp(T0),
        last_used: Some(Timestamp(T0 + 3_600_000)),
        last_modified: Timestamp(T0 + 7_200_000),
    }
}

/// A minimal pattern: empty lists, no options.
pub fn bare_pattern(id: u64) -> Pattern {
    Pattern {
        id: PatternId(id),
        topic: "general".to_owned(),
        signature: String::new(),
        trigger_examples: vec!["thanks".to_owned()],
        trigger_keywords: Vec::new(),
        response_template: "You're welcome!".to_owned(),
        action_template: None,
        confidence: 0.0,
        is_active: false,
        auto_executable: false,
        is_deleted: true,
        execution_count: 0,
        success_count: 0,
        failure_count: 0,
        override_count: 0,
        provenance: Provenance::Learned,
        v1_signature: None,
        created_at: Timestamp(-1),
        last_used: None,
        last_modified: Timestamp(0),
    }
}

/// An event about `p` (which is the state after the change).
pub fn event(seq: u64, p: &Pattern, kind: ChangeKind) -> PatternEvent {
    PatternEvent {
        seq,
        at: Timestamp(T0 + seq as i64 * 1000),
        actor: (seq % 2 == 0).then(|| format!("operator-{seq}")),
        kind,
        pattern_id: p.id,
        old_confidence: (kind != ChangeKind::Created).then_some(0.45),
        new_confidence: p.confidence,
        message: (kind != ChangeKind::Created).then(|| "my trackman froze again".to_owned()),
        state: PatternState::of(p),
        full: matches!(kind, ChangeKind::Created | ChangeKind::Updated).then(|| p.clone()),
    }
}

pub fn decision(seq: u64, pattern: Option<PatternId>) -> DecisionRecord {
    DecisionRecord {
        seq,
        at: Timestamp(T0 + seq as i64 * 1000),
        decision_id: DecisionId::new(Timestamp(T0 + seq as i64 * 1000)),
        message_id: Some(format!("msg-{seq}")),
        conversation_id: (seq % 3 != 0).then(|| "conv-42".to_owned()),
        message: "bay 3 trackman frozen".to_owned(),
        action: "suggest".to_owned(),
        reason: "not_auto_executable".to_owned(),
        pattern_id: pattern,
        confidence: 2.0 / 3.0,
        response: pattern.map(|_| "Sorry! I'll reset it.".to_owned()),
        evidence: json!({"match": "keyword", "keywords": ["trackman"], "margin": 0.25}),
    }
}

/// A commit that touches every table: two patterns created, a rejection, vectors,
/// events, decisions, settings and a conversation.
pub fn full_commit() -> Commit {
    let a = pattern(1);
    let b = bare_pattern(2);
    Commit {
        patterns: vec![a.clone(), b.clone()],
        removed_patterns: Vec::new(),
        rejections: vec![
            (a.id, "is the bar open?".to_owned()),
            (b.id, "thanks for nothing".to_owned()),
        ],
        vectors: vec![
            ExampleVector {
                pattern_id: a.id,
                example_index: 0,
                vector: vec![0.25, -1.5, f32::MIN_POSITIVE, 3.0e38],
            },
            ExampleVector {
                pattern_id: a.id,
                example_index: 2,
                vector: vec![],
            },
        ],
        events: vec![
            event(1, &a, ChangeKind::Created),
            event(2, &b, ChangeKind::Created),
        ],
        decisions: vec![decision(1, Some(a.id)), decision(2, None)],
        settings: vec![
            (
                "config".to_owned(),
                json!({"profile": "seed", "auto_threshold": 0.85}),
            ),
            (
                "safety_settings".to_owned(),
                json!({"blacklist_topics": ["refund", "lawyer"]}),
            ),
        ],
        conversations: vec![(
            "conv-42".to_owned(),
            json!({"ai_replies": 1, "locked_until": null}),
        )],
        feedback_ids: vec!["fb-1".to_owned()],
        judgements: vec![Judgement {
            at: Timestamp(T0),
            confidence: 0.75,
            right: true,
        }],
        rewritten_patterns: Vec::new(),
        erasure: None,
    }
}

/// A fresh store of each kind; the directory keeps the SQLite file alive.
pub fn stores() -> Vec<(Box<dyn Store>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = SqliteStore::open(dir.path().join("store.db")).expect("open a new store");
    vec![
        (Box::new(MemoryStore::new()), None),
        (Box::new(sqlite), Some(dir)),
    ]
}
