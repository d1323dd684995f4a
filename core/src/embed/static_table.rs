//! The built-in static sentence embedder: a token → vector table shipped in the crate.
//!
//! The table was distilled from all-MiniLM-L6-v2 with model2vec (see `NOTICE` and
//! `scripts/distill-static-embedder`): every WordPiece token has one 256-dimension row
//! (stored as signed bytes with one scale per row); a sentence vector is the mean of its
//! tokens' rows, L2-normalised. Unknown tokens are skipped. It costs microseconds per
//! message and knows that "the sim keeps freezing" is close to "the TrackMan is frozen".

use std::sync::OnceLock;

use super::wordpiece::WordPiece;
use super::{normalize_l2, Embedder};

/// The table, embedded at compile time (format: `scripts/distill_static_embedder.py`).
static TABLE_BYTES: &[u8] = include_bytes!("../../assets/static-minilm-256.bin");

/// Tokens per sentence at most (as the reference encoder).
const MAX_TOKENS: usize = 512;

/// The parsed table, shared by every [`StaticEmbedder`] of the process.
static TABLE: OnceLock<Table> = OnceLock::new();

#[derive(Debug)]
struct Table {
    dimension: usize,
    max_chars: usize,
    tokenizer: WordPiece,
    scales: Vec<f32>,
    /// `rows × dimension` signed bytes, borrowed from [`TABLE_BYTES`].
    values: &'static [u8],
}

impl Table {
    /// Parses [`TABLE_BYTES`]. The table is part of the crate and checked by tests, so a
    /// malformed one is a build defect, reported by panic at first use.
    fn parse(bytes: &'static [u8]) -> Table {
        let mut reader = Reader { bytes, at: 0 };
        assert_eq!(reader.take(4), b"PLSE", "static embedder table: bad magic");
        assert_eq!(reader.u32(), 1, "static embedder table: unknown version");
        let dimension = reader.u32() as usize;
        let rows = reader.u32() as usize;
        let median_token_length = reader.u32() as usize;
        let unknown = reader.u32();
        let tokens: Vec<&'static str> = (0..rows)
            .map(|_| {
                let len = usize::from(reader.u16());
                std::str::from_utf8(reader.take(len)).expect("static embedder table: token")
            })
            .collect();
        let scales = reader
            .take(rows * 4)
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let values = reader.take(rows * dimension);
        assert_eq!(
            reader.at,
            bytes.len(),
            "static embedder table: trailing bytes"
        );
        Table {
            dimension,
            max_chars: MAX_TOKENS * median_token_length.max(1),
            tokenizer: WordPiece::new(tokens, unknown),
            scales,
            values,
        }
    }
}

struct Reader {
    bytes: &'static [u8],
    at: usize,
}

impl Reader {
    fn take(&mut self, n: usize) -> &'static [u8] {
        let bytes: &'static [u8] = self.bytes;
        let out = &bytes[self.at..self.at + n];
        self.at += n;
        out
    }
    fn u16(&mut self) -> u16 {
        let b = self.take(2);
        u16::from_le_bytes([b[0], b[1]])
    }
    fn u32(&mut self) -> u32 {
        let b = self.take(4);
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

fn table() -> &'static Table {
    TABLE.get_or_init(|| Table::parse(TABLE_BYTES))
}

/// The built-in embedder: a static token table distilled from all-MiniLM-L6-v2.
///
/// 256 dimensions; the table (about 7.7 MB) is part of the library and parsed once per
/// process at first use (a few milliseconds). No file or network access.
///
/// # Example
/// ```
/// use pattern_learning::embed::{cosine, Embedder, StaticEmbedder};
/// let e = StaticEmbedder::new();
/// let frozen = e.embed("the TrackMan is frozen");
/// let freezing = e.embed("the sim keeps freezing");
/// let gift = e.embed("do you sell gift cards");
/// assert!(cosine(&frozen, &freezing) > cosine(&frozen, &gift));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct StaticEmbedder {
    _private: (),
}

impl StaticEmbedder {
    /// The built-in embedder (the table is parsed on first use).
    pub fn new() -> Self {
        StaticEmbedder { _private: () }
    }

    /// Token ids of `text` as the table's tokenizer splits it (unknown tokens removed).
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let table = table();
        let text = truncate_chars(text, table.max_chars);
        let unknown = table.tokenizer.unknown();
        let mut ids = table.tokenizer.encode(text, MAX_TOKENS);
        ids.retain(|id| *id != unknown);
        ids
    }
}

/// The first `max` characters of `text`.
fn truncate_chars(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(i, _)| &text[..i])
}

impl Embedder for StaticEmbedder {
    fn dimension(&self) -> usize {
        table().dimension
    }

    fn name(&self) -> &str {
        "static-minilm-256"
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        let table = table();
        let d = table.dimension;
        let mut sum = vec![0f32; d];
        for id in self.token_ids(text) {
            let row = id as usize;
            let scale = table.scales[row];
            let values = &table.values[row * d..(row + 1) * d];
            for (acc, v) in sum.iter_mut().zip(values) {
                *acc += f32::from(*v as i8) * scale;
            }
        }
        normalize_l2(&mut sum);
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_has_the_documented_shape() {
        let t = table();
        assert_eq!(t.dimension, 256);
        assert!(t.scales.len() > 20_000);
        assert_eq!(t.values.len(), t.scales.len() * 256);
        assert!(t.scales.iter().all(|s| s.is_finite() && *s > 0.0));
    }

    #[test]
    fn vectors_are_unit_length_or_zero() {
        let e = StaticEmbedder::new();
        let v = e.embed("Door code isn't working");
        let n: f32 = v.iter().map(|x| x * x).sum();
        assert!((n - 1.0).abs() < 1e-4);
        assert!(e.embed("").iter().all(|x| *x == 0.0));
        assert!(e.embed(" \u{0} ").iter().all(|x| *x == 0.0));
    }
}
