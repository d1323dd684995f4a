//! Screening copies of vector rows: the first [`SCREEN_DIMENSIONS`] components of
//! each row, stored together so that screening a group of rows reads memory in
//! sequence (64 bytes a row).

/// Components compared when screening rows.
pub(crate) const SCREEN_DIMENSIONS: usize = 64;

/// A query's or row's screening components (zero beyond the vector's dimension).
pub(crate) type ScreenVector = [i8; SCREEN_DIMENSIONS];

/// The screening components of a byte row, zero-padded.
pub(crate) fn screen_vector(row: &[i8]) -> ScreenVector {
    let mut out = [0i8; SCREEN_DIMENSIONS];
    for (o, v) in out.iter_mut().zip(row) {
        *o = *v;
    }
    out
}

/// Integer dot product of two screening vectors.
#[inline]
pub(crate) fn screen_dot(a: &ScreenVector, b: &ScreenVector) -> i32 {
    byte_dot(a, b)
}

/// Integer dot product of two byte vectors (over the shorter one's length).
///
/// Sixteen running sums, one per byte of a 16-byte group: the shape compilers turn
/// into whole 16-byte loads, sign extension and `pmaddwd` (SSE2, the x86-64
/// baseline); a single sum over the zipped components compiled to scalar code.
/// Integer sums do not depend on their order: the result is the plain sum's.
#[inline]
pub(crate) fn byte_dot(a: &[i8], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    let (xs, ys) = (a[..n].chunks_exact(16), b[..n].chunks_exact(16));
    let rest: i32 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    let mut lanes = [0i32; 16];
    for (x, y) in xs.zip(ys) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += i32::from(*x) * i32::from(*y);
        }
    }
    lanes.iter().sum::<i32>() + rest
}

/// The norm of a screening vector.
pub(crate) fn screen_norm(v: &ScreenVector) -> f32 {
    (screen_dot(v, v) as f32).sqrt()
}

/// A group of rows (all rows, or one cluster) with their screening copies.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScreenRows {
    docs: Vec<u32>,
    screens: Vec<ScreenVector>,
    /// Norm of each copy; 0 marks a row that was cleared (it is never ranked).
    norms: Vec<f32>,
}

impl ScreenRows {
    /// Adds the copy of `doc`'s row.
    pub fn push(&mut self, doc: u32, row: &[i8]) {
        let screen = screen_vector(row);
        self.docs.push(doc);
        self.norms.push(screen_norm(&screen));
        self.screens.push(screen);
    }

    /// Number of rows, cleared ones included.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// The documents of the group, in the order they joined.
    #[cfg(test)]
    pub fn docs(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.docs.iter().copied().zip(self.norms.iter().copied())
    }

    /// Marks `doc`'s copy as gone; false when `doc` is not in this group.
    pub fn forget(&mut self, doc: u32) -> bool {
        match self.docs.iter().position(|d| *d == doc) {
            Some(i) => {
                self.norms[i] = 0.0;
                true
            }
            None => false,
        }
    }

    /// Offers every row to `top`, scored by its screening dot product with `query`
    /// divided by the row's screening norm (the query's norm is the same for all).
    pub fn screen(&self, query: &ScreenVector, top: &mut TopK) {
        const CHUNK: usize = 64;
        let mut dots = [0i32; CHUNK];
        for ((docs, screens), norms) in self
            .docs
            .chunks(CHUNK)
            .zip(self.screens.chunks(CHUNK))
            .zip(self.norms.chunks(CHUNK))
        {
            // Products first, in a loop of their own (it vectorises), then ranking.
            for (dot, screen) in dots.iter_mut().zip(screens) {
                *dot = screen_dot(screen, query);
            }
            for ((doc, dot), norm) in docs.iter().zip(&dots).zip(norms) {
                if *norm == 0.0 {
                    continue;
                }
                // A division per row is the dearest step; a bound with a margin
                // far above rounding skips it for rows that cannot enter.
                let dot = f64::from(*dot);
                let norm = f64::from(*norm);
                if let Some(floor) = top.floor() {
                    if dot < floor * norm - 1e-6 * (floor * norm).abs() - 1e-9 {
                        continue;
                    }
                }
                let score = dot / norm;
                if top.ranks(score) {
                    top.insert(score, *doc);
                }
            }
        }
    }

    /// Heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        self.docs.capacity() * 4
            + self.screens.capacity() * std::mem::size_of::<ScreenVector>()
            + self.norms.capacity() * 4
    }
}

/// The `k` best (score, document) pairs seen so far, best first (earlier first
/// among equal scores).
///
/// Pairs that may rank are appended to a buffer of up to `2k`; a full buffer is cut
/// back to its `k` best, whose worst becomes the floor newcomers must beat. Most
/// newcomers of a long scan fail that one comparison, and those that pass cost an
/// append instead of an insertion into a sorted list. The result is the same as
/// keeping a sorted list: a pair below the floor, or equal to it and later, has
/// `k` better pairs before it.
#[derive(Debug)]
pub(crate) struct TopK {
    k: usize,
    /// (score, arrival number, document) of the pairs that may still rank.
    kept: Vec<(f64, u32, u32)>,
    /// The worst of the `k` kept at the last cut (`None` before the first).
    floor: Option<f64>,
    arrivals: u32,
}

