//! An incrementally updated TF-IDF index over trigger examples.
//!
//! Two feature families (word 1–2-grams, character 3–5-grams) are weighted by
//! sub-linear tf × smoothed idf and L2-normalised separately; the lexical
//! similarity of two texts is the mean of the two cosines. Retrieval ranks
//! documents by the summed idf of the query words they contain (a BM25-style
//! accumulation over word postings) and returns the best few for exact scoring.
//!
//! Document weights use the idf of the moment they were computed; all weights are
//! recomputed whenever the collection has grown by a quarter since the last time,
//! so the cost is amortised O(1) per added document.

use std::cell::RefCell;

use super::features::{Analysed, TermCounts};
use super::sparse::{DocVectors, Entry, SparseLookup, SparseVec};

pub(crate) type KeyMap<V> = crate::key_hash::KeyMap<u32, V>;

/// Smoothed inverse document frequency of a feature found in `df` of `n_docs`
/// documents.
#[inline]
fn idf(df: u32, n_docs: usize) -> f32 {
    ((1.0 + n_docs as f32) / (1.0 + df as f32)).ln() + 1.0
}

/// Sub-linear term frequency: `1 + ln(count)` (exactly 1 for a single occurrence,
/// most features', without computing the logarithm).
#[inline]
fn term_frequency(count: u8) -> f32 {
    if count == 1 {
        1.0
    } else {
        1.0 + f32::from(count).ln()
    }
}

/// Document frequencies of one feature family.
#[derive(Debug, Default, Clone)]
struct Family {
    df: KeyMap<u32>,
}

impl Family {
    #[inline]
    fn idf(&self, key: u32, n_docs: usize) -> f32 {
        idf(self.df.get(&key).copied().unwrap_or(0), n_docs)
    }

    fn weigh(&self, terms: &TermCounts, n_docs: usize) -> SparseVec {
        let mut entries = Vec::with_capacity(terms.keys.len());
        self.weigh_into(terms, n_docs, &mut entries);
        SparseVec::from_sorted(entries.into_boxed_slice())
    }

    /// Appends the weighted, L2-normalised entries of `terms` to `out`.
    fn weigh_into(&self, terms: &TermCounts, n_docs: usize, out: &mut Vec<Entry>) {
        let start = out.len();
        out.resize(start + terms.keys.len(), (0, 0.0));
        self.weigh_onto(terms, n_docs, &mut out[start..]);
    }

    /// Writes the weighted, L2-normalised entries of `terms` over `out` (one entry
    /// per term, in the terms' order).
    fn weigh_onto(&self, terms: &TermCounts, n_docs: usize, out: &mut [Entry]) {
        debug_assert_eq!(out.len(), terms.keys.len());
        // Document frequencies first, in a pass of lookups that do not wait for one
        // another (each may miss the caches), then the weights; the idf of the
        // rarest features (df < 16, most of a text's) is computed once per call.
        const CHUNK: usize = 64;
        let mut dfs = [0u32; CHUNK];
        let mut small_idf = [f32::NAN; 16];
        let chunks = out
            .chunks_mut(CHUNK)
            .zip(terms.keys.chunks(CHUNK).zip(terms.counts.chunks(CHUNK)));
        for (out, (keys, counts)) in chunks {
            for (df, key) in dfs.iter_mut().zip(keys) {
                *df = self.df.get(key).copied().unwrap_or(0);
            }
            for (((entry, key), count), df) in out.iter_mut().zip(keys).zip(counts).zip(&dfs) {
                let idf = match small_idf.get_mut(*df as usize) {
                    Some(memo) if !memo.is_nan() => *memo,
                    Some(memo) => {
                        *memo = idf(*df, n_docs);
                        *memo
                    }
                    None => idf(*df, n_docs),
                };
                *entry = (*key, term_frequency(*count) * idf);
            }
        }
        let norm = out.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|(_, w)| *w /= norm);
        }
    }

    fn add(&mut self, terms: &TermCounts) {
        for k in &terms.keys {
            *self.df.entry(*k).or_insert(0) += 1;
        }
    }

    fn remove(&mut self, terms: &TermCounts) {
        for k in &terms.keys {
            if let Some(df) = self.df.get_mut(k) {
                *df = df.saturating_sub(1);
                if *df == 0 {
                    self.df.remove(k);
                }
            }
        }
    }
}

