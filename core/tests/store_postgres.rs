//! The PostgreSQL store against a real server: the same content as the embedded
//! store, schema checks, and several engines sharing one database (learning seen by
//! the others, no lost update under concurrent feedback, caps and message ids held
//! across engines), plus the import straight from a V1 `decision_patterns` table.
//!
//! The server comes from `scripts/with-postgres` (run by `scripts/test`), which sets
//! `PATTERN_LEARNING_TEST_POSTGRES`. Without it every test here prints that it was
//! skipped and why. Each test works in its own PostgreSQL schema.
#![cfg(feature = "postgres")]

use std::sync::Arc;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::config::Config;
use pattern_learning::store::{
    Commit, PostgresOptions, PostgresStore, SqliteStore, Store, StoredState,
    POSTGRES_SCHEMA_VERSION,
};
use pattern_learning::{
    v1, Action, ChangeKind, Engine, Error, Feedback, MessageContext, NewPattern, PatternFilter,
    PatternId, Reason,
};

const ENV: &str = "PATTERN_LEARNING_TEST_POSTGRES";
const START: Timestamp = Timestamp(1_767_225_600_000);
const REPLY: &str = "You can play as Guest: tap 'Guest' on the TrackMan login screen.";
const PHRASINGS: [&str; 8] = [
    "i can't log in to the trackman",
    "the qr code won't log us in",
    "cant login on the simulator",
    "trackman login is not working",
    "qr login failed",
    "we can't sign in to trackman",
    "how do we log in to the sim",
    "login screen wont accept qr code",
];
const LOGIN: &str = "i can't log in to the trackman";

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
    let schema = format!("t_{name}_{}", std::process::id());
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

/// An auto-executable, trusted pattern in the engine (as in safety_incidents.rs).
fn train(engine: &Engine) -> PatternId {
    let id = engine
        .create_pattern(
            NewPattern::new(PHRASINGS, REPLY)
                .confidence(1.0)
                .auto_executable(true),
        )
        .unwrap()
        .id;
    // V1's default approvalThreshold: 10 approvals before any automatic send.
    for (i, p) in PHRASINGS.iter().cycle().take(10).enumerate() {
        let mark = if i < PHRASINGS.len() { "!" } else { "?" };
        engine
            .feedback(&Feedback::approve(format!("{p}{mark}"), id))
            .unwrap();
    }
    id
}

fn conv(id: &str) -> MessageContext {
    MessageContext::new()
        .conversation(id)
        .phone("+1 902 555 0100")
}

/// The same operations, on any engine.
fn script(engine: &Engine) {
    for p in [
        "do you sell gift cards",
        "can i buy a gift card",
        "gift cards for sale?",
    ] {
        engine
            .feedback(&Feedback::answer(p, "Yes! Gift cards are sold online."))
            .unwrap();
    }
    let id = engine
        .feedback_with_vector(
            &Feedback::answer("what are your hours", "We are open 9 to 5."),
            Some(vec![0.1, 0.2, 0.3]),
        )
        .unwrap()
        .learned_pattern
        .unwrap();
    engine
        .feedback(&Feedback::reject(
            "what are your hours on holidays",
            id,
            None,
        ))
        .unwrap();
    for (i, m) in ["gift cards?", "hours please", "hello there"]
        .iter()
        .enumerate()
    {
        engine
            .process(
                m,
                &MessageContext::new()
                    .conversation(format!("c{i}"))
                    .message_id(format!("m{i}")),
            )
            .unwrap();
    }
    engine
        .update_config(&serde_json::json!({"thresholds": {"suggest": 0.55}}))
        .unwrap();
    let last = engine.history(id).unwrap().last().unwrap().seq;
    engine.undo(last).unwrap();
}

