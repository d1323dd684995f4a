//! Operator approvals per pattern: the count behind the `operator_approvals` gate.
//!
//! Two rules ask for approvals before a pattern may auto-send, and the stricter one
//! holds: the environment's `approvals_before_auto_send` (production 2, staging 1)
//! and V1's safety settings, `approvalThreshold` approvals when
//! `requireApprovalForNew` is on (V1's defaults: on, 10). Every pattern counts as
//! new: its approvals are counted in this library's history, imported ones included.
//!
//! An approval is an `approved` or `modified` event in the pattern's history (an
//! operator sent the engine's proposal, with or without edits), counted after the
//! pattern's last `undone` event (an undo can only lower the count). A clean
//! approval counts 1; an approval with edits counts `1 / operatorOverrideWeight`
//! (V1's default 2.0: two edited sends make one approval), because an edited reply
//! is weaker evidence that the reply can go out unattended. Counts are read from the
//! history once and cached; feedback and undo invalidate them.

use std::collections::HashMap;

use parking_lot::Mutex;
use serde::Serialize;

use crate::book::{ChangeKind, PatternBook};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::pattern::PatternId;
use crate::safety::SafetySettings;

use super::Engine;

/// Clean approvals and approvals with edits of one pattern.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    clean: u64,
    edited: u64,
}

/// Cached approval counts.
#[derive(Debug, Default)]
pub(super) struct Approvals {
    counts: Mutex<HashMap<PatternId, Counts>>,
}

impl Approvals {
    /// Forgets the count of `id` (after feedback on it).
    pub fn invalidate(&self, id: PatternId) {
        self.counts.lock().remove(&id);
    }
}

/// How many approvals a pattern needs before it may auto-send, and how an
/// approval with edits counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ApprovalRule {
    /// Approvals needed: the stricter of the two rules (0: none).
    pub required: u32,
    /// `operatorOverrideWeight`: an approval with edits counts `1 / edit_weight`.
    edit_weight: f64,
}

impl ApprovalRule {
    /// The rule in force under `config` and `settings`.
    pub fn new(config: &Config, settings: &SafetySettings) -> Self {
        let v1 = if settings.require_approval_for_new {
            settings.approval_threshold
        } else {
            0
        };
        ApprovalRule {
            required: config.approvals_before_auto_send.max(v1),
            // Validated to 1.0–3.0; the guard keeps a bad stored value from
            // counting an edit as more than a clean approval.
            edit_weight: settings.operator_override_weight.max(1.0),
        }
    }

    fn count(&self, counts: Counts) -> f64 {
        counts.clean as f64 + counts.edited as f64 / self.edit_weight
    }
}

/// A pattern's standing against the approval rule (V1's `checkPatternApproval`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatternApproval {
    /// True while the pattern has fewer approvals than `threshold`: it is not
    /// auto-sent (the `operator_approvals` gate).
    pub requires_approval: bool,
    /// Approvals counted: a clean approval 1, an approval with edits
    /// `1 / operatorOverrideWeight`.
    pub approval_count: f64,
    /// Approvals needed: the stricter of `approvalThreshold` (when
    /// `requireApprovalForNew` is on) and the environment's
    /// `approvals_before_auto_send`; 0 when neither asks for any.
    pub threshold: u32,
}

impl Engine {
    /// The approval rule in force now.
    pub(super) fn approval_rule(&self, config: &Config) -> ApprovalRule {
        ApprovalRule::new(config, &self.safety.read().settings)
    }

    /// Operator approvals a pattern needs before it may auto-send under the rules in
    /// force (0: none). See [`PatternApproval::threshold`].
    pub fn approvals_required(&self) -> u32 {
        self.approval_rule(&self.config()).required
    }

    /// Whether pattern `id` still needs operator approvals before it may auto-send,
    /// and how many it has (V1's `checkPatternApproval`).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPattern`] when there is no such pattern (deleted ones count).
    ///
    /// # Example
    /// ```
    /// use pattern_learning::{Engine, Feedback, NewPattern};
    /// let engine = Engine::new();
    /// let id = engine.create_pattern(NewPattern::new(["wifi password?"], "On the wall.")).unwrap().id;
    /// engine.feedback(&Feedback::approve("what is the wifi password", id)).unwrap();
    /// let standing = engine.pattern_approval(id).unwrap();
    /// // V1's defaults: approval required for new patterns, 10 approvals.
    /// assert_eq!((standing.requires_approval, standing.approval_count, standing.threshold), (true, 1.0, 10));
    /// ```
    pub fn pattern_approval(&self, id: PatternId) -> Result<PatternApproval> {
        let rule = self.approval_rule(&self.config());
        let book = self.book.read();
        if book.get(id).is_none() {
            return Err(Error::UnknownPattern(id));
        }
        let approval_count = self.operator_approvals(&book, id, &rule);
        Ok(PatternApproval {
            requires_approval: approval_count < f64::from(rule.required),
            approval_count,
            threshold: rule.required,
        })
    }

    /// Operator approvals of `id` under `rule`. Called with the book's read lock
    /// held (`book`). A store that cannot be read counts as no approval: nothing is
    /// auto-sent on a count not known.
    pub(super) fn operator_approvals(
        &self,
        book: &PatternBook,
        id: PatternId,
        rule: &ApprovalRule,
    ) -> f64 {
        if let Some(counts) = self.approvals.counts.lock().get(&id) {
            return rule.count(*counts);
        }
        let stored = match &self.store {
            Some(store) => match store.events(Some(id), 0, usize::MAX) {
                Ok(events) => events,
                Err(_) => return 0.0,
            },
            None => Vec::new(),
        };
        let mut counts = Counts::default();
        for e in stored
            .iter()
            .chain(book.history().iter().filter(|e| e.pattern_id == id))
        {
            match e.kind {
                ChangeKind::Approved => counts.clean += 1,
                ChangeKind::Modified => counts.edited += 1,
                ChangeKind::Undone => counts = Counts::default(),
                _ => {}
            }
        }
        self.approvals.counts.lock().insert(id, counts);
        rule.count(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stricter_rule_holds() {
        let mut config = Config::default();
        let mut settings = SafetySettings::default();
        assert_eq!(ApprovalRule::new(&config, &settings).required, 10);
        config.approvals_before_auto_send = 12;
        assert_eq!(ApprovalRule::new(&config, &settings).required, 12);
        settings.require_approval_for_new = false;
        config.approvals_before_auto_send = 2;
        assert_eq!(ApprovalRule::new(&config, &settings).required, 2);
        config.approvals_before_auto_send = 0;
        assert_eq!(ApprovalRule::new(&config, &settings).required, 0);
    }

    #[test]
    fn an_edit_counts_one_over_the_override_weight() {
        let mut settings = SafetySettings::default();
        let counts = Counts {
            clean: 1,
            edited: 3,
        };
        settings.operator_override_weight = 3.0;
        let rule = ApprovalRule::new(&Config::default(), &settings);
        assert_eq!(rule.count(counts), 2.0);
        settings.operator_override_weight = 1.0;
        let rule = ApprovalRule::new(&Config::default(), &settings);
        assert_eq!(rule.count(counts), 4.0);
    }
}
