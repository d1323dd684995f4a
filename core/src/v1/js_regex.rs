//! V1's regular expressions were written for JavaScript. This module translates the
//! constructs they use into Rust `regex` syntax with the same meaning, so that a V1
//! expression can be kept verbatim next to its translation.

/// JavaScript's `\s`: its white space and line terminators (U+FEFF included, U+0085
/// not), as the inside of a character class.
const JS_SPACE: &str =
    r"\t-\r \xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

/// JavaScript's `.` without the `s` flag: anything but a line terminator.
const JS_DOT: &str = r"[^\n\r\x{2028}\x{2029}]";

/// Translates a JavaScript pattern (no `u` flag) into Rust `regex` syntax:
///
/// | JavaScript | Rust |
/// |---|---|
/// | `\s` | JavaScript's white space set (it has U+FEFF but not U+0085) |
/// | `\d` | `[0-9]` (Rust's `\d` is every Unicode digit) |
/// | `\b` | an ASCII word boundary |
/// | `.` | anything but `\n`, `\r`, U+2028, U+2029 |
///
/// Everything else is kept as written. The patterns V1 used contain nothing else
/// whose meaning differs (no back-references, no look-around).
pub(crate) fn from_javascript(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('s') if in_class => out.push_str(JS_SPACE),
                Some('s') => {
                    out.push('[');
                    out.push_str(JS_SPACE);
                    out.push(']');
                }
                Some('d') if in_class => out.push_str("0-9"),
                Some('d') => out.push_str("[0-9]"),
                Some('b') if !in_class => out.push_str(r"(?-u:\b)"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '.' if !in_class => out.push_str(JS_DOT),
            _ => out.push(c),
        }
    }
    out
}

/// The folds V1's callers did not make but phones need: typographic apostrophes
/// become `'`, so that rules written with `'` (`doesn't`, `can't`) also catch
/// "doesn’t" and "can’t".
pub(crate) fn fold_apostrophe(ch: char) -> char {
    match ch {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '\u{FF07}' | '`'
        | '\u{00B4}' => '\'',
        _ => ch,
    }
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    fn matches(js: &str, text: &str) -> bool {
        Regex::new(&from_javascript(js)).unwrap().is_match(text)
    }

    #[test]
    fn escapes_keep_their_javascript_meaning() {
        assert!(matches(r"a\sb", "a\u{feff}b"));
        assert!(!matches(r"a\sb", "a\u{85}b"));
        assert!(matches(r"bay\s+\d+", "bay 12"));
        assert!(
            !matches(r"bay\s+\d+", "bay ١٢"),
            "Arabic-Indic digits are not \\d"
        );
        assert!(
            matches(r"sim\b", "simé"),
            "é is not an ASCII word character"
        );
        assert!(!matches(r"sim\b", "simon"));
        assert!(matches(r"a.*b", "a xyz b"));
        assert!(!matches(r"a.*b", "a\u{2028}b"));
        assert!(matches(r"[\s\d]x", "7x"));
        assert!(matches(r"\$\d+", "$25"));
        assert!(matches(r"[.]", "."));
        assert!(!matches(r"[.]", "x"));
    }

    #[test]
    fn typographic_apostrophes_fold() {
        let folded: String = "can’t ‘x’".chars().map(fold_apostrophe).collect();
        assert_eq!(folded, "can't 'x'");
    }
}