/// Appends a document's word and character vectors, weighed with the idf of
/// `families` (words, characters) over `n_docs` documents.
fn push_weighed(
    vectors: &mut DocVectors,
    (words, chars): (&Family, &Family),
    (word_terms, char_terms): (&TermCounts, &TermCounts),
    n_docs: usize,
) {
    vectors.push_weighed(|out| {
        words.weigh_into(word_terms, n_docs, out);
        chars.weigh_into(char_terms, n_docs, out);
        out.len() - char_terms.keys.len()
    });
}

/// One indexed document.
#[derive(Debug, Clone)]
struct Doc {
    word_terms: TermCounts,
    char_terms: TermCounts,
    live: bool,
}

/// Query vectors, weighted with the current idf and laid out for lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryVectors {
    word_vec: SparseLookup,
    char_vec: SparseLookup,
}

/// The TF-IDF index. Document ids are dense and never reused.
#[derive(Debug, Default, Clone)]
pub(crate) struct LexicalIndex {
    docs: Vec<Doc>,
    /// The weighted vectors of every document, by id.
    vectors: DocVectors,
    live_docs: usize,
    words: Family,
    chars: Family,
    postings: KeyMap<Vec<u32>>,
    weighted_at: usize,
    /// While set, documents are added unweighted; `end_bulk` weighs them all once.
    bulk: bool,
    /// Documents were added unweighted (in bulk): the next weighing lays the vectors
    /// out anew.
    unweighed: bool,
}

/// Scratch space for retrieval, reused per thread.
#[derive(Default)]
struct Scratch {
    scores: Vec<f32>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Most postings entries scanned per query; rare words are scanned first.
const POSTINGS_BUDGET: usize = 6_000;
/// Documents ranked before filtering, as a multiple of the requested limit.
const OVERFETCH: usize = 4;

impl LexicalIndex {
    /// Number of live documents.
    #[cfg(test)]
    pub fn live_docs(&self) -> usize {
        self.live_docs
    }

    /// Adds a document; returns its id.
    /// Adds a document (its terms, and its words for the postings of unigrams).
    pub fn add(&mut self, analysed: Analysed, words: &[String]) -> u32 {
        let id = self.docs.len() as u32;
        self.words.add(&analysed.word_terms);
        self.chars.add(&analysed.char_terms);
        let mut unigrams: Vec<u32> = words.iter().map(|w| super::features::word_key(w)).collect();
        unigrams.sort_unstable();
        unigrams.dedup();
        for k in unigrams {
            self.postings.entry(k).or_default().push(id);
        }
        self.live_docs += 1;
        let n = self.live_docs;
        if self.bulk {
            self.vectors.push_empty();
            self.unweighed = true;
        } else {
            let families = (&self.words, &self.chars);
            let terms = (&analysed.word_terms, &analysed.char_terms);
            push_weighed(&mut self.vectors, families, terms, n);
        }
        self.docs.push(Doc {
            word_terms: analysed.word_terms,
            char_terms: analysed.char_terms,
            live: true,
        });
        if !self.bulk && (n < 64 || n * 4 >= self.weighted_at * 5) {
            self.reweigh();
        }
        id
    }

    /// Starts adding many documents: weights are computed once, at `end_bulk`.
    pub fn begin_bulk(&mut self) {
        self.bulk = true;
    }

    /// Ends a bulk load and weighs every document with the final statistics.
    pub fn end_bulk(&mut self) {
        self.bulk = false;
        self.reweigh();
    }

    /// Removes a document from scoring and statistics (its id stays reserved).
    pub fn remove(&mut self, id: u32) {
        let Some(doc) = self.docs.get_mut(id as usize) else {
            return;
        };
        if !doc.live {
            return;
        }
        doc.live = false;
        self.vectors.remove(id);
        self.words.remove(&doc.word_terms);
        self.chars.remove(&doc.char_terms);
        self.live_docs -= 1;
        // Postings hold live documents only, so retrieval never checks liveness. The
        // unigram keys are among the word terms; other keys find nothing to remove.
        for key in &doc.word_terms.keys {
            if let Some(postings) = self.postings.get_mut(key) {
                postings.retain(|d| *d != id);
                if postings.is_empty() {
                    self.postings.remove(key);
                }
            }
        }
    }

