//! The word vocabulary as an `fst` set, for typo-tolerant lookup.
//!
//! An `fst::Set` is immutable, so new words go to a small side list first and are
//! merged into a new set when that list grows past [`MERGE_AFTER`] words and a
//! tenth of the set (amortised cost). Lookups read both and answer alike wherever
//! a word sits.
//!
//! Typo lookup walks the fst's nodes depth-first, carrying one row of the
//! Levenshtein table per depth and pruning a branch as soon as every entry of the
//! row exceeds the bound. It visits only the part of the automaton within reach of
//! the word and builds no DFA (building a Levenshtein DFA per word cost ~40 µs).
//! Once a branch has spent every edit, only the word's own bytes can continue it:
//! those few are looked up in the node instead of decoding all its transitions.
//! Distances are counted in bytes of UTF-8, which equals characters for ASCII.

use std::collections::BTreeSet;

use fst::raw::{Fst, Node, Transition};
use fst::{Set, Streamer};

/// Shortest word for which a one-edit correction is tried.
const MIN_FUZZY_LEN: usize = 4;
/// Words of this length or longer may be corrected with two edits.
const TWO_EDIT_LEN: usize = 9;
/// Most edits a correction may take.
const MAX_EDITS: u32 = 2;
/// Words waiting outside the fst before they are merged in (and at least a tenth
/// of the fst's words): every typo lookup scans them one by one.
const MERGE_AFTER: usize = 64;

/// Every word seen in trigger examples and keywords.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vocabulary {
    set: Set<Vec<u8>>,
    /// Words not yet in the fst.
    recent: BTreeSet<String>,
    bulk: bool,
}

impl Vocabulary {
    /// True when `word` is known.
    pub fn contains(&self, word: &str) -> bool {
        self.set.contains(word) || self.recent.contains(word)
    }

    /// Adds a word.
    pub fn insert(&mut self, word: &str) {
        if word.is_empty() || self.contains(word) {
            return;
        }
        self.recent.insert(word.to_owned());
        if !self.bulk && self.recent.len() > MERGE_AFTER && self.recent.len() * 10 > self.set.len()
        {
            self.rebuild();
        }
    }

    /// Collects words without rebuilding the fst until [`Vocabulary::end_bulk`].
    pub fn begin_bulk(&mut self) {
        self.bulk = true;
    }

    /// Builds the fst once from everything collected.
    pub fn end_bulk(&mut self) {
        self.bulk = false;
        if !self.recent.is_empty() {
            self.rebuild();
        }
    }

    /// Merges the words not yet in the fst into it (both are sorted: one pass, no
    /// copies of the fst's words).
    fn rebuild(&mut self) {
        // Sorted, distinct keys cannot fail to build; should it happen anyway, the
        // words stay where they are and are still found.
        if let Ok(set) = merged(&self.set, &self.recent) {
            self.set = set;
            self.recent.clear();
        }
    }

    /// Known words within a small edit distance of an unknown `word` (one edit for
    /// 4–8 characters, two for longer words): the first `limit` of them in key
    /// order, whether they are in the fst yet or not, so that an engine answers
    /// alike before and after its vocabulary is rebuilt (e.g. reopened).
    pub fn corrections(&self, word: &str, limit: usize) -> Vec<String> {
        let len = word.chars().count();
        if !(MIN_FUZZY_LEN..=32).contains(&len) {
            return Vec::new();
        }
        let distance = if len >= TWO_EDIT_LEN { MAX_EDITS } else { 1 };
        let mut found = Vec::new();
        let fst = self.set.as_fst();
        // One Levenshtein row per depth; a branch deeper than the word plus the
        // bound cannot come back within it. Entries are capped at `distance + 1`.
        let width = word.len() + 1;
        let mut rows = vec![distance + 1; width * (word.len() + distance as usize + 2)];
        for (j, cell) in rows[..width].iter_mut().enumerate() {
            *cell = (j as u32).min(distance + 1);
        }
        let mut walk = Walk {
            fst,
            word: word.as_bytes(),
            max: distance,
            limit,
            prefix: Vec::with_capacity(word.len() + 2),
            rows,
            found: &mut found,
        };
        walk.visit(fst.root(), 0);
        // The words not yet in the fst, by the same measure (bytes), merged in.
        let before = found.len();
        found.extend(
            self.recent
                .iter()
                .filter(|c| within(word.as_bytes(), c.as_bytes(), distance))
                .take(limit)
                .cloned(),
        );
        if found.len() > before && before > 0 {
            found.sort_unstable();
        }
        found.truncate(limit);
        found
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.set.len() + self.recent.len()
    }
}

