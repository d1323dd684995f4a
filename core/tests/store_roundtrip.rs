//! The `Store` contract, checked on `MemoryStore` and `SqliteStore` alike: every field
//! comes back as committed, logs page in order, bad commits are refused whole.

mod store_support;

use std::collections::BTreeMap;

use pattern_learning::clock::Timestamp;
use pattern_learning::store::{
    Commit, ExampleVector, SqliteStore, Store, StoredState, SCHEMA_VERSION,
};
use pattern_learning::{ChangeKind, Error, Pattern, PatternId, Provenance};
use proptest::prelude::*;
use serde_json::json;
use store_support::{bare_pattern, decision, event, full_commit, pattern, stores};

fn expected_state(commit: &Commit) -> StoredState {
    let mut vectors = commit.vectors.clone();
    vectors.sort_by_key(|v| (v.pattern_id, v.example_index));
    StoredState {
        patterns: commit.patterns.clone(),
        rejections: commit.rejections.clone(),
        vectors,
        settings: commit.settings.iter().cloned().collect(),
        conversations: commit.conversations.iter().cloned().collect(),
        last_event_seq: commit.events.last().map_or(0, |e| e.seq),
        last_decision_seq: commit.decisions.last().map_or(0, |d| d.seq),
        judgements: commit.judgements.clone(),
    }
}

#[test]
fn every_field_round_trips() {
    let commit = full_commit();
    for (store, _dir) in stores() {
        store.commit(&commit).unwrap();
        assert_eq!(store.load().unwrap(), expected_state(&commit), "{store:?}");
        assert_eq!(
            store.events(None, 0, 100).unwrap(),
            commit.events,
            "{store:?}"
        );
        assert_eq!(
            store.decisions(0, 100).unwrap(),
            commit.decisions,
            "{store:?}"
        );
        assert_eq!(store.schema_version(), SCHEMA_VERSION);
        for d in &commit.decisions {
            assert_eq!(store.decision(d.decision_id).unwrap().as_ref(), Some(d));
        }
        let unknown = pattern_learning::DecisionId::from_legacy(7);
        assert_eq!(store.decision(unknown).unwrap(), None, "{store:?}");
        assert!(store.feedback_applied("fb-1").unwrap());
        assert!(!store.feedback_applied("fb-2").unwrap());
    }
}

#[test]
fn a_reopened_sqlite_store_has_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let commit = full_commit();
    SqliteStore::open(&path).unwrap().commit(&commit).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.load().unwrap(), expected_state(&commit));
    assert_eq!(store.events(None, 0, 100).unwrap(), commit.events);
    assert_eq!(store.decisions(0, 100).unwrap(), commit.decisions);
}

#[test]
fn an_empty_store_loads_empty() {
    for (store, _dir) in stores() {
        assert_eq!(store.load().unwrap(), StoredState::default());
        assert!(store.events(None, 0, 10).unwrap().is_empty());
        assert!(store.decisions(0, 10).unwrap().is_empty());
        store.commit(&Commit::default()).unwrap();
        assert_eq!(store.load().unwrap(), StoredState::default());
    }
}

/// Ten events over three patterns in three commits: seq 1..=10, pattern `seq % 3 + 1`.
fn commit_ten_events(store: &dyn Store) {
    let patterns: Vec<Pattern> = (1..=3).map(pattern).collect();
    store
        .commit(&Commit {
            patterns: patterns.clone(),
            ..Commit::default()
        })
        .unwrap();
    for seqs in [1..=3u64, 4..=4, 5..=10] {
        let events = seqs
            .map(|seq| event(seq, &patterns[(seq % 3) as usize], ChangeKind::Approved))
            .collect();
        store
            .commit(&Commit {
                events,
                ..Commit::default()
            })
            .unwrap();
    }
}

