//! The engine embedder's vectors of every example, and nearest-neighbour search over them.
//!
//! Vectors are stored quantised to signed bytes (each vector scaled so that its largest
//! component is ±127) in one contiguous array, one row per document. Cosines are exact
//! integer dot products divided by the stored norms, so the quantisation costs well
//! under 0.01 of cosine on unit vectors.
//!
//! A search screens rows by the cosine of their first [`SCREEN_DIMENSIONS`](super::screen::SCREEN_DIMENSIONS) components
//! (the built-in table is PCA-ordered: they carry most of the variance), then scores the
//! best [`SCREENED_PER_RESULT`] per wanted result on every component.
//! Up to [`EXACT_SEARCH_LIMIT`] documents every row is screened.
//! Beyond that an inverted file narrows it: the rows are clustered (spherical k-means on
//! the first [`COARSE_DIMENSIONS`] components — the built-in table is PCA-ordered, so
//! they carry most of the variance), and a query scores only the rows of its
//! [`PROBES`] nearest clusters. New rows join their nearest cluster; the clusters are
//! trained again, from scratch and deterministically, whenever the number of rows has
//! doubled since the last training, so the cost per insertion stays constant on
//! average.

use super::centres::Centres;
use super::screen::{byte_dot as dot, screen_norm, screen_vector, ScreenRows, TopK};

/// A vector quantised to signed bytes, with its squared norm.
#[derive(Debug, Clone, Default)]
pub(crate) struct QuantizedVector {
    values: Vec<i8>,
    norm: f32,
}

impl QuantizedVector {
    /// Quantises `v` (any length; all-zero and non-finite vectors give an empty vector).
    pub fn new(v: &[f32]) -> Self {
        if v.iter().any(|x| !x.is_finite()) {
            return QuantizedVector::default();
        }
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        if max == 0.0 {
            return QuantizedVector::default();
        }
        let values: Vec<i8> = v
            .iter()
            .map(|x| (x / max * 127.0).round().clamp(-127.0, 127.0) as i8)
            .collect();
        let norm = norm(&values);
        QuantizedVector { values, norm }
    }

    /// Whether the vector carries nothing (zero input).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() || self.norm == 0.0
    }
}

fn norm(values: &[i8]) -> f32 {
    (dot(values, values) as f32).sqrt()
}

/// Below this many rows, searches screen every row.
pub(crate) const EXACT_SEARCH_LIMIT: usize = 2048;
/// Rows kept from the screening per result wanted.
const SCREENED_PER_RESULT: usize = 3;
/// Components used to cluster rows.
const COARSE_DIMENSIONS: usize = 32;
/// Clusters probed per query, nearest first, at most.
const PROBES: usize = 8;
/// Rows screened per query, about: no further cluster is probed once this many rows
/// were (clusters of natural language are uneven in size).
const MAX_SCREENED_ROWS: usize = 1024;
/// Rows per cluster aimed at (clusters = rows / this, at least 16).
const ROWS_PER_CLUSTER: usize = 64;
/// k-means iterations per training.
const TRAINING_ROUNDS: usize = 4;
/// Training sample: at most this many rows per cluster.
const SAMPLE_PER_CLUSTER: usize = 16;

/// Quantised vectors by document id.
#[derive(Debug, Clone, Default)]
pub(crate) struct VectorStore {
    dimension: usize,
    values: Vec<i8>,
    norms: Vec<f32>,
    /// Every row, while there are no clusters (and no bulk load under way).
    exact: ScreenRows,
    clusters: Option<Clusters>,
    /// Buffer rows while a bulk load is under way (clusters are trained at its end).
    bulk: bool,
}

/// The inverted file: cluster centres and the rows of each cluster.
#[derive(Debug, Clone)]
struct Clusters {
    centres: Centres<COARSE_DIMENSIONS>,
    /// The rows of each cluster.
    members: Vec<ScreenRows>,
    /// Rows when last trained.
    trained_rows: usize,
}

impl Clusters {
    fn count(&self) -> usize {
        self.members.len()
    }
}

fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The first [`COARSE_DIMENSIONS`] components of a row, as a unit f32 vector.
fn coarse(row: &[i8]) -> [f32; COARSE_DIMENSIONS] {
    let mut out = [0f32; COARSE_DIMENSIONS];
    for (o, v) in out.iter_mut().zip(row) {
        *o = f32::from(*v);
    }
    let n = dot_f32(&out, &out).sqrt();
    if n > 0.0 {
        out.iter_mut().for_each(|x| *x /= n);
    }
    out
}

/// Spherical k-means of `sample` into `count` centres (concatenated), seeded with
/// evenly spaced sample rows: [`TRAINING_ROUNDS`] rounds, each moving every centre
/// to the normalised sum of the rows nearest to it (a centre without rows stays).
fn k_means(sample: &[[f32; COARSE_DIMENSIONS]], count: usize) -> Vec<f32> {
    let mut centres: Vec<f32> = (0..count)
        .flat_map(|i| sample[i * sample.len() / count])
        .collect();
    for _ in 0..TRAINING_ROUNDS {
        let mut sums = vec![0f32; count * COARSE_DIMENSIONS];
        let probe = Centres::<COARSE_DIMENSIONS>::new(&centres);
        for v in sample {
            let c = probe.nearest(v);
            for (s, x) in sums[c * COARSE_DIMENSIONS..(c + 1) * COARSE_DIMENSIONS]
                .iter_mut()
                .zip(v)
            {
                *s += x;
            }
        }
        for (i, sum) in sums.chunks_exact_mut(COARSE_DIMENSIONS).enumerate() {
            let n = dot_f32(sum, sum).sqrt();
            if n > 0.0 {
                let centre = &mut centres[i * COARSE_DIMENSIONS..(i + 1) * COARSE_DIMENSIONS];
                for (c, s) in centre.iter_mut().zip(sum.iter()) {
                    *c = s / n;
                }
            }
        }
    }
    centres
}

impl VectorStore {
    /// Appends the vector of the next document (`doc` must equal the number of rows).
    /// A vector of another dimension than the first one is stored as empty.
    pub fn push(&mut self, doc: u32, v: &QuantizedVector) {
        debug_assert_eq!(doc as usize, self.norms.len());
        if self.dimension == 0 && !v.is_empty() {
            self.dimension = v.values.len();
            self.values = vec![0; self.norms.len() * self.dimension];
        }
        if !v.is_empty() && v.values.len() == self.dimension {
            self.values.extend_from_slice(&v.values);
            self.norms.push(v.norm);
        } else {
            self.values.resize(self.values.len() + self.dimension, 0);
            self.norms.push(0.0);
        }
        if self.bulk {
            return;
        }
        let rows = self.norms.len();
        if self.clusters.is_none() && !v.is_empty() && v.values.len() == self.dimension {
            self.exact.push(doc, &v.values);
        }
        match &mut self.clusters {
            Some(c) if rows < 2 * c.trained_rows => {
                if v.is_empty() || self.dimension < COARSE_DIMENSIONS {
                    return;
                }
                let centre = c.centres.nearest(&coarse(&v.values));
                c.members[centre].push(doc, &v.values);
            }
            _ if rows > EXACT_SEARCH_LIMIT => self.train(),
            _ => {}
        }
    }

    /// Starts a bulk load: rows are only appended until [`VectorStore::end_bulk`].
    pub fn begin_bulk(&mut self) {
        self.bulk = true;
    }

    /// Ends a bulk load and trains the clusters when there are enough rows.
    pub fn end_bulk(&mut self) {
        self.bulk = false;
        self.clusters = None;
        if self.norms.len() > EXACT_SEARCH_LIMIT {
            self.train();
        }
        if self.clusters.is_none() {
            self.exact = ScreenRows::default();
            for doc in 0..self.norms.len() {
                if self.norms[doc] > 0.0 {
                    let d = self.dimension;
                    self.exact
                        .push(doc as u32, &self.values[doc * d..(doc + 1) * d]);
                }
            }
        }
    }