fn everything(store: &dyn Store) -> (StoredState, Vec<serde_json::Value>) {
    let state = store.load().unwrap();
    let mut logs: Vec<serde_json::Value> = store
        .events(None, 0, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    // Decision ids are unique by design (random): every other field must match.
    logs.extend(store.decisions(0, usize::MAX).unwrap().iter().map(|d| {
        let mut d = serde_json::to_value(d).unwrap();
        assert_eq!(d["decision_id"].as_str().map(str::len), Some(36), "{d}");
        d["decision_id"] = serde_json::Value::Null;
        d
    }));
    (state, logs)
}

#[test]
fn holds_exactly_what_the_embedded_store_holds() {
    let Some(url) = server("holds_exactly_what_the_embedded_store_holds") else {
        return;
    };
    let options = fresh_schema(&url, "same");
    let clock = ManualClock::new(START);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    {
        let on_file = Engine::builder()
            .clock(Arc::new(clock.clone()))
            .open(&path)
            .unwrap()
            .build()
            .unwrap();
        script(&on_file);
        let on_postgres = engine_on(&url, &options, &clock);
        script(&on_postgres);
        assert_eq!(
            on_file.patterns(PatternFilter::all()),
            on_postgres.patterns(PatternFilter::all())
        );
    }
    let file = everything(&SqliteStore::open(&path).unwrap());
    let pg = everything(&PostgresStore::open_with(&url, options.clone()).unwrap());
    assert!(!file.0.patterns.is_empty() && !file.0.rejections.is_empty());
    assert_eq!(file.0.vectors.len(), 1);
    assert!(file.0.settings.contains_key("config"));
    assert_eq!(file.0.conversations.len(), 3);
    assert_eq!(
        pg.0, file.0,
        "patterns, rejections, vectors, settings, conversations, last seqs"
    );
    assert_eq!(pg.1, file.1, "events and decisions, seq numbers included");
    // And an engine reopened on it decides as before.
    let reopened = engine_on(&url, &options, &clock);
    let d = reopened
        .process("do you sell gift cards?", &MessageContext::new())
        .unwrap();
    assert_eq!(
        d.response.as_deref(),
        Some("Yes! Gift cards are sold online.")
    );
}

#[test]
fn refuses_foreign_and_newer_schemas_untouched() {
    let Some(url) = server("refuses_foreign_and_newer_schemas_untouched") else {
        return;
    };
    let foreign = fresh_schema(&url, "foreign");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {0}; CREATE TABLE {0}.orders (id int)",
            foreign.schema
        ))
        .unwrap();
    let err = PostgresStore::open_with(&url, foreign.clone()).unwrap_err();
    assert!(matches!(err, Error::CorruptStore { .. }), "{err}");
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1",
            &[&foreign.schema],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 1, "nothing was created beside the foreign table");

    let newer = fresh_schema(&url, "newer");
    PostgresStore::open_with(&url, newer.clone()).unwrap();
    client
        .batch_execute(&format!(
            "UPDATE {}.meta SET value = '99' WHERE key = 'schema_version'",
            newer.schema
        ))
        .unwrap();
    let err = PostgresStore::open_with(&url, newer).unwrap_err();
    assert!(
        matches!(
            err,
            Error::SchemaTooNew {
                found: 99,
                supported: POSTGRES_SCHEMA_VERSION
            }
        ),
        "{err}"
    );

    let bad = PostgresOptions {
        schema: "Robert'); DROP TABLE students;--".into(),
        ..PostgresOptions::default()
    };
    assert!(matches!(
        PostgresStore::open_with(&url, bad),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        PostgresStore::open("postgres://nobody@127.0.0.1:1/none"),
        Err(Error::Store { .. })
    ));
}

#[test]
fn a_commit_over_another_stores_change_is_refused_whole() {
    let Some(url) = server("a_commit_over_another_stores_change_is_refused_whole") else {
        return;
    };
    let options = fresh_schema(&url, "conflict");
    let scratch = Engine::new();
    let id = scratch
        .create_pattern(NewPattern::new(["wifi password?"], "On the wall."))
        .unwrap()
        .id;
    let pattern = scratch.pattern(id).unwrap();
    let a = PostgresStore::open_with(&url, options.clone()).unwrap();
    let b = PostgresStore::open_with(&url, options.clone()).unwrap();
    a.load().unwrap();
    b.load().unwrap();
    let put = |p: &pattern_learning::Pattern| Commit {
        patterns: vec![p.clone()],
        settings: vec![("marker".into(), serde_json::json!(p.confidence))],
        ..Commit::default()
    };
    a.commit(&put(&pattern)).unwrap();
    let err = b.commit(&put(&pattern)).unwrap_err();
    assert!(matches!(err, Error::StoreConflict { .. }), "{err}");
    assert_eq!(err.code(), "STORE_CONFLICT");
    let state = PostgresStore::open_with(&url, options.clone())
        .unwrap()
        .load()
        .unwrap();
    assert_eq!(
        state.patterns,
        vec![pattern.clone()],
        "only a's commit is there"
    );
    // b sees a's pattern, then may change it; a, now behind, is refused.
    let b2 = PostgresStore::open_with(&url, options.clone()).unwrap();
    b2.load().unwrap();
    let changes = {
        a.commit(&put(&pattern_learning::Pattern {
            confidence: 0.7,
            ..pattern.clone()
        }))
        .unwrap();
        b2.changes().unwrap().expect("a's change is visible")
    };
    assert_eq!(changes.patterns[0].confidence, 0.7);
    assert_eq!(changes.settings["marker"], serde_json::json!(0.7));
    assert!(
        a.changes().unwrap().is_none(),
        "a's own commits are not changes"
    );
    b2.commit(&put(&pattern_learning::Pattern {
        confidence: 0.9,
        ..pattern.clone()
    }))
    .unwrap();
    let err = a.commit(&put(&pattern)).unwrap_err();
    assert!(matches!(err, Error::StoreConflict { .. }), "{err}");
    let state = a.load().unwrap();
    assert_eq!(
        state.patterns[0].confidence, 0.9,
        "the refused commit wrote nothing"
    );
    assert_eq!(state.settings["marker"], serde_json::json!(0.9));
}

