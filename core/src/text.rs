//! Text normalisation and word-level search.
//!
//! Everything that compares customer text — signatures, keyword triggers, safety
//! rules, retrieval — goes through [`normalize`] first, so that `Don’t`, `DON'T`
//! and `don't` are the same word, and through [`words`] so that a keyword only
//! matches whole words (V1 matched `sue` inside "issue").

use unicode_normalization::UnicodeNormalization;

/// Normalises text for comparison.
///
/// Steps, in order: Unicode NFKC; full case folding; typographic apostrophes and
/// quotes folded to ASCII (`’` → `'`, `“` → `"`); Unicode dashes folded to `-`;
/// control characters treated as white space; runs of white space collapsed to one
/// ASCII space; leading and trailing space removed.
///
/// # Example
/// ```
/// use pattern_learning::text::normalize;
/// assert_eq!(normalize("  The TrackMan\u{2019}s   FROZEN — again\t"), "the trackman's frozen - again");
/// ```
pub fn normalize(text: &str) -> String {
    // NFKC, case fold, NFKC again: folding can put combining marks out of
    // canonical order (`İ` + U+0591), which the second pass restores, so that
    // normalising twice gives the same text (found by the fuzzer).
    // ASCII is its own NFKC form and folds to its lowercase: skip both passes.
    let folded: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        caseless::default_case_fold_str(&text.nfkc().collect::<String>())
            .nfkc()
            .collect()
    };
    let mut out = String::with_capacity(folded.len());
    let mut pending_space = false;
    for ch in folded.chars() {
        let ch = fold_punctuation(ch);
        if ch.is_whitespace() || ch.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(ch);
    }
    out
}

/// Maps typographic apostrophes, quotes and dashes to their ASCII forms.
fn fold_punctuation(ch: char) -> char {
    match ch {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{0060}' | '\u{00B4}' | '\u{FF07}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        _ => ch,
    }
}

/// Splits normalised text into words.
///
/// A word is a maximal run of alphanumeric characters; an apostrophe between two
/// alphanumeric characters stays inside the word (`don't`). Everything else —
/// punctuation, emoji, symbols — separates words.
///
/// # Example
/// ```
/// use pattern_learning::text::words;
/// let w: Vec<&str> = words("i don't know, bay-3?! 🙂").collect();
/// assert_eq!(w, ["i", "don't", "know", "bay", "3"]);
/// ```
pub fn words(normalized: &str) -> Words<'_> {
    Words {
        text: normalized,
        pos: 0,
    }
}

/// Iterator over the words of a normalised text; see [`words`].
#[derive(Debug, Clone)]
pub struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text;
        let mut iter = bytes[self.pos..].char_indices().peekable();
        // Skip separators.
        let start = loop {
            let (i, ch) = iter.next()?;
            if is_word_char(ch) {
                break self.pos + i;
            }
        };
        let mut end = bytes.len();
        let mut prev_alnum = true;
        while let Some((i, ch)) = iter.next() {
            if is_word_char(ch) {
                prev_alnum = true;
                continue;
            }
            let next_alnum = iter.peek().is_some_and(|(_, n)| is_word_char(*n));
            if ch == '\'' && prev_alnum && next_alnum {
                prev_alnum = false;
                continue;
            }
            end = self.pos + i;
            break;
        }
        self.pos = end;
        Some(&bytes[start..end])
    }
}

/// Letters, digits, and combining marks (case folding turns `İ` into `i` + U+0307,
/// which must stay one word).
fn is_word_char(ch: char) -> bool {
    ch.is_alphanumeric()
        || matches!(ch, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Returns the words of `text` after [`normalize`], as owned strings.
///
/// # Example
/// ```
/// use pattern_learning::text::word_list;
/// assert_eq!(word_list("Doesn’t HELP"), ["doesn't", "help"]);
/// ```
pub fn word_list(text: &str) -> Vec<String> {
    let normalized = normalize(text);
    words(&normalized).map(str::to_owned).collect()
}

/// True when `phrase` (one or more words) occurs in `haystack` on word boundaries.
///
/// Both sides are given as word lists (see [`word_list`]). An empty phrase never
/// matches.
///
/// # Example
/// ```
/// use pattern_learning::text::{contains_phrase, word_list};
/// let msg = word_list("I have an issue with the TrackMan");
/// assert!(!contains_phrase(&msg, &word_list("sue")));
/// assert!(contains_phrase(&msg, &word_list("the trackman")));
/// ```
pub fn contains_phrase<S: AsRef<str>, P: AsRef<str>>(haystack: &[S], phrase: &[P]) -> bool {
    if phrase.is_empty() || phrase.len() > haystack.len() {
        return false;
    }
    haystack.windows(phrase.len()).any(|window| {
        window
            .iter()
            .zip(phrase)
            .all(|(a, b)| a.as_ref() == b.as_ref())
    })
}

/// Drops apostrophes inside words (`don't` → `dont`), for matching features where
/// customers type either form.
/// The first `max` bytes of `s`, cut back to a character boundary.
pub(crate) fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

pub(crate) fn strip_apostrophes(word: &str) -> std::borrow::Cow<'_, str> {
    if word.contains('\'') {
        std::borrow::Cow::Owned(word.replace('\'', ""))
    } else {
        std::borrow::Cow::Borrowed(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_case_width_and_punctuation() {
        assert_eq!(normalize("ＴＲＡＣＫＭＡＮ"), "trackman");
        assert_eq!(normalize("Straße"), "strasse");
        assert_eq!(normalize("doesn’t – really"), "doesn't - really");
        assert_eq!(normalize("a\u{0000}b\u{0007}\r\nc"), "a b c");
        assert_eq!(normalize("   "), "");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn normalize_is_idempotent_on_samples() {
        for s in ["Café ½ — ‘x’", "ﬁne", "\u{202E}abc", "🙂 ok"] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s:?}");
        }
    }

    #[test]
    fn words_split_on_punctuation_and_keep_inner_apostrophes() {
        let w: Vec<&str> = words("'quoted' rock'n'roll, it's-ok 3pm").collect();
        assert_eq!(w, ["quoted", "rock'n'roll", "it's", "ok", "3pm"]);
    }

    #[test]
    fn words_handle_rtl_and_emoji() {
        let n = normalize("مرحبا 🙂 שלום");
        let w: Vec<&str> = words(&n).collect();
        assert_eq!(w, ["مرحبا", "שלום"]);
    }

    /// Regression: fuzz/regressions/normalize_signature/normalize-not-idempotent-dotted-capital-i-then-mark
    #[test]
    fn fuzz_normalize_is_idempotent_for_dotted_capital_i_then_mark() {
        let once = normalize("İ\u{591}");
        assert_eq!(normalize(&once), once);
    }

    #[test]
    fn dotted_capital_i_stays_one_word() {
        assert_eq!(word_list("İstanbul"), ["i\u{307}stanbul"]);
    }

    #[test]
    fn phrase_matching_respects_word_boundaries() {
        let msg = word_list("Is it illegal to bring beer?");
        assert!(!contains_phrase(&msg, &["legal"]));
        assert!(contains_phrase(&msg, &["illegal"]));
        assert!(!contains_phrase::<String, &str>(&msg, &[]));
    }
}
