//! Rows: writing a [`Commit`] into the tables and reading the tables back.
//!
//! Everything here speaks `rusqlite::Result`; [`super::SqliteStore`] maps errors to
//! the crate's once. A value that cannot be decoded becomes a
//! `FromSqlConversionFailure` naming the table, row and column, which the store
//! reports as a corrupt store.

use std::collections::BTreeMap;
use std::fmt::Display;

use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::book::{ChangeKind, PatternEvent, PatternState};
use crate::clock::Timestamp;
use crate::decision_id::DecisionId;
use crate::pattern::{Pattern, PatternId, Provenance};
use crate::store::{Commit, DecisionRecord, ExampleVector, Judgement};

/// Writes the patterns of `commit` (already checked) inside the caller's
/// transaction: removals, upserts, and the stored rejections and vectors of the
/// rewritten ones dropped. The commit's erasure comes next, then [`apply_rest`].
pub(super) fn apply_patterns(conn: &Connection, commit: &Commit) -> rusqlite::Result<()> {
    for id in &commit.removed_patterns {
        // Rejections and vectors go with it (ON DELETE CASCADE); events stay.
        conn.prepare_cached("DELETE FROM patterns WHERE id = ?1")?
            .execute([int(id.0)])?;
    }
    for pattern in &commit.patterns {
        upsert_pattern(conn, pattern)?;
    }
    for id in &commit.rewritten_patterns {
        conn.prepare_cached("DELETE FROM rejections WHERE pattern_id = ?1")?
            .execute([int(id.0)])?;
        conn.prepare_cached("DELETE FROM vectors WHERE pattern_id = ?1")?
            .execute([int(id.0)])?;
    }
    Ok(())
}

/// Writes the rest of `commit`: rejections, vectors, events, decisions, settings,
/// conversations, feedback ids and judgements.
pub(super) fn apply_rest(conn: &Connection, commit: &Commit) -> rusqlite::Result<()> {
    for (id, message) in &commit.rejections {
        conn.prepare_cached("INSERT INTO rejections (pattern_id, message) VALUES (?1, ?2)")?
            .execute(params![int(id.0), message])?;
    }
    for v in &commit.vectors {
        conn.prepare_cached(
            "INSERT INTO vectors (pattern_id, example_index, vector) VALUES (?1, ?2, ?3)
             ON CONFLICT (pattern_id, example_index) DO UPDATE SET vector = excluded.vector",
        )?
        .execute(params![
            int(v.pattern_id.0),
            v.example_index,
            vector_bytes(&v.vector)
        ])?;
    }
    for event in &commit.events {
        insert_event(conn, event)?;
    }
    for decision in &commit.decisions {
        insert_decision(conn, decision)?;
    }
    for (key, value) in &commit.settings {
        upsert_document(conn, "settings", "key", "value", key, value)?;
    }
    for (id, state) in &commit.conversations {
        upsert_document(conn, "conversations", "conversation_id", "state", id, state)?;
    }
    for id in &commit.feedback_ids {
        let at = commit.judgements.first().map_or(0, |j| j.at.0);
        conn.prepare_cached("INSERT OR IGNORE INTO feedback (id, at) VALUES (?1, ?2)")?
            .execute(params![id, at])?;
    }
    for j in &commit.judgements {
        conn.prepare_cached("INSERT INTO judgements (at, confidence, sent) VALUES (?1, ?2, ?3)")?
            .execute(params![j.at.0, j.confidence, j.right])?;
    }
    Ok(())
}

/// The most recent `limit` judged proposals, oldest first.
pub(super) fn load_judgements(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<Judgement>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, confidence, sent FROM
             (SELECT seq, at, confidence, sent FROM judgements ORDER BY seq DESC LIMIT ?1)
         ORDER BY seq",
    )?;
    let rows = stmt.query_map([int(limit as u64)], |row| {
        Ok(Judgement {
            at: Timestamp(row.get(0)?),
            confidence: row.get(1)?,
            right: row.get(2)?,
        })
    })?;
    rows.collect()
}

/// Whether the feedback with this id was applied.
pub(super) fn feedback_applied(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM feedback WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// When the automatic sends at or after `since` were decided, oldest first.
pub(super) fn auto_sends_since(
    conn: &Connection,
    since: Timestamp,
) -> rusqlite::Result<Vec<Timestamp>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at FROM decisions WHERE action = 'auto_execute' AND at >= ?1 ORDER BY at",
    )?;
    let rows = stmt.query_map([since.0], |row| Ok(Timestamp(row.get(0)?)))?;
    rows.collect()
}

