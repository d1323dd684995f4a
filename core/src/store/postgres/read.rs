//! Reading rows back inside the caller's (read-only, repeatable-read)
//! transaction: the whole state at open ([`read_state`]) and what other engines
//! committed since a revision ([`read_changes`]). Everything here speaks
//! `postgres::Error`; the store maps errors.

use std::collections::{BTreeMap, BTreeSet};

use postgres::types::Json;
use postgres::Transaction;

use super::checks::Known;
use super::erase::erased_since;
use super::{int, to_u64};
use crate::clock::Timestamp;
use crate::pattern::{Pattern, PatternId};
use crate::store::{ExampleVector, Judgement, SharedChanges, StoredState, JUDGEMENTS_KEPT};

type PgResult<T> = std::result::Result<T, postgres::Error>;

/// Everything an engine loads at open, the revision it was read at, and the
/// revisions of the rows other engines may change too.
pub(super) fn read_state(tx: &mut Transaction<'_>) -> PgResult<(StoredState, i64, Known)> {
    let head = tx.query_one("SELECT rev, event_seq, decision_seq FROM head", &[])?;
    let (rev, last_event, last_decision): (i64, i64, i64) = (head.get(0), head.get(1), head.get(2));
    let mut known = Known::default();
    let mut patterns = Vec::new();
    for (p, rev) in read_patterns(tx, None)? {
        known.patterns.insert(p.id, rev);
        patterns.push(p);
    }
    let mut conversations = BTreeMap::new();
    for (id, rev, state) in read_conversations(tx, None)? {
        known.conversations.insert(id.clone(), rev);
        if !state.is_null() {
            conversations.insert(id, state);
        }
    }
    let mut settings = BTreeMap::new();
    for (key, rev, value) in read_settings(tx, None)? {
        known.settings.insert(key.clone(), rev);
        if !value.is_null() {
            settings.insert(key, value);
        }
    }
    let state = StoredState {
        patterns,
        rejections: read_rejections(tx, None)?,
        vectors: read_vectors(tx, None)?,
        settings,
        conversations,
        last_event_seq: to_u64(last_event),
        last_decision_seq: to_u64(last_decision),
        judgements: read_judgements(tx, None, &BTreeSet::new(), JUDGEMENTS_KEPT)?,
    };
    Ok((state, rev, known))
}

/// What other engines changed after revision `cursor`, leaving out the revisions
/// in `own`, with the revision of each pattern, conversation and settings
/// document returned.
pub(super) struct Changes {
    pub changes: SharedChanges,
    pub pattern_revs: Vec<(PatternId, i64)>,
    pub conversation_revs: Vec<(String, i64)>,
    pub setting_revs: Vec<(String, i64)>,
}

/// The rows written after revision `cursor` by revisions not in `own`.
pub(super) fn read_changes(
    tx: &mut Transaction<'_>,
    cursor: i64,
    own: &BTreeSet<i64>,
) -> PgResult<Changes> {
    let foreign = |rev: i64| !own.contains(&rev);
    let mut found = Changes {
        changes: SharedChanges::default(),
        pattern_revs: Vec::new(),
        conversation_revs: Vec::new(),
        setting_revs: Vec::new(),
    };
    let changes = &mut found.changes;
    for (p, rev) in read_patterns(tx, Some(cursor))? {
        if foreign(rev) {
            found.pattern_revs.push((p.id, rev));
            changes.patterns.push(p);
        }
    }
    let ids: Vec<i64> = changes.patterns.iter().map(|p| int(p.id.0)).collect();
    if !ids.is_empty() {
        changes.rejections = read_rejections(tx, Some(&ids))?;
        changes.vectors = read_vectors(tx, Some(&ids))?;
    }
    changes.removed_patterns = read_removed_patterns(tx, cursor, own)?;
    // Documents this store wrote itself are left out.
    for (key, rev, value) in read_settings(tx, Some(cursor))? {
        if foreign(rev) {
            found.setting_revs.push((key.clone(), rev));
            changes.settings.insert(key, value);
        }
    }
    for (id, rev, state) in read_conversations(tx, Some(cursor))? {
        if foreign(rev) {
            found.conversation_revs.push((id.clone(), rev));
            changes.conversations.insert(id, state);
        }
    }
    changes.judgements = read_judgements(tx, Some(cursor), own, usize::MAX)?;
    let own_revs: Vec<i64> = own.iter().copied().collect();
    if erased_since(tx, cursor, &own_revs)? {
        changes.kept_conversations = Some(read_conversation_ids(tx)?);
    }
    Ok(found)
}

/// The ids of the conversation states kept (not deleted).
fn read_conversation_ids(tx: &mut Transaction<'_>) -> PgResult<BTreeSet<String>> {
    Ok(tx
        .query(
            "SELECT conversation_id FROM conversations WHERE state <> 'null'::jsonb",
            &[],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect())
}

/// Patterns with the `rev` that wrote them: all, or those written after
/// `after_rev`, by id.
fn read_patterns(
    tx: &mut Transaction<'_>,
    after_rev: Option<i64>,
) -> PgResult<Vec<(Pattern, i64)>> {
    tx.query(
        "SELECT rev, pattern FROM patterns WHERE $1::bigint IS NULL OR rev > $1 ORDER BY id",
        &[&after_rev],
    )?
    .iter()
    .map(|row| {
        let Json(p): Json<Pattern> = row.try_get(1)?;
        Ok((p, row.get(0)))
    })
    .collect()
}

/// Patterns removed after revision `cursor` by revisions not in `own`.
fn read_removed_patterns(
    tx: &mut Transaction<'_>,
    cursor: i64,
    own: &BTreeSet<i64>,
) -> PgResult<Vec<PatternId>> {
    Ok(tx
        .query(
            "SELECT pattern_id, rev FROM removed_patterns WHERE rev > $1 ORDER BY rev",
            &[&cursor],
        )?
        .iter()
        .filter(|row| !own.contains(&row.get::<_, i64>(1)))
        .map(|row| PatternId(to_u64(row.get(0))))
        .collect())
}

/// Judged proposals: the most recent `limit` (at open), or those written after
/// `after_rev` by revisions this store did not write, oldest first.
fn read_judgements(
    tx: &mut Transaction<'_>,
    after_rev: Option<i64>,
    own: &BTreeSet<i64>,
    limit: usize,
) -> PgResult<Vec<Judgement>> {
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
fn read_revisioned(
    tx: &mut Transaction<'_>,
    table: &str,
    key_column: &str,
    value_column: &str,
    after_rev: Option<i64>,
) -> PgResult<Vec<(String, i64, serde_json::Value)>> {
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

/// Conversation guard states (deleted ones as `null`) with their `rev`.
fn read_conversations(
    tx: &mut Transaction<'_>,
    after_rev: Option<i64>,
) -> PgResult<Vec<(String, i64, serde_json::Value)>> {
    read_revisioned(tx, "conversations", "conversation_id", "state", after_rev)
}

/// Settings documents (deleted ones as `null`) with their `rev`.
fn read_settings(
    tx: &mut Transaction<'_>,
    after_rev: Option<i64>,
) -> PgResult<Vec<(String, i64, serde_json::Value)>> {
    read_revisioned(tx, "settings", "key", "value", after_rev)
}

fn read_rejections(
    tx: &mut Transaction<'_>,
    ids: Option<&[i64]>,
) -> PgResult<Vec<(PatternId, String)>> {
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

fn read_vectors(tx: &mut Transaction<'_>, ids: Option<&[i64]>) -> PgResult<Vec<ExampleVector>> {
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
