//! Issue #28: erasure and retention on the PostgreSQL store, read back from the raw
//! tables afterwards, and seen by the other engines sharing the store.
//!
//! The server comes from `scripts/with-postgres` (run by `scripts/test`), which sets
//! `PATTERN_LEARNING_TEST_POSTGRES`. Without it every test here prints that it was
//! skipped and why. Each test works in its own PostgreSQL schema.
#![cfg(feature = "postgres")]

mod customers;

use std::sync::Arc;

use customers::{found, ANA_MARKERS, SAM_MARKERS};
use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::store::{ErasureKind, PostgresOptions, PostgresStore, Store};
use pattern_learning::{Engine, MessageContext, Reason};

const ENV: &str = "PATTERN_LEARNING_TEST_POSTGRES";
const T0: Timestamp = Timestamp(1_767_225_600_000);
const DAY_MS: i64 = 86_400_000;

/// The test server's URL, or `None` after saying why the test is skipped.
fn server(test: &str) -> Option<String> {
    match std::env::var(ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "SKIPPED {test}: {ENV} is not set. These tests need a real PostgreSQL server; \
                 run them with scripts/with-postgres (scripts/test does)."
            );
            None
        }
    }
}

/// A fresh, empty schema for one test.
fn fresh_schema(url: &str, name: &str) -> PostgresOptions {
    let schema = format!("p_{name}_{}", std::process::id());
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .unwrap();
    PostgresOptions {
        schema,
        ..PostgresOptions::default()
    }
}

fn engine_on(url: &str, options: &PostgresOptions, clock: &ManualClock) -> Engine {
    Engine::builder()
        .clock(Arc::new(clock.clone()))
        .open_postgres(url, options.clone())
        .unwrap()
        .build()
        .unwrap()
}

/// Every row of every table of the store's schema, as text.
fn raw_tables(url: &str, options: &PostgresOptions) -> String {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let tables: Vec<String> = client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename",
            &[&options.schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() >= 12, "{tables:?}");
    let mut text = String::new();
    for table in tables {
        let rows: Option<String> = client
            .query_one(
                &format!(
                    "SELECT string_agg(t::text, E'\\n') FROM {}.{table} t",
                    options.schema
                ),
                &[],
            )
            .unwrap()
            .get(0);
        text.push_str(&rows.unwrap_or_default());
        text.push('\n');
    }
    text
}

#[test]
fn erasing_a_customer_leaves_nothing_of_them_in_the_tables() {
    let Some(url) = server("erasing_a_customer_leaves_nothing_of_them_in_the_tables") else {
        return;
    };
    let options = fresh_schema(&url, "erase");
    let clock = ManualClock::new(T0);
    let engine = engine_on(&url, &options, &clock);
    let day = customers::play(&engine);
    assert!(customers::sam_is_locked_out(&engine, "msg-sam-0004"));
    assert_eq!(
        found(&raw_tables(&url, &options), &SAM_MARKERS).len(),
        SAM_MARKERS.len()
    );

    let erased = engine.erase_customer(&customers::sam()).unwrap();
    assert_eq!(
        (
            erased.decisions,
            erased.examples,
            erased.rejections,
            erased.conversations
        ),
        (4, 2, 1, 1)
    );
    let raw = raw_tables(&url, &options);
    assert_eq!(found(&raw, &SAM_MARKERS), Vec::<&str>::new());
    assert_eq!(found(&raw, &ANA_MARKERS), ANA_MARKERS);
    let store = PostgresStore::open_with(&url, options).unwrap();
    customers::assert_sam_erased(&store, &day);
    assert_eq!(store.erasures().unwrap()[0].kind, ErasureKind::Customer);
}

#[test]
fn other_engines_forget_what_one_erased() {
    let Some(url) = server("other_engines_forget_what_one_erased") else {
        return;
    };
    let options = fresh_schema(&url, "shared_erase");
    let clock = ManualClock::new(T0);
    let a = engine_on(&url, &options, &clock);
    let b = engine_on(&url, &options, &clock);
    let day = customers::play(&a);
    b.refresh().unwrap();
    assert_eq!(
        found(
            &customers::engine_text(&b),
            &["zebra-striped", "left-handed"]
        )
        .len(),
        2
    );
    assert!(customers::sam_is_locked_out(&b, "msg-sam-0004"));

    a.erase_customer(&customers::sam()).unwrap();
    // B learns of it with its next look, as of any change: patterns rewritten,
    // Sam's conversation (and its lockout) forgotten.
    assert!(b.refresh().unwrap());
    assert_eq!(
        found(&customers::engine_text(&b), &SAM_MARKERS),
        Vec::<&str>::new()
    );
    assert!(!b.pattern(day.umbrella).unwrap().is_active);
    assert!(!customers::sam_is_locked_out(&b, "msg-sam-0005"));
    // Ana's duplicate is still refused (by the store, for every engine).
    let ana = b
        .process(
            customers::ANA_CLUBS,
            &MessageContext::new().message_id("msg-ana-0001"),
        )
        .unwrap();
    assert_eq!(ana.reason, Reason::DuplicateMessage);
}

