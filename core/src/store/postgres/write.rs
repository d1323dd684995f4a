//! Writing a checked [`Commit`] inside the caller's transaction, under the `head`
//! lock: one step per part, in the order of the store contract. Everything here
//! speaks `postgres::Error`; the store maps errors.

use postgres::types::Json;
use postgres::Transaction;

use super::erase::{erase, Erased};
use super::{int, to_u64};
use crate::book::PatternEvent;
use crate::pattern::PatternId;
use crate::store::{Commit, DecisionRecord, ExampleVector, Judgement, SendClaim};

type PgResult<T = ()> = std::result::Result<T, postgres::Error>;

/// The `head` row as a commit took it: its revision and the sequence numbers its
/// events and decisions follow.
#[derive(Debug, Clone, Copy)]
pub(super) struct Head {
    pub rev: i64,
    pub event_seq: i64,
    pub decision_seq: i64,
}

/// Writes a checked commit at revision `head.rev`; returns what its erasure erased.
pub(super) fn apply(tx: &mut Transaction<'_>, commit: &Commit, head: Head) -> PgResult<Erased> {
    remove_patterns(tx, &commit.removed_patterns, head.rev)?;
    upsert_patterns(tx, commit, head.rev)?;
    drop_lists(tx, &commit.rewritten_patterns)?;
    let erased = match &commit.erasure {
        Some(e) => erase(tx, e, head.rev)?,
        None => Erased::default(),
    };
    insert_rejections(tx, &commit.rejections)?;
    upsert_vectors(tx, &commit.vectors)?;
    let event_seq = insert_events(tx, &commit.events, head.event_seq)?;
    let decision_seq = insert_decisions(tx, &commit.decisions, head.decision_seq)?;
    for (key, value) in &commit.settings {
        upsert_document(tx, "settings", "key", "value", key, value, head.rev)?;
    }
    for (id, state) in &commit.conversations {
        let (table, key, column) = ("conversations", "conversation_id", "state");
        upsert_document(tx, table, key, column, id, state, head.rev)?;
    }
    insert_feedback_ids(tx, commit, head.rev)?;
    insert_judgements(tx, &commit.judgements, head.rev)?;
    tx.execute(
        "UPDATE head SET event_seq = $1, decision_seq = $2",
        &[&event_seq, &decision_seq],
    )?;
    Ok(erased)
}

/// Records a granted automatic send.
pub(super) fn insert_send(tx: &mut Transaction<'_>, claim: &SendClaim) -> PgResult {
    tx.execute(
        "INSERT INTO sends (at, message_id, conversation_id, pattern_id)
         VALUES ($1, $2, $3, $4)",
        &[
            &claim.at.0,
            &claim.message_id,
            &claim.conversation_id,
            &claim.pattern_id.map(|p| int(p.0)),
        ],
    )?;
    Ok(())
}

/// Removes patterns for good and notes it for the other engines. Rejections and
/// vectors go with them (ON DELETE CASCADE); events stay.
fn remove_patterns(tx: &mut Transaction<'_>, ids: &[PatternId], rev: i64) -> PgResult {
    for id in ids {
        tx.execute("DELETE FROM patterns WHERE id = $1", &[&int(id.0)])?;
        tx.execute(
            "INSERT INTO removed_patterns (pattern_id, rev) VALUES ($1, $2)",
            &[&int(id.0), &rev],
        )?;
    }
    Ok(())
}

/// Drops the stored rejections and vectors of patterns whose whole lists the commit
/// carries.
fn drop_lists(tx: &mut Transaction<'_>, ids: &[PatternId]) -> PgResult {
    let ids: Vec<i64> = ids.iter().map(|id| int(id.0)).collect();
    if !ids.is_empty() {
        tx.execute("DELETE FROM rejections WHERE pattern_id = ANY($1)", &[&ids])?;
        tx.execute("DELETE FROM vectors WHERE pattern_id = ANY($1)", &[&ids])?;
    }
    Ok(())
}

fn upsert_patterns(tx: &mut Transaction<'_>, commit: &Commit, rev: i64) -> PgResult {
    if commit.patterns.is_empty() {
        return Ok(());
    }
    let upsert = tx.prepare(
        "INSERT INTO patterns (id, rev, topic, signature, v1_signature, confidence,
             is_active, is_deleted, pattern)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, topic = excluded.topic,
             signature = excluded.signature, v1_signature = excluded.v1_signature,
             confidence = excluded.confidence, is_active = excluded.is_active,
             is_deleted = excluded.is_deleted, pattern = excluded.pattern",
    )?;
    for p in &commit.patterns {
        tx.execute(
            &upsert,
            &[
                &int(p.id.0),
                &rev,
                &p.topic,
                &p.signature,
                &p.v1_signature,
                &p.confidence,
                &p.is_active,
                &p.is_deleted,
                &Json(p),
            ],
        )?;
    }
    Ok(())
}

