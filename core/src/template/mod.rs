//! Reply templates: {{var}}, {{var|default}} and dotted paths. The values V1 took
//! from customer messages to fill them are [`v1::entities`](crate::v1::entities)'.
//!
//! A learned reply such as `Hi {{customer.name | there}}, bay {{bay_number}} is reset.`
//! is [rendered](render) against a [`TemplateContext`]. A placeholder that cannot
//! be filled is left in the text *and reported* in [`Rendered::missing`]: a reply
//! that is not [complete](Rendered::is_complete) must never reach a customer
//! (V1 sent the raw `{{…}}` text).
//!
//! # Syntax
//!
//! A placeholder is `{{`, one or more characters other than `}`, and `}}` (V1's
//! rule). Everything else, including an unterminated `{{`, is literal text. Inside
//! the braces, the text up to the first `|` is the *path* and the rest the
//! *option*, both trimmed:
//!
//! | placeholder | renders |
//! |---|---|
//! | `{{ path }}` | the value at `path` |
//! | `{{ path \| default }}` | the value, or `default` when there is none |
//! | `{{ amount \| format:currency }}` | a number (or numeric string) as `$12.50` |
//! | `{{ time \| format:h:mm a }}` | a 24-hour `HH:MM[:SS]` string as `7:30 PM` |
//!
//! A path is a key of the context, or keys separated by dots that descend into
//! JSON objects (`customer.name`). Strings render as they are, numbers and booleans
//! in their JSON form. Null, a missing key, an object or an array is *no value*:
//! the default is used if there is a non-empty one, else the placeholder is missing.
//! A format spec is `currency` or a time spec (any spec containing `h`, `H` or
//! `m`, as in V1; the output is always `h:mm AM/PM`). A value that a spec does
//! not apply to renders as it is, and so does any other spec. A format and a
//! default cannot be combined.
//!
//! # Untrusted values
//!
//! Rendering is a single pass over the template: a value is inserted as text and
//! never scanned for placeholders, so a customer name of `{{code}}` stays
//! `{{code}}`. Paths only look up keys; there is no prototype chain
//! (`{{constructor}}` and `{{__proto__}}` are ordinary missing keys). The work is
//! linear in the length of the template plus the length of the values inserted.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::context::MessageContext;
use crate::v1::entities::extract_entities;

/// Named values a template can refer to: a JSON object.
///
/// # Example
/// ```
/// use pattern_learning::template::TemplateContext;
/// use serde_json::json;
///
/// let mut ctx = TemplateContext::new();
/// ctx.insert("bay_number", "3");
/// ctx.insert("customer", json!({ "name": "Sam" }));
/// assert_eq!(ctx.get_path("customer.name"), Some(&json!("Sam")));
/// assert_eq!(ctx.get_path("customer.phone"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateContext {
    values: Map<String, Value>,
}

impl TemplateContext {
    /// An empty context.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::template::TemplateContext;
    /// assert_eq!(TemplateContext::new().get_path("anything"), None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a top-level value, returning the one it replaces.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::template::TemplateContext;
    /// let mut ctx = TemplateContext::new();
    /// assert_eq!(ctx.insert("amount", 12.5), None);
    /// assert_eq!(ctx.insert("amount", 20), Some(12.5.into()));
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.values.insert(key.into(), value.into())
    }

    /// The value at a dotted path (`customer.name`), descending through objects.
    ///
    /// An empty path, an empty segment (`a..b`) or a segment that meets a
    /// non-object finds nothing.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::template::TemplateContext;
    /// use serde_json::json;
    ///
    /// let mut ctx = TemplateContext::new();
    /// ctx.insert("a", json!({ "b": { "c": 1 } }));
    /// assert_eq!(ctx.get_path("a.b.c"), Some(&json!(1)));
    /// assert_eq!(ctx.get_path("a.b.c.d"), None);
    /// assert_eq!(ctx.get_path(""), None);
    /// ```
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        let mut keys = path.split('.');
        let mut value = self.values.get(keys.next()?)?;
        for key in keys {
            value = value.as_object()?.get(key)?;
        }
        Some(value)
    }
}

impl TemplateContext {
    /// The values a reply to `message` can use: the caller's context
    /// (`customer_name`, `phone_number`, `conversation_id`), the entities found in
    /// the message (`bay_number`, `time`, `date`, `location`, `issue_type`), then the
    /// caller's own variables, later ones winning.
    pub(crate) fn for_message(message: &str, ctx: &MessageContext) -> Self {
        let mut tc = TemplateContext::new();
        if let Some(name) = &ctx.customer_name {
            tc.insert("customer_name", name.clone());
        }
        if let Some(phone) = &ctx.phone {
            tc.insert("phone_number", phone.clone());
        }
        if let Some(conv) = &ctx.conversation_id {
            tc.insert("conversation_id", conv.clone());
        }
        for (key, value) in extract_entities(message).into_fields() {
            tc.insert(key, value);
        }
        for (k, v) in &ctx.variables {
            tc.insert(k.clone(), v.clone());
        }
        tc
    }
}

