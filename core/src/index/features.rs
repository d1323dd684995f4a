//! Lexical features of a text: word 1–2-grams and character 3–5-grams
//! (`docs/decisions/0003-character-ngrams.md`: 2-grams cost as much and told least).
//!
//! Features are 32-bit hashes; collisions are rare enough at inbox scale (a few
//! hundred thousand distinct features) to be irrelevant for ranking.

use crate::text;

/// Hashed features of one text, with raw term frequencies, sorted by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TermCounts {
    pub keys: Vec<u32>,
    pub counts: Vec<u8>,
}

impl TermCounts {
    fn from_unsorted(mut keys: Vec<u32>) -> Self {
        keys.sort_unstable();
        let mut out = TermCounts::default();
        for key in keys {
            if out.keys.last() == Some(&key) {
                let last = out.counts.len() - 1;
                out.counts[last] = out.counts[last].saturating_add(1);
            } else {
                out.keys.push(key);
                out.counts.push(1);
            }
        }
        out
    }
}

/// The analysed form of a text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Analysed {
    /// Words after normalisation, apostrophes removed.
    pub words: Vec<String>,
    /// Word unigram and bigram features.
    pub word_terms: TermCounts,
    /// Character 3–5-gram features inside word boundaries (padded with spaces).
    pub char_terms: TermCounts,
}

/// Upper bound on the words analysed per text; keeps work bounded for huge inputs.
pub(crate) const MAX_WORDS: usize = 256;

/// Analyses `input` (any text; it is normalised here).
pub(crate) fn analyse(input: &str) -> Analysed {
    analyse_normalized(&text::normalize(input))
}

/// Analyses a text already passed through [`text::normalize`] (idempotent: the
/// result is [`analyse`]'s of the original text).
pub(crate) fn analyse_normalized(normalized: &str) -> Analysed {
    let words: Vec<String> = text::words(normalized)
        .take(MAX_WORDS)
        .map(|w| text::strip_apostrophes(w).into_owned())
        .collect();
    analyse_words(words)
}

/// Analyses an already tokenised word list.
pub(crate) fn analyse_words(words: Vec<String>) -> Analysed {
    let mut word_keys = Vec::with_capacity(words.len() * 2);
    for (i, w) in words.iter().enumerate() {
        word_keys.push(word_key(w));
        if let Some(next) = words.get(i + 1) {
            word_keys.push(bigram_key(w, next));
        }
    }
    let mut char_keys = Vec::with_capacity(words.len() * 16);
    let mut padded: Vec<char> = Vec::with_capacity(32);
    let mut padded_ascii: Vec<u8> = Vec::with_capacity(32);
    for w in &words {
        if w.is_ascii() {
            // One byte per character: the grams are windows of the bytes themselves,
            // the same bytes `char_key` would encode.
            padded_ascii.clear();
            padded_ascii.push(b' ');
            padded_ascii.extend_from_slice(w.as_bytes());
            padded_ascii.push(b' ');
            for n in CHAR_GRAMS {
                char_keys.extend(padded_ascii.windows(n).map(gram_key));
            }
            continue;
        }
        padded.clear();
        padded.push(' ');
        padded.extend(w.chars());
        padded.push(' ');
        for n in CHAR_GRAMS {
            for gram in padded.windows(n) {
                char_keys.push(char_key(gram));
            }
        }
    }
    Analysed {
        word_terms: TermCounts::from_unsorted(word_keys),
        char_terms: TermCounts::from_unsorted(char_keys),
        words,
    }
}

impl Analysed {
    /// Adds extra word unigrams (typo corrections) to the word features.
    pub fn add_unigrams(&mut self, extra: &[String]) {
        if extra.is_empty() {
            return;
        }
        let mut keys: Vec<u32> = Vec::new();
        for (k, c) in self.word_terms.keys.iter().zip(&self.word_terms.counts) {
            keys.extend(std::iter::repeat_n(*k, usize::from(*c)));
        }
        keys.extend(extra.iter().map(|w| word_key(w)));
        self.word_terms = TermCounts::from_unsorted(keys);
    }
}

/// Hash key of a word unigram.
pub(crate) fn word_key(word: &str) -> u32 {
    fold(crate::embed::fnv1a(word.as_bytes(), 0x01))
}

fn bigram_key(a: &str, b: &str) -> u32 {
    let h = crate::embed::fnv1a(a.as_bytes(), 0x02);
    fold(crate::embed::fnv1a(b.as_bytes(), h.rotate_left(17)))
}

/// Lengths of the character n-grams, in characters.
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 3..=5;

fn char_key(gram: &[char]) -> u32 {
    let mut buf = [0u8; 20];
    let mut len = 0;
    for ch in gram {
        len += ch.encode_utf8(&mut buf[len..]).len();
    }
    gram_key(&buf[..len])
}

/// Hash key of a character n-gram, from its UTF-8 bytes.
fn gram_key(bytes: &[u8]) -> u32 {
    fold(crate::embed::fnv1a(bytes, 0x03))
}

fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_merged_and_sorted() {
        let a = analyse("gift gift card");
        assert!(a.word_terms.keys.windows(2).all(|w| w[0] < w[1]));
        let gift = a
            .word_terms
            .keys
            .iter()
            .position(|k| *k == word_key("gift"))
            .unwrap();
        assert_eq!(a.word_terms.counts[gift], 2);
    }

    #[test]
    fn apostrophes_do_not_split_features() {
        assert_eq!(analyse("don’t").words, analyse("dont").words);
    }

    #[test]
    fn ascii_words_hash_their_grams_like_any_other_word() {
        // The same grams through the character path (as a non-ASCII word takes).
        let reference = |word: &str| -> Vec<u32> {
            let padded: Vec<char> = format!(" {word} ").chars().collect();
            let mut keys: Vec<u32> = CHAR_GRAMS
                .flat_map(|n| padded.windows(n).map(char_key).collect::<Vec<_>>())
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        };
        for word in ["trackman", "gift", "ab", "x", "dont"] {
            assert_eq!(analyse(word).char_terms.keys, reference(word), "{word}");
        }
        // A non-ASCII word keeps its characters whole.
        assert_eq!(analyse("café").char_terms.keys, reference("café"));
    }

    #[test]
    fn huge_input_is_bounded() {
        let a = analyse(&"word ".repeat(100_000));
        assert_eq!(a.words.len(), MAX_WORDS);
    }
}
