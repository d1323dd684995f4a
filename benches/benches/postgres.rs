//! Criterion benchmarks of the PostgreSQL store at 10,000 patterns × 5 trigger
//! examples: opening an engine, `process` and `feedback` latency of one engine, and
//! the throughput of two engines sharing the database (each on its own thread and
//! connection, as two processes would be).
//!
//! Needs a server: run under `scripts/with-postgres` (it sets
//! `PATTERN_LEARNING_TEST_POSTGRES`), for example
//! `scripts/with-postgres cargo bench --bench postgres`. Without the variable it
//! says so and measures nothing. The bench works in its own schema and drops it.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use pattern_learning::store::{PostgresOptions, PostgresStore, Store};
use pattern_learning::{Engine, Feedback, MessageContext, PatternId};
use pattern_learning_benches::stored::{fill, words, PATTERNS};

const ENV: &str = "PATTERN_LEARNING_TEST_POSTGRES";

fn options() -> PostgresOptions {
    PostgresOptions {
        schema: format!("bench_{}", std::process::id()),
        ..PostgresOptions::default()
    }
}

/// A store of `PATTERNS` patterns, each with its creation event.
fn build_store(url: &str) {
    let store = PostgresStore::open_with(url, options()).expect("open");
    store.load().expect("load");
    fill(&store);
}

fn open(url: &str) -> Engine {
    Engine::builder()
        .open_postgres(url, options())
        .expect("open")
        .build()
        .expect("build")
}

fn bench_postgres(c: &mut Criterion) {
    let Ok(url) = std::env::var(ENV) else {
        eprintln!(
            "SKIPPED: {ENV} is not set; run `scripts/with-postgres cargo bench --bench postgres`"
        );
        return;
    };
    build_store(&url);
    let mut group = c.benchmark_group("postgres");
    group.sample_size(10);
    group.bench_function("engine_open/10000", |b| {
        b.iter(|| {
            let engine = open(&url);
            assert_eq!(engine.pattern_count() as u64, PATTERNS);
            black_box(engine)
        })
    });

    let a = Arc::new(open(&url));
    let b = Arc::new(open(&url));
    let counter = AtomicU64::new(0);
    let next = || counter.fetch_add(1, Ordering::Relaxed);
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("process/10000", |bench| {
        bench.iter(|| {
            let i = next();
            let ctx = MessageContext::new().conversation(format!("c{}", i % 500));
            black_box(a.process(&words(i, 8), &ctx).expect("process"))
        })
    });
    group.bench_function("feedback/10000", |bench| {
        bench.iter(|| {
            let i = next();
            let id = PatternId(1 + i % PATTERNS);
            black_box(
                a.feedback(&Feedback::approve(words(i, 8), id))
                    .expect("feedback"),
            )
        })
    });

    // Two engines, each on its own thread, splitting the work: time per operation
    // of the pair (throughput = 1 / time).
    group.throughput(Throughput::Elements(1));
    let pair = [a.clone(), b.clone()];
    group.bench_function("two_engines/process", |bench| {
        bench.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|s| {
                for (k, engine) in pair.iter().enumerate() {
                    let counter = &counter;
                    s.spawn(move || {
                        for _ in (0..iters).filter(|n| n % 2 == k as u64) {
                            let i = counter.fetch_add(1, Ordering::Relaxed);
                            let ctx = MessageContext::new().conversation(format!("c{}", i % 500));
                            black_box(engine.process(&words(i, 8), &ctx).expect("process"));
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    group.bench_function("two_engines/feedback", |bench| {
        bench.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|s| {
                for (k, engine) in pair.iter().enumerate() {
                    let counter = &counter;
                    s.spawn(move || {
                        for _ in (0..iters).filter(|n| n % 2 == k as u64) {
                            let i = counter.fetch_add(1, Ordering::Relaxed);
                            let id = PatternId(1 + i % PATTERNS);
                            black_box(
                                engine
                                    .feedback(&Feedback::approve(words(i, 8), id))
                                    .expect("feedback"),
                            );
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    group.finish();
    drop((a, b, pair));
    if let Ok(mut client) = postgres_client(&url) {
        let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", options().schema));
    }
}

/// A plain connection, for dropping the bench's schema.
fn postgres_client(url: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(url, postgres::NoTls)
}

criterion_group!(benches, bench_postgres);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
