//! The checks a commit passes under the `head` lock before anything is written:
//! no change another engine made meanwhile is overwritten ([`check_conflicts`]),
//! and an automatic send stays under the caps shared by every engine
//! ([`check_claim`]). Everything here speaks `postgres::Error`; the store maps
//! errors.

use std::collections::HashMap;

use postgres::Transaction;

use super::{int, to_u64, HOUR_MS};
use crate::pattern::PatternId;
use crate::store::{Commit, SendClaim, SendRefusal};

/// Why a commit cannot go ahead.
pub(super) enum Conflict {
    /// The database failed.
    Db(postgres::Error),
    /// Another engine changed a pattern first.
    Changed(String),
}

/// What this store knows of the rows other engines may change too: the `rev` at
/// which it last saw each pattern, each conversation and each settings document.
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
    check_conversation_conflicts(tx, commit, &known.conversations)?;
    check_settings_conflicts(tx, commit, &known.settings)?;
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

/// Refuses a commit that overwrites a settings document another engine wrote
/// since this store saw it (a kill switch thrown elsewhere, say).
fn check_settings_conflicts(
    tx: &mut Transaction<'_>,
    commit: &Commit,
    known: &HashMap<String, i64>,
) -> std::result::Result<(), Conflict> {
    let keys: Vec<&str> = commit.settings.iter().map(|(k, _)| k.as_str()).collect();
    if keys.is_empty() {
        return Ok(());
    }
    let mut actual = HashMap::new();
    for row in tx
        .query(
            "SELECT key, rev FROM settings WHERE key = ANY($1)",
            &[&keys],
        )
        .map_err(Conflict::Db)?
    {
        actual.insert(row.get::<_, String>(0), row.get::<_, i64>(1));
    }
    for key in keys {
        if known.get(key) != actual.get(key) {
            return Err(Conflict::Changed(format!(
                "settings {key:?} were changed by another engine"
            )));
        }
    }
    Ok(())
}

/// Refuses a commit that writes, or deletes for retention, a conversation state
/// another engine changed since this store saw it.
fn check_conversation_conflicts(
    tx: &mut Transaction<'_>,
    commit: &Commit,
    known: &HashMap<String, i64>,
) -> std::result::Result<(), Conflict> {
    let expired = commit.erasure.iter().flat_map(|e| &e.conversations);
    let ids: Vec<&str> = commit
        .conversations
        .iter()
        .map(|(id, _)| id)
        .chain(expired)
        .map(String::as_str)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut actual = HashMap::new();
    for row in tx
        .query(
            "SELECT conversation_id, rev FROM conversations WHERE conversation_id = ANY($1)",
            &[&ids],
        )
        .map_err(Conflict::Db)?
    {
        actual.insert(row.get::<_, String>(0), row.get::<_, i64>(1));
    }
    for id in ids {
        if known.get(id) != actual.get(id) {
            return Err(Conflict::Changed(format!(
                "the guard state of conversation {id:?} was changed by another engine"
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