#[test]
fn feedback_on_one_engine_is_used_by_the_others_next_decision() {
    let Some(url) = server("feedback_on_one_engine_is_used_by_the_others_next_decision") else {
        return;
    };
    let options = fresh_schema(&url, "learn");
    let clock = ManualClock::new(START);
    let a = engine_on(&url, &options, &clock);
    let b = engine_on(&url, &options, &clock);
    let before = b
        .process("do you sell gift cards?", &MessageContext::new())
        .unwrap();
    assert_eq!(before.reason, Reason::NoMatchingPattern);
    let mut id = None;
    for p in ["do you sell gift cards", "can i buy a gift card"] {
        id = a
            .feedback(&Feedback::answer(p, "Yes! Online."))
            .unwrap()
            .learned_pattern;
    }
    let d = b
        .process("do you sell gift cards?", &MessageContext::new())
        .unwrap();
    assert_eq!(d.pattern_id, id);
    assert_eq!(d.response.as_deref(), Some("Yes! Online."));
    // Configuration changes travel too.
    a.update_config(&serde_json::json!({"shadow_mode": true}))
        .unwrap();
    let d = b
        .process("do you sell gift cards?", &MessageContext::new())
        .unwrap();
    assert_eq!(d.action, Action::Shadow);
    assert!(b.config().shadow_mode);
}

#[test]
fn concurrent_feedback_from_two_engines_loses_no_update() {
    let Some(url) = server("concurrent_feedback_from_two_engines_loses_no_update") else {
        return;
    };
    concurrent_feedback(&url, fresh_schema(&url, "race"));
}

#[test]
fn concurrent_feedback_loses_no_update_with_a_refresh_interval() {
    let Some(url) = server("concurrent_feedback_loses_no_update_with_a_refresh_interval") else {
        return;
    };
    // Engines that look for the others' changes at most once a minute still read
    // them before retrying a refused change.
    let options = PostgresOptions {
        refresh_every: std::time::Duration::from_secs(60),
        ..fresh_schema(&url, "race_interval")
    };
    concurrent_feedback(&url, options);
}

