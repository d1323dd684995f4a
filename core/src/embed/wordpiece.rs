//! BERT "uncased" WordPiece tokenisation, as the distilled model's own tokenizer does it.
//!
//! Reproduces the Hugging Face `tokenizers` pipeline the static table was distilled with:
//! `BertNormalizer` (clean text, space around CJK ideographs, strip accents, lowercase),
//! `BertPreTokenizer` (split on whitespace, every punctuation character its own word) and
//! greedy longest-match-first `WordPiece` with the `##` continuation prefix. A word longer
//! than 100 characters, or one that cannot be split into vocabulary pieces, is one unknown
//! token. A fixture test checks the ids against the reference tokenizer.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

use unicode_general_category::{get_general_category, GeneralCategory as Gc};
use unicode_normalization::UnicodeNormalization;

/// Words longer than this many characters are one unknown token (as in the reference).
const MAX_CHARS_PER_WORD: usize = 100;

/// A WordPiece vocabulary: whole-word pieces and `##` continuation pieces.
///
/// Generic over how token text is held: the built-in table borrows it (`&'static str`),
/// a vocabulary read at run time owns it (`Box<str>`). Lookups are the same either way.
#[derive(Debug, Clone)]
pub(crate) struct WordPiece<K = &'static str> {
    ids: HashMap<K, u32>,
    unknown: u32,
}

impl<K: Borrow<str> + Hash + Eq> WordPiece<K> {
    /// A tokenizer over `tokens` (token text in id order) with the unknown token `unknown`.
    /// A token listed twice keeps its last id (as the reference's vocabulary reader).
    pub fn new(tokens: impl IntoIterator<Item = K>, unknown: u32) -> Self {
        let tokens = tokens.into_iter();
        let mut ids = HashMap::with_capacity(tokens.size_hint().0);
        for (i, t) in tokens.into_iter().enumerate() {
            ids.insert(t, i as u32);
        }
        WordPiece { ids, unknown }
    }

    /// The id of the unknown token.
    pub fn unknown(&self) -> u32 {
        self.unknown
    }

    /// Token ids of `text`, at most `max_tokens` of them (unknown tokens included).
    pub fn encode(&self, text: &str, max_tokens: usize) -> Vec<u32> {
        let normalized = normalize(text);
        let mut ids = Vec::new();
        let mut piece = String::new();
        for word in pre_tokenize(&normalized) {
            if ids.len() >= max_tokens {
                break;
            }
            self.encode_word(word, &mut ids, &mut piece);
        }
        ids.truncate(max_tokens);
        ids
    }

    fn encode_word(&self, word: &str, ids: &mut Vec<u32>, piece: &mut String) {
        if word.chars().count() > MAX_CHARS_PER_WORD {
            ids.push(self.unknown);
            return;
        }
        let before = ids.len();
        let mut start = 0;
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while end > start {
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.push_str(&word[start..end]);
                if let Some(id) = self.ids.get(piece.as_str()) {
                    found = Some(*id);
                    break;
                }
                end = previous_boundary(word, end);
            }
            match found {
                Some(id) => {
                    ids.push(id);
                    start = end;
                }
                None => {
                    ids.truncate(before);
                    ids.push(self.unknown);
                    return;
                }
            }
        }
    }
}

/// The byte index of the character boundary before `end` (which is > 0).
fn previous_boundary(word: &str, end: usize) -> usize {
    word[..end].char_indices().next_back().map_or(0, |(i, _)| i)
}

/// `BertNormalizer` with `clean_text`, `handle_chinese_chars`, accents stripped, lowercase.
fn normalize(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        if is_whitespace(c) {
            cleaned.push(' ');
        } else if is_chinese_char(c) {
            cleaned.push(' ');
            cleaned.push(c);
            cleaned.push(' ');
        } else {
            cleaned.push(c);
        }
    }
    if cleaned.is_ascii() {
        // ASCII has no accents to strip and is its own NFD form.
        cleaned.make_ascii_lowercase();
        return cleaned;
    }
    let stripped: String = cleaned
        .nfd()
        .filter(|c| get_general_category(*c) != Gc::NonspacingMark)
        .collect();
    stripped.chars().flat_map(char::to_lowercase).collect()
}

/// `BertPreTokenizer`: words split on whitespace; each punctuation character alone.
fn pre_tokenize(text: &str) -> impl Iterator<Item = &str> {
    text.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .flat_map(split_punctuation)
}

fn split_punctuation(word: &str) -> impl Iterator<Item = &str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices() {
        if is_punctuation(c) {
            if start < i {
                pieces.push(&word[start..i]);
            }
            pieces.push(&word[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    if start < word.len() {
        pieces.push(&word[start..]);
    }
    pieces.into_iter()
}

fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    matches!(
        get_general_category(c),
        Gc::Control | Gc::Format | Gc::Unassigned | Gc::PrivateUse | Gc::Surrogate
    )
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            get_general_category(c),
            Gc::ConnectorPunctuation
                | Gc::DashPunctuation
                | Gc::ClosePunctuation
                | Gc::FinalPunctuation
                | Gc::InitialPunctuation
                | Gc::OtherPunctuation
                | Gc::OpenPunctuation
        )
}

fn is_chinese_char(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B920..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> WordPiece {
        let tokens: &[&'static str] = &[
            "[PAD]", "[UNK]", "un", "##aff", "##able", "play", "##ing", "!", "the", "cafe", "北",
        ];
        WordPiece::new(tokens.iter().copied(), 1)
    }

    #[test]
    fn splits_words_into_longest_pieces() {
        let t = tokenizer();
        assert_eq!(t.encode("unaffable", 512), vec![2, 3, 4]);
        assert_eq!(t.encode("The PLAYING!", 512), vec![8, 5, 6, 7]);
    }

    #[test]
    fn unknown_words_are_one_unknown_token() {
        let t = tokenizer();
        assert_eq!(t.encode("unxyz the", 512), vec![1, 8]);
        assert_eq!(t.encode(&"a".repeat(101), 512), vec![1]);
    }

    #[test]
    fn normalises_like_bert() {
        let t = tokenizer();
        assert_eq!(t.encode("Café", 512), vec![9]);
        assert_eq!(t.encode("the\u{0}\u{200b}北the", 512), vec![8, 10, 8]);
        assert!(t.encode(" \t\r\n ", 512).is_empty());
    }

    #[test]
    fn respects_the_token_limit() {
        let t = tokenizer();
        assert_eq!(t.encode("the the the the", 2), vec![8, 8]);
    }
}