    /// Recomputes every live document's weights with the current idf: in place,
    /// unless documents were added unweighted or removed documents hold more than
    /// half of the entries (then the vectors are laid out anew, without them).
    pub fn reweigh(&mut self) {
        let n = self.live_docs;
        if self.unweighed || self.vectors.removed_entries() * 2 > self.vectors.entries() {
            let live_entries: usize = self
                .docs
                .iter()
                .filter(|d| d.live)
                .map(|d| d.word_terms.keys.len() + d.char_terms.keys.len())
                .sum();
            let mut vectors = DocVectors::with_capacity(self.docs.len(), live_entries);
            for doc in &self.docs {
                if doc.live {
                    let terms = (&doc.word_terms, &doc.char_terms);
                    push_weighed(&mut vectors, (&self.words, &self.chars), terms, n);
                } else {
                    vectors.push_empty();
                }
            }
            self.vectors = vectors;
            self.unweighed = false;
        } else {
            for (id, doc) in self.docs.iter().enumerate().filter(|(_, d)| d.live) {
                if let Some((words, chars)) = self.vectors.get_mut(id as u32) {
                    self.words.weigh_onto(&doc.word_terms, n, words);
                    self.chars.weigh_onto(&doc.char_terms, n, chars);
                }
            }
        }
        self.weighted_at = n;
    }

    /// Weighs a query with the current idf.
    pub fn query_vectors(&self, analysed: &Analysed) -> QueryVectors {
        let n_docs = self.live_docs.max(1);
        QueryVectors {
            word_vec: SparseLookup::new(&self.words.weigh(&analysed.word_terms, n_docs)),
            char_vec: SparseLookup::new(&self.chars.weigh(&analysed.char_terms, n_docs)),
        }
    }

    /// Lexical similarity of a query to a document: the mean of the word and
    /// character cosines, in `[0, 1]`.
    #[inline]
    pub fn similarity(&self, query: &QueryVectors, doc: u32) -> f64 {
        let Some((words, chars)) = self.vectors.get(doc) else {
            return 0.0;
        };
        let w = query.word_vec.dot(words);
        let c = query.char_vec.dot(chars);
        (f64::from(w + c) / 2.0).clamp(0.0, 1.0)
    }

    /// Reads the memory of `docs`' vectors, so that the scoring that follows finds
    /// it in the caches; returns a value only to keep the reads.
    pub fn touch(&self, docs: &[u32]) -> u32 {
        docs.iter().fold(0, |acc, d| acc ^ self.vectors.touch(*d))
    }

    /// Number of live documents containing a word.
    pub fn word_df(&self, word_key: u32) -> u32 {
        self.postings.get(&word_key).map_or(0, |p| p.len() as u32)
    }

    /// The live documents containing a word, in increasing id order.
    pub fn postings(&self, word_key: u32) -> &[u32] {
        self.postings.get(&word_key).map_or(&[], Vec::as_slice)
    }