impl From<Map<String, Value>> for TemplateContext {
    fn from(values: Map<String, Value>) -> Self {
        Self { values }
    }
}

/// The result of [`render`]: the text and the placeholders that could not be filled.
///
/// # Example
/// ```
/// use pattern_learning::template::{render, TemplateContext};
/// let out = render("Bay {{bay_number}} is reset.", &TemplateContext::new());
/// assert!(!out.is_complete());
/// assert_eq!(out.text, "Bay {{bay_number}} is reset.");
/// assert_eq!(out.missing, ["bay_number"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// The rendered text; unfilled placeholders are left in place, verbatim.
    pub text: String,
    /// Paths of the unfilled placeholders, each once, in order of first appearance.
    pub missing: Vec<String>,
}

impl Rendered {
    /// True when every placeholder was filled, so the text may be sent.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::template::{render, TemplateContext};
    /// assert!(render("No variables here.", &TemplateContext::new()).is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{[^}]+\}\}").expect("placeholder pattern is valid"));

/// Renders the string fields of an action template, one level deep into arrays and
/// objects (as V1 did); other values stay as they are.
pub(crate) fn render_json(value: &Value, ctx: &TemplateContext) -> Value {
    match value {
        Value::String(s) => Value::String(render(s, ctx).text),
        Value::Array(items) => Value::Array(items.iter().map(|v| render_json(v, ctx)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render_json(v, ctx)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether `template` may hold a placeholder (it contains `{{`): without one, rendering
/// returns the template as it is, whatever the context.
pub(crate) fn may_have_placeholders(template: &str) -> bool {
    template.contains("{{")
}

/// Renders `template` with values from `ctx`; see the [module docs](self) for the syntax.
///
/// # Example
/// ```
/// use pattern_learning::template::{render, TemplateContext};
/// use serde_json::json;
///
/// let mut ctx = TemplateContext::new();
/// ctx.insert("customer", json!({ "name": "Sam" }));
/// ctx.insert("amount", 25);
/// ctx.insert("time", "19:30");
///
/// let out = render(
///     "Hi {{ customer.name }}! {{amount|format:currency}} at {{time|format:h:mm a}}, bay {{bay_number|1}}.",
///     &ctx,
/// );
/// assert_eq!(out.text, "Hi Sam! $25.00 at 7:30 PM, bay 1.");
/// assert!(out.is_complete());
/// ```
pub fn render(template: &str, ctx: &TemplateContext) -> Rendered {
    let mut text = String::with_capacity(template.len());
    let mut missing = Vec::new();
    let mut seen = HashSet::new();
    let mut copied = 0;
    for found in PLACEHOLDER.find_iter(template) {
        text.push_str(&template[copied..found.start()]);
        copied = found.end();
        let placeholder = found.as_str();
        // The match starts with `{{` and ends with `}}`, so these are char boundaries.
        let inner = &placeholder[2..placeholder.len() - 2];
        let (path, option) = match inner.split_once('|') {
            Some((path, option)) => (path.trim(), Some(option.trim())),
            None => (inner.trim(), None),
        };
        match fill(ctx.get_path(path), option) {
            Some(value) => text.push_str(&value),
            None => {
                text.push_str(placeholder);
                if seen.insert(path) {
                    missing.push(path.to_owned());
                }
            }
        }
    }
    text.push_str(&template[copied..]);
    Rendered { text, missing }
}

/// The text for one placeholder, given its value and option; `None` if unfilled.
fn fill<'a>(value: Option<&'a Value>, option: Option<&'a str>) -> Option<Cow<'a, str>> {
    let text = value.and_then(scalar_text);
    let Some(option) = option else {
        return text;
    };
    match option.strip_prefix("format:") {
        Some(spec) => value
            .and_then(|value| format_value(value, spec.trim()))
            .map(Cow::Owned)
            .or(text),
        None => text.or_else(|| Some(Cow::Borrowed(option)).filter(|d| !d.is_empty())),
    }
}

/// Applies a format spec; `None` when the spec does not apply to the value.
fn format_value(value: &Value, spec: &str) -> Option<String> {
    if spec == "currency" {
        format_currency(value)
    } else if spec.contains(['h', 'H', 'm']) {
        value.as_str().and_then(format_time)
    } else {
        None
    }
}

/// Strings as they are, numbers and booleans in JSON form; anything else is no value.
fn scalar_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// `12.5` or `"12.5"` → `$12.50`; `-3` → `-$3.00`.
fn format_currency(value: &Value) -> Option<String> {
    let amount = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !amount.is_finite() {
        return None;
    }
    let digits = format!("{:.2}", amount.abs());
    let sign = if amount < 0.0 && digits != "0.00" {
        "-"
    } else {
        ""
    };
    Some(format!("{sign}${digits}"))
}

/// `19:30` or `19:30:00` (24-hour) → `7:30 PM`.
fn format_time(value: &str) -> Option<String> {
    let mut parts = value.trim().split(':');
    let hour = number(parts.next()?, 1..=2, 23)?;
    let minute = parts.next()?;
    number(minute, 2..=2, 59)?;
    if let Some(second) = parts.next() {
        number(second, 2..=2, 59)?;
    }
    if parts.next().is_some() {
        return None;
    }
    let meridiem = if hour < 12 { "AM" } else { "PM" };
    let hour = if hour % 12 == 0 { 12 } else { hour % 12 };
    Some(format!("{hour}:{minute} {meridiem}"))
}

/// Parses `digits` (ASCII, with an allowed length) as a number no larger than `max`.
fn number(digits: &str, len: std::ops::RangeInclusive<usize>, max: u8) -> Option<u8> {
    if !len.contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&n| n <= max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(value: Value) -> TemplateContext {
        match value {
            Value::Object(map) => map.into(),
            _ => TemplateContext::new(),
        }
    }

    proptest::proptest! {
        /// A template the quick check passes over renders as itself in any context:
        /// skipping the context for it changes nothing.
        #[test]
        fn templates_without_placeholders_render_unchanged(template in "[a-z{} |:]{0,40}") {
            let full = ctx(json!({ "a": "x", "b": { "c": 1 }, "customer_name": "Ana" }));
            let with = render(&template, &full);
            let without = render(&template, &TemplateContext::new());
            if !may_have_placeholders(&template) {
                proptest::prop_assert_eq!(&with.text, &template);
                proptest::prop_assert!(with.missing.is_empty());
            }
            // Either way, a template whose context matters is never passed over.
            if with.text != without.text || with.missing != without.missing {
                proptest::prop_assert!(may_have_placeholders(&template));
            }
        }
    }

    #[test]
    fn unterminated_and_empty_braces_are_literal() {
        let c = ctx(json!({ "a": "x" }));
        for literal in ["{{a", "{{a}", "{{}}", "a}}", "{{a}b}}", "{ {a}}"] {
            let out = render(literal, &c);
            assert_eq!(out.text, literal);
            assert!(out.is_complete(), "{literal:?}");
        }
    }

    #[test]
    fn values_are_not_expanded_again() {
        let c = ctx(json!({ "name": "{{code}}", "code": "1234" }));
        let out = render("Hi {{name}}", &c);
        assert_eq!(out.text, "Hi {{code}}");
        assert!(out.is_complete());
    }

    #[test]
    fn missing_paths_are_reported_once() {
        let out = render(
            "{{a}} {{ a }} {{b|}} {{a|format:currency}}",
            &TemplateContext::new(),
        );
        assert_eq!(out.missing, ["a", "b"]);
        assert_eq!(out.text, "{{a}} {{ a }} {{b|}} {{a|format:currency}}");
    }

    #[test]
    fn objects_arrays_and_null_are_no_value() {
        let c = ctx(json!({ "o": {}, "l": [1], "n": null }));
        let out = render("{{o}} {{l|none}} {{n|-}}", &c);
        assert_eq!(out.text, "{{o}} none -");
        assert_eq!(out.missing, ["o"]);
    }

    #[test]
    fn formats() {
        let c = ctx(json!({
            "n": 12.5, "s": " 7 ", "neg": -3, "tiny": -0.001, "word": "abc",
            "midnight": "00:05", "noon": "12:00:00", "bad": "24:00", "pm": "7pm"
        }));
        let cases = [
            ("{{n|format:currency}}", "$12.50"),
            ("{{s|format:currency}}", "$7.00"),
            ("{{neg|format:currency}}", "-$3.00"),
            ("{{tiny|format:currency}}", "$0.00"),
            ("{{word|format:currency}}", "abc"),
            ("{{midnight|format:h:mm a}}", "12:05 AM"),
            ("{{noon|format:HH:mm}}", "12:00 PM"),
            ("{{bad|format:h:mm a}}", "24:00"),
            ("{{pm|format:h:mm a}}", "7pm"),
            ("{{n|format:h:mm a}}", "12.5"),
            ("{{n|format:percent}}", "12.5"),
        ];
        for (template, expected) in cases {
            assert_eq!(render(template, &c).text, expected, "{template}");
        }
    }

    #[test]
    fn long_inputs_render_in_one_pass() {
        let unterminated = "{{a".repeat(100_000);
        assert_eq!(
            render(&unterminated, &TemplateContext::new()).text,
            unterminated
        );
        let many = "{{a}}".repeat(100_000);
        let out = render(&many, &ctx(json!({ "a": "{{a}}" })));
        assert_eq!(out.text, many);
        assert!(out.is_complete());
    }

    proptest::proptest! {
        #[test]
        fn an_empty_context_leaves_the_template_unchanged(template in "[a{} .]*|\\PC*") {
            // Without `|` there are no defaults, so nothing can be filled.
            let template = template.replace('|', "");
            let out = render(&template, &TemplateContext::new());
            proptest::prop_assert_eq!(out.text, template);
        }

        #[test]
        fn filled_text_is_the_template_with_values(name in "\\PC*") {
            let c = ctx(json!({ "name": name.clone() }));
            let out = render("<{{name}}>", &c);
            proptest::prop_assert_eq!(&out.text, &format!("<{name}>"));
            proptest::prop_assert!(out.is_complete());
        }
    }
}
