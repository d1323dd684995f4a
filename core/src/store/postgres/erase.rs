//! Erasure in the PostgreSQL store: an [`Erasure`] applied to the tables inside
//! the commit's transaction, one step per kind of row (see
//! [`crate::store::Erasure`] for what each step does), and the erasure log, whose
//! rows tell the other engines to forget what the store no longer keeps.
//!
//! PostgreSQL keeps the old versions of updated and deleted rows until `VACUUM`
//! reclaims them, and its write-ahead log and backups keep them longer; that is the
//! database's to manage (SECURITY.md).

use std::collections::BTreeMap;

use postgres::types::Json;
use postgres::Transaction;

use super::to_u64;
use crate::book::{scrub_event, PatternEvent};
use crate::clock::Timestamp;
use crate::pattern::PatternId;
use crate::privacy::Customer;
use crate::store::erasure::is_customers;
use crate::store::{
    forget_removed_example, redact_decision, DecisionRecord, Erasure, ErasureCounts, ErasureKind,
    ErasureRecord,
};

type PgResult<T> = std::result::Result<T, postgres::Error>;

/// What an erasure changed that the store's record of the rows must follow.
#[derive(Debug, Default)]
pub(super) struct Erased {
    pub counts: ErasureCounts,
    /// Conversation states deleted.
    pub conversations: Vec<String>,
}

/// Applies `e` at revision `rev` and appends it to the erasure log.
pub(super) fn erase(tx: &mut Transaction<'_>, e: &Erasure, rev: i64) -> PgResult<Erased> {
    let mut counts = ErasureCounts {
        examples: e.examples,
        rejections: e.rejections,
        ..ErasureCounts::default()
    };
    let (decisions, customers) = redact_decisions(tx, e)?;
    counts.decisions = decisions;
    counts.nearest_examples = forget_removed_examples(tx, &e.removed)?;
    counts.events = scrub_events(tx, e)?;
    let conversations = delete_conversations(tx, e)?;
    counts.conversations = conversations.len() as u64;
    counts.sends = clear_sends(tx, e, &customers)?;
    tx.execute(
        "INSERT INTO erasures (rev, at, kind, counts) VALUES ($1, $2, $3, $4)",
        &[&rev, &e.at.0, &e.kind.as_str(), &Json(&counts)],
    )?;
    Ok(Erased {
        counts,
        conversations,
    })
}

/// The decisions of `customer`, oldest first.
pub(super) fn customer_decisions(
    tx: &mut Transaction<'_>,
    customer: &Customer,
) -> PgResult<Vec<DecisionRecord>> {
    Ok(candidates(tx, &customer.needles())?
        .into_values()
        .filter(|d| is_customers(customer, d))
        .collect())
}

/// The erasure log, oldest first.
pub(super) fn log(tx: &mut Transaction<'_>) -> PgResult<Vec<ErasureRecord>> {
    tx.query("SELECT id, at, kind, counts FROM erasures ORDER BY id", &[])?
        .iter()
        .map(|row| {
            let kind: String = row.get(2);
            let Json(counts) = row.try_get(3)?;
            Ok(ErasureRecord {
                seq: to_u64(row.get(0)),
                at: Timestamp(row.get(1)),
                kind: if kind == "retention" {
                    ErasureKind::Retention
                } else {
                    ErasureKind::Customer
                },
                counts,
            })
        })
        .collect()
}

/// Whether an erasure was committed after revision `cursor` by a revision not in
/// `own`.
pub(super) fn erased_since(tx: &mut Transaction<'_>, cursor: i64, own: &[i64]) -> PgResult<bool> {
    tx.query_one(
        "SELECT EXISTS (SELECT 1 FROM erasures WHERE rev > $1 AND NOT (rev = ANY($2)))",
        &[&cursor, &own],
    )
    .map(|row| row.get(0))
}

/// Decisions holding one of `needles` in their conversation id, message or reply,
/// by `seq`.
fn candidates(
    tx: &mut Transaction<'_>,
    needles: &[String],
) -> PgResult<BTreeMap<i64, DecisionRecord>> {
    let mut found = BTreeMap::new();
    for needle in needles {
        let rows = tx.query(
            "SELECT seq, decision FROM decisions
             WHERE strpos(coalesce(conversation_id, ''), $1) > 0
                OR strpos(decision->>'message', $1) > 0
                OR strpos(coalesce(decision->>'response', ''), $1) > 0",
            &[needle],
        )?;
        for row in rows {
            let Json(mut d): Json<DecisionRecord> = row.try_get(1)?;
            d.seq = to_u64(row.get(0));
            found.insert(row.get(0), d);
        }
    }
    Ok(found)
}

/// Clears the text and customer fields of the decisions `e` redacts; returns how
/// many, and the customer's among them as they were (for their sends).
fn redact_decisions(tx: &mut Transaction<'_>, e: &Erasure) -> PgResult<(u64, Vec<DecisionRecord>)> {
    let mut count = match e.decided_before {
        Some(before) => redact_decided_before(tx, before)?,
        None => 0,
    };
    let mut customers = Vec::new();
    for (seq, d) in candidates(tx, &e.needles())? {
        let mut cleared = d.clone();
        if e.redacts(&d) && redact_decision(&mut cleared) {
            tx.execute(
                "UPDATE decisions SET message_id = NULL, conversation_id = NULL, decision = $2
                 WHERE seq = $1",
                &[&seq, &Json(&cleared)],
            )?;
            count += 1;
            customers.push(d);
        }
    }
    Ok((count, customers))
}

