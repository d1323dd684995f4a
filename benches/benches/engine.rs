//! Criterion benchmarks of the engine: `process` latency by pattern count and by
//! match path, the built-in embedder alone, `feedback`, `process_batch` throughput,
//! memory per pattern, and the distribution (p50 … p99.9) of single `process` calls.
//!
//! Texts come from the public data directory (default `../shared/data`, or
//! `$PATTERN_LEARNING_DATA`); without it the bundled demo inbox is used and a line on
//! stderr says so.
//!
//! Run: `cargo bench --bench engine` (all), `cargo bench --bench engine -- process/10000`
//! (one group). Pattern counts: 100, 1,000, 10,000 and 100,000 with 5 trigger
//! examples each; set `PL_BENCH_MAX_PATTERNS=10000` to skip the largest.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pattern_learning::{Feedback, MessageContext, NewPattern};
use pattern_learning_benches::corpus::{engine_with, single_calls, texts, Rng};

fn max_patterns() -> usize {
    std::env::var("PL_BENCH_MAX_PATTERNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn bench_process(c: &mut Criterion) {
    let texts = texts();
    let ctx = MessageContext::new();
    for n in [100usize, 1_000, 10_000, 100_000] {
        if n > max_patterns() {
            continue;
        }
        let engine = engine_with(n, &texts);
        eprintln!(
            "{n} patterns: {} bytes in patterns and indexes ({} bytes per pattern)",
            engine.memory_bytes(),
            engine.memory_bytes() / n
        );
        // Mixed: messages drawn from the data, most not in the engine verbatim.
        let mut rng = Rng(7);
        let queries: Vec<String> = (0..256).map(|_| rng.pick(&texts).to_owned()).collect();
        eprintln!(
            "process/{n}/mixed, {}",
            single_calls(&engine, &queries, Duration::from_secs(3))
        );
        let mut group = c.benchmark_group(format!("process/{n}"));
        group
            .measurement_time(Duration::from_secs(4))
            .sample_size(30);
        let mut i = 0usize;
        group.bench_function("mixed", |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                black_box(engine.process(&queries[i], &ctx).expect("decision"))
            })
        });
        // Exact signature hit: a stored trigger example.
        let stored = engine
            .pattern(pattern_learning::PatternId(1))
            .map(|p| p.trigger_examples[0].clone())
            .unwrap_or_default();
        group.bench_function("exact_signature", |b| {
            b.iter(|| black_box(engine.process(&stored, &ctx).expect("decision")))
        });
        // Lexical: a stored example with a typo and an extra word.
        let lexical = format!("{} please", stored.replacen('e', "ee", 1));
        group.bench_function("lexical", |b| {
            b.iter(|| black_box(engine.process(&lexical, &ctx).expect("decision")))
        });
        // No match: words the data never uses.
        group.bench_function("no_match", |b| {
            b.iter(|| black_box(engine.process("zzqx wvvk plorb", &ctx).expect("decision")))
        });
        group.finish();
    }
}

fn bench_keyword_and_vector(c: &mut Criterion) {
    let texts = texts();
    let engine = engine_with(1_000, &texts);
    let ctx = MessageContext::new();
    let dim = 64;
    let vector = |seed: u64| -> Vec<f32> {
        let mut rng = Rng(seed);
        (0..dim)
            .map(|_| (rng.next_u64() % 1000) as f32 / 1000.0 - 0.5)
            .collect()
    };
    engine
        .create_pattern(NewPattern {
            embeddings: (0..3).map(vector).collect(),
            ..NewPattern::new(
                [
                    "door code please",
                    "what is the door code",
                    "code for the door",
                ],
                "The door code is in your booking email.",
            )
            .keywords(["door code"])
        })
        .expect("pattern");
    let mut group = c.benchmark_group("process/paths_1000");
    group.bench_function("keyword", |b| {
        b.iter(|| {
            black_box(
                engine
                    .process("hey what's the door code tonight", &ctx)
                    .expect("decision"),
            )
        })
    });
    let with_vector = MessageContext::new().embedding(vector(1));
    group.bench_function("vector", |b| {
        b.iter(|| black_box(engine.process("door?", &with_vector).expect("decision")))
    });
    group.finish();
}

/// The built-in embedder alone: tokenise and average the table rows of one message.
fn bench_embed(c: &mut Criterion) {
    use pattern_learning::embed::{Embedder, StaticEmbedder};
    let texts = texts();
    let embedder = StaticEmbedder::new();
    let mut rng = Rng(11);
    let sample: Vec<&str> = (0..256).map(|_| rng.pick(&texts)).collect();
    let mut i = 0usize;
    c.bench_function("embed/static_minilm_256", |b| {
        b.iter(|| {
            i = (i + 1) % sample.len();
            black_box(embedder.embed(sample[i]))
        })
    });
}

fn bench_feedback(c: &mut Criterion) {
    let texts = texts();
    let engine = engine_with(10_000, &texts);
    let mut rng = Rng(11);
    let mut group = c.benchmark_group("feedback/10000");
    group
        .measurement_time(Duration::from_secs(4))
        .sample_size(30);
    group.bench_function("answer_existing_reply", |b| {
        b.iter(|| {
            let text = rng.pick(&texts).to_owned();
            let reply = format!("Reply number {}.", rng.next_u64() % 10_000);
            black_box(
                engine
                    .feedback(&Feedback::answer(text, reply))
                    .expect("feedback"),
            )
        })
    });
    group.bench_function("approve", |b| {
        b.iter(|| {
            let text = rng.pick(&texts).to_owned();
            let id = pattern_learning::PatternId(1 + rng.next_u64() % 10_000);
            black_box(
                engine
                    .feedback(&Feedback::approve(text, id))
                    .expect("feedback"),
            )
        })
    });
    group.finish();
}

fn bench_batch(c: &mut Criterion) {
    let texts = texts();
    let engine = engine_with(10_000, &texts);
    let mut rng = Rng(5);
    let batch: Vec<(String, MessageContext)> = (0..512)
        .map(|_| (rng.pick(&texts).to_owned(), MessageContext::new()))
        .collect();
    let mut group = c.benchmark_group("process_batch/10000");
    group
        .throughput(Throughput::Elements(batch.len() as u64))
        .sample_size(20);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, _| {
            b.iter(|| pool.install(|| black_box(engine.process_batch(&batch))))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_embed,
    bench_process,
    bench_keyword_and_vector,
    bench_feedback,
    bench_batch
);
criterion_main!(benches);