fn seqs(events: &[pattern_learning::PatternEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

#[test]
fn events_filter_by_pattern_and_page_oldest_first() {
    for (store, _dir) in stores() {
        commit_ten_events(store.as_ref());
        let all = store.events(None, 0, 100).unwrap();
        assert_eq!(seqs(&all), (1..=10).collect::<Vec<_>>());
        let p2 = store.events(Some(PatternId(2)), 0, 100).unwrap();
        assert_eq!(seqs(&p2), [1, 4, 7, 10]);
        assert!(p2.iter().all(|e| e.pattern_id == PatternId(2)));
        assert_eq!(
            seqs(&store.events(Some(PatternId(2)), 4, 2).unwrap()),
            [7, 10]
        );
        assert_eq!(seqs(&store.events(None, 3, 4).unwrap()), [4, 5, 6, 7]);
        assert!(store.events(None, 0, 0).unwrap().is_empty());
        assert!(store.events(None, 10, 100).unwrap().is_empty());
        assert!(store.events(None, u64::MAX, 100).unwrap().is_empty());
        assert!(store
            .events(Some(PatternId(99)), 0, 100)
            .unwrap()
            .is_empty());
        assert_eq!(store.events(None, 0, usize::MAX).unwrap().len(), 10);
        // Paging through everything, three at a time, gives everything once.
        let mut after = 0;
        let mut paged = Vec::new();
        loop {
            let page = store.events(None, after, 3).unwrap();
            let Some(last) = page.last() else { break };
            after = last.seq;
            paged.extend(page);
        }
        assert_eq!(paged, all, "{store:?}");
    }
}

#[test]
fn decisions_page_oldest_first() {
    for (store, _dir) in stores() {
        for chunk in [1..=2u64, 3..=7] {
            let decisions = chunk.map(|seq| decision(seq, None)).collect();
            store
                .commit(&Commit {
                    decisions,
                    ..Commit::default()
                })
                .unwrap();
        }
        let seqs = |d: Vec<pattern_learning::store::DecisionRecord>| {
            d.iter().map(|d| d.seq).collect::<Vec<_>>()
        };
        assert_eq!(
            seqs(store.decisions(0, 100).unwrap()),
            [1, 2, 3, 4, 5, 6, 7]
        );
        assert_eq!(seqs(store.decisions(2, 3).unwrap()), [3, 4, 5]);
        assert!(store.decisions(7, 3).unwrap().is_empty());
        assert_eq!(store.load().unwrap().last_decision_seq, 7);
    }
}

/// Asserts `commit` is refused with `Error::Store` mentioning `why`, and changes nothing.
fn assert_refused(store: &dyn Store, commit: &Commit, why: &str) {
    let before = store.load().unwrap();
    let events = store.events(None, 0, 1000).unwrap();
    let decisions = store.decisions(0, 1000).unwrap();
    match store.commit(commit) {
        Err(Error::Store { operation, reason }) => {
            assert_eq!(operation, "commit");
            assert!(
                reason.contains(why),
                "{store:?}: `{reason}` does not mention `{why}`"
            );
        }
        other => panic!("{store:?}: expected Error::Store ({why}), got {other:?}"),
    }
    assert_eq!(store.load().unwrap(), before, "{store:?}");
    assert_eq!(store.events(None, 0, 1000).unwrap(), events, "{store:?}");
    assert_eq!(store.decisions(0, 1000).unwrap(), decisions, "{store:?}");
}

#[test]
fn duplicate_or_out_of_order_seqs_refuse_the_whole_commit() {
    for (store, _dir) in stores() {
        let store = store.as_ref();
        store.commit(&full_commit()).unwrap(); // events 1, 2; decisions 1, 2
        let p = pattern(1);
        let new_pattern = pattern(7);
        let with_events = |seqs: &[u64]| Commit {
            // Something else in the commit that must not be applied either.
            patterns: vec![new_pattern.clone()],
            settings: vec![("config".to_owned(), json!({"changed": true}))],
            events: seqs
                .iter()
                .map(|&s| event(s, &p, ChangeKind::Approved))
                .collect(),
            ..Commit::default()
        };
        assert_refused(store, &with_events(&[2]), "event seq 2 is not after 2");
        assert_refused(store, &with_events(&[1]), "event seq 1 is not after 2");
        assert_refused(store, &with_events(&[3, 3]), "event seq 3 is not after 3");
        assert_refused(
            store,
            &with_events(&[3, 5, 4]),
            "event seq 4 is not after 5",
        );
        let with_decisions = |seqs: &[u64]| Commit {
            patterns: vec![new_pattern.clone()],
            decisions: seqs.iter().map(|&s| decision(s, None)).collect(),
            ..Commit::default()
        };
        assert_refused(
            store,
            &with_decisions(&[2]),
            "decision seq 2 is not after 2",
        );
        assert_refused(
            store,
            &with_decisions(&[4, 3]),
            "decision seq 3 is not after 4",
        );
        // Gaps are fine: the engine may skip numbers (for example after a rollback).
        store.commit(&with_events(&[5, 9])).unwrap();
        assert_eq!(store.load().unwrap().last_event_seq, 9);
    }
}

#[test]
fn numbers_a_store_cannot_keep_are_refused() {
    for (store, _dir) in stores() {
        let store = store.as_ref();
        let mut nan = pattern(1);
        nan.confidence = f64::NAN;
        assert_refused(
            store,
            &Commit {
                patterns: vec![nan],
                ..Commit::default()
            },
            "not a finite number",
        );
        let mut huge = pattern(1);
        huge.execution_count = u64::MAX;
        assert_refused(
            store,
            &Commit {
                patterns: vec![huge],
                ..Commit::default()
            },
            "larger than",
        );
        let mut bad_event = event(1, &pattern(1), ChangeKind::Approved);
        bad_event.state.confidence = f64::INFINITY;
        assert_refused(
            store,
            &Commit {
                events: vec![bad_event],
                ..Commit::default()
            },
            "not a finite number",
        );
        let mut bad_decision = decision(1, None);
        bad_decision.confidence = f64::NAN;
        assert_refused(
            store,
            &Commit {
                decisions: vec![bad_decision],
                ..Commit::default()
            },
            "not a finite number",
        );
        let mut huge_seq = decision(1, None);
        huge_seq.seq = u64::MAX;
        assert_refused(
            store,
            &Commit {
                decisions: vec![huge_seq],
                ..Commit::default()
            },
            "larger than",
        );
        let huge_id = pattern(u64::MAX);
        assert_refused(
            store,
            &Commit {
                patterns: vec![huge_id],
                ..Commit::default()
            },
            "larger than",
        );
    }
}

#[test]
fn rejections_and_vectors_need_their_pattern() {
    for (store, _dir) in stores() {
        let store = store.as_ref();
        let unknown = Commit {
            rejections: vec![(PatternId(5), "no".to_owned())],
            ..Commit::default()
        };
        assert_refused(
            store,
            &unknown,
            "rejection for pattern 5, which does not exist",
        );
        // Created in the same commit: fine.
        store
            .commit(&Commit {
                patterns: vec![pattern(5)],
                rejections: vec![(PatternId(5), "no".to_owned())],
                vectors: vec![ExampleVector {
                    pattern_id: PatternId(5),
                    example_index: 0,
                    vector: vec![1.0],
                }],
                ..Commit::default()
            })
            .unwrap();
        // Removed in the same commit: refused.
        let removed = Commit {
            removed_patterns: vec![PatternId(5)],
            vectors: vec![ExampleVector {
                pattern_id: PatternId(5),
                example_index: 1,
                vector: vec![1.0],
            }],
            ..Commit::default()
        };
        assert_refused(
            store,
            &removed,
            "vector for pattern 5, which does not exist",
        );
    }
}

#[test]
fn removing_a_pattern_keeps_its_events_and_drops_the_rest() {
    for (store, _dir) in stores() {
        let store = store.as_ref();
        let commit = full_commit();
        store.commit(&commit).unwrap();
        store
            .commit(&Commit {
                removed_patterns: vec![PatternId(1)],
                ..Commit::default()
            })
            .unwrap();
        let state = store.load().unwrap();
        assert_eq!(state.patterns, vec![bare_pattern(2)]);
        assert_eq!(
            state.rejections,
            vec![(PatternId(2), "thanks for nothing".to_owned())]
        );
        assert!(state.vectors.is_empty());
        assert_eq!(
            store.events(None, 0, 100).unwrap(),
            commit.events,
            "{store:?}"
        );
        assert_eq!(store.events(Some(PatternId(1)), 0, 100).unwrap().len(), 1);
        // Removing an unknown pattern is not an error (nothing to roll back).
        store
            .commit(&Commit {
                removed_patterns: vec![PatternId(77)],
                ..Commit::default()
            })
            .unwrap();
    }
}

#[test]
fn updating_a_pattern_keeps_its_rejections_and_vectors() {
    for (store, _dir) in stores() {
        let store = store.as_ref();
        let commit = full_commit();
        store.commit(&commit).unwrap();
        let mut changed = pattern(1);
        changed.confidence = 0.95;
        changed.trigger_examples.push("new phrasing".to_owned());
        store
            .commit(&Commit {
                patterns: vec![changed.clone()],
                vectors: vec![ExampleVector {
                    pattern_id: PatternId(1),
                    example_index: 0,
                    vector: vec![9.0],
                }],
                ..Commit::default()
            })
            .unwrap();
        let state = store.load().unwrap();
        assert_eq!(state.patterns[0], changed);
        assert_eq!(state.rejections, commit.rejections, "{store:?}");
        let vectors: Vec<(u32, Vec<f32>)> = state
            .vectors
            .iter()
            .map(|v| (v.example_index, v.vector.clone()))
            .collect();
        assert_eq!(vectors, [(0, vec![9.0]), (2, vec![])], "{store:?}");
    }
}

#[test]
fn null_deletes_a_setting_or_a_conversation() {
    for (store, _dir) in stores() {
        let store = store.as_ref();
        store.commit(&full_commit()).unwrap();
        store
            .commit(&Commit {
                settings: vec![
                    ("config".to_owned(), serde_json::Value::Null),
                    ("new".to_owned(), json!([1, 2])),
                ],
                conversations: vec![("conv-42".to_owned(), serde_json::Value::Null)],
                ..Commit::default()
            })
            .unwrap();
        let state = store.load().unwrap();
        assert_eq!(
            state.settings,
            BTreeMap::from([
                ("new".to_owned(), json!([1, 2])),
                (
                    "safety_settings".to_owned(),
                    json!({"blacklist_topics": ["refund", "lawyer"]})
                ),
            ])
        );
        assert!(state.conversations.is_empty());
    }
}

fn arb_pattern() -> impl Strategy<Value = Pattern> {
    let text = "\\PC{0,40}";
    let count = 0..=i64::MAX as u64;
    let action = prop_oneof![
        Just(None),
        ("\\PC{0,10}", any::<i64>(), any::<bool>())
            .prop_map(|(s, n, b)| Some(json!({"say": s, "n": n, "ok": b}))),
        prop::collection::vec("\\PC{0,10}", 0..3).prop_map(|v| Some(json!(v))),
    ];
    (
        (
            1..=i64::MAX as u64,
            text,
            text,
            prop::collection::vec(text, 0..4),
            prop::collection::vec(text, 0..4),
            text,
        ),
        (
            action,
            any::<f64>().prop_filter("finite", |c| c.is_finite()),
            any::<[bool; 3]>(),
        ),
        (count.clone(), count.clone(), count.clone(), count),
        (
            prop_oneof![
                Just(Provenance::Learned),
                Just(Provenance::Manual),
                Just(Provenance::Imported)
            ],
            prop::option::of("[0-9a-f]{32}"),
            any::<i64>(),
            prop::option::of(any::<i64>()),
            any::<i64>(),
        ),
    )
        .prop_map(
            |(
                (id, topic, signature, examples, keywords, response),
                (action_template, confidence, [is_active, auto_executable, is_deleted]),
                (execution_count, success_count, failure_count, override_count),
                (provenance, v1_signature, created, last_used, modified),
            )| Pattern {
                id: PatternId(id),
                topic,
                signature,
                trigger_examples: examples,
                trigger_keywords: keywords,
                response_template: response,
                action_template,
                confidence,
                is_active,
                auto_executable,
                is_deleted,
                execution_count,
                success_count,
                failure_count,
                override_count,
                provenance,
                v1_signature,
                created_at: Timestamp(created),
                last_used: last_used.map(Timestamp),
                last_modified: Timestamp(modified),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any pattern comes back bit for bit: as a row, and inside a creation event.
    #[test]
    fn any_pattern_round_trips(p in arb_pattern(), old in prop::option::of(0.0..=1.0f64)) {
        for (store, _dir) in stores() {
            let mut e = event(1, &p, ChangeKind::Updated);
            e.old_confidence = old;
            store.commit(&Commit { patterns: vec![p.clone()], events: vec![e.clone()], ..Commit::default() }).unwrap();
            prop_assert_eq!(&store.load().unwrap().patterns, &vec![p.clone()]);
            prop_assert_eq!(&store.events(Some(p.id), 0, 10).unwrap(), &vec![e]);
        }
    }
}
