//! `template::render` never panics; its output only holds text taken from the
//! template or the context (plus the digits and signs the `format:` options
//! print); a context value containing `{{` is inserted verbatim and never expanded.
//!
//! Input format (so golden vectors make seeds): the template, a NUL byte, then the
//! context as a JSON object; when the part after the NUL is not a JSON object the
//! context values are derived from those bytes with `arbitrary`. On failure
//! libFuzzer prints the `Debug` form of the decoded `Input` (template and context),
//! enough to rebuild the call in a test.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use pattern_learning::template::{render, TemplateContext};
use serde_json::{json, Value};

/// A character no generated template, key or value may hold: the only way it can
/// reach the output is through the `secret` key, which only the injected value names.
const SENTINEL: char = '\u{E000}';

#[derive(Debug, Arbitrary)]
enum FuzzValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Object(Vec<(String, String)>),
}

#[derive(Debug)]
struct Input {
    template: String,
    values: Vec<(String, FuzzValue)>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Self::arbitrary_take_rest(Unstructured::new(u.bytes(u.len())?))
    }

    fn arbitrary_take_rest(u: Unstructured<'a>) -> arbitrary::Result<Self> {
        let data = u.take_rest();
        let (template, rest) = match data.iter().position(|&b| b == 0) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &[][..]),
        };
        let template = String::from_utf8_lossy(template).into_owned();
        let values = match serde_json::from_slice::<Value>(rest) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| (k, FuzzValue::from_json(v)))
                .collect(),
            _ => Vec::arbitrary_take_rest(Unstructured::new(rest))?,
        };
        Ok(Input { template, values })
    }
}

impl FuzzValue {
    fn from_json(value: Value) -> FuzzValue {
        match value {
            Value::String(s) => FuzzValue::Str(s),
            Value::Bool(b) => FuzzValue::Bool(b),
            Value::Null => FuzzValue::Null,
            Value::Number(n) => match n.as_i64() {
                Some(i) => FuzzValue::Int(i),
                None => FuzzValue::Float(n.as_f64().unwrap_or(0.0)),
            },
            Value::Object(map) => FuzzValue::Object(
                map.into_iter()
                    .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect(),
            ),
            Value::Array(items) => FuzzValue::Str(Value::Array(items).to_string()),
        }
    }
}

fn clean(s: &str) -> String {
    s.chars().filter(|&c| c != SENTINEL).collect()
}

fuzz_target!(|input: Input| {
    let template = clean(&input.template);
    let mut ctx = TemplateContext::new();
    // Characters the output may legitimately contain.
    let mut allowed: BTreeSet<char> = template.chars().collect();
    // What `format:currency` and `format:<time>` print.
    allowed.extend("$-.0123456789: APM".chars());
    for (key, value) in &input.values {
        let key = clean(key);
        if key == "evil" || key == "secret" {
            continue;
        }
        let value = match value {
            FuzzValue::Str(s) => Value::String(clean(s)),
            FuzzValue::Int(i) => json!(i),
            FuzzValue::Float(f) => json!(f),
            FuzzValue::Bool(b) => json!(b),
            FuzzValue::Null => Value::Null,
            FuzzValue::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (clean(k), Value::String(clean(v))))
                    .collect(),
            ),
        };
        collect_chars(&value, &mut allowed);
        ctx.insert(key, value);
    }
    // A value that looks like a placeholder for a key whose value must never leak.
    ctx.insert("evil", "{{secret}} {{ secret }} {{secret|x}}");
    ctx.insert("secret", SENTINEL.to_string());
    allowed.extend("{{secret}} {{ secret }} {{secret|x}}".chars());

    let out = render(&template, &ctx);

    if out.text.contains(SENTINEL) {
        assert!(
            template.contains("secret"),
            "a `{{{{` inside a context value was expanded: template {template:?} -> {:?}",
            out.text
        );
    }
    for c in out.text.chars().filter(|&c| c != SENTINEL) {
        assert!(
            allowed.contains(&c),
            "output char {c:?} came from neither template nor context: {template:?} -> {:?}",
            out.text
        );
    }
    if !template.contains("{{") {
        assert_eq!(
            out.text, template,
            "text without placeholders must render as is"
        );
        assert!(out.missing.is_empty());
    }
    for path in &out.missing {
        assert!(
            template.contains(path.as_str()),
            "missing path {path:?} not in {template:?}"
        );
    }
    assert_eq!(out.is_complete(), out.missing.is_empty());
});

fn collect_chars(value: &Value, allowed: &mut BTreeSet<char>) {
    match value {
        Value::String(s) => allowed.extend(s.chars()),
        Value::Object(map) => map.values().for_each(|v| collect_chars(v, allowed)),
        Value::Array(items) => items.iter().for_each(|v| collect_chars(v, allowed)),
        other => allowed.extend(other.to_string().chars()),
    }
}