    /// The `limit` documents sharing the most informative query words with the
    /// query, best first. `accept` filters documents (e.g. inactive patterns).
    pub fn retrieve(
        &self,
        word_keys: &[u32],
        limit: usize,
        accept: impl Fn(u32) -> bool,
    ) -> Vec<u32> {
        let terms = self.query_terms(word_keys);
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch { scores, touched } = &mut *scratch;
            if scores.len() < self.docs.len() {
                scores.resize(self.docs.len(), 0.0);
            }
            let firsts = self.accumulate(&terms, scores, touched);
            let scored = Scored {
                terms: &terms[..firsts.len()],
                firsts: &firsts,
                scores,
                touched,
            };
            let out = scored.best_accepted(limit, accept);
            for d in touched.drain(..) {
                scores[d as usize] = 0.0;
            }
            out
        })
    }

    /// The postings and idf of each indexed query word, rarest first (a word given
    /// twice counts once).
    #[inline]
    fn query_terms(&self, word_keys: &[u32]) -> Vec<(&Vec<u32>, f32)> {
        let mut terms: Vec<(&Vec<u32>, f32)> = word_keys
            .iter()
            .filter_map(|k| {
                let postings = self.postings.get(k)?;
                Some((postings, self.words.idf(*k, self.live_docs.max(1))))
            })
            .collect();
        terms.sort_by_key(|(p, _)| p.len());
        terms.dedup_by(|a, b| std::ptr::eq(a.0, b.0));
        terms
    }

    /// Adds each term's idf to the `scores` of its documents, rarest term first,
    /// within [`POSTINGS_BUDGET`]; appends every document first seen to `touched`.
    /// Returns where the documents first seen with each scanned term start in
    /// `touched` (one entry per scanned term).
    #[inline]
    fn accumulate(
        &self,
        terms: &[(&Vec<u32>, f32)],
        scores: &mut [f32],
        touched: &mut Vec<u32>,
    ) -> Vec<usize> {
        let mut scanned = 0usize;
        let mut firsts: Vec<usize> = Vec::with_capacity(terms.len());
        // Words in more than a fifth of the documents rank nothing once two
        // rarer words have been scanned.
        let common = (self.live_docs / 5).max(500);
        for (i, (postings, idf)) in terms.iter().enumerate() {
            if i >= 2 && (scanned + postings.len() > POSTINGS_BUDGET || postings.len() > common) {
                break;
            }
            scanned += postings.len();
            firsts.push(touched.len());
            add_postings(postings, *idf, scores, touched);
        }
        firsts
    }

    /// Approximate heap bytes used by documents and statistics.
    pub fn heap_bytes(&self) -> usize {
        let docs: usize = self
            .docs
            .iter()
            .map(|d| {
                d.word_terms.keys.capacity() * 5
                    + d.char_terms.keys.capacity() * 5
                    + std::mem::size_of::<Doc>()
            })
            .sum::<usize>()
            + self.vectors.heap_bytes();
        let maps = (self.words.df.capacity() + self.chars.df.capacity()) * 12;
        let postings: usize = self.postings.values().map(|p| p.capacity() * 4 + 32).sum();
        docs + maps + postings
    }
}

/// Adds `idf` to the score of every document of `postings`, and appends the
/// documents not seen before to `touched`.
#[inline]
fn add_postings(postings: &[u32], idf: f32, scores: &mut [f32], touched: &mut Vec<u32>) {
    // Every document is written to the end of `touched`, which only grows past it
    // the first time the document is seen: no branch to mispredict (scores are sums
    // of idf, all positive).
    let mut seen = touched.len();
    touched.resize(seen + postings.len(), 0);
    for &doc in postings.iter() {
        let slot = &mut scores[doc as usize];
        touched[seen] = doc;
        seen += usize::from(*slot == 0.0);
        *slot += idf;
    }
    touched.truncate(seen);
}

/// The documents one retrieval scored, grouped by the term each was first seen
/// with.
struct Scored<'a, 't> {
    /// The scanned terms, rarest first.
    terms: &'a [(&'t Vec<u32>, f32)],
    /// Where the documents first seen with each scanned term start in `touched`.
    firsts: &'a [usize],
    /// Scores by document id.
    scores: &'a [f32],
    /// Every scored document.
    touched: &'a [u32],
}

impl Scored<'_, '_> {
    /// The `limit` best accepted documents: those among the best few times
    /// `limit`, or, when every one of those was filtered out, among all.
    #[inline]
    fn best_accepted(&self, limit: usize, accept: impl Fn(u32) -> bool) -> Vec<u32> {
        let fetch = limit * OVERFETCH;
        let out = accepted(&best_of(self.groups(), fetch), limit, &accept);
        if !out.is_empty() || self.touched.len() <= fetch {
            return out;
        }
        // Everything near the top was filtered out: rank them all.
        let all = std::iter::once((f32::INFINITY, self.touched.iter().map(self.ranked())));
        accepted(&best_of(all, self.touched.len()), limit, &accept)
    }

