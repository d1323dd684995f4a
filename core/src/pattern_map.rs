//! Patterns by id: hashed lookups (every decision looks patterns up dozens of
//! times) with iteration in id order.

use std::collections::BTreeSet;

use crate::key_hash::KeyMap;
use crate::pattern::{Pattern, PatternId};

/// Patterns by id, iterated in id order.
#[derive(Debug, Default)]
pub(crate) struct PatternMap {
    patterns: KeyMap<PatternId, Pattern>,
    order: BTreeSet<PatternId>,
}

impl PatternMap {
    /// Inserts or replaces the pattern with id `id`; returns the one replaced.
    pub fn insert(&mut self, id: PatternId, pattern: Pattern) -> Option<Pattern> {
        self.order.insert(id);
        self.patterns.insert(id, pattern)
    }

    /// Removes the pattern with id `id`.
    pub fn remove(&mut self, id: &PatternId) -> Option<Pattern> {
        self.order.remove(id);
        self.patterns.remove(id)
    }

    /// The pattern with id `id`.
    pub fn get(&self, id: &PatternId) -> Option<&Pattern> {
        self.patterns.get(id)
    }

    /// The pattern with id `id`, to change it.
    pub fn get_mut(&mut self, id: &PatternId) -> Option<&mut Pattern> {
        self.patterns.get_mut(id)
    }

    /// Whether a pattern with id `id` exists.
    pub fn contains_key(&self, id: &PatternId) -> bool {
        self.patterns.contains_key(id)
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Ids and patterns in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&PatternId, &Pattern)> {
        self.order.iter().map(|id| (id, &self.patterns[id]))
    }

    /// Patterns in id order.
    pub fn values(&self) -> impl Iterator<Item = &Pattern> {
        self.iter().map(|(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(id: u64) -> Pattern {
        Pattern::sample(id)
    }

    #[test]
    fn iterates_in_id_order_and_forgets_removed_ids() {
        let mut map = PatternMap::default();
        for id in [30, 10, 20] {
            assert!(map.insert(PatternId(id), pattern(id)).is_none());
        }
        assert!(map.insert(PatternId(10), pattern(10)).is_some());
        assert_eq!(map.len(), 3);
        let ids: Vec<u64> = map.values().map(|p| p.id.0).collect();
        assert_eq!(ids, [10, 20, 30]);
        assert!(map.remove(&PatternId(20)).is_some());
        assert!(!map.contains_key(&PatternId(20)));
        let ids: Vec<u64> = map.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, [10, 30]);
        map.get_mut(&PatternId(30)).unwrap().topic = "changed".into();
        assert_eq!(map.get(&PatternId(30)).unwrap().topic, "changed");
    }
}
