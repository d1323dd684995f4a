//! Words of a message that the proposed reply does not explain.
//!
//! Nearest examples always exist, and a message that no canned reply covers often
//! shares most of its words with one that does: "how many calories does doing 20
//! situps burn" sits next to "how many calories are in cookies". What gives it away
//! is a word that carries its meaning ("situps", "burn"): no example of the proposed
//! reply ever had it, and it is rare among all the examples the engine knows
//! ([`Gates::rare_word_examples`]) or most of its examples are one other reply's
//! ([`Gates::foreign_word_share`]). Such a word is *unexplained* unless one of the
//! reply's nearest examples holds a word close to it in the built-in table's
//! embedding ([`Gates::close_word_similarity`]; "deposits" is explained by
//! "deposit").
//!
//! The gate `unexplained_words` allows [`Gates::max_unexplained_words`] of them;
//! the decision's evidence names them. How the values were chosen:
//! `docs/decisions/0004-out-of-scope.md`.

use crate::embed::{cosine, Embedder, StaticEmbedder};
use crate::gates::Gates;
use crate::index::Index;
use crate::pattern::PatternId;
use crate::text;

/// Examples of a word looked at, at most: a word in more examples is common and
/// says nothing about which reply fits.
const SCAN: usize = 512;

/// The words of `message_words` (normalised, apostrophes removed) that `pattern`
/// does not explain, given its nearest agreeing examples `neighbours`, in the
/// message's order.
pub(crate) fn unexplained_words(
    index: &Index,
    message_words: &[String],
    pattern: PatternId,
    neighbours: &[u32],
    gates: &Gates,
) -> Vec<String> {
    let mut suspects: Vec<&str> = Vec::new();
    for word in message_words {
        let new = !suspects.contains(&word.as_str()) && is_content_word(word);
        if new && is_suspect(index, word, pattern, gates) {
            suspects.push(word);
        }
    }
    if suspects.is_empty() {
        return Vec::new();
    }
    let nearby = NeighbourWords::new(index, neighbours);
    suspects
        .into_iter()
        .filter(|w| nearby.closest(w) < gates.close_word_similarity)
        .map(str::to_owned)
        .collect()
}

/// Whether `word` is one no example of `pattern` has, rare or another reply's.
fn is_suspect(index: &Index, word: &str, pattern: PatternId, gates: &Gates) -> bool {
    let usage = index.word_use(word, pattern, SCAN);
    if usage.with_pattern || usage.examples > SCAN {
        return false;
    }
    let rare = usage.examples <= gates.rare_word_examples;
    let foreign = usage.of_top_other as f64 >= gates.foreign_word_share * usage.examples as f64;
    rare || foreign
}

/// A word that can carry meaning: two letters or more, no digit (numbers, times
/// and amounts fill a reply's slots; they do not change which reply fits).
fn is_content_word(word: &str) -> bool {
    word.chars().nth(1).is_some() && !word.chars().any(char::is_numeric)
}

/// The words of the nearest examples, with their vectors in the built-in table
/// (whatever the engine's embedder: one word is one cheap lookup there).
struct NeighbourWords {
    embedder: StaticEmbedder,
    vectors: Vec<Vec<f32>>,
}

impl NeighbourWords {
    fn new(index: &Index, neighbours: &[u32]) -> Self {
        let mut words: Vec<String> = Vec::new();
        for example in neighbours.iter().filter_map(|d| index.example_text(*d)) {
            for w in text::words(&text::normalize(example)) {
                let w = text::strip_apostrophes(w).into_owned();
                if is_content_word(&w) && !words.contains(&w) {
                    words.push(w);
                }
            }
        }
        let embedder = StaticEmbedder::new();
        let vectors = words.iter().map(|w| embedder.embed(w)).collect();
        NeighbourWords { embedder, vectors }
    }

    /// The cosine of `word` to the closest neighbour word (0 without any).
    fn closest(&self, word: &str) -> f64 {
        let v = self.embedder.embed(word);
        self.vectors
            .iter()
            .map(|u| cosine(&v, u))
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Polarity;

    /// An index of two replies: calories (foods) and tyres.
    fn index() -> (Index, Vec<u32>) {
        let mut index = Index::default();
        let e = StaticEmbedder::new();
        let mut calories = Vec::new();
        for food in ["cookies", "waffles", "pizza", "apples", "bagels", "rice"] {
            let text = format!("how many calories are in {food}");
            calories.push(index.add_example(
                PatternId(1),
                Polarity::Positive,
                &text,
                e.embed(&text),
                None,
            ));
        }
        for text in [
            "when should i change my tires",
            "do i need new tires",
            "how often should tires be rotated",
            "i need to replace my tires",
            "can you burn a tire",
            "tires that burn out quickly",
        ] {
            index.add_example(PatternId(2), Polarity::Positive, text, e.embed(text), None);
        }
        (index, calories)
    }

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(String::from).collect()
    }

    #[test]
    fn rare_and_foreign_words_are_unexplained_unless_a_neighbour_word_is_close() {
        let (index, neighbours) = index();
        let gates = Gates::default();
        let calories = PatternId(1);
        // Every word is the reply's, or a number.
        let plain = words("how many calories are in 20 cookies");
        assert!(unexplained_words(&index, &plain, calories, &neighbours, &gates).is_empty());
        // "situps" was never seen; "burn" is rare and all the tyre reply's.
        let situps = words("how many calories does doing 20 situps burn");
        let found = unexplained_words(&index, &situps, calories, &neighbours, &gates);
        assert!(found.contains(&"situps".to_owned()), "{found:?}");
        assert!(is_suspect(&index, "burn", calories, &gates));
        assert!(
            !is_suspect(&index, "burn", PatternId(2), &gates),
            "the tyre reply's own"
        );
        assert!(!is_suspect(&index, "calories", calories, &gates));
        let common = Gates {
            rare_word_examples: 1,
            ..gates
        };
        assert!(
            is_suspect(&index, "burn", calories, &common),
            "foreign: 2 of 2"
        );
        let lenient = Gates {
            rare_word_examples: 1,
            foreign_word_share: 1.01,
            ..gates
        };
        assert!(!is_suspect(&index, "burn", calories, &lenient));
        assert!(
            is_suspect(&index, "situps", calories, &lenient),
            "never seen is rare"
        );
        // A close enough neighbour word explains everything.
        let close = Gates {
            close_word_similarity: 0.0,
            ..gates
        };
        assert!(unexplained_words(&index, &situps, calories, &neighbours, &close).is_empty());
    }

    #[test]
    fn content_words_have_two_letters_and_no_digit() {
        assert!(is_content_word("tires"));
        assert!(is_content_word("tv"));
        assert!(!is_content_word("a"));
        assert!(!is_content_word("235pm"));
        assert!(!is_content_word("20"));
    }
}