/// Two engines approve one pattern from two threads: every approval counts.
fn concurrent_feedback(url: &str, options: PostgresOptions) {
    let clock = ManualClock::new(START);
    let a = Arc::new(engine_on(url, &options, &clock));
    let id = a
        .create_pattern(NewPattern::new(["wifi password?"], "On the wall by bay 1."))
        .unwrap()
        .id;
    // Opened after the pattern exists, so that it knows it even when it looks for
    // changes only once a minute.
    let b = Arc::new(engine_on(url, &options, &clock));
    let before = a.pattern(id).unwrap();
    // Enough that one engine keeps losing the race to the other: without the write
    // hold this failed 6 runs out of 6 with a StoreConflict.
    const EACH: usize = 200;
    let threads: Vec<_> = [("a", a.clone()), ("b", b.clone())]
        .into_iter()
        .map(|(name, engine)| {
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let message = format!("wifi code {name} {i}?");
                    engine.feedback(&Feedback::approve(message, id)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let fresh = engine_on(url, &options, &clock);
    let after = fresh.pattern(id).unwrap();
    let total = 2 * EACH as u64;
    assert_eq!(after.execution_count, before.execution_count + total);
    assert_eq!(after.success_count, before.success_count + total);
    for name in ["a", "b"] {
        for i in 0..EACH {
            let message = format!("wifi code {name} {i}?");
            assert!(
                after.trigger_examples.contains(&message),
                "{message} was lost"
            );
        }
    }
    let approvals = fresh
        .history(id)
        .unwrap()
        .iter()
        .filter(|e| e.kind == ChangeKind::Approved)
        .count();
    assert_eq!(approvals, 2 * EACH, "one approval event per feedback");
    a.refresh().unwrap();
    b.refresh().unwrap();
    assert_eq!(a.pattern(id).unwrap(), after);
    assert_eq!(b.pattern(id).unwrap(), after);
}

#[test]
fn the_hourly_cap_holds_across_engines() {
    let Some(url) = server("the_hourly_cap_holds_across_engines") else {
        return;
    };
    let options = fresh_schema(&url, "hourly");
    let clock = ManualClock::new(START);
    let mut config = Config::default();
    config.guards.max_auto_sends_per_hour = Some(3);
    let a = Engine::builder()
        .config(config)
        .clock(Arc::new(clock.clone()))
        .open_postgres(&url, options.clone())
        .unwrap()
        .build()
        .unwrap();
    train(&a);
    let b = engine_on(&url, &options, &clock);
    let mut sent = 0;
    for i in 0..8 {
        let engine = if i % 2 == 0 { &a } else { &b };
        let d = engine
            .process(LOGIN, &conv(&format!("hourly-{i}")))
            .unwrap();
        if d.action == Action::AutoExecute {
            assert!(d.outbound.is_some());
            sent += 1;
        } else {
            assert_eq!(d.reason, Reason::RateLimited, "{d:#?}");
            assert!(d.outbound.is_none());
        }
    }
    assert_eq!(sent, 3, "3 sends in the hour across both engines");
    // An hour later the cap has room again.
    clock.advance_secs(3_601);
    let d = b.process(LOGIN, &conv("hourly-later")).unwrap();
    assert_eq!(d.action, Action::AutoExecute, "{d:#?}");
}

#[test]
fn one_message_id_is_sent_at_most_once_across_engines() {
    let Some(url) = server("one_message_id_is_sent_at_most_once_across_engines") else {
        return;
    };
    let options = fresh_schema(&url, "once");
    let clock = ManualClock::new(START);
    let a = Arc::new(engine_on(&url, &options, &clock));
    train(&a);
    let b = Arc::new(engine_on(&url, &options, &clock));
    const MESSAGES: usize = 12;
    let threads: Vec<_> = [("a", a.clone()), ("b", b.clone())]
        .into_iter()
        .map(|(name, engine)| {
            std::thread::spawn(move || {
                (0..MESSAGES)
                    .map(|i| {
                        let ctx = conv(&format!("once-{name}-{i}")).message_id(format!("m-{i}"));
                        engine.process(LOGIN, &ctx).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<Vec<_>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for i in 0..MESSAGES {
        let sends = results
            .iter()
            .filter(|r| r[i].action == Action::AutoExecute)
            .count();
        assert_eq!(sends, 1, "message m-{i} sent {sends} times");
        let other = results
            .iter()
            .find(|r| r[i].action != Action::AutoExecute)
            .unwrap();
        assert_eq!(other[i].reason, Reason::DuplicateMessage);
        assert!(other[i].outbound.is_none());
    }
}

#[test]
fn conversation_caps_hold_across_engines() {
    let Some(url) = server("conversation_caps_hold_across_engines") else {
        return;
    };
    let options = fresh_schema(&url, "conv");
    let clock = ManualClock::new(START);
    let a = engine_on(&url, &options, &clock);
    train(&a);
    let b = engine_on(&url, &options, &clock);
    let d = a.process(LOGIN, &conv("shared-conv")).unwrap();
    assert_eq!(d.action, Action::AutoExecute, "{d:#?}");
    clock.advance_secs(120);
    let d = b.process(LOGIN, &conv("shared-conv")).unwrap();
    assert_ne!(d.action, Action::AutoExecute, "{d:#?}");
    assert_eq!(d.reason, Reason::PatternReuseLimit);
}

#[test]
fn imports_straight_from_a_v1_decision_patterns_table() {
    let Some(url) = server("imports_straight_from_a_v1_decision_patterns_table") else {
        return;
    };
    let v1 = format!("v1_{}", std::process::id());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {v1} CASCADE;
             CREATE SCHEMA {v1};
             CREATE TABLE {v1}.decision_patterns (
                 id SERIAL PRIMARY KEY,
                 pattern_type VARCHAR(50) NOT NULL,
                 pattern_signature VARCHAR(255) UNIQUE NOT NULL,
                 trigger_text TEXT,
                 pattern TEXT,
                 trigger_keywords TEXT[],
                 trigger_examples TEXT[] DEFAULT '{{}}',
                 response_template TEXT,
                 action_template JSONB,
                 confidence_score DECIMAL(3,2) DEFAULT 0.50,
                 auto_executable BOOLEAN DEFAULT FALSE,
                 is_active BOOLEAN DEFAULT TRUE,
                 execution_count INTEGER DEFAULT 0,
                 success_count INTEGER DEFAULT 0,
                 failure_count INTEGER DEFAULT 0,
                 human_override_count INTEGER DEFAULT 0,
                 created_from VARCHAR(50) DEFAULT 'learned',
                 first_seen TIMESTAMP DEFAULT NOW(),
                 created_at TIMESTAMP DEFAULT NOW(),
                 last_used TIMESTAMP,
                 last_modified TIMESTAMP,
                 is_deleted BOOLEAN DEFAULT FALSE,
                 embedding FLOAT[]
             );
             INSERT INTO {v1}.decision_patterns (id, pattern_type, pattern_signature,
                 trigger_text, trigger_keywords, trigger_examples, response_template,
                 action_template, confidence_score, auto_executable, execution_count,
                 success_count, created_at, last_used, embedding)
             VALUES
               (7, 'gift_cards', '8c75e70ab6784fc2ae46aef35313ad46',
                'Do you sell gift cards?', '{{\"gift card\",giftcard}}',
                '{{\"can i buy a gift card\"}}', 'Yes! Online at {{{{link}}}}.',
                '{{\"actions\": []}}', 0.85, true, 12, 12,
                '2025-09-05 12:34:56.789', '2025-10-01 08:00:00', '{{0.1,0.2}}'),
               (9, 'tech_issue', 'legacy-signature-9',
                'the simulator is frozen', NULL, '{{}}', 'Try restarting it.',
                NULL, 0.42, false, 0, 0, '2025-09-06 00:00:00', NULL, NULL);"
        ))
        .unwrap();
    let v1_url = format!("{url}?options=-csearch_path%3D{v1}");
    let import = v1::rows::import_postgres(&v1_url).unwrap();
    assert_eq!(import.patterns.len(), 2);
    let gift = &import.patterns[0];
    assert_eq!(gift.id, PatternId(7));
    assert_eq!(gift.topic, "gift_cards");
    assert_eq!(
        gift.v1_signature.as_deref(),
        Some("8c75e70ab6784fc2ae46aef35313ad46")
    );
    assert_eq!(
        gift.trigger_examples,
        ["Do you sell gift cards?", "can i buy a gift card"]
    );
    assert_eq!(gift.trigger_keywords, ["gift card", "giftcard"]);
    assert_eq!(gift.confidence, 0.85);
    assert_eq!(gift.created_at, Timestamp(1_757_075_696_789));
    let frozen = &import.patterns[1];
    assert_eq!(frozen.topic, "tech_support");
    assert_eq!(frozen.v1_signature.as_deref(), Some("legacy-signature-9"));
    assert!(
        import.warnings.iter().any(|w| w.id == 9),
        "a signature V1 did not compute the usual way is kept, with a warning: {:?}",
        import.warnings
    );

    // Into a PostgreSQL engine, signatures kept through a reopen.
    let options = fresh_schema(&url, "import");
    let clock = ManualClock::new(START);
    let engine = engine_on(&url, &options, &clock);
    engine
        .import(import.patterns.clone(), Default::default())
        .unwrap();
    drop(engine);
    let reopened = engine_on(&url, &options, &clock);
    let p = reopened.pattern(PatternId(9)).unwrap();
    assert_eq!(p.v1_signature.as_deref(), Some("legacy-signature-9"));
    // The V1 table was only read.
    let rows: i64 = client
        .query_one(&format!("SELECT count(*) FROM {v1}.decision_patterns"), &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 2);
    client
        .batch_execute(&format!("DROP SCHEMA {v1} CASCADE"))
        .unwrap();
}
