//! Criterion benchmarks of the engine: `process` latency by pattern count and by
//! match path, the built-in embedder alone, `feedback`, `process_batch` throughput,
//! memory per pattern, and the distribution (p50 … p99.9) of single `process` calls.
//!
//! Texts come from the public evaluation data (`$PATTERN_LEARNING_DATA`, default
//! `../shared/data` next to the repository); without it the bundled demo inbox is
//! used and a line on stderr says so.
//!
//! Run: `cargo bench --bench engine` (all), `cargo bench --bench engine -- process/10000`
//! (one group). Pattern counts: 100, 1,000, 10,000 and 100,000 with 5 trigger
//! examples each; set `PL_BENCH_MAX_PATTERNS=10000` to skip the largest.

// Tests start from a default config and change one field; that reads best here.
#![allow(clippy::field_reassign_with_default)]

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::config::Config;
use pattern_learning::replay::{load_jsonl, Record};
use pattern_learning::{Engine, Feedback, MessageContext, NewPattern};

const EXAMPLES_PER_PATTERN: usize = 5;

fn data_dir() -> PathBuf {
    std::env::var_os("PATTERN_LEARNING_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// Message texts: the public data when present, else the demo inbox.
fn texts() -> Vec<String> {
    let mut out = Vec::new();
    for name in ["clinc150.jsonl", "banking77.jsonl"] {
        if let Ok(f) = std::fs::File::open(data_dir().join(name)) {
            if let Ok(records) = load_jsonl(std::io::BufReader::new(f)) {
                out.extend(records.into_iter().map(|r: Record| r.text));
            }
        }
    }
    if out.is_empty() {
        eprintln!(
            "note: public data not found in {}; using the bundled demo inbox texts",
            data_dir().display()
        );
        let demo = include_str!("../../examples/data/demo_inbox.jsonl");
        out = load_jsonl(demo.as_bytes())
            .map(|r| r.into_iter().map(|r| r.text).collect())
            .unwrap_or_default();
    }
    out
}

/// A deterministic generator (SplitMix64), so every run builds the same engine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// An engine with `n` patterns of 5 examples each, all active and auto-executable.
fn engine_with(n: usize, texts: &[String]) -> Engine {
    let mut config = Config::default();
    config.guards.max_auto_sends_per_hour = None;
    let engine = Engine::builder()
        .config(config)
        .clock(Arc::new(ManualClock::new(Timestamp(1_767_225_600_000))))
        .build()
        .expect("valid config");
    let mut rng = Rng(42);
    for i in 0..n {
        let examples: Vec<String> = (0..EXAMPLES_PER_PATTERN)
            .map(|_| rng.pick(texts).to_owned())
            .collect();
        engine
            .create_pattern(
                NewPattern::new(examples, format!("Reply number {i}."))
                    .keywords(Vec::<String>::new())
                    .confidence(0.95)
                    .auto_executable(true),
            )
            .expect("pattern");
    }
    engine
}

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
        tail_latency(&engine, &queries, n);
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

/// Prints the distribution of single `process` calls on the mixed messages (about 3 s
/// of calls after one warm-up pass): criterion reports central values, and the design
/// also sets a p99 target.
fn tail_latency(engine: &Engine, queries: &[String], n: usize) {
    let ctx = MessageContext::new();
    for q in queries {
        black_box(engine.process(q, &ctx).expect("decision"));
    }
    let mut calls = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        for q in queries {
            let t = Instant::now();
            black_box(engine.process(q, &ctx).expect("decision"));
            calls.push(t.elapsed());
        }
    }
    calls.sort_unstable();
    let us = |q: f64| calls[((calls.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    eprintln!(
        "process/{n}/mixed, {} single calls: p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, \
         p99.9 {:.0} µs, max {:.0} µs",
        calls.len(),
        us(0.50),
        us(0.90),
        us(0.99),
        us(0.999),
        us(1.0)
    );
}

fn bench_keyword_and_vector(c: &mut Criterion) {
    let texts = texts();
    let engine = engine_with(1_000, &texts);
    let ctx = MessageContext::new();
    let dim = 64;
    let vector = |seed: u64| -> Vec<f32> {
        let mut rng = Rng(seed);
        (0..dim)
            .map(|_| (rng.next() % 1000) as f32 / 1000.0 - 0.5)
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
            let reply = format!("Reply number {}.", rng.next() % 10_000);
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
            let id = pattern_learning::PatternId(1 + rng.next() % 10_000);
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
