//! Patterns by id: hashed lookups (every decision looks patterns up dozens of
//! times) with iteration in id order, and the set of patterns that may be proposed.

use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};

use crate::key_hash::{KeyMap, KeySet};
use crate::pattern::{Pattern, PatternId};

/// Patterns by id, iterated in id order.
///
/// Every search asks of each candidate whether its pattern may be proposed (active,
/// not deleted). The ids of those patterns are kept in a small set of their own, so
/// that the question reads that set (a few cache lines for thousands of patterns)
/// instead of each candidate's pattern record. The set cannot fall out of step: a
/// pattern changes only through [`PatternMap::get_mut`], whose guard updates it.
#[derive(Debug, Default)]
pub(crate) struct PatternMap {
    patterns: KeyMap<PatternId, Pattern>,
    order: BTreeSet<PatternId>,
    proposable: KeySet<PatternId>,
}

/// Whether a pattern's reply may be proposed at all.
fn may_be_proposed(pattern: &Pattern) -> bool {
    pattern.is_active && !pattern.is_deleted
}

impl PatternMap {
    /// Inserts or replaces the pattern with id `id`; returns the one replaced.
    pub fn insert(&mut self, id: PatternId, pattern: Pattern) -> Option<Pattern> {
        self.order.insert(id);
        note(&mut self.proposable, id, &pattern);
        self.patterns.insert(id, pattern)
    }

    /// Removes the pattern with id `id`.
    pub fn remove(&mut self, id: &PatternId) -> Option<Pattern> {
        self.order.remove(id);
        self.proposable.remove(id);
        self.patterns.remove(id)
    }

    /// The pattern with id `id`.
    pub fn get(&self, id: &PatternId) -> Option<&Pattern> {
        self.patterns.get(id)
    }

    /// The pattern with id `id`, to change it (the change is noted when the guard
    /// is dropped).
    pub fn get_mut(&mut self, id: &PatternId) -> Option<PatternMut<'_>> {
        let pattern = self.patterns.get_mut(id)?;
        Some(PatternMut {
            id: *id,
            pattern,
            proposable: &mut self.proposable,
        })
    }

    /// Whether the pattern with id `id` exists, is active and is not deleted.
    #[inline]
    pub fn is_proposable(&self, id: &PatternId) -> bool {
        self.proposable.contains(id)
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

/// Records in `proposable` whether `pattern` may be proposed.
fn note(proposable: &mut KeySet<PatternId>, id: PatternId, pattern: &Pattern) {
    if may_be_proposed(pattern) {
        proposable.insert(id);
    } else {
        proposable.remove(&id);
    }
}

/// A pattern being changed; dropping it notes whether it may still be proposed.
pub(crate) struct PatternMut<'a> {
    id: PatternId,
    pattern: &'a mut Pattern,
    proposable: &'a mut KeySet<PatternId>,
}

impl Deref for PatternMut<'_> {
    type Target = Pattern;

    fn deref(&self) -> &Pattern {
        self.pattern
    }
}

impl DerefMut for PatternMut<'_> {
    fn deref_mut(&mut self) -> &mut Pattern {
        self.pattern
    }
}

impl Drop for PatternMut<'_> {
    fn drop(&mut self) {
        note(self.proposable, self.id, self.pattern);
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

    /// The ids the set says may be proposed, and the ids whose records say so.
    fn both_views(map: &PatternMap) -> (Vec<u64>, Vec<u64>) {
        let set: Vec<u64> = map
            .iter()
            .filter(|(id, _)| map.is_proposable(id))
            .map(|(id, _)| id.0)
            .collect();
        let records: Vec<u64> = map
            .values()
            .filter(|p| may_be_proposed(p))
            .map(|p| p.id.0)
            .collect();
        (set, records)
    }

    proptest::proptest! {
        /// Whatever is inserted, changed or removed, the set of proposable ids is
        /// the patterns' own flags.
        #[test]
        fn the_proposable_set_follows_every_change(
            ops in proptest::collection::vec((0u8..4, 0u64..6, proptest::bool::ANY), 0..60),
        ) {
            let mut map = PatternMap::default();
            for (op, id, flag) in ops {
                let id_ = PatternId(id);
                match op {
                    0 => {
                        let mut p = pattern(id);
                        p.is_active = flag;
                        map.insert(id_, p);
                    }
                    1 => {
                        if let Some(mut p) = map.get_mut(&id_) {
                            p.is_active = flag;
                        }
                    }
                    2 => {
                        if let Some(mut p) = map.get_mut(&id_) {
                            p.is_deleted = flag;
                        }
                    }
                    _ => {
                        map.remove(&id_);
                    }
                }
                let (set, records) = both_views(&map);
                proptest::prop_assert_eq!(set, records);
                proptest::prop_assert!(!map.is_proposable(&PatternId(99)));
            }
        }
    }
}
