//! Rows: writing a checked [`Commit`] and reading rows back, inside the caller's
//! transaction. Everything here speaks `postgres::Error`; the store maps errors.

use std::collections::{BTreeSet, HashMap};

use postgres::types::Json;
use postgres::Transaction;

use super::{int, to_u64, HOUR_MS};
use crate::book::PatternEvent;
use crate::clock::Timestamp;
use crate::pattern::PatternId;
use crate::store::{Commit, ExampleVector, Judgement, SendClaim, SendRefusal};

/// Why a commit cannot go ahead.
pub(super) enum Conflict {
    /// The database failed.
    Db(postgres::Error),
    /// Another engine changed a pattern first.
    Changed(String),
}

/// What this store knows of the rows other engines may change too: the `rev` at
/// which it last saw each pattern and each conversation.
#[derive(Debug, Default)]
pub(super) struct Known {
    pub patterns: HashMap<PatternId, i64>,
    pub conversations: HashMap<String, i64>,
    pub settings: HashMap<String, i64>,
}

/// Refuses a commit that would overwrite a pattern or a conversation's guard state
/// another engine changed, or apply a feedback another engine applied.
pub(super) fn check_conflicts(
    tx: &mut Transaction<'_>,
    commit: &Commit,
    known: &Known,
) -> std::result::Result<(), Conflict> {
    check_pattern_conflicts(tx, commit, &known.patterns)?;
    check_document_conflicts(
        tx,
        "conversations",
        "conversation_id",
        &commit.conversations,
        &known.conversations,
    )?;
    check_document_conflicts(tx, "settings", "key", &commit.settings, &known.settings)?;
    if !commit.feedback_ids.is_empty() {
        let applied = tx
            .query_opt(
                "SELECT id FROM feedback WHERE id = ANY($1) LIMIT 1",
                &[&commit.feedback_ids],
            )
            .map_err(Conflict::Db)?;
        if let Some(row) = applied {
            let id: String = row.get(0);
            return Err(Conflict::Changed(format!(
                "feedback {id:?} was applied by another engine"
            )));
        }
    }
    Ok(())
}

/// Refuses to overwrite a settings document or a conversation's guard state that
/// another engine wrote after this store last saw it.
fn check_document_conflicts(
    tx: &mut Transaction<'_>,
    table: &str,
    key_column: &str,
    documents: &[(String, serde_json::Value)],
    known: &HashMap<String, i64>,
) -> std::result::Result<(), Conflict> {
    let keys: Vec<&str> = documents.iter().map(|(k, _)| k.as_str()).collect();
    if keys.is_empty() {
        return Ok(());
    }
    let sql = format!("SELECT {key_column}, rev FROM {table} WHERE {key_column} = ANY($1)");
    let mut actual = HashMap::new();
    for row in tx.query(&sql, &[&keys]).map_err(Conflict::Db)? {
        actual.insert(row.get::<_, String>(0), row.get::<_, i64>(1));
    }
    for key in keys {
        if known.get(key) != actual.get(key) {
            return Err(Conflict::Changed(format!(
                "{table} {key:?} was changed by another engine"
            )));
        }
    }
    Ok(())
}

fn check_pattern_conflicts(
    tx: &mut Transaction<'_>,
    commit: &Commit,
    known: &HashMap<PatternId, i64>,
) -> std::result::Result<(), Conflict> {
    let ids: Vec<i64> = commit
        .patterns
        .iter()
        .map(|p| int(p.id.0))
        .chain(commit.removed_patterns.iter().map(|id| int(id.0)))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut actual = HashMap::new();
    for row in tx
        .query("SELECT id, rev FROM patterns WHERE id = ANY($1)", &[&ids])
        .map_err(Conflict::Db)?
    {
        actual.insert(PatternId(to_u64(row.get(0))), row.get::<_, i64>(1));
    }
    let touched = commit
        .patterns
        .iter()
        .map(|p| p.id)
        .chain(commit.removed_patterns.iter().copied());
    for id in touched {
        let (seen, now) = (known.get(&id), actual.get(&id));
        if seen != now {
            return Err(Conflict::Changed(match (seen, now) {
                (None, Some(_)) => format!("pattern {id} was created by another engine"),
                (Some(_), None) => format!("pattern {id} was removed by another engine"),
                _ => format!("pattern {id} was changed by another engine"),
            }));
        }
    }
    Ok(())
}

