//! [`Commit`]: one atomic change to a store, and the checks every store applies to it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{DecisionRecord, Erasure, ExampleVector};
use crate::book::PatternEvent;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::pattern::{Pattern, PatternId};

/// One atomic change to a store: everything one engine operation changed.
///
/// Applied whole or not at all, removals first; the order of the parts and the checks
/// are in the [module documentation](super#contract-shared-by-every-implementation).
///
/// # Example
/// ```
/// use pattern_learning::store::Commit;
/// let commit = Commit {
///     conversations: vec![("conv-1".to_owned(), serde_json::json!({"ai_replies": 1}))],
///     ..Commit::default()
/// };
/// assert!(!commit.is_empty());
/// assert!(Commit::default().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    /// Full current rows to upsert (by id).
    pub patterns: Vec<Pattern>,
    /// Patterns to remove for good, with their rejections and vectors (only used to
    /// roll back a creation); their events are never removed.
    pub removed_patterns: Vec<PatternId>,
    /// Rejected messages to append.
    pub rejections: Vec<(PatternId, String)>,
    /// Caller-supplied vectors of examples to upsert (by pattern and example index).
    pub vectors: Vec<ExampleVector>,
    /// Pattern events to append; `seq` is assigned by the engine and must be strictly
    /// increasing.
    pub events: Vec<PatternEvent>,
    /// Decisions to append; `seq` must be strictly increasing.
    pub decisions: Vec<DecisionRecord>,
    /// Settings documents to upsert by key (`config`, `safety_thresholds`,
    /// `safety_settings`); `null` deletes the key.
    pub settings: Vec<(String, serde_json::Value)>,
    /// Per-conversation guard state to upsert (opaque JSON); `null` deletes it.
    pub conversations: Vec<(String, serde_json::Value)>,
    /// Ids of the feedback this commit applies ([`Feedback::id`](crate::Feedback::id)):
    /// kept, so a feedback delivered again is recognised
    /// ([`Store::feedback_applied`](super::Store::feedback_applied)). A shared store
    /// refuses the commit with [`Error::StoreConflict`] when another engine applied
    /// one of them first.
    #[serde(default)]
    pub feedback_ids: Vec<String>,
    /// Proposals an operator judged, appended to the calibration record.
    #[serde(default)]
    pub judgements: Vec<Judgement>,
    /// Patterns (among `patterns`) whose rejections and vectors in this commit are
    /// their whole lists: the stored ones are dropped first (an erasure took some
    /// out).
    #[serde(default)]
    pub rewritten_patterns: Vec<PatternId>,
    /// Customer data to erase with this commit, after its patterns and before its
    /// events (see [`Erasure`]).
    #[serde(default)]
    pub erasure: Option<Erasure>,
}

/// One proposal an operator judged: the decision confidence it had and whether the
/// operator sent it (approved, with or without edits). The engine derives the auto
/// threshold for a target precision from the most recent of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// When the feedback was applied.
    pub at: Timestamp,
    /// The decision confidence of the proposal.
    pub confidence: f64,
    /// Whether the operator sent the proposed reply.
    pub right: bool,
}