/// Whether a pattern row exists.
pub(super) fn pattern_exists(conn: &Connection, id: PatternId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM patterns WHERE id = ?1")?
        .query_row([int(id.0)], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// The highest `seq` of `events` or `decisions`, 0 when empty.
pub(super) fn last_seq(conn: &Connection, table: &str) -> rusqlite::Result<u64> {
    let sql = format!("SELECT coalesce(max(seq), 0) FROM {table}");
    let seq: i64 = conn.prepare_cached(&sql)?.query_row([], |row| row.get(0))?;
    to_u64(table, seq, "seq", seq)
}

fn upsert_pattern(conn: &Connection, p: &Pattern) -> rusqlite::Result<()> {
    // An upsert, not INSERT OR REPLACE: replacing would delete the row and cascade
    // to the pattern's rejections and vectors.
    conn.prepare_cached(
        "INSERT INTO patterns (id, topic, signature, trigger_examples, trigger_keywords,
             response_template, action_template, confidence, is_active, auto_executable,
             is_deleted, execution_count, success_count, failure_count, override_count,
             provenance, v1_signature, created_at, last_used, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, ?19, ?20)
         ON CONFLICT (id) DO UPDATE SET topic = excluded.topic,
             signature = excluded.signature, trigger_examples = excluded.trigger_examples,
             trigger_keywords = excluded.trigger_keywords,
             response_template = excluded.response_template,
             action_template = excluded.action_template, confidence = excluded.confidence,
             is_active = excluded.is_active, auto_executable = excluded.auto_executable,
             is_deleted = excluded.is_deleted, execution_count = excluded.execution_count,
             success_count = excluded.success_count, failure_count = excluded.failure_count,
             override_count = excluded.override_count, provenance = excluded.provenance,
             v1_signature = excluded.v1_signature, created_at = excluded.created_at,
             last_used = excluded.last_used, last_modified = excluded.last_modified",
    )?
    .execute(params![
        int(p.id.0),
        p.topic,
        p.signature,
        json(&p.trigger_examples)?,
        json(&p.trigger_keywords)?,
        p.response_template,
        p.action_template.as_ref().map(json).transpose()?,
        p.confidence,
        p.is_active,
        p.auto_executable,
        p.is_deleted,
        int(p.execution_count),
        int(p.success_count),
        int(p.failure_count),
        int(p.override_count),
        name_of(&p.provenance)?,
        p.v1_signature,
        p.created_at.0,
        p.last_used.map(|t| t.0),
        p.last_modified.0,
    ])?;
    Ok(())
}

fn insert_event(conn: &Connection, e: &PatternEvent) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO events (seq, pattern_id, kind, at, actor, old_confidence, new_confidence,
             message, state, state_confidence, full_pattern, full_confidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        int(e.seq),
        int(e.pattern_id.0),
        name_of(&e.kind)?,
        e.at.0,
        e.actor,
        e.old_confidence,
        e.new_confidence,
        e.message,
        json(&e.state)?,
        e.state.confidence,
        e.full.as_ref().map(json).transpose()?,
        e.full.as_ref().map(|p| p.confidence),
    ])?;
    Ok(())
}

fn insert_decision(conn: &Connection, d: &DecisionRecord) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO decisions (seq, at, decision_id, message_id, conversation_id, message,
             action, reason, pattern_id, confidence, response, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        int(d.seq),
        d.at.0,
        d.decision_id.to_string(),
        d.message_id,
        d.conversation_id,
        d.message,
        d.action,
        d.reason,
        d.pattern_id.map(|id| int(id.0)),
        d.confidence,
        d.response,
        json(&d.evidence)?,
    ])?;
    Ok(())
}

/// Upserts a JSON document, or deletes it when it is `null`.
fn upsert_document(
    conn: &Connection,
    table: &str,
    key_column: &str,
    value_column: &str,
    key: &str,
    value: &serde_json::Value,
) -> rusqlite::Result<()> {
    if value.is_null() {
        let sql = format!("DELETE FROM {table} WHERE {key_column} = ?1");
        conn.prepare_cached(&sql)?.execute([key])?;
    } else {
        let sql = format!(
            "INSERT INTO {table} ({key_column}, {value_column}) VALUES (?1, ?2)
             ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = excluded.{value_column}"
        );
        conn.prepare_cached(&sql)?
            .execute(params![key, json(value)?])?;
    }
    Ok(())
}

/// Every pattern, by id.
pub(super) fn load_patterns(conn: &Connection) -> rusqlite::Result<Vec<Pattern>> {
    let mut stmt = conn.prepare(
        "SELECT id, topic, signature, trigger_examples, trigger_keywords, response_template,
             action_template, confidence, is_active, auto_executable, is_deleted,
             execution_count, success_count, failure_count, override_count, provenance,
             v1_signature, created_at, last_used, last_modified
         FROM patterns ORDER BY id",
    )?;
    let rows = stmt.query_map([], read_pattern)?;
    rows.collect()
}