    /// Clusters the live rows (deterministic: evenly spaced seeds and sample).
    fn train(&mut self) {
        if self.dimension < COARSE_DIMENSIONS {
            self.clusters = None;
            return;
        }
        let live: Vec<u32> = (0..self.norms.len() as u32)
            .filter(|r| self.norms[*r as usize] > 0.0)
            .collect();
        if live.is_empty() {
            // Nothing to cluster (every row cleared or empty): search stays exact.
            self.clusters = None;
            return;
        }
        let count = (live.len() / ROWS_PER_CLUSTER).max(16);
        let sample_size = live.len().min(count * SAMPLE_PER_CLUSTER);
        let sample: Vec<[f32; COARSE_DIMENSIONS]> = (0..sample_size)
            .map(|i| self.coarse_row(live[i * live.len() / sample_size]))
            .collect();
        let centres = k_means(&sample, count);
        self.clusters = Some(self.assign(live, Centres::new(&centres), count));
        self.exact = ScreenRows::default();
    }

    /// The coarse components of row `r` (see [`coarse`]).
    fn coarse_row(&self, r: u32) -> [f32; COARSE_DIMENSIONS] {
        let d = self.dimension;
        coarse(&self.values[r as usize * d..r as usize * d + d])
    }

    /// Clusters of the rows `live` around `centres` (`count` of them): each row
    /// joins its nearest centre's.
    fn assign(
        &self,
        live: Vec<u32>,
        centres: Centres<COARSE_DIMENSIONS>,
        count: usize,
    ) -> Clusters {
        let d = self.dimension;
        let mut clusters = Clusters {
            centres,
            members: vec![ScreenRows::default(); count],
            trained_rows: self.norms.len(),
        };
        let assigned: Vec<usize> = {
            use rayon::prelude::*;
            live.par_iter()
                .map(|r| clusters.centres.nearest(&self.coarse_row(*r)))
                .collect()
        };
        for (r, c) in live.into_iter().zip(assigned) {
            let r = r as usize;
            clusters.members[c].push(r as u32, &self.values[r * d..r * d + d]);
        }
        clusters
    }

    /// Forgets the vector of `doc` (it then matches nothing).
    pub fn clear(&mut self, doc: u32) {
        let d = doc as usize;
        if let Some(n) = self.norms.get_mut(d) {
            *n = 0.0;
            let row = &mut self.values[d * self.dimension..(d + 1) * self.dimension];
            if let Some(clusters) = &mut self.clusters {
                // The row joined the cluster of its nearest centre; look there first.
                let home = (row.len() >= COARSE_DIMENSIONS)
                    .then(|| clusters.centres.nearest(&coarse(row)));
                let found = home.is_some_and(|c| clusters.members[c].forget(doc));
                if !found {
                    clusters.members.iter_mut().any(|c| c.forget(doc));
                }
            } else {
                self.exact.forget(doc);
            }
            row.fill(0);
        }
    }

    /// Reads the rows of `docs` (one byte per cache line) so that the cosines that
    /// follow find them in the caches; returns a value only to keep the reads.
    pub fn touch(&self, docs: impl Iterator<Item = u32>) -> i32 {
        let mut acc = 0i32;
        for d in docs.map(|d| d as usize).filter(|d| *d < self.norms.len()) {
            let row = &self.values[d * self.dimension..(d + 1) * self.dimension];
            acc ^= row.iter().step_by(64).fold(0, |a, v| a ^ i32::from(*v));
            acc ^= self.norms[d] as i32;
        }
        acc
    }

    /// Cosine of `doc`'s vector with `query` (0 when either is empty).
    #[inline]
    pub fn cosine(&self, doc: u32, query: &QuantizedVector) -> f64 {
        let d = doc as usize;
        let Some(norm) = self.norms.get(d).copied() else {
            return 0.0;
        };
        if norm == 0.0 || query.is_empty() || query.values.len() != self.dimension {
            return 0.0;
        }
        let row = &self.values[d * self.dimension..(d + 1) * self.dimension];
        f64::from(dot(row, &query.values)) / (f64::from(norm) * f64::from(query.norm))
    }

