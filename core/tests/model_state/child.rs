//! The engine process of the model test: one engine on the store named by the
//! environment, driven by JSON commands on standard input, one answer per line on
//! standard output. The parent kills it (SIGKILL) or ends it (end of input) to test
//! restarts.

use std::io::{BufRead, Write};
use std::sync::Arc;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::{
    ChangeKind, DecisionId, Engine, Error, Feedback, MessageContext, NewPattern, PatternId,
};
use serde_json::{json, Value};

use crate::fixture::{LOGIN, PHRASINGS, REPLY};

/// Where the engine's store is: `PL_MODEL_STORE` is a file path, or a PostgreSQL URL
/// with the schema in `PL_MODEL_SCHEMA`.
pub const STORE_VAR: &str = "PL_MODEL_STORE";
/// The PostgreSQL schema of the store.
pub const SCHEMA_VAR: &str = "PL_MODEL_SCHEMA";

/// Runs the command loop until standard input ends.
pub fn serve(store: &str) {
    let clock = ManualClock::new(crate::fixture::START);
    let engine = open(store, &clock);
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(command) => run(&engine, &clock, &command),
            Err(e) => json!({"error": "BAD_COMMAND", "message": e.to_string()}),
        };
        if writeln!(stdout, "{answer}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}

fn open(store: &str, clock: &ManualClock) -> Engine {
    let builder = Engine::builder().clock(Arc::new(clock.clone()));
    let builder = if store.starts_with("postgres") {
        open_postgres(builder, store)
    } else {
        builder.open(store)
    };
    builder
        .expect("the store opens")
        .build()
        .expect("the engine builds")
}

#[cfg(feature = "postgres")]
fn open_postgres(
    builder: pattern_learning::EngineBuilder,
    url: &str,
) -> pattern_learning::Result<pattern_learning::EngineBuilder> {
    let options = pattern_learning::store::PostgresOptions {
        schema: std::env::var(SCHEMA_VAR).expect("the schema of the store"),
        ..Default::default()
    };
    builder.open_postgres(url, options)
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(
    builder: pattern_learning::EngineBuilder,
    url: &str,
) -> pattern_learning::Result<pattern_learning::EngineBuilder> {
    builder.open_location(url)
}

fn run(engine: &Engine, clock: &ManualClock, c: &Value) -> Value {
    if let Some(now) = c["now"].as_i64() {
        clock.set(Timestamp(now));
    }
    let result = match c["op"].as_str().unwrap_or_default() {
        "setup" => setup(engine),
        "process" => process(engine, c),
        "feedback" => feedback(engine, c),
        "takeover" => engine
            .record_operator_message(text(c, "conversation"), Some(LOGIN))
            .map(|()| json!({})),
        "undo_latest" => undo_latest(engine, pattern(c)),
        "config" => engine.update_config(&c["patch"]).map(|_| json!({})),
        "state" => state(engine, pattern(c)),
        other => return json!({"error": "BAD_COMMAND", "message": other}),
    };
    result.unwrap_or_else(|e| json!({"error": e.code(), "message": e.to_string()}))
}

fn text<'a>(c: &'a Value, key: &str) -> &'a str {
    c[key].as_str().unwrap_or_default()
}

fn pattern(c: &Value) -> PatternId {
    PatternId(c["pattern"].as_u64().unwrap_or_default())
}

/// The trusted pattern the model starts from, an hourly cap of 3, no rapid-message
/// escalation (the model spaces messages freely) and no V1 approval threshold (the
/// model follows the pattern's confidence, not its count of approvals).
fn setup(engine: &Engine) -> Result<Value, Error> {
    engine.update_config(&json!({"guards": {"maxAutoSendsPerHour": 3}}))?;
    engine.update_safety_thresholds(&json!({"rapidMessageEnabled": false}))?;
    engine.update_safety_settings(&json!({"requireApprovalForNew": false}))?;
    let id = engine
        .create_pattern(
            NewPattern::new(PHRASINGS, REPLY)
                .confidence(1.0)
                .auto_executable(true),
        )?
        .id;
    for k in 0..crate::fixture::SETUP_APPROVALS {
        engine.feedback(&Feedback::approve(crate::fixture::unrelated(k), id))?;
    }
    Ok(json!({"pattern": id.0}))
}

fn process(engine: &Engine, c: &Value) -> Result<Value, Error> {
    let mut ctx = MessageContext::new().conversation(text(c, "conversation"));
    if let Some(m) = c["message_id"].as_str() {
        ctx = ctx.message_id(m);
    }
    let d = engine.process(text(c, "text"), &ctx)?;
    Ok(json!({
        "id": d.id.to_string(),
        "sends": d.sends(),
        "action": d.action.as_str(),
        "reason": d.reason.as_str(),
        "pattern": d.pattern_id.map(|p| p.0),
    }))
}

fn feedback(engine: &Engine, c: &Value) -> Result<Value, Error> {
    let query = text(c, "text");
    let judged = c["pattern"].as_u64().map(PatternId);
    let mut f = match text(c, "action") {
        "reject" => Feedback::reject(query, judged.unwrap_or(PatternId(0)), None),
        _ => Feedback::approve(query, judged.unwrap_or(PatternId(0))),
    };
    f.pattern_id = judged;
    f.decision_id = c["decision"]
        .as_str()
        .map(str::parse::<DecisionId>)
        .transpose()?;
    f.id = c["feedback_id"].as_str().map(str::to_owned);
    let outcome = engine.feedback(&f)?;
    Ok(json!({
        "duplicate": outcome.duplicate,
        "judged": outcome.judged_pattern.map(|p| p.0),
    }))
}

/// Undoes the pattern's latest change, which must be a judgement.
fn undo_latest(engine: &Engine, id: PatternId) -> Result<Value, Error> {
    let history = engine.history(id)?;
    let Some(last) = history.last() else {
        return Ok(json!({"error": "NO_HISTORY"}));
    };
    if !matches!(last.kind, ChangeKind::Approved | ChangeKind::Rejected) {
        return Ok(json!({"error": "NOT_A_JUDGEMENT", "kind": format!("{:?}", last.kind)}));
    }
    engine.undo(last.seq)?;
    Ok(json!({}))
}

/// What the model predicts of the store, as this engine sees it after taking in the
/// other engines' changes.
fn state(engine: &Engine, id: PatternId) -> Result<Value, Error> {
    engine.refresh()?;
    let p = engine.pattern(id).ok_or(Error::UnknownPattern(id))?;
    let config = engine.config();
    Ok(json!({
        "confidence": p.confidence,
        "execution_count": p.execution_count,
        "success_count": p.success_count,
        "failure_count": p.failure_count,
        "enabled": config.enabled,
        "cap": config.guards.max_auto_sends_per_hour,
    }))
}
