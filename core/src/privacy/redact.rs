//! Identifiers taken out of customer text before it is learned: phone numbers,
//! e-mail addresses and self-introduced names become the placeholders
//! [`PHONE`], [`EMAIL`] and [`NAME`]. What is recognised is listed in the
//! [module documentation](super#what-redaction-recognises).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What a phone number becomes.
pub const PHONE: &str = "[phone]";
/// What an e-mail address becomes.
pub const EMAIL: &str = "[email]";
/// What a self-introduced name becomes.
pub const NAME: &str = "[name]";

/// `text` with every recognised phone number, e-mail address and self-introduced
/// name replaced by its placeholder; borrowed, at no cost, when there is none.
///
/// # Example
/// ```
/// use pattern_learning::privacy::redact;
/// assert_eq!(
///     redact("Hi, this is Sam Lee, call me at (902) 555-0100 or sam@example.com"),
///     "Hi, this is [name], call me at [phone] or [email]"
/// );
/// assert_eq!(redact("do you sell gift cards?"), "do you sell gift cards?");
/// ```
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut spans = Vec::new();
    if text.contains('@') {
        spans.extend(EMAIL_ADDRESS.find_iter(text).map(|m| (m.range(), EMAIL)));
    }
    if text.bytes().filter(u8::is_ascii_digit).count() >= 7 {
        spans.extend(phone_spans(text).map(|r| (r, PHONE)));
    }
    if INTRODUCTION_CUE.is_match(text) {
        spans.extend(name_spans(text).map(|r| (r, NAME)));
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_by_key(|(range, _)| (range.start, std::cmp::Reverse(range.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, placeholder) in spans {
        if range.start < at {
            continue; // inside an earlier span
        }
        out.push_str(&text[at..range.start]);
        out.push_str(placeholder);
        at = range.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// The byte ranges of the phone numbers in `text` (see [`PHONE_NUMBER`]).
pub(crate) fn phone_spans(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    PHONE_NUMBER
        .find_iter(text)
        .filter(|m| stands_alone(text, m.start(), m.end()))
        .map(|m| m.range())
}

/// Whether `text[start..end]` is not glued to a letter, a digit or a `+`.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let glued = |c: char| c.is_alphanumeric() || c == '+' || c == '@';
    !text[..start].chars().next_back().is_some_and(glued)
        && !text[end..].chars().next().is_some_and(glued)
}

/// The byte ranges of self-introduced names: the one or two capitalised words
/// after a cue, unless the first is a word that is not a name.
fn name_spans(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    INTRODUCTION.captures_iter(text).filter_map(|c| {
        let first = c.get(1).filter(|w| is_name(w.as_str()))?;
        let end = c
            .get(2)
            .filter(|w| is_name(w.as_str()))
            .map_or(first.end(), |second| second.end());
        Some(first.start()..end)
    })
}

/// Whether a capitalised word after a cue may be a name: not one of [`NOT_NAMES`],
/// possessive or not (`Friday's`).
fn is_name(word: &str) -> bool {
    let base = word.split(['\'', '’']).next().unwrap_or(word);
    !NOT_NAMES.contains(&base)
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the redaction patterns are valid regular expressions")
}

/// `local@domain.tld`, ASCII: letters, digits and `._%+-` before the `@`; labels
/// of letters, digits and `-` after it, the last one of two letters or more.
static EMAIL_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
});

/// North American numbers (10 digits, optionally after `1` or `+1`; grouped
/// 3-3-4 by spaces, dots or hyphens, the area code optionally in parentheses, or
/// written as one run), local numbers (3-4, with a hyphen or a dot) and
/// international numbers (`+` and 8 to 15 digits, single spaces, dots or hyphens
/// between them).
static PHONE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"\+[0-9](?:[ .\-]?[0-9]){7,14}",
        r"|(?:1[ .\-]?)?(?:\([0-9]{3}\)[ .\-]?|[0-9]{3}[ .\-]?)[0-9]{3}[ .\-]?[0-9]{4}",
        r"|[0-9]{3}[.\-][0-9]{4}",
    ))
});

/// The phrases a name follows: "my name is", "my name's", "this is", "I am",
/// "I'm" (any case, straight or typographic apostrophe).
const CUES: &str = r"(?i:\b(?:my\s+name\s+is|my\s+name['’]s|this\s+is|i\s+am|i['’]m)\s+)";

static INTRODUCTION_CUE: LazyLock<Regex> = LazyLock::new(|| compile(CUES));

/// A cue, then one or two words that start with a capital letter and go on in
/// small letters (an apostrophe or hyphen inside: O'Brien, Mary-Jane).
static INTRODUCTION: LazyLock<Regex> = LazyLock::new(|| {
    let word = r"(\p{Lu}\p{Ll}*(?:['’\-]\p{Lu}?\p{Ll}+)*)\b";
    compile(&format!(r"{CUES}{word}(?:\s+{})?", word))
});

/// Capitalised words after a cue that are not names.
const NOT_NAMES: &[&str] = &[
    "I",
    "A",
    "An",
    "The",
    "Not",
    "Just",
    "So",
    "Very",
    "Really",
    "Still",
    "Also",
    "Here",
    "There",
    "Sorry",
    "Trying",
    "Looking",
    "Calling",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_in_their_usual_forms() {
        for (text, expected) in [
            ("call 902-555-0100 please", "call [phone] please"),
            ("call (902) 555-0100", "call [phone]"),
            ("call 902.555.0100", "call [phone]"),
            ("call 9025550100", "call [phone]"),
            ("call +1 902 555 0100", "call [phone]"),
            ("call 1-902-555-0100", "call [phone]"),
            ("call +44 20 7946 0958", "call [phone]"),
            ("call 555-0100", "call [phone]"),
        ] {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_phone_numbers_stay() {
        for text in [
            "book bay 3 at 5pm",
            "2025-10-01 at 10:30",
            "transfer 1000000 to savings",
            "order #12345678",
            "card 4111 1111 1111 1111",
            "room 1234567",
            "abc9025550100",
        ] {
            assert_eq!(redact(text), text, "{text}");
        }
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            redact("mail sam.lee+golf@club-os.example.ca now"),
            "mail [email] now"
        );
        assert_eq!(redact("meet @ 5"), "meet @ 5");
    }

    #[test]
    fn self_introduced_names() {
        for (text, expected) in [
            ("Hi this is Sam from bay 3", "Hi this is [name] from bay 3"),
            (
                "my name is John Smith and I booked",
                "my name is [name] and I booked",
            ),
            ("I'm Mary-Jane O'Brien", "I'm [name]"),
            ("I’m Sam", "I’m [name]"),
            ("My name's Ana", "My name's [name]"),
        ] {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn capitalised_words_that_are_not_names_stay() {
        for text in [
            "this is Friday's booking",
            "I am Not happy",
            "why i'm I being charged",
            "this is TrackMan support",
            "my name is sam",
            "Sam booked bay 3",
        ] {
            assert_eq!(redact(text), text, "{text}");
        }
        // A second word that is not a name is left out of the name.
        assert_eq!(redact("this is Sam Monday"), "this is [name] Monday");
    }

    #[test]
    fn redaction_is_idempotent() {
        let once = redact("this is Sam, 902-555-0100, sam@example.com").into_owned();
        assert_eq!(redact(&once), once);
    }
}
