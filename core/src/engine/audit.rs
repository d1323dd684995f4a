//! Audit and repair: undo one change, and bulk operations with a dry run.
//!
//! V1 lost most of its patterns to one cleanup script; here every bulk change can
//! be previewed exactly (the dry run and the real run share one code path), is
//! recorded event by event, and each event can be undone.

use serde::{Deserialize, Serialize};

use crate::book::{
    rebuild_from_history, ChangeKind, ExampleInput, PatternBook, PatternEvent, PatternState,
};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::pattern::{Pattern, PatternId, Provenance};
use crate::text;

use super::Engine;

/// What a bulk operation does to each selected pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// Make eligible for matching.
    Activate,
    /// Stop matching (reversible).
    Deactivate,
    /// Soft-delete (reversible with restore).
    Delete,
    /// Undo a soft delete.
    Restore,
    /// Withdraw approval for automatic sending.
    RevokeAuto,
}

/// Which patterns a bulk operation selects: every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// Only these ids.
    pub ids: Option<Vec<PatternId>>,
    /// Confidence at most this.
    pub max_confidence: Option<f64>,
    /// Not used since this time (never used counts as unused).
    pub unused_since: Option<Timestamp>,
    /// This topic (snake_case name).
    pub topic: Option<String>,
    /// This provenance.
    pub provenance: Option<Provenance>,
}

impl Selection {
    fn selects(&self, p: &Pattern) -> bool {
        self.ids.as_ref().is_none_or(|ids| ids.contains(&p.id))
            && self.max_confidence.is_none_or(|c| p.confidence <= c)
            && self
                .unused_since
                .is_none_or(|t| p.last_used.is_none_or(|used| used < t))
            && self.topic.as_ref().is_none_or(|t| &p.topic == t)
            && self.provenance.is_none_or(|prov| p.provenance == prov)
    }
}

/// One pattern's change in a bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkChange {
    /// The pattern.
    pub pattern_id: PatternId,
    /// Its state before.
    pub before: PatternState,
    /// Its state after.
    pub after: PatternState,
}

/// What a bulk operation changed (or, in a dry run, would change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkReport {
    /// The action.
    pub action: BulkAction,
    /// True when nothing was changed.
    pub dry_run: bool,
    /// One entry per pattern whose state changes; selected patterns already in
    /// the target state are not listed.
    pub changes: Vec<BulkChange>,
}

impl BulkAction {
    fn kind(self) -> ChangeKind {
        match self {
            BulkAction::Activate | BulkAction::Deactivate => ChangeKind::ActiveChanged,
            BulkAction::Delete => ChangeKind::Deleted,
            BulkAction::Restore => ChangeKind::Restored,
            BulkAction::RevokeAuto => ChangeKind::AutoChanged,
        }
    }

    fn apply(self, p: &mut Pattern, now: Timestamp) {
        match self {
            BulkAction::Activate => p.is_active = true,
            BulkAction::Deactivate => p.is_active = false,
            BulkAction::Delete => p.is_deleted = true,
            BulkAction::Restore => p.is_deleted = false,
            BulkAction::RevokeAuto => p.auto_executable = false,
        }
        p.last_modified = now;
    }
}

/// How imported patterns enter the engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Keep the rows' `auto_executable` flags. Off by default: an imported pattern
    /// must be approved for automatic sending here, by an operator.
    pub keep_auto_executable: bool,
    /// Keep the rows' usage counters. Off by default: V1 counted a *match* as a
    /// success, so its counters would satisfy the promotion rule without any
    /// operator confirmation.
    pub keep_counters: bool,
    /// Skip a pattern whose id is already in use instead of failing the import, so
    /// importing the same rows again imports nothing new. Off by default.
    #[serde(default)]
    pub skip_existing_ids: bool,
}

