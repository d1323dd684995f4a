//! One V1 row → one pattern, following the [columns table](super#columns).

use serde_json::{Map, Value};

use super::fields::Fields;
use super::pg_text::shorten;
use crate::clock::Timestamp;
use crate::pattern::{Pattern, PatternId, Provenance};
use crate::signature::{signature, v1_signature};
use crate::v1::topic::Topic;

/// One row → one pattern and its warnings, or every problem of the row.
pub(super) fn pattern_from_row(
    row: &Map<String, Value>,
) -> std::result::Result<(Pattern, Vec<String>), String> {
    let mut f = Fields::new(row);
    let columns = Columns::read(&mut f);
    match columns.into_pattern(&mut f) {
        Some(pattern) => Ok((pattern, f.warnings)),
        // Every way to get here recorded at least one error.
        None => Err(f.errors.join("; ")),
    }
}

/// What a row says, column by column; `None` where a required value is missing or
/// bad (an error is recorded then).
struct Columns {
    id: Option<u64>,
    topic: String,
    v1_signature: Option<String>,
    examples: Vec<String>,
    keywords: Vec<String>,
    response: Option<String>,
    action_template: Option<Value>,
    confidence: f64,
    is_active: bool,
    auto_executable: bool,
    is_deleted: bool,
    /// Executions, successes, failures, overrides.
    counters: [u64; 4],
    created_at: Option<Timestamp>,
    last_used: Option<Timestamp>,
    last_modified: Option<Timestamp>,
}

impl Columns {
    /// Reads every column the import uses, in the order of the columns table, so
    /// that errors and warnings come in that order.
    fn read(f: &mut Fields<'_>) -> Columns {
        let id = id(f);
        let topic = topic(f);
        let v1_signature = f.text("pattern_signature");
        let examples = trigger_examples(f, v1_signature.as_deref());
        let keywords = trigger_keywords(f);
        let response = response_template(f);
        let action_template = f.json("action_template");
        let confidence = confidence(f);
        let is_active = f.boolean("is_active").unwrap_or(true);
        let auto_executable = f.boolean("auto_executable").unwrap_or(false);
        let deleted_at = f.timestamp("deleted_at");
        let is_deleted = f.boolean("is_deleted").unwrap_or(deleted_at.is_some());
        let counters = [
            "execution_count",
            "success_count",
            "failure_count",
            "human_override_count",
        ]
        .map(|c| f.integer(c).unwrap_or(0));
        let created_at = created_at(f);
        let last_used = f.timestamp("last_used");
        let last_modified = f
            .timestamp("last_modified")
            .or_else(|| f.timestamp("updated_at"));
        Columns {
            id,
            topic,
            v1_signature,
            examples,
            keywords,
            response,
            action_template,
            confidence,
            is_active,
            auto_executable,
            is_deleted,
            counters,
            created_at,
            last_used,
            last_modified,
        }
    }

    /// The pattern, when the row has no error.
    fn into_pattern(self, f: &mut Fields<'_>) -> Option<Pattern> {
        if !f.errors.is_empty() {
            return None;
        }
        let (Some(id), Some(response), Some(created_at), Some(first)) = (
            self.id,
            self.response,
            self.created_at,
            self.examples.first().cloned(),
        ) else {
            return None;
        };
        let v1_signature = checked_v1_signature(self.v1_signature, &first, f);
        let [execution_count, success_count, failure_count, override_count] = self.counters;
        Some(Pattern {
            id: PatternId(id),
            topic: self.topic,
            signature: signature(&first),
            trigger_examples: self.examples,
            trigger_keywords: self.keywords,
            response_template: response,
            action_template: self.action_template,
            confidence: self.confidence,
            is_active: self.is_active,
            auto_executable: self.auto_executable,
            is_deleted: self.is_deleted,
            execution_count,
            success_count,
            failure_count,
            override_count,
            provenance: Provenance::Imported,
            v1_signature: Some(v1_signature),
            created_at,
            last_used: self.last_used,
            last_modified: self.last_modified.unwrap_or(created_at),
        })
    }
}

/// `id`, required.
fn id(f: &mut Fields<'_>) -> Option<u64> {
    let id = f.integer("id");
    if id.is_none() && !f.has_error_for("id") {
        f.error("id is missing");
    }
    id
}

/// The topic of `pattern_type`: V1's `tech_issue` is `tech_support`, a topic name is
/// itself, anything else `general` (with a warning).
fn topic(f: &mut Fields<'_>) -> String {
    let Some(name) = f.text("pattern_type") else {
        f.warn("pattern_type is NULL; topic set to `general`");
        return Topic::General.as_str().to_owned();
    };
    if name == "tech_issue" {
        return Topic::TechSupport.as_str().to_owned();
    }
    match name.parse::<Topic>() {
        Ok(topic) => topic.as_str().to_owned(),
        Err(_) => {
            f.warn(format!(
                "pattern_type `{}` is not a topic; topic set to `general` (exported back as `general`)",
                shorten(&name)
            ));
            Topic::General.as_str().to_owned()
        }
    }
}

