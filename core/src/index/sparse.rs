//! Sparse weighted vectors over hashed feature keys, and the query-side lookup table
//! that scores many documents against one query.
//!
//! A document vector is a sorted list of (key, weight) pairs. Scoring a query against
//! one document by a sorted merge costs a mispredicted branch per entry of either
//! side; instead the query's entries go once into a small bucketed hash table, and
//! each document entry costs one bucket read and no branch. Products are summed in
//! the document's key order, so the result is bit for bit the merge's.

/// One entry of a weighted vector: a feature key and its weight.
pub(crate) type Entry = (u32, f32);

/// A weighted, L2-normalised sparse vector (keys sorted, unique).
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseVec {
    /// (key, weight) pairs, interleaved so a scan touches one memory stream.
    entries: Box<[Entry]>,
}

impl SparseVec {
    /// A vector from (key, weight) pairs sorted by key, keys unique.
    pub fn from_sorted(entries: Box<[Entry]>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        SparseVec { entries }
    }

    /// Dot product of two sorted sparse vectors, by merging (the reference the
    /// lookup table must reproduce).
    #[cfg(test)]
    pub fn dot(&self, other: &SparseVec) -> f32 {
        let (a, b) = (&self.entries, &other.entries);
        let (mut i, mut j, mut sum) = (0, 0, 0f32);
        while i < a.len() && j < b.len() {
            let (ka, wa) = a[i];
            let (kb, wb) = b[j];
            if ka == kb {
                sum += wa * wb;
                i += 1;
                j += 1;
            } else if ka < kb {
                i += 1;
            } else {
                j += 1;
            }
        }
        sum
    }
}

/// The weighted vectors of every document, back to back in one array: a document's
/// word entries, then its character entries (each part sorted by key). One array
/// and one offset table instead of two allocations per document: scoring a
/// candidate reads its offsets (a small table, mostly cached) and then one run of
/// memory, instead of a document record and then two scattered vectors.
///
/// Removing a document leaves its entries in place (counted in
/// [`DocVectors::removed_entries`]) until the owner lays the vectors out anew.
/// Documents are appended in id order, so one boundary ends a document and starts
/// the next.
#[derive(Debug, Clone)]
pub(crate) struct DocVectors {
    entries: Vec<Entry>,
    /// For document `d`: its word entries span `bounds[2d]..bounds[2d + 1]`, its
    /// character entries `bounds[2d + 1]..bounds[2d + 2]`.
    bounds: Vec<usize>,
    removed_entries: usize,
}

impl Default for DocVectors {
    fn default() -> Self {
        DocVectors::with_capacity(0, 0)
    }
}

impl DocVectors {
    /// An empty table with room for `docs` documents and `entries` entries.
    pub fn with_capacity(docs: usize, entries: usize) -> Self {
        let mut bounds = Vec::with_capacity(2 * docs + 1);
        bounds.push(0);
        DocVectors {
            entries: Vec::with_capacity(entries),
            bounds,
            removed_entries: 0,
        }
    }

    /// Number of entries stored, removed documents' included.
    pub fn entries(&self) -> usize {
        self.entries.len()
    }

    /// Number of entries that belong to removed documents.
    pub fn removed_entries(&self) -> usize {
        self.removed_entries
    }

    /// Counts `doc`'s entries as removed (call once per document: its entries stay
    /// where they are, and the owner no longer reads them).
    pub fn remove(&mut self, doc: u32) {
        if let Some((start, _, end)) = self.span(doc) {
            self.removed_entries += end - start;
        }
    }

    /// Appends the next document: `write` appends its word entries, then its
    /// character entries, and returns where the character entries start.
    pub fn push_weighed(&mut self, write: impl FnOnce(&mut Vec<Entry>) -> usize) {
        let chars = write(&mut self.entries);
        debug_assert!(chars <= self.entries.len());
        self.bounds.push(chars);
        self.bounds.push(self.entries.len());
    }

