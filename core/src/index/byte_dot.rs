//! Integer dot products of signed-byte vectors, the inner loop of the vector search.
//!
//! Two paths with the same results: portable code (SSE2 on x86-64, which every build
//! may assume), and on x86-64 CPUs with AVX2 a path chosen at run time. The AVX2
//! path goes through [`pulp`], whose token type ([`pulp::x86::V3`]) exists only when
//! the CPU has the features, so the crate stays free of `unsafe`. Integer sums do not
//! depend on their order: both paths give the same numbers, bit for bit
//! (`tests::both_paths_agree`).

/// Integer dot product of two byte vectors (over the shorter one's length).
#[inline]
pub(crate) fn byte_dot(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return avx2::dot(simd, a, b);
    }
    portable_dot(a, b)
}

/// Dot products of `query` with each of `rows` (as many as `out` holds).
#[inline]
pub(crate) fn row_dots(query: &[i8; 64], rows: &[[i8; 64]], out: &mut [i32]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        avx2::row_dots(simd, query, rows, out);
        return;
    }
    for (dot, row) in out.iter_mut().zip(rows) {
        *dot = portable_dot(row, query);
    }
}

/// The portable dot product.
///
/// Sixteen running sums, one per byte of a 16-byte group: the shape compilers turn
/// into whole 16-byte loads, sign extension and `pmaddwd` (SSE2); a single sum over
/// the zipped components compiled to scalar code.
#[inline]
fn portable_dot(a: &[i8], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    let (xs, ys) = (a[..n].chunks_exact(16), b[..n].chunks_exact(16));
    let rest = scalar_dot(xs.remainder(), ys.remainder());
    let mut lanes = [0i32; 16];
    for (x, y) in xs.zip(ys) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += i32::from(*x) * i32::from(*y);
        }
    }
    lanes.iter().sum::<i32>() + rest
}

/// The dot product one component at a time (for the tails).
#[inline]
fn scalar_dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::__m256i;

    use pulp::x86::V3;
    use pulp::NullaryFnOnce;

    /// Sixteen bytes sign-extended to sixteen 16-bit lanes.
    #[inline(always)]
    fn widen(simd: V3, bytes: [i8; 16]) -> __m256i {
        simd.avx2._mm256_cvtepi8_epi16(pulp::cast(bytes))
    }

    /// Adds the products of sixteen byte pairs to `acc` (eight 32-bit sums).
    #[inline(always)]
    fn add_products(simd: V3, acc: __m256i, x: [i8; 16], y: [i8; 16]) -> __m256i {
        let products = simd.avx2._mm256_madd_epi16(widen(simd, x), widen(simd, y));
        simd.avx2._mm256_add_epi32(acc, products)
    }

    /// The sum of the eight 32-bit lanes.
    #[inline(always)]
    fn lane_sum(acc: __m256i) -> i32 {
        let lanes: [i32; 8] = pulp::cast(acc);
        lanes.iter().sum()
    }

    /// A chunk of sixteen bytes as an array (chunks are exact: the default is never
    /// taken).
    #[inline(always)]
    fn sixteen(chunk: &[i8]) -> [i8; 16] {
        chunk.try_into().unwrap_or_default()
    }

    #[inline(always)]
    fn zero() -> __m256i {
        pulp::cast([0i32; 8])
    }

    struct Dot<'a> {
        simd: V3,
        a: &'a [i8],
        b: &'a [i8],
    }

    impl NullaryFnOnce for Dot<'_> {
        type Output = i32;

        #[inline(always)]
        fn call(self) -> i32 {
            let Dot { simd, a, b } = self;
            let n = a.len().min(b.len());
            let (xs, ys) = (a[..n].chunks_exact(16), b[..n].chunks_exact(16));
            let rest = super::scalar_dot(xs.remainder(), ys.remainder());
            let acc = xs.zip(ys).fold(zero(), |acc, (x, y)| {
                add_products(simd, acc, sixteen(x), sixteen(y))
            });
            lane_sum(acc) + rest
        }
    }

    /// [`super::byte_dot`] with AVX2.
    #[inline]
    pub(super) fn dot(simd: V3, a: &[i8], b: &[i8]) -> i32 {
        simd.vectorize(Dot { simd, a, b })
    }

    struct RowDots<'a> {
        simd: V3,
        query: &'a [i8; 64],
        rows: &'a [[i8; 64]],
        out: &'a mut [i32],
    }

    impl NullaryFnOnce for RowDots<'_> {
        type Output = ();

        #[inline(always)]
        fn call(self) {
            let RowDots {
                simd,
                query,
                rows,
                out,
            } = self;
            let q: [[i8; 16]; 4] = pulp::cast(*query);
            for (dot, row) in out.iter_mut().zip(rows) {
                let r: [[i8; 16]; 4] = pulp::cast(*row);
                let acc = (0..4).fold(zero(), |acc, i| add_products(simd, acc, r[i], q[i]));
                *dot = lane_sum(acc);
            }
        }
    }

    /// [`super::row_dots`] with AVX2.
    #[inline]
    pub(super) fn row_dots(simd: V3, query: &[i8; 64], rows: &[[i8; 64]], out: &mut [i32]) {
        simd.vectorize(RowDots {
            simd,
            query,
            rows,
            out,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn extremes_do_not_overflow() {
        assert_eq!(byte_dot(&[-128; 256], &[-128; 256]), 256 * 128 * 128);
        assert_eq!(byte_dot(&[-128; 256], &[127; 256]), -256 * 128 * 127);
        let mut out = [0; 2];
        row_dots(&[-128; 64], &[[-128; 64], [127; 64]], &mut out);
        assert_eq!(out, [64 * 128 * 128, -64 * 128 * 127]);
    }

    proptest! {
        /// The dispatched path (AVX2 where the CPU has it) equals the plain sum, for
        /// any lengths (tails included) and for rows of 64.
        #[test]
        fn both_paths_agree(
            a in proptest::collection::vec(any::<i8>(), 0..300),
            b in proptest::collection::vec(any::<i8>(), 0..300),
            rows in proptest::collection::vec(proptest::array::uniform32(any::<i8>()), 0..6),
        ) {
            prop_assert_eq!(byte_dot(&a, &b), scalar_dot(&a, &b));
            prop_assert_eq!(portable_dot(&a, &b), scalar_dot(&a, &b));
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V3::try_new() {
                prop_assert_eq!(avx2::dot(simd, &a, &b), scalar_dot(&a, &b));
            }
            let query: [i8; 64] = std::array::from_fn(|i| a.get(i).copied().unwrap_or(-1));
            let rows: Vec<[i8; 64]> = rows
                .iter()
                .map(|half| std::array::from_fn(|i| half[i % 32] ^ i as i8))
                .collect();
            let mut out = vec![0; rows.len()];
            row_dots(&query, &rows, &mut out);
            let expected: Vec<i32> = rows.iter().map(|r| scalar_dot(r, &query)).collect();
            prop_assert_eq!(out, expected);
        }
    }
}