fn read_pattern(row: &Row<'_>) -> rusqlite::Result<Pattern> {
    let key: i64 = row.get(0)?;
    let t = "patterns";
    let action: Option<String> = row.get(6)?;
    Ok(Pattern {
        id: PatternId(to_u64(t, key, "id", key)?),
        topic: row.get(1)?,
        signature: row.get(2)?,
        trigger_examples: from_json(t, key, "trigger_examples", &row.get::<_, String>(3)?)?,
        trigger_keywords: from_json(t, key, "trigger_keywords", &row.get::<_, String>(4)?)?,
        response_template: row.get(5)?,
        action_template: action
            .map(|text| from_json(t, key, "action_template", &text))
            .transpose()?,
        confidence: row.get(7)?,
        is_active: row.get(8)?,
        auto_executable: row.get(9)?,
        is_deleted: row.get(10)?,
        execution_count: to_u64(t, key, "execution_count", row.get(11)?)?,
        success_count: to_u64(t, key, "success_count", row.get(12)?)?,
        failure_count: to_u64(t, key, "failure_count", row.get(13)?)?,
        override_count: to_u64(t, key, "override_count", row.get(14)?)?,
        provenance: from_name::<Provenance>(t, key, "provenance", row.get(15)?)?,
        v1_signature: row.get(16)?,
        created_at: Timestamp(row.get(17)?),
        last_used: row.get::<_, Option<i64>>(18)?.map(Timestamp),
        last_modified: Timestamp(row.get(19)?),
    })
}

/// Every rejection, in the order they were committed.
pub(super) fn load_rejections(conn: &Connection) -> rusqlite::Result<Vec<(PatternId, String)>> {
    let mut stmt = conn.prepare("SELECT id, pattern_id, message FROM rejections ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        let key: i64 = row.get(0)?;
        let id = to_u64("rejections", key, "pattern_id", row.get(1)?)?;
        Ok((PatternId(id), row.get(2)?))
    })?;
    rows.collect()
}

/// Every vector, by pattern and example index.
pub(super) fn load_vectors(conn: &Connection) -> rusqlite::Result<Vec<ExampleVector>> {
    let mut stmt = conn.prepare(
        "SELECT pattern_id, example_index, vector FROM vectors ORDER BY pattern_id, example_index",
    )?;
    let rows = stmt.query_map([], |row| {
        let key: i64 = row.get(0)?;
        let t = "vectors";
        let index: i64 = row.get(1)?;
        let bytes: Vec<u8> = row.get(2)?;
        Ok(ExampleVector {
            pattern_id: PatternId(to_u64(t, key, "pattern_id", key)?),
            example_index: u32::try_from(index)
                .map_err(|e| decode_error(t, key, "example_index", e))?,
            vector: vector_from_bytes(&bytes)
                .ok_or_else(|| decode_error(t, key, "vector", "length is not a multiple of 4"))?,
        })
    })?;
    rows.collect()
}

/// A key → JSON table (`settings`, `conversations`).
pub(super) fn load_documents(
    conn: &Connection,
    table: &str,
    key_column: &str,
    value_column: &str,
) -> rusqlite::Result<BTreeMap<String, serde_json::Value>> {
    let sql = format!("SELECT {key_column}, {value_column} FROM {table}");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |row| {
        let key: String = row.get(0)?;
        let text: String = row.get(1)?;
        let value =
            serde_json::from_str(&text).map_err(|e| decode_error(table, &key, value_column, e))?;
        Ok((key, value))
    })?;
    rows.collect()
}