impl Engine {
    /// Adds imported patterns (e.g. from [`crate::v1::rows::import_json`])
    /// as one transaction, keeping their ids; returns the ids added. An id that is
    /// already in use fails the whole import with a per-row report (nothing is added
    /// then), or, with [`ImportOptions::skip_existing_ids`], is skipped.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::{v1, Engine, ImportOptions};
    /// let rows = r#"[{"id": 7, "pattern_type": "gift_cards", "pattern_signature": "x",
    ///   "created_at": "2025-09-05T12:00:00Z", "last_modified": "2025-09-05T12:00:00Z",
    ///   "trigger_text": "Do you sell gift cards?", "response_template": "Yes, online.",
    ///   "confidence_score": "0.90", "auto_executable": true, "is_active": true}]"#;
    /// let import = v1::rows::import_json(rows).unwrap();
    /// let engine = Engine::new();
    /// let ids = engine.import(import.patterns, ImportOptions::default()).unwrap();
    /// let p = engine.pattern(ids[0]).unwrap();
    /// assert_eq!((p.id.0, p.auto_executable), (7, false));
    /// ```
    pub fn import(&self, patterns: Vec<Pattern>, options: ImportOptions) -> Result<Vec<PatternId>> {
        let config = self.config();
        let now = self.clock.now();
        self.mutate(|book| {
            let skip = |p: &Pattern| options.skip_existing_ids && book.get(p.id).is_some();
            let errors = import_errors(book, &patterns, &skip, config.max_message_bytes);
            if !errors.is_empty() {
                return Err(Error::Import(errors));
            }
            let new: Vec<Pattern> = patterns.iter().filter(|p| !skip(p)).cloned().collect();
            let mut ids = Vec::with_capacity(new.len());
            for p in new {
                ids.push(p.id);
                insert_imported(book, p, options, now);
            }
            Ok(ids)
        })
    }

    /// Applies `action` to every pattern `selection` picks, as one transaction,
    /// or with `dry_run` reports exactly what it would change and changes nothing.
    ///
    /// # Example
    /// ```
    /// use std::sync::Arc;
    /// use pattern_learning::clock::{ManualClock, Timestamp};
    /// use pattern_learning::{BulkAction, Engine, Feedback, Selection};
    /// let clock = Arc::new(ManualClock::new(Timestamp(1_767_225_600_000)));
    /// let engine = Engine::builder().clock(clock).build().unwrap();
    /// engine.feedback(&Feedback::answer("wifi?", "The password is on the wall.")).unwrap();
    /// let low = Selection { max_confidence: Some(0.6), ..Selection::default() };
    /// let preview = engine.bulk(BulkAction::Deactivate, &low, true).unwrap();
    /// assert_eq!(preview.changes.len(), 1);
    /// assert!(engine.patterns(Default::default()).len() == 1, "a dry run changes nothing");
    /// let done = engine.bulk(BulkAction::Deactivate, &low, false).unwrap();
    /// assert_eq!(done.changes, preview.changes);
    /// ```
    pub fn bulk(
        &self,
        action: BulkAction,
        selection: &Selection,
        dry_run: bool,
    ) -> Result<BulkReport> {
        let now = self.clock.now();
        let plan = |book: &PatternBook| -> Vec<BulkChange> {
            book.patterns()
                .filter(|p| selection.selects(p))
                .filter_map(|p| {
                    let mut after = p.clone();
                    action.apply(&mut after, now);
                    let (before, after) = (PatternState::of(p), PatternState::of(&after));
                    let changed = PatternState {
                        last_modified: before.last_modified,
                        ..after.clone()
                    } != before;
                    changed.then_some(BulkChange {
                        pattern_id: p.id,
                        before,
                        after,
                    })
                })
                .collect()
        };
        if dry_run {
            let changes = plan(&self.book.read());
            return Ok(BulkReport {
                action,
                dry_run,
                changes,
            });
        }
        let changes = self.mutate(|book| {
            let changes = plan(book);
            for c in &changes {
                book.apply(c.pattern_id, action.kind(), None, None, false, |p| {
                    action.apply(p, now)
                });
            }
            Ok(changes)
        })?;
        Ok(BulkReport {
            action,
            dry_run,
            changes,
        })
    }