    /// The ranking of a document by its score.
    #[inline]
    fn ranked(&self) -> impl Fn(&u32) -> Ranked + Copy + '_ {
        |d: &u32| Ranked::new(self.scores[*d as usize], *d)
    }

    /// The documents by the term they were first seen with, each group with a bound
    /// on its scores. A document first seen with term i holds only terms i.. and
    /// its score summed their idf in this order: it is at most the sum of all of
    /// them in the same order (rounding is monotone), the bound of its group,
    /// raised a little more for safety.
    #[inline]
    fn groups(&self) -> impl Iterator<Item = (f32, impl Iterator<Item = Ranked> + '_)> + '_ {
        let ranked = self.ranked();
        self.firsts.iter().enumerate().map(move |(i, start)| {
            let sum = self.terms[i..].iter().fold(0f32, |sum, (_, idf)| sum + idf);
            let end = self
                .firsts
                .get(i + 1)
                .copied()
                .unwrap_or(self.touched.len());
            (
                sum * (1.0 + 1e-6),
                self.touched[*start..end].iter().map(ranked),
            )
        })
    }
}

/// The first `limit` documents of `best` that `accept` lets through.
#[inline]
fn accepted(best: &[Ranked], limit: usize, accept: &impl Fn(u32) -> bool) -> Vec<u32> {
    best.iter()
        .map(|r| r.doc())
        .filter(|d| accept(*d))
        .take(limit)
        .collect()
}

/// A retrieval score and its document in one integer, ordered best first: higher
/// score, then lower document id (a total order: no two documents tie). Scores are
/// positive and finite, and the bits of such floats order like the floats, so one
/// integer comparison ranks two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ranked(u64);

impl Ranked {
    #[inline]
    fn new(score: f32, doc: u32) -> Self {
        debug_assert!(score.is_finite() && score > 0.0);
        Ranked((u64::from(score.to_bits()) << 32) | u64::from(u32::MAX - doc))
    }

    #[inline]
    fn doc(self) -> u32 {
        u32::MAX - self.0 as u32
    }

    #[inline]
    fn score(self) -> f32 {
        f32::from_bits((self.0 >> 32) as u32)
    }
}

impl Ord for Ranked {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.0.cmp(&self.0)
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The best `n` of the items of `groups`, best first. Each group comes with a bound
/// no item of it exceeds: a group whose bound is below the worst of a full list is
/// passed over whole. A heap of the `n` best so far, its worst on top: most items
/// lose one comparison against that worst and are gone.
fn best_of<G>(groups: impl Iterator<Item = (f32, G)>, n: usize) -> Vec<Ranked>
where
    G: Iterator<Item = Ranked>,
{
    let mut heap = std::collections::BinaryHeap::with_capacity(n + 1);
    for (bound, items) in groups {
        let full = heap.len() >= n;
        if full
            && heap
                .peek()
                .is_some_and(|worst: &Ranked| bound < worst.score())
        {
            continue;
        }
        for item in items {
            if heap.len() < n {
                heap.push(item);
            } else if let Some(mut worst) = heap.peek_mut() {
                if item < *worst {
                    *worst = item;
                }
            }
        }
    }
    heap.into_sorted_vec()
}

#[cfg(test)]
mod tests {
    use super::super::features::analyse;
    use super::*;

    fn index(texts: &[&str]) -> LexicalIndex {
        let mut ix = LexicalIndex::default();
        for t in texts {
            let mut a = analyse(t);
            let words = std::mem::take(&mut a.words);
            ix.add(a, &words);
        }
        ix
    }

    #[test]
    fn identical_text_has_similarity_one() {
        let ix = index(&["the trackman is frozen", "do you sell gift cards"]);
        let q = ix.query_vectors(&analyse("The TrackMan is frozen!"));
        assert!((ix.similarity(&q, 0) - 1.0).abs() < 1e-5);
        assert!(ix.similarity(&q, 1) < 0.3);
    }

    #[test]
    fn retrieval_prefers_rare_shared_words() {
        let ix = index(&[
            "is the trackman frozen",
            "is the door open",
            "is the cafe open",
        ]);
        let q = analyse("my trackman froze");
        let keys: Vec<u32> = q
            .words
            .iter()
            .map(|w| super::super::features::word_key(w))
            .collect();
        assert_eq!(ix.retrieve(&keys, 1, |_| true), vec![0]);
    }