#[test]
fn retention_drops_old_text_and_ids_in_every_table() {
    let Some(url) = server("retention_drops_old_text_and_ids_in_every_table") else {
        return;
    };
    let options = fresh_schema(&url, "retention");
    let clock = ManualClock::new(T0);
    let engine = engine_on(&url, &options, &clock);
    customers::play(&engine);
    clock.set(T0.plus_millis(100 * DAY_MS));
    let new = MessageContext::new()
        .conversation("conv-new-88")
        .message_id("msg-new-1");
    engine
        .process("is the vermilion bay open tonight", &new)
        .unwrap();
    engine
        .update_config(&serde_json::json!({"retention": {"decisionDays": 90}}))
        .unwrap();
    let counts = engine.apply_retention().unwrap().unwrap();
    assert_eq!(counts.decisions, 4, "{counts:?}");
    assert_eq!(counts.conversations, 2, "{counts:?}");
    let raw = raw_tables(&url, &options);
    // Conversation ids, message ids, messages and replies are gone; what the
    // patterns learned (redacted) stays until a customer's data is erased.
    for gone in [
        "conv-sam-4711",
        "msg-sam-",
        "conv-ana-1234",
        "msg-ana-",
        "Samwise",
    ] {
        assert!(!raw.contains(gone), "{gone} is still in the tables");
    }
    for kept in ["vermilion", "conv-new-88", "msg-new-1", "zebra-striped"] {
        assert!(raw.contains(kept), "{kept} is gone");
    }
    let store = PostgresStore::open_with(&url, options).unwrap();
    assert_eq!(
        store.decisions(0, usize::MAX).unwrap().len(),
        5,
        "the counts stay"
    );
    assert_eq!(store.erasures().unwrap()[0].kind, ErasureKind::Retention);
}

/// The schema version in the store's `meta` table.
fn stored_version(client: &mut postgres::Client, options: &PostgresOptions) -> String {
    client
        .query_one(
            &format!(
                "SELECT value FROM {}.meta WHERE key = 'schema_version'",
                options.schema
            ),
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_version_2_store_migrates_to_version_3_with_its_content() {
    let Some(url) = server("a_version_2_store_migrates_to_version_3_with_its_content") else {
        return;
    };
    let options = fresh_schema(&url, "migrate_v2");
    let clock = ManualClock::new(T0);
    let day = customers::play(&engine_on(&url, &options, &clock));
    let before = PostgresStore::open_with(&url, options.clone()).unwrap();
    let (state, events, decisions) = (
        before.load().unwrap(),
        before.events(None, 0, usize::MAX).unwrap(),
        before.decisions(0, usize::MAX).unwrap(),
    );
    drop(before);
    // Migration 3 only adds objects (0003_privacy.sql), so this content in a
    // version-2 store is these tables without them.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "DROP TABLE {s}.erasures; DROP INDEX {s}.decisions_by_time;
             UPDATE {s}.meta SET value = '2' WHERE key = 'schema_version'",
            s = options.schema
        ))
        .unwrap();
    assert_eq!(stored_version(&mut client, &options), "2");

    let engine = engine_on(&url, &options, &clock);
    assert_eq!(stored_version(&mut client, &options), "3");
    let store = PostgresStore::open_with(&url, options.clone()).unwrap();
    assert_eq!(store.load().unwrap(), state);
    assert_eq!(store.events(None, 0, usize::MAX).unwrap(), events);
    assert_eq!(store.decisions(0, usize::MAX).unwrap(), decisions);
    assert_eq!(store.erasures().unwrap(), Vec::new());
    assert!(
        customers::sam_is_locked_out(&engine, "msg-sam-0004"),
        "the takeover lockout survived the migration"
    );
    // The migrated store erases and logs it.
    engine.erase_customer(&customers::sam()).unwrap();
    customers::assert_sam_erased(&store, &day);
    assert_eq!(store.erasures().unwrap()[0].kind, ErasureKind::Customer);
}
