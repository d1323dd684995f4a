//! PostgreSQL's text forms of array literals and `COPY … CSV` fields.

/// Parses a one-dimensional array literal as PostgreSQL writes it: `{a,b}`,
/// `{"gift card","say \"hi\""}`, `{}`, `[0:1]={a,b}`. Unquoted `NULL` elements are
/// `None`; whitespace around unquoted elements is dropped, as PostgreSQL does.
pub(super) fn parse_array(text: &str) -> Result<Vec<Option<String>>, String> {
    let mut rest = text.trim();
    if rest.starts_with('[') {
        // Explicit bounds, written for arrays that do not start at 1.
        let eq = rest.find('=').ok_or("array bounds without `=`")?;
        rest = rest[eq + 1..].trim_start();
    }
    let mut chars = rest.chars().peekable();
    if chars.next() != Some('{') {
        return Err(format!(
            "`{}` is not an array literal (`{{…}}`)",
            shorten(text)
        ));
    }
    let items = array_items(&mut chars)?;
    let trailing: String = chars.collect();
    if !trailing.trim().is_empty() {
        return Err(format!(
            "text after the array literal: `{}`",
            shorten(&trailing)
        ));
    }
    Ok(items)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// The elements after the opening `{`, up to and including the closing `}`.
fn array_items(chars: &mut Chars<'_>) -> Result<Vec<Option<String>>, String> {
    let mut items = Vec::new();
    let mut expect_item = true;
    loop {
        while chars.next_if(|c| is_array_space(*c)).is_some() {}
        match chars.next() {
            None => return Err("unterminated array literal (missing `}`)".to_owned()),
            Some('}') if items.is_empty() || !expect_item => return Ok(items),
            Some('}') => return Err("array literal ends with `,`".to_owned()),
            Some(',') if !expect_item => expect_item = true,
            Some(_) if !expect_item => return Err("missing `,` between array elements".to_owned()),
            Some('{') => return Err("multidimensional arrays are not supported".to_owned()),
            Some(',') => return Err("empty array element".to_owned()),
            Some('"') => {
                items.push(Some(quoted_item(chars)?));
                expect_item = false;
            }
            Some(first) => {
                items.push(unquoted_item(first, chars)?);
                expect_item = false;
            }
        }
    }
}

/// A quoted element, after its opening `"`: backslash escapes the next character.
fn quoted_item(chars: &mut Chars<'_>) -> Result<String, String> {
    let mut item = String::new();
    loop {
        match chars.next() {
            None => return Err("unterminated quoted array element".to_owned()),
            Some('"') => return Ok(item),
            Some('\\') => item.push(chars.next().ok_or("array literal ends with `\\`")?),
            Some(c) => item.push(c),
        }
    }
}

/// An unquoted element starting with `first`, up to the next `,` or `}` (not
/// consumed): trailing white space dropped, `NULL` (unescaped) is `None`.
fn unquoted_item(first: char, chars: &mut Chars<'_>) -> Result<Option<String>, String> {
    let mut item = String::new();
    let mut escaped = false;
    let mut c = first;
    // Length of `item` up to its last non-space or escaped character.
    let mut keep = 0;
    loop {
        if c == '\\' {
            item.push(chars.next().ok_or("array literal ends with `\\`")?);
            escaped = true;
            keep = item.len();
        } else if c == '"' || c == '{' {
            return Err(format!("unexpected `{c}` inside an unquoted array element"));
        } else {
            item.push(c);
            if !is_array_space(c) {
                keep = item.len();
            }
        }
        match chars.peek() {
            Some(',' | '}') | None => break,
            Some(_) => c = chars.next().unwrap_or_default(),
        }
    }
    item.truncate(keep);
    let is_null = !escaped && item.eq_ignore_ascii_case("NULL");
    Ok((!is_null).then_some(item))
}

/// Writes a text array as PostgreSQL does: elements quoted when they are empty,
/// `NULL`, or contain a delimiter, quote, backslash or white space.
pub(super) fn format_array(items: &[String]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let quote = item.is_empty()
            || item.eq_ignore_ascii_case("NULL")
            || item
                .chars()
                .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || is_array_space(c));
        if quote {
            out.push('"');
            for c in item.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(item);
        }
    }
    out.push('}');
    out
}

/// White space as PostgreSQL's array parser sees it.
fn is_array_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

/// Quotes one `COPY … WITH CSV` field as PostgreSQL does; `None` is SQL NULL (an
/// empty, unquoted field), so an empty string is written `""`.
pub(super) fn csv_field(out: &mut String, value: Option<&str>) {
    let Some(value) = value else { return };
    let quote = value.is_empty() || value == "\\." || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The start of a long text, for error messages.
pub(super) fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(text: &str) -> Vec<Option<String>> {
        match parse_array(text) {
            Ok(items) => items,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn some(items: &[&str]) -> Vec<Option<String>> {
        items.iter().map(|s| Some((*s).to_owned())).collect()
    }

    #[test]
    fn array_literals_as_postgres_writes_them() {
        assert_eq!(array("{}"), some(&[]));
        assert_eq!(array("{a,b}"), some(&["a", "b"]));
        assert_eq!(
            array(r#"{"gift card","two words"}"#),
            some(&["gift card", "two words"])
        );
        assert_eq!(
            array(r#"{"say \"hi\"","back\\slash"}"#),
            some(&[r#"say "hi""#, r"back\slash"])
        );
        assert_eq!(
            array(r#"{NULL,"NULL",null}"#),
            vec![None, Some("NULL".to_owned()), None]
        );
        assert_eq!(array("{ a b , c }"), some(&["a b", "c"]));
        assert_eq!(array(r#"{"",x}"#), some(&["", "x"]));
        assert_eq!(array(r"{a\,b,c\ }"), some(&["a,b", "c "]));
        assert_eq!(array("[0:1]={a,b}"), some(&["a", "b"]));
        assert_eq!(array("{won't,24/7,$25}"), some(&["won't", "24/7", "$25"]));
    }

    #[test]
    fn bad_array_literals_are_errors() {
        for bad in [
            "",
            "a,b",
            "{a,b",
            "{a,,b}",
            "{a,}",
            "{{a},{b}}",
            "{\"a}",
            "{a} x",
            "{a\"b}",
        ] {
            assert!(parse_array(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn arrays_round_trip_through_format() {
        let items: Vec<String> = [
            "plain",
            "",
            "NULL",
            "two words",
            "a,b",
            "q\"uote",
            "back\\slash",
            "{x}",
            "tab\there",
            "café",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let text = format_array(&items);
        assert_eq!(
            array(&text),
            items.iter().cloned().map(Some).collect::<Vec<_>>()
        );
        assert_eq!(
            format_array(&["a".to_owned(), "b c".to_owned()]),
            r#"{a,"b c"}"#
        );
        assert_eq!(format_array(&[]), "{}");
    }

    proptest::proptest! {
        #[test]
        fn arrays_round_trip(items in proptest::collection::vec("\\PC*", 0..6)) {
            let parsed = parse_array(&format_array(&items));
            proptest::prop_assert_eq!(parsed, Ok(items.into_iter().map(Some).collect::<Vec<_>>()));
        }
    }
}
