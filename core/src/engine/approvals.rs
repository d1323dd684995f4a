//! Operator approvals per pattern: the count behind the environment rule
//! `approvals_before_auto_send` (production 2, staging 1).
//!
//! An approval is an `approved` or `modified` event in the pattern's history
//! (an operator sent the engine's proposal, with or without edits), counted
//! after the pattern's last `undone` event (an undo can only lower the count).
//! Counts are read from the history once and cached; feedback and undo
//! invalidate them.

use std::collections::HashMap;

use parking_lot::Mutex;

use crate::book::{ChangeKind, PatternBook};
use crate::pattern::PatternId;

use super::Engine;

/// Cached approval counts.
#[derive(Debug, Default)]
pub(super) struct Approvals {
    counts: Mutex<HashMap<PatternId, u64>>,
}

impl Approvals {
    /// Forgets the count of `id` (after feedback on it).
    pub fn invalidate(&self, id: PatternId) {
        self.counts.lock().remove(&id);
    }
}

impl Engine {
    /// Operator approvals of `id`. Called with the book's read lock held (`book`),
    /// only when every other auto-send gate has passed. A store that cannot be
    /// read counts as no approval: nothing is auto-sent on a count not known.
    pub(super) fn operator_approvals(&self, book: &PatternBook, id: PatternId) -> u64 {
        if let Some(n) = self.approvals.counts.lock().get(&id) {
            return *n;
        }
        let stored = match &self.store {
            Some(store) => match store.events(Some(id), 0, usize::MAX) {
                Ok(events) => events,
                Err(_) => return 0,
            },
            None => Vec::new(),
        };
        let mut n = 0;
        for e in stored
            .iter()
            .chain(book.history().iter().filter(|e| e.pattern_id == id))
        {
            match e.kind {
                ChangeKind::Approved | ChangeKind::Modified => n += 1,
                ChangeKind::Undone => n = 0,
                _ => {}
            }
        }
        self.approvals.counts.lock().insert(id, n);
        n
    }
}