fn insert_rejections(tx: &mut Transaction<'_>, rejections: &[(PatternId, String)]) -> PgResult {
    for (id, message) in rejections {
        tx.execute(
            "INSERT INTO rejections (pattern_id, message) VALUES ($1, $2)",
            &[&int(id.0), message],
        )?;
    }
    Ok(())
}

fn upsert_vectors(tx: &mut Transaction<'_>, vectors: &[ExampleVector]) -> PgResult {
    for v in vectors {
        tx.execute(
            "INSERT INTO vectors (pattern_id, example_index, vector) VALUES ($1, $2, $3)
             ON CONFLICT (pattern_id, example_index) DO UPDATE SET vector = excluded.vector",
            &[
                &int(v.pattern_id.0),
                &i32::try_from(v.example_index).unwrap_or(i32::MAX),
                &v.vector,
            ],
        )?;
    }
    Ok(())
}

/// Appends events numbered after `seq` (the database's numbering, not the
/// engine's); returns the last number used.
fn insert_events(tx: &mut Transaction<'_>, events: &[PatternEvent], mut seq: i64) -> PgResult<i64> {
    for event in events {
        seq += 1;
        let mut event = event.clone();
        event.seq = to_u64(seq);
        tx.execute(
            "INSERT INTO events (seq, pattern_id, kind, at, event) VALUES ($1, $2, $3, $4, $5)",
            &[
                &seq,
                &int(event.pattern_id.0),
                &kind_name(&event),
                &event.at.0,
                &Json(&event),
            ],
        )?;
    }
    Ok(seq)
}

/// Appends decisions numbered after `seq`; returns the last number used.
fn insert_decisions(
    tx: &mut Transaction<'_>,
    decisions: &[DecisionRecord],
    mut seq: i64,
) -> PgResult<i64> {
    for d in decisions {
        seq += 1;
        let mut d = d.clone();
        d.seq = to_u64(seq);
        tx.execute(
            "INSERT INTO decisions (seq, at, decision_id, message_id, conversation_id,
                 action, reason, pattern_id, decision)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &seq,
                &d.at.0,
                &d.decision_id.to_string(),
                &d.message_id,
                &d.conversation_id,
                &d.action,
                &d.reason,
                &d.pattern_id.map(|p| int(p.0)),
                &Json(&d),
            ],
        )?;
    }
    Ok(seq)
}

fn insert_feedback_ids(tx: &mut Transaction<'_>, commit: &Commit, rev: i64) -> PgResult {
    let at = commit.judgements.first().map_or(0, |j| j.at.0);
    for id in &commit.feedback_ids {
        tx.execute(
            "INSERT INTO feedback (id, at, rev) VALUES ($1, $2, $3)",
            &[id, &at, &rev],
        )?;
    }
    Ok(())
}

fn insert_judgements(tx: &mut Transaction<'_>, judgements: &[Judgement], rev: i64) -> PgResult {
    for j in judgements {
        tx.execute(
            "INSERT INTO judgements (rev, at, confidence, sent) VALUES ($1, $2, $3, $4)",
            &[&rev, &j.at.0, &j.confidence, &j.right],
        )?;
    }
    Ok(())
}

/// Upserts a settings-like document; a deleted one is kept as JSON `null` so that
/// other engines learn of the deletion.
fn upsert_document(
    tx: &mut Transaction<'_>,
    table: &str,
    key_column: &str,
    value_column: &str,
    key: &str,
    value: &serde_json::Value,
    rev: i64,
) -> PgResult {
    let sql = format!(
        "INSERT INTO {table} ({key_column}, rev, {value_column}) VALUES ($1, $2, $3)
         ON CONFLICT ({key_column}) DO UPDATE SET rev = excluded.rev,
             {value_column} = excluded.{value_column}"
    );
    tx.execute(&sql, &[&key, &rev, &Json(value)])?;
    Ok(())
}

fn kind_name(event: &PatternEvent) -> String {
    serde_json::to_value(event.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