/// The trigger text (`trigger_text`, else its alias `pattern`), then the distinct,
/// non-empty `trigger_examples`; an error when there is none at all.
fn trigger_examples(f: &mut Fields<'_>, v1_signature: Option<&str>) -> Vec<String> {
    let mut examples: Vec<String> = trigger_text(f, v1_signature).into_iter().collect();
    for item in f.text_array("trigger_examples").unwrap_or_default() {
        match item {
            Some(e) if !e.trim().is_empty() => {
                if !examples.contains(&e) {
                    examples.push(e);
                }
            }
            _ => f.warn("dropped a NULL or empty element of trigger_examples"),
        }
    }
    let bad_column = ["trigger_text", "pattern", "trigger_examples"]
        .iter()
        .any(|c| f.has_error_for(c));
    if examples.is_empty() && !bad_column {
        f.error("no trigger: trigger_text (or pattern) and trigger_examples are empty, so nothing can match this pattern; exclude the row or fill trigger_examples");
    }
    examples
}

/// `trigger_text`, else `pattern`, unless blank or the row's own signature (as V1's
/// safety service stored it).
fn trigger_text(f: &mut Fields<'_>, v1_signature: Option<&str>) -> Option<String> {
    let trigger_text = f.text("trigger_text");
    let alias = f.text("pattern");
    if let (Some(text), Some(alias)) = (&trigger_text, &alias) {
        if text != alias {
            f.warn(format!(
                "trigger_text and its alias `pattern` differ; kept trigger_text (`{}`)",
                shorten(text)
            ));
        }
    }
    let text = trigger_text.or(alias).filter(|t| !t.trim().is_empty())?;
    if Some(text.as_str()) == v1_signature && is_md5_hex(&text) {
        f.warn(
            "trigger_text is the row's signature, not a customer message; not used as an example",
        );
        return None;
    }
    Some(text)
}

/// `trigger_keywords`, trimmed, without NULL or empty elements.
fn trigger_keywords(f: &mut Fields<'_>) -> Vec<String> {
    let mut keywords = Vec::new();
    for item in f.text_array("trigger_keywords").unwrap_or_default() {
        match item.as_deref().map(str::trim) {
            Some(k) if !k.is_empty() => keywords.push(k.to_owned()),
            _ => f.warn("dropped a NULL or empty element of trigger_keywords"),
        }
    }
    keywords
}

/// `response_template`, required and not blank.
fn response_template(f: &mut Fields<'_>) -> Option<String> {
    let response = f.text("response_template").filter(|r| !r.trim().is_empty());
    if response.is_none() {
        f.error("response_template is empty or NULL: a pattern needs a reply");
    }
    response
}

/// `confidence_score` in `[0, 1]`; NULL is V1's default 0.50 (with a warning).
fn confidence(f: &mut Fields<'_>) -> f64 {
    match f.decimal("confidence_score") {
        Some(c) if (0.0..=1.0).contains(&c) => c,
        Some(c) => {
            f.error(format!("confidence_score {c} is outside [0, 1]"));
            0.5
        }
        None => {
            if !f.has_error_for("confidence_score") {
                f.warn("confidence_score is NULL; set to V1's default 0.50");
            }
            0.5
        }
    }
}

/// `created_at`, else `first_seen`; required.
fn created_at(f: &mut Fields<'_>) -> Option<Timestamp> {
    let created_at = f
        .timestamp("created_at")
        .or_else(|| f.timestamp("first_seen"));
    if created_at.is_none() && !f.has_error_for("created_at") && !f.has_error_for("first_seen") {
        f.error("created_at (and first_seen) is NULL: the creation time is required");
    }
    created_at
}

/// The row's `pattern_signature`, kept as is (with a warning when it is not V1's
/// signature of the trigger text), or computed when NULL.
fn checked_v1_signature(given: Option<String>, first: &str, f: &mut Fields<'_>) -> String {
    let expected = v1_signature(first);
    match given {
        Some(sig) => {
            if sig != expected {
                f.warn(format!(
                    "pattern_signature {} is not V1's signature of the trigger text ({expected}); kept as is",
                    shorten(&sig)
                ));
            }
            sig
        }
        None => {
            f.warn("pattern_signature is NULL; computed from the trigger text");
            expected
        }
    }
}

fn is_md5_hex(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