/// The set of the words of `set` and of `recent` (disjoint, both sorted).
fn merged(set: &Set<Vec<u8>>, recent: &BTreeSet<String>) -> Result<Set<Vec<u8>>, fst::Error> {
    let mut builder = fst::SetBuilder::memory();
    let mut old = set.stream();
    let mut new = recent.iter().map(String::as_bytes).peekable();
    let mut next_old = old.next();
    loop {
        match (next_old, new.peek()) {
            (Some(key), Some(word)) if key < *word => {
                builder.insert(key)?;
                next_old = old.next();
            }
            (_, Some(word)) => {
                builder.insert(word)?;
                new.next();
            }
            (Some(key), None) => {
                builder.insert(key)?;
                next_old = old.next();
            }
            (None, None) => break,
        }
    }
    Ok(builder.into_set())
}

/// Depth-first bounded-edit search over the fst.
///
/// Row `depth` holds the edit distances of the first `depth` bytes of a key to
/// every prefix of the word, capped at `max + 1` (all that matters is whether an
/// entry is within `max`). Entry `j` is at least `|depth - j|`, so only the band
/// `depth - max ..= depth + max` can be within the bound: only it is computed, and
/// the entries beside it are set to the cap. Capping commutes with the recurrence's
/// `min` and `+ 1`, so every decision equals the full table's.
struct Walk<'a, 'f> {
    fst: &'f Fst<Vec<u8>>,
    word: &'a [u8],
    max: u32,
    limit: usize,
    prefix: Vec<u8>,
    /// Levenshtein rows by depth, `word.len() + 1` cells each.
    rows: Vec<u32>,
    found: &'a mut Vec<String>,
}

impl Walk<'_, '_> {
    /// Visits `node`, reached by `self.prefix`, whose Levenshtein row is row `depth`.
    fn visit(&mut self, node: Node<'_>, depth: usize) {
        if self.found.len() >= self.limit {
            return;
        }
        let len = self.word.len();
        let width = len + 1;
        let max = self.max as usize;
        if node.is_final()
            && depth.abs_diff(len) <= max
            && self.rows[depth * width + len] <= self.max
        {
            if let Ok(s) = std::str::from_utf8(&self.prefix) {
                self.found.push(s.to_owned());
            }
        }
        if (depth + 2) * width > self.rows.len() {
            return;
        }
        // The band of the next row; it reads this row's cells `lo - 1 ..= hi` and 0.
        let lo = (depth + 1).saturating_sub(max).max(1);
        let hi = (depth + 1 + max).min(len);
        let row = &self.rows[depth * width..(depth + 1) * width];
        let fewest_edits = row[lo - 1..=hi].iter().fold(row[0], |m, c| m.min(*c));
        if fewest_edits < self.max {
            for t in node.transitions() {
                self.step(t, depth, lo, hi);
            }
            return;
        }
        // No edit is left: a key stays within the bound only by going on with a byte
        // of the word where this row is at the bound (every other cell of the next row
        // exceeds it). Those few bytes are looked up instead of decoding every
        // transition; in ascending order, as the transitions are, so the words are
        // found in the same order.
        let mut bytes = [0u8; 2 * MAX_EDITS as usize + 1];
        let mut count = 0;
        for j in lo..=hi {
            if row[j - 1] == self.max {
                bytes[count] = self.word[j - 1];
                count += 1;
            }
        }
        let bytes = &mut bytes[..count];
        bytes.sort_unstable();
        for (i, b) in bytes.iter().enumerate() {
            if i > 0 && bytes[i - 1] == *b {
                continue;
            }
            if let Some(at) = node.find_input(*b) {
                self.step(node.transition(at), depth, lo, hi);
            }
        }
    }

    /// Computes row `depth + 1` (band `lo..=hi`) for transition `t` out of the node of
    /// row `depth`, and visits its target when some cell is within the bound.
    fn step(&mut self, t: Transition, depth: usize, lo: usize, hi: usize) {
        let width = self.word.len() + 1;
        let cap = self.max + 1;
        let next_depth = depth + 1;
        let (above, below) = self.rows.split_at_mut(next_depth * width);
        let row = &above[depth * width..];
        let next = &mut below[..width];
        next[0] = (row[0] + 1).min(cap);
        next[lo - 1] = if lo == 1 { next[0] } else { cap };
        if hi + 1 < width {
            next[hi + 1] = cap;
        }
        let mut best = next[0];
        for j in lo..=hi {
            let cost = u32::from(self.word[j - 1] != t.inp);
            next[j] = (row[j] + 1)
                .min(next[j - 1] + 1)
                .min(row[j - 1] + cost)
                .min(cap);
            best = best.min(next[j]);
        }
        if best <= self.max {
            self.prefix.push(t.inp);
            self.visit(self.fst.node(t.addr), next_depth);
            self.prefix.pop();
        }
    }
}