/// Grants or refuses a decision's claim (under the `head` lock of the caller): its
/// inbound message id must be new, and an automatic send must stay under the caps.
pub(super) fn check_claim(
    tx: &mut Transaction<'_>,
    claim: &SendClaim,
) -> std::result::Result<Option<SendRefusal>, postgres::Error> {
    if let Some(id) = &claim.message_id {
        let decided = tx.query_opt(
            "SELECT 1 FROM decisions WHERE message_id = $1
             UNION ALL SELECT 1 FROM sends WHERE message_id = $1 LIMIT 1",
            &[id],
        )?;
        if decided.is_some() {
            return Ok(Some(SendRefusal::DuplicateMessage));
        }
    }
    if !claim.sends {
        return Ok(None);
    }
    if let Some(conversation) = &claim.conversation_id {
        let row = tx.query_one(
            "SELECT count(*), count(*) FILTER (WHERE pattern_id = $2)
             FROM sends WHERE conversation_id = $1",
            &[conversation, &claim.pattern_id.map(|p| int(p.0))],
        )?;
        let (replies, uses): (i64, i64) = (row.get(0), row.get(1));
        if claim
            .max_replies_per_conversation
            .is_some_and(|cap| replies >= i64::from(cap))
        {
            return Ok(Some(SendRefusal::ReplyLimit));
        }
        if claim.pattern_id.is_some()
            && claim
                .max_pattern_uses_per_conversation
                .is_some_and(|cap| uses >= i64::from(cap))
        {
            return Ok(Some(SendRefusal::PatternReuseLimit));
        }
    }
    if let Some(cap) = claim.max_sends_per_hour {
        let sent: i64 = tx
            .query_one(
                "SELECT count(*) FROM sends WHERE at > $1",
                &[&claim.at.0.saturating_sub(HOUR_MS)],
            )?
            .get(0);
        if sent >= i64::from(cap) {
            return Ok(Some(SendRefusal::RateLimited));
        }
    }
    Ok(None)
}