    #[test]
    fn best_of_equals_a_full_sort() {
        let score = |d: u32| (d * 7919 % 13 + 1) as f32 * 0.37;
        let items: Vec<Ranked> = (0..500u32).map(|d| Ranked::new(score(d), d)).collect();
        // The reference order, spelt out: higher score first, then lower document.
        let mut sorted: Vec<u32> = (0..500u32).collect();
        sorted.sort_by(|a, b| score(*b).total_cmp(&score(*a)).then(a.cmp(b)));
        for n in [0, 1, 24, 96, 500, 800] {
            let best: Vec<u32> =
                best_of(std::iter::once((f32::INFINITY, items.iter().copied())), n)
                    .iter()
                    .map(|r| r.doc())
                    .collect();
            let expected: Vec<u32> = sorted.iter().take(n).copied().collect();
            assert_eq!(best, expected, "n = {n}");
        }
    }

    proptest::proptest! {
        /// Passing over groups by their bounds keeps exactly the best `n` of all items.
        #[test]
        fn groups_below_the_worst_are_passed_over_without_loss(
            groups in proptest::collection::vec(
                (1u32..40, proptest::collection::vec(1u32..40, 0..30)), 0..8),
            n in 0usize..20,
        ) {
            // Each group: a bound and scores at most that bound (all in tenths).
            let mut doc = 0u32;
            let groups: Vec<(f32, Vec<Ranked>)> = groups
                .into_iter()
                .map(|(bound, scores)| {
                    let items = scores
                        .into_iter()
                        .map(|s| {
                            doc += 1;
                            Ranked::new(s.min(bound) as f32 / 10.0, doc)
                        })
                        .collect();
                    (bound as f32 / 10.0, items)
                })
                .collect();
            let all: Vec<Ranked> = groups.iter().flat_map(|g| g.1.iter().copied()).collect();
            let by_groups = best_of(groups.iter().map(|(b, items)| (*b, items.iter().copied())), n);
            let whole = best_of(std::iter::once((f32::INFINITY, all.into_iter())), n);
            proptest::prop_assert_eq!(by_groups, whole);
        }
    }

    #[test]
    fn filtered_top_falls_back_to_every_match() {
        let texts: Vec<String> = (0..200).map(|i| format!("gift card {i}")).collect();
        let ix = index(&texts.iter().map(String::as_str).collect::<Vec<_>>());
        let keys = vec![super::super::features::word_key("gift")];
        // Only the last document is acceptable: far below the over-fetched top.
        assert_eq!(ix.retrieve(&keys, 3, |d| d == 199), vec![199]);
    }

    /// Weights after removals and reweighing (in place, and after the vectors were
    /// laid out anew without the removed documents) equal a fresh index's of the
    /// documents that remain.
    #[test]
    fn reweighing_after_removals_equals_a_fresh_index() {
        let texts: Vec<String> = (0..120)
            .map(|i| format!("gift card {} voucher {}", i % 7, i * 13 % 11))
            .collect();
        let all: Vec<&str> = texts.iter().map(String::as_str).collect();
        for removed in [10usize, 90] {
            let mut ix = index(&all);
            for id in 0..removed {
                ix.remove(id as u32);
            }
            let in_place = ix.vectors.removed_entries() * 2 <= ix.vectors.entries();
            assert_eq!(in_place, removed == 10, "removed {removed}");
            ix.reweigh();
            let mut fresh = index(&all[removed..]);
            fresh.reweigh();
            let q = ix.query_vectors(&analyse("gift voucher 3 card 5"));
            let fq = fresh.query_vectors(&analyse("gift voucher 3 card 5"));
            for id in removed..all.len() {
                let (a, b) = (
                    ix.similarity(&q, id as u32),
                    fresh.similarity(&fq, (id - removed) as u32),
                );
                assert_eq!(a.to_bits(), b.to_bits(), "removed {removed}, document {id}");
            }
            // Laid out anew, the removed documents' entries are gone.
            assert_eq!(ix.vectors.removed_entries() == 0, !in_place);
        }
    }

    #[test]
    fn removed_documents_are_not_retrieved() {
        let mut ix = index(&["gift card", "gift voucher"]);
        ix.remove(0);
        let keys = vec![super::super::features::word_key("gift")];
        assert_eq!(ix.retrieve(&keys, 5, |_| true), vec![1]);
        assert_eq!(ix.live_docs(), 1);
    }
}