/// Retention in one statement: what [`redact_decision`] clears, for every decision
/// before `before` that still has some of it.
fn redact_decided_before(tx: &mut Transaction<'_>, before: Timestamp) -> PgResult<u64> {
    tx.execute(
        "UPDATE decisions SET message_id = NULL, conversation_id = NULL,
             decision = decision || jsonb_build_object('message', '', 'message_id', NULL,
                 'conversation_id', NULL, 'response', NULL)
                 || CASE WHEN jsonb_typeof(decision->'evidence') = 'object' THEN
                     jsonb_build_object('evidence', jsonb_set(jsonb_set(decision->'evidence',
                         '{nearest_example}', 'null', false), '{keyword_hits}', '[]', false))
                    ELSE '{}'::jsonb END
         WHERE at < $1 AND (decision->>'message' <> '' OR message_id IS NOT NULL
             OR conversation_id IS NOT NULL OR decision->'response' <> 'null'::jsonb
             OR decision->'evidence'->'nearest_example' <> 'null'::jsonb
             OR decision->'evidence'->'keyword_hits' NOT IN ('[]'::jsonb, 'null'::jsonb))",
        &[&before.0],
    )
}

/// Forgets the nearest example of every decision that names one of `removed`.
fn forget_removed_examples(
    tx: &mut Transaction<'_>,
    removed: &[(PatternId, String)],
) -> PgResult<u64> {
    if removed.is_empty() {
        return Ok(0);
    }
    let texts: Vec<&str> = removed.iter().map(|(_, text)| text.as_str()).collect();
    let rows = tx.query(
        "SELECT seq, decision FROM decisions
         WHERE decision->'evidence'->>'nearest_example' = ANY($1)",
        &[&texts],
    )?;
    let mut count = 0;
    for row in rows {
        let Json(mut d): Json<DecisionRecord> = row.try_get(1)?;
        if forget_removed_example(&mut d, removed) {
            let seq: i64 = row.get(0);
            tx.execute(
                "UPDATE decisions SET decision = $2 WHERE seq = $1",
                &[&seq, &Json(&d)],
            )?;
            count += 1;
        }
    }
    Ok(count)
}

/// Takes the covered texts out of the history.
fn scrub_events(tx: &mut Transaction<'_>, e: &Erasure) -> PgResult<u64> {
    if e.kind != ErasureKind::Customer {
        return Ok(0);
    }
    let rows = tx.query(
        "SELECT seq, event FROM events
         WHERE event->'message' <> 'null'::jsonb OR event->'full' <> 'null'::jsonb",
        &[],
    )?;
    let mut count = 0;
    for row in rows {
        let Json(mut event): Json<PatternEvent> = row.try_get(1)?;
        if scrub_event(&mut event, &|t| e.covers(t), &e.removed) {
            let seq: i64 = row.get(0);
            tx.execute(
                "UPDATE events SET event = $2 WHERE seq = $1",
                &[&seq, &Json(&event)],
            )?;
            count += 1;
        }
    }
    Ok(count)
}

/// Deletes, for good, the conversation states `e` deletes and the `null` rows of
/// earlier deletions (they only name ids); returns the ids of the states deleted.
fn delete_conversations(tx: &mut Transaction<'_>, e: &Erasure) -> PgResult<Vec<String>> {
    let ids: Vec<String> = tx
        .query("SELECT conversation_id FROM conversations", &[])?
        .iter()
        .map(|row| row.get(0))
        .filter(|id: &String| e.deletes_conversation(id))
        .collect();
    tx.execute(
        "DELETE FROM conversations WHERE conversation_id = ANY($1) OR state = 'null'::jsonb",
        &[&ids],
    )?;
    Ok(ids)
}

/// Drops the message id and conversation id of the sends `e` erases: before the
/// retention period, or of the customer's conversations and decisions.
fn clear_sends(
    tx: &mut Transaction<'_>,
    e: &Erasure,
    redacted: &[DecisionRecord],
) -> PgResult<u64> {
    let mut count = 0;
    if let Some(before) = e.decided_before {
        count += tx.execute(
            "UPDATE sends SET message_id = NULL, conversation_id = NULL
             WHERE at < $1 AND (message_id IS NOT NULL OR conversation_id IS NOT NULL)",
            &[&before.0],
        )?;
    }
    let Some(customer) = &e.customer else {
        return Ok(count);
    };
    let mut ids: Vec<i64> = Vec::new();
    for needle in customer.needles() {
        for row in tx.query(
            "SELECT id, conversation_id FROM sends WHERE strpos(conversation_id, $1) > 0",
            &[&needle],
        )? {
            let conversation: String = row.get(1);
            if customer.owns_conversation(&conversation) {
                ids.push(row.get(0));
            }
        }
    }
    let message_ids: Vec<&str> = redacted
        .iter()
        .filter_map(|d| d.message_id.as_deref())
        .collect();
    count += tx.execute(
        "UPDATE sends SET message_id = NULL, conversation_id = NULL
         WHERE (id = ANY($1) OR message_id = ANY($2))
           AND (message_id IS NOT NULL OR conversation_id IS NOT NULL)",
        &[&ids, &message_ids],
    )?;
    Ok(count)
}