impl TopK {
    /// An empty list keeping `k` pairs.
    pub fn new(k: usize) -> Self {
        TopK {
            k,
            kept: Vec::with_capacity(2 * k),
            floor: None,
            arrivals: 0,
        }
    }

    /// Whether `score` may enter the list (false only when it cannot).
    #[inline]
    pub fn ranks(&self, score: f64) -> bool {
        self.k > 0 && self.floor.is_none_or(|floor| score > floor)
    }

    /// A score a newcomer must beat, once `k` pairs are known (it may lag behind the
    /// worst of the best `k`, never exceed it).
    #[inline]
    pub fn floor(&self) -> Option<f64> {
        self.floor
    }

    /// Adds a pair (call after [`TopK::ranks`]).
    #[inline]
    pub fn insert(&mut self, score: f64, doc: u32) {
        self.kept.push((score, self.arrivals, doc));
        self.arrivals += 1;
        if self.kept.len() >= 2 * self.k {
            self.cut();
        }
    }

    /// Keeps the `k` best pairs and raises the floor to the worst of them.
    fn cut(&mut self) {
        let Some(last) = self.k.checked_sub(1) else {
            self.kept.clear();
            return;
        };
        // The k-th best lands at `last`, every better pair before it.
        self.kept.select_nth_unstable_by(last, Self::best_first);
        self.kept.truncate(self.k);
        self.floor = Some(self.kept[last].0);
    }

    /// Higher score first, then earlier arrival.
    fn best_first(a: &(f64, u32, u32), b: &(f64, u32, u32)) -> std::cmp::Ordering {
        b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
    }

    /// The pairs, best first.
    pub fn into_best(mut self) -> Vec<(f64, u32)> {
        self.kept.sort_unstable_by(Self::best_first);
        self.kept.truncate(self.k);
        self.kept.into_iter().map(|(s, _, d)| (s, d)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screening_dot_equals_the_plain_dot() {
        let a: Vec<i8> = (0..80).map(|i| (i * 37 % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..80).map(|i| (i * 91 % 255 - 127) as i8).collect();
        let expected: i32 = a[..64]
            .iter()
            .zip(&b[..64])
            .map(|(x, y)| i32::from(*x) * i32::from(*y))
            .sum();
        assert_eq!(screen_dot(&screen_vector(&a), &screen_vector(&b)), expected);
        // Short rows are zero-padded.
        assert_eq!(screen_dot(&screen_vector(&a[..3]), &screen_vector(&b)), {
            a[..3]
                .iter()
                .zip(&b)
                .map(|(x, y)| i32::from(*x) * i32::from(*y))
                .sum::<i32>()
        });
        assert_eq!(screen_dot(&[-128; 64], &[-128; 64]), 64 * 128 * 128);
    }

    #[test]
    fn screening_skips_forgotten_rows_and_keeps_the_best() {
        let mut rows = ScreenRows::default();
        rows.push(10, &[100, 0]);
        rows.push(11, &[0, 100]);
        rows.push(12, &[90, 10]);
        assert!(rows.forget(10));
        assert!(!rows.forget(99));
        let mut top = TopK::new(1);
        rows.screen(&screen_vector(&[127, 0]), &mut top);
        assert_eq!(
            top.into_best().iter().map(|p| p.1).collect::<Vec<_>>(),
            [12]
        );
    }

    #[test]
    fn equal_scores_keep_the_earlier_document_first() {
        let mut top = TopK::new(2);
        for doc in [5, 6, 7] {
            if top.ranks(1.0) {
                top.insert(1.0, doc);
            }
        }
        assert_eq!(top.into_best(), [(1.0, 5), (1.0, 6)]);
    }

    proptest::proptest! {
        /// Offering pairs the way a scan does (checking `ranks` first) keeps exactly
        /// the `k` best of all, best first, earlier first among equal scores.
        #[test]
        fn top_k_equals_a_full_sort(
            scores in proptest::collection::vec(-8i32..8, 0..300),
            k in 0usize..40,
        ) {
            let mut top = TopK::new(k);
            for (doc, s) in scores.iter().enumerate() {
                let score = f64::from(*s) / 4.0;
                if top.ranks(score) {
                    top.insert(score, doc as u32);
                }
            }
            let mut expected: Vec<(f64, u32)> = scores
                .iter()
                .enumerate()
                .map(|(doc, s)| (f64::from(*s) / 4.0, doc as u32))
                .collect();
            expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            expected.truncate(k);
            proptest::prop_assert_eq!(top.into_best(), expected);
        }
    }
}
