//! Short-term memory of decisions and ids: feedback linking and idempotency.

use std::collections::{HashMap, VecDeque};

use crate::decision::Decision;
use crate::decision_id::DecisionId;
use crate::pattern::PatternId;

/// What the engine remembers about a recent decision, for feedback.
#[derive(Debug, Clone)]
pub(super) struct DecisionNote {
    pub(super) pattern: Option<PatternId>,
    pub(super) raw_confidence: f64,
    pub(super) proposed: bool,
}

/// How many recent decisions are kept for linking feedback to them.
pub(super) const RECENT_DECISIONS: usize = 100_000;
/// How many inbound message ids (and feedback ids) are remembered for idempotency.
pub(super) const SEEN_IDS: usize = 200_000;

#[derive(Debug, Default)]
pub(super) struct RecentDecisions {
    pub(super) notes: HashMap<DecisionId, DecisionNote>,
    pub(super) order: VecDeque<DecisionId>,
}

impl RecentDecisions {
    pub(super) fn insert(&mut self, id: DecisionId, note: DecisionNote) {
        self.notes.insert(id, note);
        self.order.push_back(id);
        while self.order.len() > RECENT_DECISIONS {
            if let Some(old) = self.order.pop_front() {
                self.notes.remove(&old);
            }
        }
    }
}

/// Remembered ids: `None` while being processed, then the decision.
#[derive(Debug, Default)]
pub(super) struct SeenMessages {
    pub(super) by_id: HashMap<String, Option<Box<Decision>>>,
    pub(super) order: VecDeque<String>,
}

impl SeenMessages {
    /// Claims `id`; returns the earlier state when it was seen already.
    pub(super) fn claim(&mut self, id: &str) -> Option<Option<Box<Decision>>> {
        if let Some(prev) = self.by_id.get(id) {
            return Some(prev.clone());
        }
        self.by_id.insert(id.to_owned(), None);
        self.order.push_back(id.to_owned());
        while self.order.len() > SEEN_IDS {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
        None
    }

    /// Forgets a claim (its decision was not recorded).
    pub(super) fn release(&mut self, id: &str) {
        if self.by_id.remove(id).is_some() {
            if let Some(at) = self.order.iter().rposition(|o| o == id) {
                self.order.remove(at);
            }
        }
    }

    pub(super) fn complete(&mut self, id: &str, decision: &Decision) {
        if let Some(slot) = self.by_id.get_mut(id) {
            *slot = Some(Box::new(decision.clone()));
        }
    }
}