    /// Undoes the change recorded as event `seq`, which must be the latest change
    /// of its pattern: the pattern returns to its state before that event, and the
    /// undo is recorded as a new event (`ChangeKind::Undone`). Undoing a creation
    /// soft-deletes the pattern. Rejections stay remembered.
    pub fn undo(&self, seq: u64) -> Result<Pattern> {
        let all = self.events(None)?;
        let Some(target) = all.iter().find(|e| e.seq == seq) else {
            return Err(Error::InvalidPattern(format!(
                "no change with sequence number {seq}"
            )));
        };
        if target.kind == ChangeKind::Erased {
            return Err(Error::InvalidPattern(format!(
                "change {seq} erased a customer's data, which cannot be undone"
            )));
        }
        let id = target.pattern_id;
        let history: Vec<PatternEvent> =
            all.iter().filter(|e| e.pattern_id == id).cloned().collect();
        let latest = history.last().map_or(0, |e| e.seq);
        if latest != seq {
            return Err(Error::InvalidPattern(format!(
                "change {seq} is not the latest change of pattern {id} (that is {latest}); undo the later ones first"
            )));
        }
        let before = &history[..history.len() - 1];
        let previous = rebuild_from_history(before)?.remove(&id);
        let now = self.clock.now();
        self.approvals.invalidate(id);
        let undone = self.mutate(|book| {
            let current = book.get(id).cloned().ok_or(Error::UnknownPattern(id))?;
            let restored = match previous.clone() {
                Some(p) => p,
                None => Pattern {
                    is_deleted: true,
                    ..current
                },
            };
            book.apply(id, ChangeKind::Undone, None, None, true, move |p| {
                *p = Pattern {
                    last_modified: now,
                    ..restored
                };
            })
            .cloned()
            .ok_or(Error::UnknownPattern(id))
        });
        self.approvals.invalidate(id);
        undone
    }
}

/// Why the patterns of `all` that are not skipped cannot be imported, by row: an
/// id in use or given twice, no example with words, a text longer than `max_bytes`.
fn import_errors(
    book: &PatternBook,
    all: &[Pattern],
    skip: &dyn Fn(&Pattern) -> bool,
    max_bytes: usize,
) -> Vec<crate::error::RowError> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (row, p) in all.iter().enumerate() {
        if skip(p) {
            continue;
        }
        let mut fail = |reason: String| {
            errors.push(crate::error::RowError {
                row: row + 1,
                reason,
            })
        };
        if book.get(p.id).is_some() || !seen.insert(p.id) {
            fail(format!("pattern id {} is already in use", p.id));
        }
        if p.trigger_examples
            .iter()
            .all(|e| text::words(&text::normalize(e)).next().is_none())
        {
            fail("no trigger example with words".into());
        }
        let long = |t: &String| t.len() > max_bytes;
        if long(&p.response_template) || p.trigger_examples.iter().any(long) {
            fail(format!(
                "a text is longer than max_message_bytes ({max_bytes})"
            ));
        }
    }
    errors
}

/// Adds one imported pattern to the book, as `options` say.
fn insert_imported(book: &mut PatternBook, mut p: Pattern, options: ImportOptions, now: Timestamp) {
    if !options.keep_auto_executable {
        p.auto_executable = false;
    }
    if !options.keep_counters {
        p.execution_count = 0;
        p.success_count = 0;
        p.failure_count = 0;
        p.override_count = 0;
    }
    p.confidence = crate::book::sanitize_confidence(p.confidence);
    p.last_modified = now;
    let examples: Vec<String> = p.trigger_examples.clone();
    let inputs = examples
        .iter()
        .map(|text| ExampleInput { text, vector: None })
        .collect();
    book.insert(p, inputs, None);
}