    /// Appends a document with no entries (not weighed yet, or removed).
    pub fn push_empty(&mut self) {
        let end = self.entries.len();
        self.bounds.extend([end, end]);
    }

    /// Where `doc`'s word entries start, its character entries start, and both end.
    #[inline]
    fn span(&self, doc: u32) -> Option<(usize, usize, usize)> {
        let d = 2 * doc as usize;
        match *self.bounds.get(d..d + 3)? {
            [start, middle, end] => Some((start, middle, end)),
            _ => None,
        }
    }

    /// The word and character entries of `doc`.
    #[inline]
    pub fn get(&self, doc: u32) -> Option<(&[Entry], &[Entry])> {
        let (start, middle, end) = self.span(doc)?;
        Some((&self.entries[start..middle], &self.entries[middle..end]))
    }

    /// The word and character entries of `doc`, to weigh again in place.
    pub fn get_mut(&mut self, doc: u32) -> Option<(&mut [Entry], &mut [Entry])> {
        let (start, middle, end) = self.span(doc)?;
        Some(self.entries[start..end].split_at_mut(middle - start))
    }

    /// Reads one entry per cache line of `doc`'s vectors (see
    /// [`crate::index::Index::search`]: loading many documents' memory in one
    /// independent pass lets the reads overlap).
    #[inline]
    pub fn touch(&self, doc: u32) -> u32 {
        let Some((start, _, end)) = self.span(doc) else {
            return 0;
        };
        self.entries[start..end]
            .iter()
            .step_by(8)
            .fold(0, |acc, (key, _)| acc ^ key)
    }

    /// Heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * 8 + self.bounds.capacity() * 8
    }
}

/// Slots per bucket of the lookup table.
const SLOTS: usize = 4;
/// Most buckets of one table (2 MiB): keys beyond go to the sorted overflow list, so
/// a huge query costs a binary search per lookup rather than a huge table.
const MAX_BUCKETS: usize = 1 << 16;

/// One bucket: up to [`SLOTS`] keys with their weights; an empty slot holds key 0
/// and weight 0, which adds nothing to a sum.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Bucket {
    keys: [u32; SLOTS],
    weights: [f32; SLOTS],
}

/// A query vector laid out for scoring many documents: a hash table of its entries
/// with [`SLOTS`] slots per bucket and about half a key per bucket, so that a lookup
/// reads one bucket and compares all its slots without a branch. Keys that find
/// their bucket full go to an overflow list sorted by key (empty for most queries).
#[derive(Debug, Clone)]
pub(crate) struct SparseLookup {
    buckets: Box<[Bucket]>,
    mask: usize,
    overflow: Vec<Entry>,
}

impl Default for SparseLookup {
    fn default() -> Self {
        SparseLookup::new(&SparseVec::default())
    }
}

impl SparseLookup {
    /// Lays out `query` for lookups.
    pub fn new(query: &SparseVec) -> Self {
        let size = (query.entries.len() * 2)
            .next_power_of_two()
            .clamp(8, MAX_BUCKETS);
        let mut lookup = SparseLookup {
            buckets: vec![Bucket::default(); size].into_boxed_slice(),
            mask: size - 1,
            overflow: Vec::new(),
        };
        // A zero weight adds nothing to a dot product; leaving it out keeps (0, 0)
        // free as the empty slot.
        for &(key, weight) in query.entries.iter().filter(|(_, w)| *w != 0.0) {
            let bucket = &mut lookup.buckets[key as usize & lookup.mask];
            match bucket.weights.iter().position(|w| *w == 0.0) {
                Some(slot) => {
                    bucket.keys[slot] = key;
                    bucket.weights[slot] = weight;
                }
                None => lookup.overflow.push((key, weight)),
            }
        }
        lookup.overflow.sort_unstable_by_key(|(key, _)| *key);
        lookup
    }

