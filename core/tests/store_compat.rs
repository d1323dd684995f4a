//! Persisted-format compatibility: store files written by earlier schema versions,
//! committed under `tests/data/store/`, must keep opening with the content they were
//! written with.
//!
//! `schema-vN.db` was written by schema version N and `schema-vN.expected.json` is its
//! content, for every version up to [`SCHEMA_VERSION`]. Never regenerate one: a new
//! schema version adds its own `schema-vN.db` beside them (the writer below only
//! writes the current version's, and never over an existing file).

use pattern_learning::clock::Timestamp;
use pattern_learning::store::{
    Commit, DecisionRecord, Erasure, ErasureRecord, ExampleVector, Judgement, SqliteStore, Store,
    StoredState, SCHEMA_VERSION,
};
use pattern_learning::{
    v1, ChangeKind, DecisionId, Pattern, PatternEvent, PatternId, PatternState,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/store/");

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Expected {
    schema_version: u32,
    state: StoredState,
    events: Vec<PatternEvent>,
    decisions: Vec<DecisionRecord>,
    /// The erasure log (schema version 3 on).
    #[serde(default)]
    erasures: Vec<ErasureRecord>,
}

fn read_expected(name: &str) -> Expected {
    let text = std::fs::read_to_string(format!("{DATA}{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Copies a fixture to a temporary directory (opening it may migrate it).
fn open_copy(name: &str) -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(format!("{DATA}{name}"), &path).unwrap();
    let store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{name} no longer opens: {e}"));
    (dir, store)
}

#[test]
fn every_frozen_schema_still_opens_with_its_content() {
    for version in 1..=SCHEMA_VERSION {
        frozen_schema_opens_with_its_content(version);
    }
}

fn frozen_schema_opens_with_its_content(version: u32) {
    let expected = read_expected(&format!("schema-v{version}.expected.json"));
    assert_eq!(expected.schema_version, version);
    let (dir, store) = open_copy(&format!("schema-v{version}.db"));
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    store.check_integrity().unwrap();
    assert_eq!(store.load().unwrap(), expected.state);
    assert_eq!(store.events(None, 0, usize::MAX).unwrap(), expected.events);
    assert_eq!(store.decisions(0, usize::MAX).unwrap(), expected.decisions);
    assert_eq!(store.erasures().unwrap(), expected.erasures);

    // The opened (possibly migrated) file takes new commits and reopens.
    let last = expected.state.last_event_seq;
    let p = &expected.state.patterns[0];
    let mut event = expected.events[0].clone();
    event.seq = last + 1;
    event.kind = ChangeKind::Rejected;
    event.pattern_id = p.id;
    event.full = None;
    store
        .commit(&Commit {
            events: vec![event.clone()],
            ..Commit::default()
        })
        .unwrap();
    let path = store.path().to_owned();
    drop(store);
    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.events(None, last, 10).unwrap(), vec![event]);
    drop(dir);
}

fn state_of(p: &Pattern) -> PatternState {
    PatternState {
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
    }
}

/// The content of the current version's `schema-vN.db`: the V1 fixture rows
/// imported, then a day of operator feedback (and, from version 3 on, a retention
/// run).
fn fixture_commits() -> Vec<Commit> {
    let csv = std::fs::read(format!("{DATA}v1_rows.csv")).unwrap();
    let patterns = v1::rows::import_csv(csv.as_slice()).unwrap().patterns;
    let t0 = 1_767_225_600_000; // 2026-01-01 00:00:00 UTC
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        seq
    };
    let created: Vec<PatternEvent> = patterns
        .iter()
        .map(|p| PatternEvent {
            seq: next(),
            at: Timestamp(t0),
            actor: Some("import".to_owned()),
            kind: ChangeKind::Created,
            pattern_id: p.id,
            old_confidence: None,
            new_confidence: p.confidence,
            message: None,
            state: state_of(p),
            full: Some(p.clone()),
        })
        .collect();
    let import = Commit {
        patterns: patterns.clone(),
        events: created,
        settings: vec![
            (
                "config".to_owned(),
                json!({"profile": "seed", "thresholds": {"auto": 0.85, "suggest": 0.6, "queue": 0.4}}),
            ),
            (
                "safety_settings".to_owned(),
                json!({"blacklist_topics": ["refund", "lawyer", "medical"], "shadow_mode": false}),
            ),
        ],
        ..Commit::default()
    };

    let mut trackman = patterns
        .iter()
        .find(|p| p.id == PatternId(17))
        .unwrap()
        .clone();
    let old = trackman.confidence;
    trackman.confidence = 1.0;
    trackman.execution_count += 1;
    trackman.success_count += 1;
    trackman
        .trigger_examples
        .push("sim in bay 2 froze mid round".to_owned());
    trackman.last_used = Some(Timestamp(t0 + 3_600_000));
    trackman.last_modified = Timestamp(t0 + 3_600_000);
    let approve = Commit {
        patterns: vec![trackman.clone()],
        vectors: vec![
            ExampleVector { pattern_id: trackman.id, example_index: 0, vector: vec![0.5, -0.25, 0.125, 1.0] },
            ExampleVector { pattern_id: trackman.id, example_index: 1, vector: vec![0.25, 0.0, -1.0, 2.0] },
        ],
        events: vec![PatternEvent {
            seq: next(),
            at: Timestamp(t0 + 3_600_000),
            actor: Some("operator-7".to_owned()),
            kind: ChangeKind::Approved,
            pattern_id: trackman.id,
            old_confidence: Some(old),
            new_confidence: trackman.confidence,
            message: Some("sim in bay 2 froze mid round".to_owned()),
            state: state_of(&trackman),
            full: None,
        }],
        decisions: vec![DecisionRecord {
            seq: 1,
            at: Timestamp(t0 + 3_500_000),
            decision_id: DecisionId::from_u128(0x0194_1d8a_2f40_7b3c_9e2a_5c1d_4b6e_8f01),
            message_id: Some("AC1234".to_owned()),
            conversation_id: Some("CN-bedford-555".to_owned()),
            message: "sim in bay 2 froze mid round".to_owned(),
            action: "suggest".to_owned(),
            reason: "not_auto_executable".to_owned(),
            pattern_id: Some(trackman.id),
            confidence: 0.75,
            response: Some("Sorry about that! I can reset the TrackMan in bay 2 remotely — reply YES and give it about a minute.".to_owned()),
            evidence: json!({"match": "bm25", "similarity": 0.5, "margin": 0.25, "keywords": ["frozen"]}),
        }],
        conversations: vec![("CN-bedford-555".to_owned(), json!({"ai_replies": 0, "operator_active_until": t0 + 14_400_000}))],
        feedback_ids: vec!["fb-approve-1".to_owned()],
        judgements: vec![Judgement { at: Timestamp(t0 + 3_600_000), confidence: 0.75, right: true }],
        ..Commit::default()
    };

    let mut door = patterns
        .iter()
        .find(|p| p.id == PatternId(21))
        .unwrap()
        .clone();
    let old = door.confidence;
    door.confidence = 0.25;
    door.execution_count += 1;
    door.failure_count += 1;
    door.last_modified = Timestamp(t0 + 7_200_000);
    let reject = Commit {
        patterns: vec![door.clone()],
        rejections: vec![(door.id, "the door code you sent me is wrong".to_owned())],
        events: vec![PatternEvent {
            seq: next(),
            at: Timestamp(t0 + 7_200_000),
            actor: Some("operator-2".to_owned()),
            kind: ChangeKind::Rejected,
            pattern_id: door.id,
            old_confidence: Some(old),
            new_confidence: door.confidence,
            message: Some("the door code you sent me is wrong".to_owned()),
            state: state_of(&door),
            full: None,
        }],
        decisions: vec![DecisionRecord {
            seq: 2,
            at: Timestamp(t0 + 7_100_000),
            decision_id: DecisionId::from_u128(0x0194_1d8a_3a10_7c4d_8f3b_6d2e_5c7f_9a02),
            message_id: None,
            conversation_id: None,
            message: "the door code you sent me is wrong".to_owned(),
            action: "queue".to_owned(),
            reason: "low_confidence".to_owned(),
            pattern_id: Some(door.id),
            confidence: 0.5,
            response: None,
            evidence: json!({"match": "keyword", "keywords": ["door"]}),
        }],
        ..Commit::default()
    };
    // Schema version 3: retention dropped the text of the first decision.
    let retention = Commit {
        erasure: Some(Erasure::retention(
            Timestamp(t0 + 3_600_000),
            Vec::new(),
            Timestamp(t0 + 90 * 86_400_000),
        )),
        ..Commit::default()
    };
    vec![import, approve, reject, retention]
}

/// Writes `schema-vN.db` and `schema-vN.expected.json` for the current schema version
/// N, when they do not exist yet. Run only to create them:
/// `PL_WRITE_SCHEMA_FIXTURE=1 cargo test --test store_compat write_schema_fixture`.
#[test]
fn write_schema_fixture() {
    if std::env::var_os("PL_WRITE_SCHEMA_FIXTURE").is_none() {
        return;
    }
    let path = format!("{DATA}schema-v{SCHEMA_VERSION}.db");
    assert!(
        !std::path::Path::new(&path).exists(),
        "{path} is frozen: never regenerate it"
    );
    let store = SqliteStore::open(&path).unwrap();
    for commit in fixture_commits() {
        store.commit(&commit).unwrap();
    }
    let expected = Expected {
        schema_version: store.schema_version(),
        state: store.load().unwrap(),
        events: store.events(None, 0, usize::MAX).unwrap(),
        decisions: store.decisions(0, usize::MAX).unwrap(),
        erasures: store.erasures().unwrap(),
    };
    drop(store);
    let text = serde_json::to_string_pretty(&expected).unwrap();
    // Every number in the file must read back exactly.
    assert_eq!(serde_json::from_str::<Expected>(&text).unwrap(), expected);
    std::fs::write(
        format!("{DATA}schema-v{SCHEMA_VERSION}.expected.json"),
        text + "\n",
    )
    .unwrap();
}

#[test]
fn an_engine_that_refuses_an_older_store_leaves_the_file_as_it_was() {
    // The stored configuration of schema-v1.db has no `thresholds.inclusive` (it was
    // written by hand, not by an engine), so an engine refuses it; the migration to
    // the current schema that loading began is rolled back with it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema-v1.db");
    std::fs::copy(format!("{DATA}schema-v1.db"), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let refused = pattern_learning::Engine::open(&path).unwrap_err();
    assert!(
        matches!(refused, pattern_learning::Error::Parse { .. }),
        "{refused}"
    );
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
    // The store alone reads it, and migrates it then.
    let store = SqliteStore::open(&path).unwrap();
    store.load().unwrap();
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
}
