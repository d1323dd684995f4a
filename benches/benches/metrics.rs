//! What observability costs on the hot path: recording one decision in the
//! metrics, `process` with the counters on (they are always on) on the cheapest
//! path and on 1,000 patterns, and the same with an event subscriber attached.
//!
//! Run: `cargo bench --bench metrics`. Texts: the bundled demo inbox.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pattern_learning::clock::Timestamp;
use pattern_learning::metrics::Recorder;
use pattern_learning::replay::load_jsonl;
use pattern_learning::{Action, Engine, MessageContext, NewPattern, Reason};
use pattern_learning_benches::corpus::bench_engine;

fn texts() -> Vec<String> {
    let demo = include_str!("../../examples/data/demo_inbox.jsonl");
    load_jsonl(demo.as_bytes())
        .map(|r| r.into_iter().map(|r| r.text).collect())
        .unwrap_or_default()
}

/// An engine with 1,000 patterns of 5 examples drawn from the demo inbox.
fn engine(texts: &[String]) -> Engine {
    let engine = bench_engine();
    for i in 0..1_000 {
        let examples: Vec<String> = (0..5)
            .map(|j| texts[(i * 7 + j * 131) % texts.len()].clone())
            .collect();
        engine
            .create_pattern(
                NewPattern::new(examples, format!("Reply number {i}."))
                    .confidence(0.95)
                    .auto_executable(true),
            )
            .expect("pattern");
    }
    engine
}

fn bench_metrics(c: &mut Criterion) {
    let mut group = c.benchmark_group("metrics");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    let recorder = Recorder::default();
    let mut i = 0u64;
    group.bench_function("record_decision", |b| {
        b.iter(|| {
            i += 1;
            recorder.decision(
                black_box(Action::Suggest),
                black_box(Reason::BelowAutoThreshold),
                black_box((i % 100) as f64 / 100.0),
                false,
                Timestamp(0),
                Duration::from_nanos(i % 100_000),
            )
        })
    });
    group.bench_function("snapshot", |b| {
        b.iter(|| black_box(recorder.snapshot(Timestamp(0), Default::default(), 0)))
    });

    let texts = texts();
    let engine = engine(&texts);
    let ctx = MessageContext::new();
    group.bench_function("process_empty_message", |b| {
        b.iter(|| black_box(engine.process(" ", &ctx).expect("decision")))
    });
    let mut k = 0usize;
    group.bench_function("process_1000_patterns", |b| {
        b.iter(|| {
            k = (k + 1) % texts.len();
            black_box(engine.process(&texts[k], &ctx).expect("decision"))
        })
    });
    // A subscriber draining a channel on another thread.
    let (sub, rx) = engine.subscribe_channel(65_536);
    let drain = std::thread::spawn(move || rx.iter().count());
    group.bench_function("process_1000_patterns_with_subscriber", |b| {
        b.iter(|| {
            k = (k + 1) % texts.len();
            black_box(engine.process(&texts[k], &ctx).expect("decision"))
        })
    });
    sub.unsubscribe();
    drop(engine);
    let delivered = drain.join().unwrap_or(0);
    eprintln!(
        "subscriber: {delivered} events delivered, {} dropped",
        sub.dropped()
    );
    group.finish();
}

criterion_group!(benches, bench_metrics);
criterion_main!(benches);