    /// The `k` documents closest to `query` among those `accept` admits, closest first.
    pub fn nearest(
        &self,
        query: &QuantizedVector,
        k: usize,
        accept: impl Fn(u32) -> bool,
    ) -> Vec<(f64, u32)> {
        if query.is_empty() || query.values.len() != self.dimension || k == 0 {
            return Vec::new();
        }
        let q_screen = screen_vector(&query.values);
        if screen_norm(&q_screen) == 0.0 {
            return Vec::new();
        }
        let mut screened = TopK::new(k * SCREENED_PER_RESULT);
        match &self.clusters {
            None => self.exact.screen(&q_screen, &mut screened),
            Some(clusters) => {
                let q = coarse(&query.values);
                let mut scores = Vec::with_capacity(clusters.count());
                clusters.centres.scores(&q, &mut scores);
                let mut centres: Vec<(f32, usize)> = scores.into_iter().zip(0..).collect();
                let probes = PROBES.min(clusters.count());
                centres.select_nth_unstable_by(probes - 1, |a, b| b.0.total_cmp(&a.0));
                centres[..probes].sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
                let mut scanned = 0;
                for (_, c) in &centres[..probes] {
                    if scanned >= MAX_SCREENED_ROWS {
                        break;
                    }
                    let cluster = &clusters.members[*c];
                    cluster.screen(&q_screen, &mut screened);
                    scanned += cluster.len();
                }
            }
        }
        let screened = screened.into_best();
        // Rows were screened on their cluster copies; the full rows lie scattered:
        // one pass of independent reads brings them in together.
        std::hint::black_box(self.touch(screened.iter().map(|(_, d)| *d)));
        let mut top = TopK::new(k);
        for (_, doc) in screened {
            let c = self.cosine(doc, query);
            if top.ranks(c) && accept(doc) {
                top.insert(c, doc);
            }
        }
        top.into_best()
    }

    /// Heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        let clusters = self.clusters.as_ref().map_or(0, |c| {
            c.centres.heap_bytes() + c.members.iter().map(ScreenRows::heap_bytes).sum::<usize>()
        });
        self.values.capacity() + self.norms.capacity() * 4 + self.exact.heap_bytes() + clusters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosines_survive_quantisation() {
        let a = [0.6f32, 0.8, 0.0];
        let b = [0.8f32, 0.6, 0.0];
        let mut store = VectorStore::default();
        store.push(0, &QuantizedVector::new(&a));
        store.push(1, &QuantizedVector::new(&[0.0, 0.0, 0.0]));
        store.push(2, &QuantizedVector::new(&[0.0, 0.0, 1.0]));
        let q = QuantizedVector::new(&b);
        assert!((store.cosine(0, &q) - 0.96).abs() < 0.01);
        assert_eq!(store.cosine(1, &q), 0.0);
        let nearest = store.nearest(&q, 2, |_| true);
        assert_eq!(nearest.iter().map(|x| x.1).collect::<Vec<_>>(), vec![0, 2]);
        assert!((nearest[0].0 - 0.96).abs() < 0.01);
        store.clear(0);
        assert_eq!(store.nearest(&q, 1, |_| true)[0].1, 2);
        assert!(store.nearest(&q, 2, |d| d != 2).is_empty());
    }

    #[test]
    fn dot_equals_the_plain_sum() {
        let a: Vec<i8> = (0..300).map(|i| (i * 37 % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..300).map(|i| (i * 91 % 255 - 127) as i8).collect();
        let plain = |a: &[i8], b: &[i8]| -> i32 {
            a.iter()
                .zip(b)
                .map(|(x, y)| i32::from(*x) * i32::from(*y))
                .sum()
        };
        for (la, lb) in [
            (0, 0),
            (5, 5),
            (16, 16),
            (64, 64),
            (256, 256),
            (300, 300),
            (20, 40),
            (40, 20),
        ] {
            assert_eq!(
                dot(&a[..la], &b[..lb]),
                plain(&a[..la], &b[..lb]),
                "{la} × {lb}"
            );
        }
        let extreme = [-127i8; 256];
        assert_eq!(dot(&extreme, &extreme), 256 * 127 * 127);
    }

    #[test]
    fn zero_and_non_finite_vectors_are_empty() {
        assert!(QuantizedVector::new(&[0.0, 0.0]).is_empty());
        assert!(QuantizedVector::new(&[f32::NAN, 1.0]).is_empty());
        assert!(QuantizedVector::new(&[]).is_empty());
    }
}