/// Events with `seq > after`, oldest first, optionally of one pattern.
pub(super) fn events(
    conn: &Connection,
    pattern: Option<PatternId>,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<PatternEvent>> {
    const COLUMNS: &str = "SELECT seq, pattern_id, kind, at, actor, old_confidence,
        new_confidence, message, state, state_confidence, full_pattern, full_confidence
        FROM events";
    match pattern {
        Some(id) => {
            let sql = format!("{COLUMNS} WHERE pattern_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![int(id.0), after, limit], read_event)?;
            rows.collect()
        }
        None => {
            let sql = format!("{COLUMNS} WHERE seq > ?1 ORDER BY seq LIMIT ?2");
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![after, limit], read_event)?;
            rows.collect()
        }
    }
}

fn read_event(row: &Row<'_>) -> rusqlite::Result<PatternEvent> {
    let key: i64 = row.get(0)?;
    let t = "events";
    let mut state: PatternState = from_json(t, key, "state", &row.get::<_, String>(8)?)?;
    state.confidence = row.get(9)?;
    let full_text: Option<String> = row.get(10)?;
    let full = match full_text {
        Some(text) => {
            let mut pattern: Pattern = from_json(t, key, "full_pattern", &text)?;
            let confidence: Option<f64> = row.get(11)?;
            pattern.confidence = confidence.unwrap_or(pattern.confidence);
            Some(pattern)
        }
        None => None,
    };
    Ok(PatternEvent {
        seq: to_u64(t, key, "seq", key)?,
        pattern_id: PatternId(to_u64(t, key, "pattern_id", row.get(1)?)?),
        kind: from_name::<ChangeKind>(t, key, "kind", row.get(2)?)?,
        at: Timestamp(row.get(3)?),
        actor: row.get(4)?,
        old_confidence: row.get(5)?,
        new_confidence: row.get(6)?,
        message: row.get(7)?,
        state,
        full,
    })
}

/// The columns of a decision row, in the order [`read_decision`] reads them.
pub(super) const DECISION_COLUMNS: &str =
    "seq, at, decision_id, message_id, conversation_id, message, \
     action, reason, pattern_id, confidence, response, evidence";

/// Decisions with `seq > after`, oldest first.
pub(super) fn decisions(
    conn: &Connection,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<DecisionRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![after, limit], read_decision)?;
    rows.collect()
}

/// The most recent decision with this id.
pub(super) fn decision(
    conn: &Connection,
    id: DecisionId,
) -> rusqlite::Result<Option<DecisionRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE decision_id = ?1 ORDER BY seq DESC LIMIT 1"
    ))?
    .query_row([id.to_string()], read_decision)
    .optional()
}

pub(super) fn read_decision(row: &Row<'_>) -> rusqlite::Result<DecisionRecord> {
    let key: i64 = row.get(0)?;
    let t = "decisions";
    Ok(DecisionRecord {
        seq: to_u64(t, key, "seq", key)?,
        at: Timestamp(row.get(1)?),
        decision_id: row
            .get::<_, String>(2)?
            .parse()
            .map_err(|e| decode_error(t, key, "decision_id", e))?,
        message_id: row.get(3)?,
        conversation_id: row.get(4)?,
        message: row.get(5)?,
        action: row.get(6)?,
        reason: row.get(7)?,
        pattern_id: row
            .get::<_, Option<i64>>(8)?
            .map(|id| to_u64(t, key, "pattern_id", id).map(PatternId))
            .transpose()?,
        confidence: row.get(9)?,
        response: row.get(10)?,
        evidence: from_json(t, key, "evidence", &row.get::<_, String>(11)?)?,
    })
}

/// A `u64` the commit checks proved to fit (see `Commit::check`); saturates otherwise.
pub(super) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(table: &str, key: impl Display, column: &str, value: i64) -> rusqlite::Result<u64> {
    u64::try_from(value)
        .map_err(|_| decode_error(table, key, column, format!("negative value {value}")))
}

pub(super) fn json<T: Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

pub(super) fn from_json<T: DeserializeOwned>(
    table: &str,
    key: impl Display,
    column: &str,
    text: &str,
) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| decode_error(table, key, column, e))
}

/// The serde name of a unit enum variant (`imported`, `approved`, …).
fn name_of<T: Serialize>(value: &T) -> rusqlite::Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        Ok(other) => Err(rusqlite::Error::ToSqlConversionFailure(
            format!("expected a name, got {other}").into(),
        )),
        Err(e) => Err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))),
    }
}

pub(super) fn from_name<T: DeserializeOwned>(
    table: &str,
    key: impl Display,
    column: &str,
    name: String,
) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(name))
        .map_err(|e| decode_error(table, key, column, e))
}

fn decode_error(table: &str, key: impl Display, column: &str, e: impl Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        Type::Text,
        format!("{table} row {key}, column {column}: {e}").into(),
    )
}

fn vector_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn vector_from_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    if bytes.len() % 4 != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_little_endian_f32() {
        let bytes = vector_bytes(&[1.0, -2.5]);
        assert_eq!(bytes, [0, 0, 128, 63, 0, 0, 32, 192]);
        assert_eq!(vector_from_bytes(&bytes), Some(vec![1.0, -2.5]));
        assert_eq!(vector_from_bytes(&[0, 0, 0]), None);
    }

    #[test]
    fn enum_names_are_the_serde_names() {
        assert_eq!(
            name_of(&Provenance::Imported).ok().as_deref(),
            Some("imported")
        );
        assert_eq!(
            name_of(&ChangeKind::ActiveChanged).ok().as_deref(),
            Some("active_changed")
        );
    }
}
