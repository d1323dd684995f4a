//! Message signatures: the stable one used by this library, and V1's MD5 for import/export.
//!
//! A signature is a short key that two messages share when they are "the same text"
//! up to case, spacing and punctuation. It is a lookup key, not a measure of meaning:
//! `Do you sell gift cards?` and `Do you sell giftcards?` have different signatures.
//!
//! * [`signature`] is the one this library stores and looks up. It is built on
//!   [`crate::text::normalize`], so it is case- and width-insensitive for every
//!   script, and it treats `Don’t`, `DON'T` and `dont` alike.
//! * [`v1_signature`] reproduces V1's `generateSignature` bit for bit, for reading
//!   and writing V1 `decision_patterns` rows. It deletes every character outside
//!   ASCII `a-z0-9` (so `café` → `caf`, and a message in Arabic has the signature of
//!   the empty string); use it only where V1 compatibility is the point.
//!
//! Both are the lowercase hex MD5 of a canonical string, which is exposed too
//! ([`canonical_form`], [`v1_normalize`]) so that callers can see what was hashed.

use md5::{Digest, Md5};

use crate::text;

/// The stable signature of a message: lowercase hex MD5 of [`canonical_form`].
///
/// # Example
/// ```
/// use pattern_learning::signature::signature;
/// assert_eq!(signature("Don’t  work!"), signature("DONT WORK"));
/// assert_ne!(signature("gift cards"), signature("gift card"));
/// assert_eq!(signature("Thanks").len(), 32);
/// ```
pub fn signature(text: &str) -> String {
    signature_of_normalized(&text::normalize(text))
}

/// [`signature`] of a text already passed through [`text::normalize`] (which is
/// idempotent: the result is the same as for the original text).
pub(crate) fn signature_of_normalized(normalized: &str) -> String {
    md5_hex(&canonical_form_of_normalized(normalized))
}

/// The canonical form behind [`signature`].
///
/// The words of the [normalised](crate::text::normalize) text
/// ([`crate::text::words`]), with apostrophes removed from each word and joined
/// by one space. Punctuation, symbols and emoji are dropped.
///
/// # Example
/// ```
/// use pattern_learning::signature::canonical_form;
/// assert_eq!(canonical_form("  Don’t — the TrackMan's FROZEN?! 🙂"), "dont the trackmans frozen");
/// assert_eq!(canonical_form("Café ＴＲＡＣＫＭＡＮ"), "café trackman");
/// ```
pub fn canonical_form(text: &str) -> String {
    canonical_form_of_normalized(&text::normalize(text))
}

fn canonical_form_of_normalized(normalized: &str) -> String {
    let mut out = String::with_capacity(normalized.len());
    for word in text::words(normalized) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text::strip_apostrophes(word));
    }
    out
}

/// V1's signature (`generateSignature`): lowercase hex MD5 of [`v1_normalize`].
///
/// # Example
/// ```
/// use pattern_learning::signature::v1_signature;
/// assert_eq!(v1_signature("Do you sell gift cards?"), "8c75e70ab6784fc2ae46aef35313ad46");
/// assert_eq!(v1_signature(""), "d41d8cd98f00b204e9800998ecf8427e");
/// ```
pub fn v1_signature(text: &str) -> String {
    md5_hex(&v1_normalize(text))
}

/// V1's normalisation, exactly as V1 ran it in JavaScript:
///
/// ```js
/// text.toLowerCase().replace(/[^a-z0-9\s]/g, '').replace(/\s+/g, ' ').trim()
/// ```
///
/// Characters other than ASCII `a-z`, `0-9` and JavaScript white space are deleted,
/// not replaced, so `gift-cards` → `giftcards`. JavaScript's `\s` includes
/// NO-BREAK SPACE and U+FEFF but not NEXT LINE (U+0085), which is deleted.
///
/// # Example
/// ```
/// use pattern_learning::signature::v1_normalize;
/// assert_eq!(v1_normalize("  DO YOU   sell gift-cards!! "), "do you sell giftcards");
/// assert_eq!(v1_normalize("Café\u{a0}hours?"), "caf hours");
/// assert_eq!(v1_normalize("a\u{85}b"), "ab");
/// ```
pub fn v1_normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    // Lower-casing first matters: `K` (KELVIN SIGN) lower-cases to ASCII `k`.
    for ch in text.to_lowercase().chars() {
        if is_js_whitespace(ch) {
            pending_space = !out.is_empty();
        } else if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out
}

/// JavaScript's `\s`: ECMAScript WhiteSpace and LineTerminator code points.
fn is_js_whitespace(ch: char) -> bool {
    matches!(ch, '\t'..='\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}')
        || matches!(
            ch,
            '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
        )
}

/// Lowercase hex MD5 of the UTF-8 bytes of `text`.
fn md5_hex(text: &str) -> String {
    format!("{:x}", Md5::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_signature_ignores_case_apostrophes_and_punctuation() {
        let s = signature("dont");
        assert_eq!(signature("Don’t"), s);
        assert_eq!(signature("DON'T"), s);
        assert_eq!(signature("  don't!! "), s);
    }

    #[test]
    fn stable_signature_keeps_non_ascii_words() {
        assert_ne!(signature("café"), signature("caf"));
        assert_ne!(signature("مرحبا"), signature(""));
    }

    #[test]
    fn v1_deletes_rather_than_replaces() {
        assert_eq!(v1_normalize("don't"), "dont");
        assert_eq!(v1_normalize("a - b"), "a b");
        assert_eq!(v1_normalize("🙂"), "");
    }

    #[test]
    fn v1_lowercases_before_filtering() {
        assert_eq!(v1_normalize("\u{212A}ELVIN"), "kelvin");
        assert_eq!(v1_normalize("İstanbul"), "istanbul");
    }

    proptest::proptest! {
        #[test]
        fn v1_normal_form_is_ascii_words_and_single_spaces(text in "\\PC*") {
            let normal = v1_normalize(&text);
            proptest::prop_assert!(normal.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b' ')));
            proptest::prop_assert!(!normal.starts_with(' ') && !normal.ends_with(' '));
            proptest::prop_assert!(!normal.contains("  "));
            proptest::prop_assert_eq!(v1_normalize(&normal), normal);
        }
    }
}
