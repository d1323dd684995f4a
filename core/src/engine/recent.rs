//! Short-term memory of decisions and ids: feedback linking and idempotency.

use std::collections::{HashMap, HashSet, VecDeque};

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

/// What is remembered of an id.
#[derive(Debug, Clone)]
pub(super) enum Seen {
    /// Being decided (or applied) now.
    Deciding,
    /// Decided before: the decision, when this engine still has it.
    Decided(Option<Box<Decision>>),
}

/// Remembered ids, with the decision of each when the engine has it.
#[derive(Debug, Default)]
pub(super) struct SeenMessages {
    pub(super) by_id: HashMap<String, Seen>,
    pub(super) order: VecDeque<String>,
}

impl SeenMessages {
    /// Claims `id`; returns the earlier state when it was seen already (`None`
    /// inside while it is being decided, or when its decision is not kept).
    pub(super) fn claim(&mut self, id: &str) -> Option<Option<Box<Decision>>> {
        if let Some(prev) = self.by_id.get(id) {
            return Some(match prev {
                Seen::Deciding => None,
                Seen::Decided(d) => d.clone(),
            });
        }
        self.insert(id, Seen::Deciding);
        None
    }

    /// Remembers an id decided before (read from a store) without its decision.
    pub(super) fn remember(&mut self, id: &str) {
        if !self.by_id.contains_key(id) {
            self.insert(id, Seen::Decided(None));
        }
    }

    fn insert(&mut self, id: &str, seen: Seen) {
        self.by_id.insert(id.to_owned(), seen);
        self.order.push_back(id.to_owned());
        while self.order.len() > SEEN_IDS {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
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
            *slot = Seen::Decided(Some(Box::new(decision.clone())));
        }
    }

    /// After an erasure or retention: forgets every decision kept for an id, and
    /// the ids decided before that `still` does not hold (`None`: keeps them all).
    /// Ids being decided now stay claimed.
    pub(super) fn forget_decisions(&mut self, still: Option<&HashSet<String>>) {
        self.by_id.retain(|id, seen| match seen {
            Seen::Deciding => true,
            Seen::Decided(d) => {
                *d = None;
                still.is_none_or(|s| s.contains(id))
            }
        });
        let by_id = &self.by_id;
        self.order.retain(|id| by_id.contains_key(id));
    }
}
