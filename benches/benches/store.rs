//! Criterion benchmarks of the SQLite store: opening and loading a store of 10,000
//! patterns × 5 trigger examples (design target: ≤ 1 s), and the cost of one durable
//! feedback commit (one `fsync` of the write-ahead log).
//!
//! Run: `cargo bench --bench store`. The store is built once in the system's temporary
//! directory and removed at the end.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pattern_learning::clock::Timestamp;
use pattern_learning::store::{Commit, DecisionRecord, SqliteStore, Store};
use pattern_learning::{ChangeKind, Pattern, PatternEvent, PatternId, PatternState, Provenance};

const PATTERNS: u64 = 10_000;
const EXAMPLES_PER_PATTERN: usize = 5;
const T0: i64 = 1_767_225_600_000;

const WORDS: [&str; 24] = [
    "trackman", "bay", "frozen", "door", "code", "booking", "gift", "card", "hours", "open",
    "tonight", "cancel", "screen", "clubs", "rent", "price", "member", "login", "wifi", "drinks",
    "refund", "later", "stuck", "please",
];

/// Deterministic text of `n` words.
fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            WORDS[(x % WORDS.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn pattern(id: u64) -> Pattern {
    let examples: Vec<String> = (0..EXAMPLES_PER_PATTERN as u64)
        .map(|i| words(id * 31 + i, 9))
        .collect();
    Pattern {
        id: PatternId(id),
        topic: "tech_support".to_owned(),
        signature: format!("{:032x}", id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        trigger_keywords: vec![words(id, 1), words(id + 1, 2)],
        response_template: format!(
            "{} {{{{bay_number|your bay}}}}. {}",
            words(id * 7, 12),
            words(id * 11, 10)
        ),
        action_template: None,
        confidence: 0.5,
        is_active: true,
        auto_executable: false,
        is_deleted: false,
        execution_count: id % 17,
        success_count: id % 13,
        failure_count: id % 3,
        override_count: id % 2,
        provenance: Provenance::Learned,
        v1_signature: None,
        created_at: Timestamp(T0),
        last_used: Some(Timestamp(T0 + 1000)),
        last_modified: Timestamp(T0 + 1000),
        trigger_examples: examples,
    }
}

fn event(seq: u64, p: &Pattern, kind: ChangeKind) -> PatternEvent {
    PatternEvent {
        seq,
        at: Timestamp(T0 + seq as i64),
        actor: None,
        kind,
        pattern_id: p.id,
        old_confidence: (kind != ChangeKind::Created).then_some(0.5),
        new_confidence: p.confidence,
        message: None,
        state: PatternState::of(p),
        full: (kind == ChangeKind::Created).then(|| p.clone()),
    }
}

/// A store of `PATTERNS` patterns, each with its creation event.
fn build_store(path: &Path) {
    let store = SqliteStore::open(path).expect("open");
    let patterns: Vec<Pattern> = (1..=PATTERNS).map(pattern).collect();
    for chunk in patterns.chunks(1000) {
        let events = chunk
            .iter()
            .map(|p| event(p.id.0, p, ChangeKind::Created))
            .collect();
        store
            .commit(&Commit {
                patterns: chunk.to_vec(),
                events,
                ..Commit::default()
            })
            .expect("commit");
    }
}

fn bench_store(c: &mut Criterion) {
    let dir: PathBuf = std::env::temp_dir().join(format!("pl-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("store.db");
    build_store(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "store of {PATTERNS} patterns x {EXAMPLES_PER_PATTERN} examples: {:.1} MB",
        size as f64 / 1e6
    );

    let mut group = c.benchmark_group("store");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("open_load/10000", |b| {
        b.iter(|| {
            let store = SqliteStore::open(&path).expect("open");
            let state = store.load().expect("load");
            assert_eq!(state.patterns.len() as u64, PATTERNS);
            black_box(state)
        })
    });

    // The whole engine: load, then rebuild every index (the DESIGN target is
    // <= 1 s for 10,000 patterns x 5 examples).
    group.sample_size(10);
    group.bench_function("engine_open/10000", |b| {
        b.iter(|| {
            let engine = pattern_learning::Engine::open(&path).expect("open");
            assert_eq!(engine.pattern_count() as u64, PATTERNS);
            black_box(engine)
        })
    });

    let store = SqliteStore::open(&path).expect("open");
    let mut seq = store.load().expect("load").last_event_seq;
    let mut decision = 0;
    let mut p = pattern(1);
    group.bench_function("commit_feedback", |b| {
        b.iter(|| {
            seq += 1;
            decision += 1;
            p.execution_count += 1;
            p.success_count += 1;
            let commit = Commit {
                patterns: vec![p.clone()],
                events: vec![event(seq, &p, ChangeKind::Approved)],
                decisions: vec![DecisionRecord {
                    seq: decision,
                    at: Timestamp(T0 + seq as i64),
                    decision_id: decision,
                    message_id: Some(format!("msg-{decision}")),
                    conversation_id: Some("conv-1".to_owned()),
                    message: p.trigger_examples[0].clone(),
                    action: "suggest".to_owned(),
                    reason: "not_auto_executable".to_owned(),
                    pattern_id: Some(p.id),
                    confidence: 0.7,
                    response: Some(p.response_template.clone()),
                    evidence: serde_json::json!({"match": "bm25", "similarity": 0.8}),
                }],
                ..Commit::default()
            };
            store.commit(&commit).expect("commit");
        })
    });
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_store);
criterion_main!(benches);
