//! Erasure in the SQLite store: an [`Erasure`] applied to the tables inside the
//! commit's transaction, one step per kind of row (see
//! [`crate::store::Erasure`] for what each step does), and the erasure log.
//!
//! The store runs with `secure_delete` on, so what a step overwrites or deletes is
//! zeroed in the file; after a commit that erased, the write-ahead log is
//! checkpointed and truncated (`SqliteStore::commit_erasure`), so no old copy of
//! a page stays in it.

use std::collections::BTreeMap;

use rusqlite::{params, Connection};

use super::rows::{events, from_json, from_name, json, read_decision, DECISION_COLUMNS};
use crate::book::scrub_event;
use crate::clock::Timestamp;
use crate::pattern::PatternId;
use crate::privacy::Customer;
use crate::store::erasure::is_customers;
use crate::store::{
    forget_removed_example, redact_decision, DecisionRecord, Erasure, ErasureCounts, ErasureKind,
    ErasureRecord,
};

/// Applies `e` and appends it to the erasure log.
pub(super) fn erase(conn: &Connection, e: &Erasure) -> rusqlite::Result<ErasureCounts> {
    let mut counts = ErasureCounts {
        examples: e.examples,
        rejections: e.rejections,
        ..ErasureCounts::default()
    };
    counts.decisions = redact_decisions(conn, e)?;
    counts.nearest_examples = forget_removed_examples(conn, &e.removed)?;
    counts.events = scrub_events(conn, e)?;
    counts.conversations = delete_conversations(conn, e)?;
    conn.prepare_cached("INSERT INTO erasures (at, kind, counts) VALUES (?1, ?2, ?3)")?
        .execute(params![e.at.0, e.kind.as_str(), json(&counts)?])?;
    Ok(counts)
}

/// The decisions of `customer`, oldest first.
pub(super) fn customer_decisions(
    conn: &Connection,
    customer: &Customer,
) -> rusqlite::Result<Vec<DecisionRecord>> {
    Ok(candidates(conn, &customer.needles())?
        .into_values()
        .filter(|d| is_customers(customer, d))
        .collect())
}

/// The erasure log, oldest first.
pub(super) fn log(conn: &Connection) -> rusqlite::Result<Vec<ErasureRecord>> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, at, kind, counts FROM erasures ORDER BY seq")?;
    let rows = stmt.query_map([], |row| {
        let seq: i64 = row.get(0)?;
        let kind: String = row.get(2)?;
        Ok(ErasureRecord {
            seq: u64::try_from(seq).unwrap_or(0),
            at: Timestamp(row.get(1)?),
            kind: from_name::<ErasureKind>("erasures", seq, "kind", kind)?,
            counts: from_json("erasures", seq, "counts", &row.get::<_, String>(3)?)?,
        })
    })?;
    rows.collect()
}

/// Decisions holding one of `needles` in their conversation id, message or reply,
/// by `seq`.
fn candidates(
    conn: &Connection,
    needles: &[String],
) -> rusqlite::Result<BTreeMap<i64, DecisionRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions
         WHERE instr(coalesce(conversation_id, ''), ?1) > 0 OR instr(message, ?1) > 0
            OR instr(coalesce(response, ''), ?1) > 0"
    ))?;
    let mut found = BTreeMap::new();
    for needle in needles {
        for d in stmt.query_map([needle], read_decision)? {
            let d = d?;
            found.insert(super::clamp(d.seq), d);
        }
    }
    Ok(found)
}

/// Clears the text and customer fields of the decisions `e` redacts.
fn redact_decisions(conn: &Connection, e: &Erasure) -> rusqlite::Result<u64> {
    let mut count = 0;
    if let Some(before) = e.decided_before {
        count += redact_decided_before(conn, before)?;
    }
    let mut update = conn.prepare_cached(
        "UPDATE decisions SET message = ?2, message_id = ?3, conversation_id = ?4,
             response = ?5, evidence = ?6
         WHERE seq = ?1",
    )?;
    for (seq, mut d) in candidates(conn, &e.needles())? {
        if e.redacts(&d) && redact_decision(&mut d) {
            update.execute(params![
                seq,
                d.message,
                d.message_id,
                d.conversation_id,
                d.response,
                json(&d.evidence)?
            ])?;
            count += 1;
        }
    }
    Ok(count)
}

/// Retention in one statement: what [`redact_decision`] clears, for every decision
/// before `before` that still has some of it.
fn redact_decided_before(conn: &Connection, before: Timestamp) -> rusqlite::Result<u64> {
    let changed = conn
        .prepare_cached(
            "UPDATE decisions SET message = '', message_id = NULL, conversation_id = NULL,
                 response = NULL,
                 evidence = CASE WHEN json_type(evidence) = 'object' THEN
                     json_replace(evidence, '$.nearest_example', NULL,
                                  '$.keyword_hits', json('[]'))
                     ELSE evidence END
             WHERE at < ?1 AND (message <> '' OR message_id IS NOT NULL
                 OR conversation_id IS NOT NULL OR response IS NOT NULL
                 OR json_extract(evidence, '$.nearest_example') IS NOT NULL
                 OR json_array_length(evidence, '$.keyword_hits') > 0)",
        )?
        .execute([before.0])?;
    Ok(changed as u64)
}

/// Forgets the nearest example of every decision that names one of `removed`.
fn forget_removed_examples(
    conn: &Connection,
    removed: &[(PatternId, String)],
) -> rusqlite::Result<u64> {
    if removed.is_empty() {
        return Ok(0);
    }
    let texts: Vec<&str> = removed.iter().map(|(_, text)| text.as_str()).collect();
    let mut update = conn.prepare_cached("UPDATE decisions SET evidence = ?2 WHERE seq = ?1")?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions
         WHERE json_extract(evidence, '$.nearest_example') IN (SELECT value FROM json_each(?1))"
    ))?;
    let mut count = 0;
    for d in stmt.query_map([json(&texts)?], read_decision)? {
        let mut d = d?;
        if forget_removed_example(&mut d, removed) {
            update.execute(params![super::clamp(d.seq), json(&d.evidence)?])?;
            count += 1;
        }
    }
    Ok(count)
}

/// Takes the covered texts out of the history.
fn scrub_events(conn: &Connection, e: &Erasure) -> rusqlite::Result<u64> {
    if e.kind != ErasureKind::Customer {
        return Ok(0);
    }
    let mut update =
        conn.prepare_cached("UPDATE events SET message = ?2, full_pattern = ?3 WHERE seq = ?1")?;
    let mut count = 0;
    for mut event in events(conn, None, 0, i64::MAX)? {
        if scrub_event(&mut event, &|t| e.covers(t), &e.removed) {
            let full = event.full.as_ref().map(json).transpose()?;
            update.execute(params![super::clamp(event.seq), event.message, full])?;
            count += 1;
        }
    }
    Ok(count)
}

/// Deletes the conversation states `e` deletes.
fn delete_conversations(conn: &Connection, e: &Erasure) -> rusqlite::Result<u64> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT conversation_id FROM conversations")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut delete = conn.prepare_cached("DELETE FROM conversations WHERE conversation_id = ?1")?;
    let mut count = 0;
    for id in ids.iter().filter(|id| e.deletes_conversation(id)) {
        count += delete.execute([id])? as u64;
    }
    Ok(count)
}
