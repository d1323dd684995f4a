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
use pattern_learning::ChangeKind;
use pattern_learning_benches::stored::{event, fill, pattern, EXAMPLES_PER_PATTERN, PATTERNS, T0};

/// A store of `PATTERNS` patterns, each with its creation event.
fn build_store(path: &Path) {
    fill(&SqliteStore::open(path).expect("open"));
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

    // The whole engine: load, then rebuild every index (the design target is
    // <= 1 s for 10,000 patterns x 5 examples, docs/design.md).
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
                    decision_id: pattern_learning::DecisionId::new(Timestamp(T0 + seq as i64)),
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