/// Levenshtein distance of two byte strings is at most `max` (bytes, as the walk
/// counts them).
///
/// As in [`Walk`], only the band `|i - j| <= max` of the table is computed and
/// entries are capped at `max + 1`, which commutes with the recurrence: the answer
/// is the full table's. Two rows on the stack for words of up to [`STACK_ROW`]` - 1`
/// bytes (every ASCII word that is corrected), on the heap beyond.
fn within(a: &[u8], b: &[u8], max: u32) -> bool {
    if a.len().abs_diff(b.len()) > max as usize {
        return false;
    }
    if b.len() < STACK_ROW {
        let (mut prev, mut cur) = ([0u32; STACK_ROW], [0u32; STACK_ROW]);
        banded_within(a, b, max, &mut prev, &mut cur)
    } else {
        let (mut prev, mut cur) = (vec![0u32; b.len() + 1], vec![0u32; b.len() + 1]);
        banded_within(a, b, max, &mut prev, &mut cur)
    }
}

/// Cells of one table row kept on the stack by [`within`].
const STACK_ROW: usize = 64;

/// [`within`] with two rows of at least `b.len() + 1` cells.
fn banded_within<'r>(
    a: &[u8],
    b: &[u8],
    max: u32,
    mut prev: &'r mut [u32],
    mut cur: &'r mut [u32],
) -> bool {
    let cap = max + 1;
    let band = max as usize;
    for (j, cell) in prev[..=b.len()].iter_mut().enumerate() {
        *cell = (j as u32).min(cap);
    }
    for i in 1..=a.len() {
        // The band of row `i`, and the cells beside it that the next row reads.
        let lo = i.saturating_sub(band).max(1);
        let hi = (i + band).min(b.len());
        cur[0] = (i as u32).min(cap);
        if lo > 1 {
            cur[lo - 1] = cap;
        }
        if hi < b.len() {
            cur[hi + 1] = cap;
        }
        let mut best = cur[0];
        for j in lo..=hi {
            let cost = u32::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(prev[j - 1] + cost)
                .min(cap);
            best = best.min(cur[j]);
        }
        if best > max {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Levenshtein distance of `a` and `b` by the whole table, in bytes: the
    /// reference the banded computation and the fst walk must reproduce.
    fn full_table_distance(a: &str, b: &str) -> u32 {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let mut prev: Vec<u32> = (0..=b.len() as u32).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i as u32; b.len() + 1];
            for j in 1..=b.len() {
                let cost = u32::from(a[i - 1] != b[j - 1]);
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn finds_one_typo_corrections_before_and_after_rebuild() {
        let mut v = Vocabulary::default();
        v.insert("trackman");
        assert_eq!(v.corrections("trakman", 3), ["trackman"]);
        for i in 0..400 {
            v.insert(&format!("word{i}"));
        }
        assert!(v.recent.len() < 300, "rebuilt into the fst");
        assert_eq!(v.corrections("trakman", 3), ["trackman"]);
        assert!(v.contains("word7"));
    }

    /// Words added one by one (several merges into the fst on the way) are all
    /// kept, once each, and the fst holds them in order.
    #[test]
    fn merging_keeps_every_word() {
        let mut v = Vocabulary::default();
        let words: Vec<String> = (0..3000u32)
            .map(|i| format!("w{}", i.wrapping_mul(2_654_435_761) % 5000))
            .collect();
        for w in &words {
            v.insert(w);
        }
        let distinct: BTreeSet<&String> = words.iter().collect();
        assert!(v.set.len() > 1000, "merged at least once");
        assert_eq!(v.len(), distinct.len());
        assert!(words.iter().all(|w| v.contains(w)));
        v.end_bulk();
        assert!(v.recent.is_empty());
        let mut keys = Vec::new();
        let mut stream = v.set.stream();
        while let Some(key) = stream.next() {
            keys.push(String::from_utf8(key.to_vec()).unwrap());
        }
        assert_eq!(keys, distinct.into_iter().cloned().collect::<Vec<_>>());
    }

    #[test]
    fn short_words_are_not_corrected() {
        let mut v = Vocabulary::default();
        v.insert("bay");
        assert!(v.corrections("bat", 3).is_empty());
    }

    #[test]
    fn edit_distance_is_bounded_in_bytes() {
        let within_str = |a: &str, b: &str, max| within(a.as_bytes(), b.as_bytes(), max);
        assert!(within_str("frozen", "frozn", 1));
        assert!(!within_str("frozen", "frz", 1));
        assert!(within_str("reservation", "resevration", 2));
        // "é" is two bytes: one character replaced by another is two byte edits.
        assert!(!within_str("café", "cafe", 1));
        assert!(within_str("café", "cafe", 2));
        assert!(within_str("cafés", "café", 1));
    }

    /// Random words over a few letters, one of them two bytes long in UTF-8, from
    /// a fixed seed (a linear congruential generator).
    struct RandomWords(u64);

    impl RandomWords {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (self.0 >> 33) % n
        }

        fn word(&mut self, len: u64) -> String {
            const LETTERS: [&str; 12] =
                ["a", "b", "c", "d", "e", "i", "n", "o", "r", "s", "t", "é"];
            (0..len)
                .map(|_| LETTERS[self.below(LETTERS.len() as u64) as usize])
                .collect()
        }
    }

    /// A vocabulary of `words` whose first `in_fst` are in the fst and the rest in
    /// the list of words not yet in it (the second bulk load is never ended).
    fn split_vocabulary(words: &[String], in_fst: usize) -> Vocabulary {
        let mut v = Vocabulary::default();
        v.begin_bulk();
        for w in &words[..in_fst] {
            v.insert(w);
        }
        v.end_bulk();
        v.begin_bulk();
        for w in &words[in_fst..] {
            v.insert(w);
        }
        v
    }

    /// The first `limit` words of `sorted` within the bound for `query`, by the whole
    /// table (none for a query too short or too long to correct).
    fn corrections_by_scan(sorted: &BTreeSet<&String>, query: &str, limit: usize) -> Vec<String> {
        let len = query.chars().count();
        if !(MIN_FUZZY_LEN..=32).contains(&len) {
            return Vec::new();
        }
        let max = if len >= TWO_EDIT_LEN { 2 } else { 1 };
        sorted
            .iter()
            .filter(|w| full_table_distance(query, w) <= max)
            .take(limit)
            .map(|w| w.to_string())
            .collect()
    }

    /// Corrections are the first words within the bound in key order, by a scan of
    /// the whole vocabulary with the whole table, whether the words sit in the fst,
    /// in the list of words not yet in it, or some in each.
    #[test]
    fn corrections_equal_a_scan_with_the_full_table() {
        let mut random = RandomWords(0x9e37_79b9);
        let words: Vec<String> = (0..3000).map(|i| random.word(3 + i % 10)).collect();
        let vocabularies = [
            ("fst", split_vocabulary(&words, words.len())),
            ("list", split_vocabulary(&words, 0)),
            ("both", split_vocabulary(&words, words.len() / 2)),
        ];
        assert!(vocabularies[0].1.recent.is_empty() && vocabularies[1].1.set.is_empty());
        let sorted: BTreeSet<&String> = words.iter().collect();
        let mut queries: Vec<String> = words.iter().step_by(7).cloned().collect();
        queries.extend((0..400).map(|i| random.word(4 + i % 12)));
        for q in queries.iter().filter(|q| !vocabularies[0].1.contains(q)) {
            for limit in [2, 50] {
                let expected = corrections_by_scan(&sorted, q, limit);
                for (name, v) in &vocabularies {
                    assert_eq!(
                        v.corrections(q, limit),
                        expected,
                        "{name}: {q} limit {limit}"
                    );
                }
            }
        }
    }

    proptest! {
        /// The banded computation answers as the whole table does, on the stack and
        /// on the heap, for ASCII and other characters.
        #[test]
        fn banded_distance_equals_the_full_table(
            a in "[abcé]{0,12}",
            b in "[abcé]{0,12}",
            long in 60usize..70,
            max in 0u32..4,
        ) {
            let within_str = |a: &str, b: &str| within(a.as_bytes(), b.as_bytes(), max);
            prop_assert_eq!(within_str(&a, &b), full_table_distance(&a, &b) <= max);
            let (la, lb) = (a.repeat(long / a.len().max(1)), b.repeat(long / b.len().max(1)));
            prop_assert_eq!(within_str(&la, &lb), full_table_distance(&la, &lb) <= max);
        }
    }
}