    /// The weight of `key`, 0 when absent (at most one slot holds `key`).
    #[inline]
    fn weight(&self, key: u32) -> f32 {
        let bucket = &self.buckets[key as usize & self.mask];
        // Bit masks rather than branches: whether a slot matches is unpredictable.
        let mut bits = 0u32;
        for (k, w) in bucket.keys.iter().zip(&bucket.weights) {
            bits |= w.to_bits() & u32::from(*k == key).wrapping_neg();
        }
        let mut weight = f32::from_bits(bits);
        if !self.overflow.is_empty() {
            if let Ok(i) = self.overflow.binary_search_by_key(&key, |(k, _)| *k) {
                weight += self.overflow[i].1;
            }
        }
        weight
    }

    /// Dot product of the query with `doc`.
    ///
    /// Keys the query lacks add `+0`, which leaves the (non-negative) sum unchanged,
    /// so the sum equals adding the shared keys' products in key order.
    #[inline]
    pub fn dot(&self, doc: &[Entry]) -> f32 {
        let mut sum = 0f32;
        for &(key, weight) in doc {
            sum += self.weight(key) * weight;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vector(mut pairs: Vec<(u32, f32)>) -> SparseVec {
        pairs.sort_by_key(|p| p.0);
        pairs.dedup_by_key(|p| p.0);
        SparseVec::from_sorted(pairs.into_boxed_slice())
    }

    #[test]
    fn empty_query_scores_zero() {
        let doc = vector(vec![(0, 0.5), (7, 0.5)]);
        assert_eq!(SparseLookup::default().dot(&doc.entries), 0.0);
    }

    #[test]
    fn full_buckets_overflow_without_losing_keys() {
        // Twelve keys in one bucket of a 32-bucket table: eight overflow.
        let q = vector(
            (0..12u32)
                .map(|i| (i << 16, 0.1 + i as f32 / 100.0))
                .collect(),
        );
        let lookup = SparseLookup::new(&q);
        assert_eq!(lookup.overflow.len(), 8);
        assert_eq!(lookup.dot(&q.entries).to_bits(), q.dot(&q).to_bits());
    }

    #[test]
    fn huge_queries_keep_the_table_bounded() {
        let spread = |i: u32| i.wrapping_mul(2_654_435_761);
        let q = vector((0..300_000u32).map(|i| (spread(i), 0.5)).collect());
        let lookup = SparseLookup::new(&q);
        assert_eq!(lookup.buckets.len(), MAX_BUCKETS);
        assert!(!lookup.overflow.is_empty());
        let doc = vector((0..2_000u32).map(|i| (spread(i * 150), 0.25)).collect());
        assert_eq!(lookup.dot(&doc.entries).to_bits(), q.dot(&doc).to_bits());
    }

    #[test]
    fn shared_keys_are_multiplied() {
        let q = vector(vec![(0, 0.6), (1 << 20, 0.8), (5, 0.1)]);
        let d = vector(vec![(0, 0.5), (1 << 20, 0.5), (6, 0.9)]);
        let lookup = SparseLookup::new(&q);
        assert!((lookup.dot(&d.entries) - 0.7).abs() < 1e-6);
    }

    /// A weight in [0.001, 0.999], from integers: proptest's own float range sampler
    /// can trip a debug assertion of its own on some seeds (proptest 1.x,
    /// `float_samplers.rs`), which failed a CI run.
    fn weight() -> impl Strategy<Value = f32> {
        (1u16..1000).prop_map(|i| f32::from(i) / 1000.0)
    }

    proptest! {
        /// The table gives exactly the merge's result, colliding keys included.
        #[test]
        fn lookup_equals_merge(
            q in proptest::collection::vec((0u32..600, weight()), 0..300),
            d in proptest::collection::vec((0u32..600, weight()), 0..300),
        ) {
            // Keys from a small pool (so the two sides share some), spread over u32.
            let spread = |v: Vec<(u32, f32)>| {
                vector(v.into_iter().map(|(k, w)| (k.wrapping_mul(7_919_993), w)).collect())
            };
            let (q, d) = (spread(q), spread(d));
            prop_assert_eq!(SparseLookup::new(&q).dot(&d.entries).to_bits(), q.dot(&d).to_bits());
        }
    }
}