impl Commit {
    /// True when the commit changes nothing.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
            && self.removed_patterns.is_empty()
            && self.rejections.is_empty()
            && self.vectors.is_empty()
            && self.events.is_empty()
            && self.decisions.is_empty()
            && self.settings.is_empty()
            && self.conversations.is_empty()
            && self.feedback_ids.is_empty()
            && self.judgements.is_empty()
            && self.rewritten_patterns.is_empty()
            && self.erasure.is_none()
    }

    /// Checks everything that does not depend on the store's content beyond its last
    /// sequence numbers: sequence order, finite numbers, integer ranges.
    pub(crate) fn check(&self, last_event_seq: u64, last_decision_seq: u64) -> Result<()> {
        for p in &self.patterns {
            check_pattern(p, "pattern")?;
        }
        for &id in &self.removed_patterns {
            fits("removed pattern id", id.0)?;
        }
        let upserted: HashSet<PatternId> = self.patterns.iter().map(|p| p.id).collect();
        for id in &self.rewritten_patterns {
            if !upserted.contains(id) {
                return Err(commit_error(format!(
                    "pattern {id} has its rejections and vectors rewritten but is not upserted by the commit"
                )));
            }
        }
        for (id, _) in &self.rejections {
            fits("rejection pattern id", id.0)?;
        }
        for v in &self.vectors {
            fits("vector pattern id", v.pattern_id.0)?;
        }
        check_sequence("event", last_event_seq, self.events.iter().map(|e| e.seq))?;
        for e in &self.events {
            check_event(e)?;
        }
        check_sequence(
            "decision",
            last_decision_seq,
            self.decisions.iter().map(|d| d.seq),
        )?;
        for d in &self.decisions {
            if let Some(id) = d.pattern_id {
                fits("decision pattern id", id.0)?;
            }
            finite(&format!("decision {} confidence", d.seq), d.confidence)?;
        }
        for j in &self.judgements {
            finite("judgement confidence", j.confidence)?;
        }
        Ok(())
    }

    /// Checks that every rejection and vector belongs to a pattern that exists once
    /// this commit's removals and upserts are applied. `exists` answers for the
    /// store's content before the commit.
    pub(crate) fn check_references(
        &self,
        mut exists: impl FnMut(PatternId) -> Result<bool>,
    ) -> Result<()> {
        let upserted: HashSet<PatternId> = self.patterns.iter().map(|p| p.id).collect();
        let removed: HashSet<PatternId> = self.removed_patterns.iter().copied().collect();
        let mut known = HashSet::new();
        let references = self
            .rejections
            .iter()
            .map(|(id, _)| ("rejection", *id))
            .chain(self.vectors.iter().map(|v| ("vector", v.pattern_id)));
        for (what, id) in references {
            if upserted.contains(&id) || known.contains(&id) {
                continue;
            }
            if removed.contains(&id) || !exists(id)? {
                return Err(commit_error(format!(
                    "{what} for pattern {id}, which does not exist after this commit"
                )));
            }
            known.insert(id);
        }
        Ok(())
    }
}

/// The error of a refused commit.
pub(crate) fn commit_error(reason: String) -> Error {
    Error::Store {
        operation: "commit".to_owned(),
        reason,
    }
}

fn check_sequence(what: &str, last: u64, seqs: impl Iterator<Item = u64>) -> Result<()> {
    let mut previous = last;
    for seq in seqs {
        if seq <= previous {
            return Err(commit_error(format!(
                "{what} seq {seq} is not after {previous}: {what} sequence numbers must be strictly increasing (duplicate or out of order)"
            )));
        }
        fits(&format!("{what} seq"), seq)?;
        previous = seq;
    }
    Ok(())
}

fn check_pattern(p: &Pattern, what: &str) -> Result<()> {
    fits(&format!("{what} id"), p.id.0)?;
    finite(&format!("{what} {} confidence", p.id), p.confidence)?;
    for (name, value) in [
        ("execution_count", p.execution_count),
        ("success_count", p.success_count),
        ("failure_count", p.failure_count),
        ("override_count", p.override_count),
    ] {
        fits(&format!("{what} {} {name}", p.id), value)?;
    }
    Ok(())
}

fn check_event(e: &PatternEvent) -> Result<()> {
    fits("event pattern id", e.pattern_id.0)?;
    let seq = e.seq;
    if let Some(old) = e.old_confidence {
        finite(&format!("event {seq} old_confidence"), old)?;
    }
    finite(&format!("event {seq} new_confidence"), e.new_confidence)?;
    finite(&format!("event {seq} state.confidence"), e.state.confidence)?;
    if let Some(full) = &e.full {
        check_pattern(full, &format!("event {seq} full pattern"))?;
    }
    Ok(())
}

fn finite(what: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(commit_error(format!(
            "{what} is {value}, not a finite number"
        )))
    }
}

/// Stores keep integers as SQLite's signed 64-bit integers.
fn fits(what: &str, value: u64) -> Result<()> {
    if i64::try_from(value).is_ok() {
        Ok(())
    } else {
        Err(commit_error(format!(
            "{what} {value} is larger than {} (the largest integer a store keeps)",
            i64::MAX
        )))
    }
}
