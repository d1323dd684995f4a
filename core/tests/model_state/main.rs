//! Issue 24: a model-based test of state across restarts, kills and replicas.
//!
//! Random sequences of messages, feedback by decision id and by pattern (some of it
//! delivered twice), operator takeovers, undos, kill-switch and settings changes,
//! restarts and SIGKILLs run against real engine processes, and after every step the
//! engines are compared with a small reference model of the specification
//! (`model.rs`: what must be sent, counted and locked):
//!
//! * one SQLite engine, restarted and killed;
//! * two engines on one real PostgreSQL database (`PATTERN_LEARNING_TEST_POSTGRES`,
//!   set by `scripts/with-postgres`; built with the cargo feature `postgres`). Without
//!   the server or the feature this part is skipped, and says so loudly, as every
//!   PostgreSQL test does.
//!
//! The engine processes are this test binary itself, started with `PL_MODEL_STORE`
//! set (`child.rs`). `PL_MODEL_CASES` sets the number of sequences of each part
//! (default 16 for SQLite, 10 for PostgreSQL); the summary line prints what ran.

mod child;
mod fixture;
mod model;
#[path = "../support/mod.rs"]
mod support;
mod sut;

use std::sync::atomic::Ordering;

use sut::{run_cases, Location, KILLS, RESTARTS, SEQUENCES, STEPS};

/// A new SQLite file in a temporary directory.
struct SqliteFile;

impl Location for SqliteFile {
    fn fresh() -> (String, Option<String>, Box<dyn std::any::Any>) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("patterns.db");
        (path.display().to_string(), None, Box::new(dir))
    }
}

/// A new schema on the test PostgreSQL server.
#[cfg(feature = "postgres")]
struct PostgresSchema;

#[cfg(feature = "postgres")]
const POSTGRES_VAR: &str = "PATTERN_LEARNING_TEST_POSTGRES";

#[cfg(feature = "postgres")]
impl Location for PostgresSchema {
    fn fresh() -> (String, Option<String>, Box<dyn std::any::Any>) {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let url = std::env::var(POSTGRES_VAR).expect("the PostgreSQL server");
        let schema = format!(
            "t_model_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("the server");
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .expect("a fresh schema");
        (url, Some(schema), Box::new(()))
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PL_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn summary(part: &str) {
    println!(
        "model_state [{part}]: {} sequences, {} steps, {} restarts, {} kills: every step agreed with the model",
        SEQUENCES.swap(0, Ordering::Relaxed),
        STEPS.swap(0, Ordering::Relaxed),
        RESTARTS.swap(0, Ordering::Relaxed),
        KILLS.swap(0, Ordering::Relaxed),
    );
}

fn main() {
    if let Ok(store) = std::env::var(child::STORE_VAR) {
        child::serve(&store);
        return;
    }
    run_cases::<SqliteFile, 1>(cases(16), 40);
    summary("one SQLite engine, restarted and killed");
    postgres_part();
}

#[cfg(feature = "postgres")]
fn postgres_part() {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.trim().is_empty() => {
            run_cases::<PostgresSchema, 2>(cases(10), 40);
            summary("two engines on one PostgreSQL database");
        }
        _ => eprintln!(
            "SKIPPED model_state [two engines on one PostgreSQL database]: {POSTGRES_VAR} is \
             not set. It needs a real PostgreSQL server; run it with scripts/with-postgres \
             (scripts/test does)."
        ),
    }
}

#[cfg(not(feature = "postgres"))]
fn postgres_part() {
    eprintln!(
        "SKIPPED model_state [two engines on one PostgreSQL database]: built without the \
         cargo feature `postgres` (scripts/test builds the workspace, which has it)."
    );
}
