//! The engine benches' corpus: message texts (the public data, or the demo inbox),
//! a deterministic generator, bench engines of `n` patterns, and the distribution of
//! single `process` calls.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::config::Config;
use pattern_learning::replay::{load_jsonl, Record};
use pattern_learning::{Engine, MessageContext, NewPattern};

/// Trigger examples per pattern in a bench engine.
pub const EXAMPLES_PER_PATTERN: usize = 5;

fn data_dir() -> PathBuf {
    std::env::var_os("PATTERN_LEARNING_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// Message texts: the public data when present, else the demo inbox.
pub fn texts() -> Vec<String> {
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
pub struct Rng(pub u64);
impl Rng {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// An engine without patterns: default configuration without the hourly auto-send
/// limit (benches send far more), a clock fixed at 2026-01-01.
// A default config with one field changed reads best here.
#[allow(clippy::field_reassign_with_default)]
pub fn bench_engine() -> Engine {
    let mut config = Config::default();
    config.guards.max_auto_sends_per_hour = None;
    Engine::builder()
        .config(config)
        .clock(Arc::new(ManualClock::new(Timestamp(1_767_225_600_000))))
        .build()
        .expect("valid config")
}

/// An engine with `n` patterns of 5 examples each, all active and auto-executable.
pub fn engine_with(n: usize, texts: &[String]) -> Engine {
    let engine = bench_engine();
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

/// Percentiles of single calls.
#[derive(Debug, Clone, Default)]
pub struct Distribution {
    /// Calls timed.
    pub calls: usize,
    /// Median, µs.
    pub p50: f64,
    /// 90th percentile, µs.
    pub p90: f64,
    /// 99th percentile, µs.
    pub p99: f64,
    /// 99.9th percentile, µs.
    pub p999: f64,
    /// Slowest call, µs.
    pub max: f64,
}

impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} single calls: p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.0} µs",
            self.calls, self.p50, self.p90, self.p99, self.p999, self.max
        )
    }
}

/// Times single `process` calls on `queries`, in turn, for about `duration` after
/// one warm-up pass: criterion reports central values, and the design also sets a
/// p99 target.
pub fn single_calls(engine: &Engine, queries: &[String], duration: Duration) -> Distribution {
    if queries.is_empty() {
        return Distribution::default();
    }
    let ctx = MessageContext::new();
    for q in queries {
        black_box(engine.process(q, &ctx).expect("decision"));
    }
    let mut calls = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration || calls.is_empty() {
        for q in queries {
            let t = Instant::now();
            black_box(engine.process(q, &ctx).expect("decision"));
            calls.push(t.elapsed());
        }
    }
    calls.sort_unstable();
    let us = |q: f64| calls[((calls.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    Distribution {
        calls: calls.len(),
        p50: us(0.50),
        p90: us(0.90),
        p99: us(0.99),
        p999: us(0.999),
        max: us(1.0),
    }
}
