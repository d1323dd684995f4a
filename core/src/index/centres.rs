//! Cluster centres of the vector index, laid out to score a query against all of them.
//!
//! Centres are stored transposed in blocks of [`LANES`]: component `d` of the centres
//! of one block sits together, so the loop over a block's components multiplies and
//! adds [`LANES`] independent sums at once (the compiler vectorises it). Each centre's
//! sum still adds its products in component order, so scores are bit for bit those
//! of a plain dot product; only the wait on one long chain of additions is gone.

/// Centres scored side by side.
const LANES: usize = 8;

/// Unit-length centres of `dimension` components each.
#[derive(Debug, Clone)]
pub(crate) struct Centres<const D: usize> {
    count: usize,
    /// `ceil(count / LANES)` blocks of `D × LANES` values; padding centres are zero.
    blocks: Vec<f32>,
}

impl<const D: usize> Centres<D> {
    /// Centres from `count × D` values, one centre after the other.
    pub fn new(row_major: &[f32]) -> Self {
        let count = row_major.len() / D;
        let mut blocks = vec![0f32; count.div_ceil(LANES) * D * LANES];
        for (i, centre) in row_major.chunks_exact(D).enumerate() {
            let block = &mut blocks[(i / LANES) * D * LANES..][..D * LANES];
            for (d, value) in centre.iter().enumerate() {
                block[d * LANES + i % LANES] = *value;
            }
        }
        Centres { count, blocks }
    }

    /// The dot product of `v` with every centre, in centre order, into `out`.
    pub fn scores(&self, v: &[f32; D], out: &mut Vec<f32>) {
        out.clear();
        for block in self.blocks.chunks_exact(D * LANES) {
            let mut sums = [0f32; LANES];
            for (components, x) in block.chunks_exact(LANES).zip(v) {
                for (sum, c) in sums.iter_mut().zip(components) {
                    *sum += c * x;
                }
            }
            out.extend_from_slice(&sums);
        }
        out.truncate(self.count);
    }

    /// The centre with the largest dot product with `v` (the first one on ties).
    pub fn nearest(&self, v: &[f32; D]) -> usize {
        let mut scores = Vec::with_capacity(self.blocks.len() / D);
        self.scores(v, &mut scores);
        let mut best = (f32::NEG_INFINITY, 0);
        for (i, s) in scores.into_iter().enumerate() {
            if s > best.0 {
                best = (s, i);
            }
        }
        best.1
    }

    /// Heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn scores_equal_plain_dot_products_exactly() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        // 19 centres: two full blocks and a padded one.
        let row_major: Vec<f32> = (0..19 * 4).map(|_| next()).collect();
        let centres = Centres::<4>::new(&row_major);
        let v = [next(), next(), next(), next()];
        let mut scores = Vec::new();
        centres.scores(&v, &mut scores);
        assert_eq!(scores.len(), 19);
        for (i, s) in scores.iter().enumerate() {
            let expected = plain_dot(&row_major[i * 4..(i + 1) * 4], &v);
            assert_eq!(s.to_bits(), (expected + 0.0).to_bits(), "centre {i}");
        }
        let best = (0..19)
            .max_by(|a, b| scores[*a].total_cmp(&scores[*b]).then(b.cmp(a)))
            .unwrap();
        assert_eq!(centres.nearest(&v), best);
    }

    #[test]
    fn ties_go_to_the_first_centre() {
        let centres = Centres::<2>::new(&[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(centres.nearest(&[1.0, 0.0]), 1);
    }
}