/// Writes a checked commit at revision `rev`.
pub(super) fn apply(
    tx: &mut Transaction<'_>,
    commit: &Commit,
    rev: i64,
    mut event_seq: i64,
    mut decision_seq: i64,
) -> std::result::Result<(), postgres::Error> {
    for id in &commit.removed_patterns {
        // Rejections and vectors go with it (ON DELETE CASCADE); events stay.
        tx.execute("DELETE FROM patterns WHERE id = $1", &[&int(id.0)])?;
        tx.execute(
            "INSERT INTO removed_patterns (pattern_id, rev) VALUES ($1, $2)",
            &[&int(id.0), &rev],
        )?;
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
    for (id, message) in &commit.rejections {
        tx.execute(
            "INSERT INTO rejections (pattern_id, message) VALUES ($1, $2)",
            &[&int(id.0), message],
        )?;
    }
    for v in &commit.vectors {
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
    for event in &commit.events {
        event_seq += 1;
        let mut event = event.clone();
        event.seq = to_u64(event_seq);
        tx.execute(
            "INSERT INTO events (seq, pattern_id, kind, at, event) VALUES ($1, $2, $3, $4, $5)",
            &[
                &event_seq,
                &int(event.pattern_id.0),
                &kind_name(&event),
                &event.at.0,
                &Json(&event),
            ],
        )?;
    }
    for d in &commit.decisions {
        decision_seq += 1;
        let mut d = d.clone();
        d.seq = to_u64(decision_seq);
        tx.execute(
            "INSERT INTO decisions (seq, at, decision_id, message_id, conversation_id,
                 action, reason, pattern_id, decision)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &decision_seq,
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
    for (key, value) in &commit.settings {
        upsert_document(tx, "settings", "key", "value", key, value, rev)?;
    }
    for (id, state) in &commit.conversations {
        upsert_document(
            tx,
            "conversations",
            "conversation_id",
            "state",
            id,
            state,
            rev,
        )?;
    }
    for id in &commit.feedback_ids {
        let at = commit.judgements.first().map_or(0, |j| j.at.0);
        tx.execute(
            "INSERT INTO feedback (id, at, rev) VALUES ($1, $2, $3)",
            &[id, &at, &rev],
        )?;
    }
    for j in &commit.judgements {
        tx.execute(
            "INSERT INTO judgements (rev, at, confidence, sent) VALUES ($1, $2, $3, $4)",
            &[&rev, &j.at.0, &j.confidence, &j.right],
        )?;
    }
    tx.execute(
        "UPDATE head SET event_seq = $1, decision_seq = $2",
        &[&event_seq, &decision_seq],
    )?;
    Ok(())
}

/// Judged proposals: the most recent `limit` (at open), or those written after
/// `after_rev` by revisions this store did not write, oldest first.
pub(super) fn read_judgements(
    tx: &mut Transaction<'_>,
    after_rev: Option<i64>,
    own: &BTreeSet<i64>,
    limit: usize,
) -> std::result::Result<Vec<Judgement>, postgres::Error> {
    let own: Vec<i64> = own.iter().copied().collect();
    let rows = tx.query(
        "SELECT at, confidence, sent FROM
             (SELECT id, at, confidence, sent FROM judgements
              WHERE ($1::bigint IS NULL OR rev > $1) AND NOT (rev = ANY($2))
              ORDER BY id DESC LIMIT $3) recent
         ORDER BY id",
        &[&after_rev, &own, &int(limit as u64)],
    )?;
    Ok(rows
        .iter()
        .map(|r| Judgement {
            at: Timestamp(r.get(0)),
            confidence: r.get(1),
            right: r.get(2),
        })
        .collect())
}

/// Documents of a settings-like table (`settings`, `conversations`; deleted ones
/// as `null`) with the `rev` that wrote them: all, or those written after
/// `after_rev`.
pub(super) fn read_revisioned(
    tx: &mut Transaction<'_>,
    table: &str,
    key_column: &str,
    value_column: &str,
    after_rev: Option<i64>,
) -> std::result::Result<Vec<(String, i64, serde_json::Value)>, postgres::Error> {
    let sql = format!(
        "SELECT {key_column}, rev, {value_column} FROM {table}
         WHERE $1::bigint IS NULL OR rev > $1"
    );
    let rows = tx.query(&sql, &[&after_rev])?;
    rows.iter()
        .map(|r| {
            let Json(value): Json<serde_json::Value> = r.try_get(2)?;
            Ok((r.get(0), r.get(1), value))
        })
        .collect()
}

pub(super) fn upsert_document(
    tx: &mut Transaction<'_>,
    table: &str,
    key_column: &str,
    value_column: &str,
    key: &str,
    value: &serde_json::Value,
    rev: i64,
) -> std::result::Result<(), postgres::Error> {
    let sql = format!(
        "INSERT INTO {table} ({key_column}, rev, {value_column}) VALUES ($1, $2, $3)
         ON CONFLICT ({key_column}) DO UPDATE SET rev = excluded.rev,
             {value_column} = excluded.{value_column}"
    );
    tx.execute(&sql, &[&key, &rev, &Json(value)])?;
    Ok(())
}

pub(super) fn read_rejections(
    tx: &mut Transaction<'_>,
    ids: Option<&[i64]>,
) -> std::result::Result<Vec<(PatternId, String)>, postgres::Error> {
    let rows = tx.query(
        "SELECT pattern_id, message FROM rejections
         WHERE $1::bigint[] IS NULL OR pattern_id = ANY($1) ORDER BY id",
        &[&ids],
    )?;
    Ok(rows
        .iter()
        .map(|r| (PatternId(to_u64(r.get(0))), r.get(1)))
        .collect())
}

pub(super) fn read_vectors(
    tx: &mut Transaction<'_>,
    ids: Option<&[i64]>,
) -> std::result::Result<Vec<ExampleVector>, postgres::Error> {
    let rows = tx.query(
        "SELECT pattern_id, example_index, vector FROM vectors
         WHERE $1::bigint[] IS NULL OR pattern_id = ANY($1)
         ORDER BY pattern_id, example_index",
        &[&ids],
    )?;
    Ok(rows
        .iter()
        .map(|r| ExampleVector {
            pattern_id: PatternId(to_u64(r.get(0))),
            example_index: u32::try_from(r.get::<_, i32>(1)).unwrap_or(0),
            vector: r.get(2),
        })
        .collect())
}

pub(super) fn kind_name(event: &PatternEvent) -> String {
    serde_json::to_value(event.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
