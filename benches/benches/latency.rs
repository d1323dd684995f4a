//! The distribution of single `process` calls, one engine per size, built and timed
//! in turn (no criterion): the quickest way to compare two builds.
//!
//! Run: `cargo bench --bench latency` (100, 1,000 and 10,000 patterns) or
//! `cargo bench --bench latency -- 10000` (the sizes given). Each engine holds *n*
//! patterns × 5 texts of the public data directory (default `../shared/data`, or
//! `$PATTERN_LEARNING_DATA`; the demo inbox without it) and answers 256 other data texts in
//! turn for `PL_LATENCY_SECONDS` (default 3) after one warm-up pass.
//!
//! Where an engine's memory lands changes its speed by up to a third from one process
//! to the next (BENCHMARKS.md): to compare two builds, run each several times,
//! alternating.

use std::time::Duration;

use pattern_learning_benches::corpus::{engine_with, single_calls, texts, Rng};

fn main() {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![100, 1_000, 10_000];
    }
    let seconds: f64 = std::env::var("PL_LATENCY_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .unwrap_or(3.0);
    let texts = texts();
    for n in sizes {
        eprintln!("building an engine of {n} patterns…");
        let engine = engine_with(n, &texts);
        let mut rng = Rng(7);
        let queries: Vec<String> = (0..256).map(|_| rng.pick(&texts).to_owned()).collect();
        let distribution = single_calls(&engine, &queries, Duration::from_secs_f64(seconds));
        println!("process/{n}/mixed, {distribution}");
    }
}