#[cfg(test)]
mod cluster_tests {
    use super::*;

    /// Deterministic vectors around 40 directions.
    fn vectors(n: usize, dim: usize) -> Vec<Vec<f32>> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..40)
            .map(|_| (0..dim).map(|_| next()).collect())
            .collect();
        (0..n)
            .map(|i| centres[i % 40].iter().map(|c| c + 0.3 * next()).collect())
            .collect()
    }

    #[test]
    fn clustered_search_finds_every_row_itself() {
        let vs = vectors(EXACT_SEARCH_LIMIT * 2 + 500, 96);
        let mut store = VectorStore::default();
        // Half in bulk (trained at its end), the rest one by one (joins clusters, and
        // a retraining happens when the rows double).
        store.begin_bulk();
        for (i, v) in vs.iter().enumerate().take(EXACT_SEARCH_LIMIT + 100) {
            store.push(i as u32, &QuantizedVector::new(v));
        }
        store.end_bulk();
        assert!(store.clusters.is_some());
        for (i, v) in vs.iter().enumerate().skip(EXACT_SEARCH_LIMIT + 100) {
            store.push(i as u32, &QuantizedVector::new(v));
        }
        let clusters = store.clusters.as_ref().unwrap();
        assert_eq!(clusters.trained_rows, vs.len() - 300);
        let members: usize = clusters.members.iter().map(ScreenRows::len).sum();
        assert_eq!(members, vs.len());
        for i in (0..vs.len()).step_by(97) {
            let q = QuantizedVector::new(&vs[i]);
            let found = store.nearest(&q, 3, |_| true);
            assert_eq!(found[0].1, i as u32, "row {i}");
            assert!((found[0].0 - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn cleared_rows_leave_clustered_search() {
        let vs = vectors(EXACT_SEARCH_LIMIT + 400, 64);
        let mut store = VectorStore::default();
        for (i, v) in vs.iter().enumerate() {
            store.push(i as u32, &QuantizedVector::new(v));
        }
        assert!(store.clusters.is_some());
        for i in (0..vs.len()).step_by(53) {
            store.clear(i as u32);
            let copies: Vec<f32> = store
                .clusters
                .iter()
                .flat_map(|c| &c.members)
                .flat_map(|m| m.docs())
                .filter(|(d, _)| *d == i as u32)
                .map(|(_, n)| n)
                .collect();
            assert_eq!(copies, [0.0], "row {i}: one cluster copy, forgotten");
            let found = store.nearest(&QuantizedVector::new(&vs[i]), 5, |_| true);
            assert!(found.iter().all(|(_, d)| *d != i as u32), "row {i}");
        }
    }

    /// Past the exact-search limit with no live row (every vector cleared or empty),
    /// there is nothing to cluster: pushing and searching go on, and the first live
    /// row is found again.
    #[test]
    fn no_live_rows_past_the_limit_leave_nothing_to_cluster() {
        let vs = vectors(2, 64);
        let mut store = VectorStore::default();
        store.push(0, &QuantizedVector::new(&vs[0]));
        store.clear(0);
        let rows = EXACT_SEARCH_LIMIT as u32 + 2;
        for i in 1..rows {
            store.push(i, &QuantizedVector::new(&[0.0; 64]));
        }
        assert!(store.clusters.is_none());
        let q = QuantizedVector::new(&vs[1]);
        assert!(store.nearest(&q, 3, |_| true).is_empty());
        store.push(rows, &q);
        assert_eq!(store.nearest(&q, 3, |_| true)[0].1, rows);
    }
}
