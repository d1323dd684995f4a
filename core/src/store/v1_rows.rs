//! Import and export of V1 `decision_patterns` rows, as JSON and as PostgreSQL CSV.
//!
//! V1 kept its patterns in the PostgreSQL table `decision_patterns`. This module reads
//! its rows in the two shapes they leave PostgreSQL in, and writes patterns back in the
//! same shapes:
//!
//! * **JSON**: an array of objects, as `SELECT json_agg(row_to_json(p)) FROM
//!   decision_patterns p` or node-pg give them. Numbers may be strings (node-pg returns
//!   `DECIMAL` and `BIGINT` as strings: `"confidence_score": "0.85"`), arrays are JSON
//!   arrays (or PostgreSQL array literals in a string), timestamps are ISO 8601
//!   strings or milliseconds since the epoch, `action_template` is JSON (or JSON text).
//! * **CSV**: as `COPY decision_patterns TO STDOUT WITH CSV HEADER` writes it: a header
//!   line, text arrays as literals like `{a,b}` and `{"gift card","two words"}`,
//!   booleans `t`/`f`, NULL as an empty unquoted field, timestamps like
//!   `2025-09-05 12:34:56.789+00`.
//!
//! Imports are all-or-nothing: a bad row fails the whole import with
//! [`Error::Import`], which lists every bad row and why; nothing partial is returned.
//! Rows that import with a caveat come back with a [`RowWarning`].
//!
//! # Columns
//!
//! | V1 column | pattern field | import | export |
//! |---|---|---|---|
//! | `id` | [`id`](Pattern::id) | required; the V1 id is kept | `id` |
//! | `pattern_type` | [`topic`](Pattern::topic) | `tech_issue` → `tech_support`; a [topic](crate::topic::Topic) name as is; anything else (`faq`, `escalation`, `learned`, NULL) → `general`, with a warning | `tech_support` → `tech_issue`, else the topic |
//! | `trigger_text`, `pattern` (its alias) | first of [`trigger_examples`](Pattern::trigger_examples) | `trigger_text`, else `pattern`; a warning when both are set and differ; ignored (with a warning) when it is the row's own signature, as V1's safety service stored it | the first example, in both columns |
//! | `trigger_examples` | [`trigger_examples`](Pattern::trigger_examples) | after the trigger text, exact duplicates and NULL or empty elements dropped; empty → just the trigger text | every example |
//! | `pattern_signature` | [`v1_signature`](Pattern::v1_signature) | kept as is; a warning when it is not [`v1_signature`] of the trigger text (V1 had several signature schemes, `docs/v1-behaviour.md`); NULL → computed, with a warning | kept, or computed for patterns that have none |
//! | — | [`signature`](Pattern::signature) | [`signature`] of the first example | — |
//! | `trigger_keywords` | [`trigger_keywords`](Pattern::trigger_keywords) | trimmed, NULL or empty elements dropped; NULL → none; punctuation kept | `trigger_keywords` |
//! | `response_template` | [`response_template`](Pattern::response_template) | required, not blank | `response_template` |
//! | `action_template` | [`action_template`](Pattern::action_template) | JSON as is | `action_template` |
//! | `confidence_score` | [`confidence`](Pattern::confidence) | number or numeric string in `[0, 1]`; NULL → V1's default 0.50, with a warning | rounded to two decimals, V1's `DECIMAL(3,2)` |
//! | `is_active`, `auto_executable` | [`is_active`](Pattern::is_active), [`auto_executable`](Pattern::auto_executable) | NULL → V1's defaults `true`, `false` | as is |
//! | `is_deleted` (`deleted_at`) | [`is_deleted`](Pattern::is_deleted) | NULL → whether `deleted_at` is set | `is_deleted` |
//! | `execution_count`, `success_count`, `failure_count`, `human_override_count` | [`execution_count`](Pattern::execution_count), [`success_count`](Pattern::success_count), [`failure_count`](Pattern::failure_count), [`override_count`](Pattern::override_count) | as is, NULL → 0 | as is |
//! | `created_from` | [`provenance`](Pattern::provenance) | always [`Provenance::Imported`] | `learned`, `manual` or `imported` |
//! | `created_at` (`first_seen`) | [`created_at`](Pattern::created_at) | required: `created_at`, else `first_seen` | `created_at` |
//! | `last_used` | [`last_used`](Pattern::last_used) | as is | `last_used` |
//! | `last_modified` (`updated_at`) | [`last_modified`](Pattern::last_modified) | `last_modified`, else `updated_at`, else `created_at` | `last_modified` |
//! | every other column | — | ignored (`embedding` too: its 1536 OpenAI floats cannot serve this library's embedder) | — |
//!
//! Timestamps without a time zone are taken as UTC. Mind the counters: V1 counted a
//! match as an execution *and* a success (`docs/v1-behaviour.md`), so imported counters
//! overstate how often operators confirmed a pattern.
//!
//! # Example
//! ```
//! use pattern_learning::store::v1_rows;
//! # fn main() -> pattern_learning::Result<()> {
//! let csv = "id,pattern_type,pattern_signature,trigger_text,trigger_keywords,response_template,confidence_score,is_active,created_at\n\
//!            7,gift_cards,8c75e70ab6784fc2ae46aef35313ad46,Do you sell gift cards?,\"{\"\"gift card\"\",giftcard}\",Yes! Online at {{link}}.,0.85,t,2025-09-05 12:34:56.789+00\n";
//! let import = v1_rows::import_csv(csv.as_bytes())?;
//! let p = &import.patterns[0];
//! assert_eq!(p.trigger_keywords, ["gift card", "giftcard"]);
//! assert_eq!(p.confidence, 0.85);
//! assert!(import.warnings.is_empty());
//!
//! let mut out = Vec::new();
//! v1_rows::export_csv(&import.patterns, &mut out)?;
//! assert_eq!(v1_rows::import_csv(out.as_slice())?.patterns, import.patterns);
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};

use serde_json::{Map, Value};

use crate::error::{Error, Result, RowError};
use crate::pattern::{Pattern, PatternId, Provenance};
use crate::signature::{signature, v1_signature};
use crate::topic::Topic;

mod pg_text;

use pg_text::shorten;

/// The result of an import: the patterns, and what to know about some rows.
#[derive(Debug, Clone, PartialEq)]
pub struct V1Import {
    /// One pattern per row, in row order, with [`Provenance::Imported`].
    pub patterns: Vec<Pattern>,
    /// Caveats about rows that were imported anyway.
    pub warnings: Vec<RowWarning>,
}

/// A caveat about one imported row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWarning {
    /// 1-based row number (data rows; the CSV header is not counted).
    pub row: usize,
    /// The row's V1 id.
    pub id: u64,
    /// What to know.
    pub message: String,
}

impl fmt::Display for RowWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {} (id {}): {}", self.row, self.id, self.message)
    }
}

/// The columns [`export_json`] and [`export_csv`] write, in order.
pub const EXPORT_COLUMNS: [&str; 21] = [
    "id",
    "pattern_type",
    "pattern_signature",
    "trigger_text",
    "pattern",
    "trigger_keywords",
    "trigger_examples",
    "response_template",
    "action_template",
    "confidence_score",
    "auto_executable",
    "is_active",
    "is_deleted",
    "execution_count",
    "success_count",
    "failure_count",
    "human_override_count",
    "created_from",
    "created_at",
    "last_used",
    "last_modified",
];

/// Reads every row of V1's `decision_patterns` table straight from V1's PostgreSQL
/// database (cargo feature `postgres`), read-only: one `REPEATABLE READ READ ONLY`
/// transaction that runs
/// `SELECT jsonb_agg(to_jsonb(p) - 'embedding' ORDER BY p.id) FROM decision_patterns p`.
/// The table is found through the connection's `search_path` (add
/// `options=-csearch_path%3Dmy_schema` to the URL for another schema).
///
/// The rows then go through [`import_json`], so the mapping is the one of the
/// [columns table](self#columns): V1 ids and `pattern_signature` are kept, PostgreSQL
/// `TIMESTAMP` values (no time zone) are taken as UTC, `DECIMAL` confidences arrive
/// as exact numbers, `TEXT[]` as JSON arrays and `JSONB` as it is.
///
/// # Errors
///
/// [`Error::Store`] when the database cannot be reached or has no
/// `decision_patterns` table; [`Error::Import`] as for [`import_json`].
#[cfg(feature = "postgres")]
pub fn import_postgres(url: &str) -> Result<V1Import> {
    import_json(&super::postgres::v1::decision_patterns_json(url)?)
}

/// Reads V1 rows from a JSON array of objects.
///
/// # Errors
///
/// [`Error::Parse`] when the text is not a JSON array; [`Error::Import`] listing every
/// row that cannot become a pattern.
pub fn import_json(json: &str) -> Result<V1Import> {
    let parse_error = |reason: String| Error::Parse {
        what: "V1 decision_patterns rows (JSON)".to_owned(),
        reason,
    };
    let value: Value = serde_json::from_str(json).map_err(|e| parse_error(e.to_string()))?;
    let Value::Array(items) = value else {
        return Err(parse_error(
            "expected an array of row objects (e.g. SELECT json_agg(row_to_json(p)) FROM decision_patterns p)".to_owned(),
        ));
    };
    let rows = items.into_iter().map(|item| match item {
        Value::Object(row) => Ok(row),
        other => Err(format!("expected an object, found {}", kind_of(&other))),
    });
    import_rows(rows)
}

/// Reads V1 rows from CSV as `COPY decision_patterns TO STDOUT WITH CSV HEADER`
/// writes it.
///
/// # Errors
///
/// [`Error::Parse`] when the header is missing or lacks a required column;
/// [`Error::Import`] listing every row that cannot become a pattern.
pub fn import_csv(reader: impl Read) -> Result<V1Import> {
    let parse_error = |reason: String| Error::Parse {
        what: "V1 decision_patterns rows (CSV)".to_owned(),
        reason,
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| parse_error(format!("cannot read the header line: {e}")))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_owned()
        })
        .collect();
    check_csv_header(&headers).map_err(parse_error)?;
    let rows = csv.into_records().map(|record| {
        let record = record.map_err(|e| format!("unreadable CSV record: {e}"))?;
        if record.len() != headers.len() {
            return Err(format!(
                "{} fields, but the header has {}",
                record.len(),
                headers.len()
            ));
        }
        Ok(headers
            .iter()
            .zip(record.iter())
            .map(|(h, field)| {
                // COPY writes NULL as an empty field; no column this import reads
                // distinguishes an empty string from NULL.
                let value = if field.is_empty() {
                    Value::Null
                } else {
                    Value::String(field.to_owned())
                };
                (h.clone(), value)
            })
            .collect::<Map<String, Value>>())
    });
    import_rows(rows)
}

fn check_csv_header(headers: &[String]) -> std::result::Result<(), String> {
    if headers.iter().all(String::is_empty) {
        return Err("the input is empty (no header line)".to_owned());
    }
    let mut seen = HashMap::new();
    for h in headers {
        if seen.insert(h.as_str(), ()).is_some() {
            return Err(format!("column `{h}` appears twice in the header"));
        }
    }
    let has = |c: &str| seen.contains_key(c);
    let mut missing: Vec<&str> = ["id", "response_template"]
        .into_iter()
        .filter(|c| !has(c))
        .collect();
    if !["trigger_text", "pattern", "trigger_examples"]
        .into_iter()
        .any(has)
    {
        missing.push("trigger_text");
    }
    if !has("created_at") && !has("first_seen") {
        missing.push("created_at");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the header lacks required column(s) {}; export at least id, pattern_type, pattern_signature, trigger_text, trigger_examples, trigger_keywords, response_template, confidence_score, is_active, auto_executable, is_deleted and created_at",
            missing.join(", ")
        ))
    }
}

/// Turns rows into patterns, all or nothing.
fn import_rows(
    rows: impl Iterator<Item = std::result::Result<Map<String, Value>, String>>,
) -> Result<V1Import> {
    let mut patterns = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut ids: HashMap<u64, usize> = HashMap::new();
    for (i, row) in rows.enumerate() {
        let number = i + 1;
        match row.and_then(|row| pattern_from_row(&row)) {
            Ok((pattern, notes)) => {
                if let Some(first) = ids.insert(pattern.id.0, number) {
                    errors.push(RowError {
                        row: number,
                        reason: format!("duplicate id {} (also row {first})", pattern.id),
                    });
                    continue;
                }
                warnings.extend(notes.into_iter().map(|message| RowWarning {
                    row: number,
                    id: pattern.id.0,
                    message,
                }));
                patterns.push(pattern);
            }
            Err(reason) => errors.push(RowError {
                row: number,
                reason,
            }),
        }
    }
    if errors.is_empty() {
        Ok(V1Import { patterns, warnings })
    } else {
        Err(Error::Import(errors))
    }
}

/// One row → one pattern and its warnings, or every problem of the row.
fn pattern_from_row(
    row: &Map<String, Value>,
) -> std::result::Result<(Pattern, Vec<String>), String> {
    let mut f = Fields {
        row,
        errors: Vec::new(),
    };
    let mut warnings = Vec::new();

    let id = f.integer("id");
    if id.is_none() && !f.has_error_for("id") {
        f.errors.push("id is missing".to_owned());
    }
    let topic = match f.text("pattern_type") {
        None => {
            warnings.push("pattern_type is NULL; topic set to `general`".to_owned());
            Topic::General.as_str().to_owned()
        }
        Some(t) => match t.as_str() {
            "tech_issue" => Topic::TechSupport.as_str().to_owned(),
            name => match name.parse::<Topic>() {
                Ok(topic) => topic.as_str().to_owned(),
                Err(_) => {
                    warnings.push(format!(
                        "pattern_type `{}` is not a topic; topic set to `general` (exported back as `general`)",
                        shorten(name)
                    ));
                    Topic::General.as_str().to_owned()
                }
            },
        },
    };
    let v1_sig = f.text("pattern_signature");
    let trigger_text = f.text("trigger_text");
    let alias = f.text("pattern");
    if let (Some(text), Some(alias)) = (&trigger_text, &alias) {
        if text != alias {
            warnings.push(format!(
                "trigger_text and its alias `pattern` differ; kept trigger_text (`{}`)",
                shorten(text)
            ));
        }
    }
    let mut text = trigger_text.or(alias).filter(|t| !t.trim().is_empty());
    if let (Some(t), Some(sig)) = (&text, &v1_sig) {
        if t == sig && is_md5_hex(t) {
            warnings.push(
                "trigger_text is the row's signature, not a customer message; not used as an example"
                    .to_owned(),
            );
            text = None;
        }
    }
    let mut examples: Vec<String> = text.iter().cloned().collect();
    for item in f.text_array("trigger_examples").unwrap_or_default() {
        match item {
            Some(e) if !e.trim().is_empty() => {
                if !examples.contains(&e) {
                    examples.push(e);
                }
            }
            _ => warnings.push("dropped a NULL or empty element of trigger_examples".to_owned()),
        }
    }
    if examples.is_empty()
        && !["trigger_text", "pattern", "trigger_examples"]
            .iter()
            .any(|c| f.has_error_for(c))
    {
        f.errors.push(
            "no trigger: trigger_text (or pattern) and trigger_examples are empty, so nothing can match this pattern; exclude the row or fill trigger_examples".to_owned(),
        );
    }
    let mut keywords = Vec::new();
    for item in f.text_array("trigger_keywords").unwrap_or_default() {
        match item.as_deref().map(str::trim) {
            Some(k) if !k.is_empty() => keywords.push(k.to_owned()),
            _ => warnings.push("dropped a NULL or empty element of trigger_keywords".to_owned()),
        }
    }
    let response = f.text("response_template").filter(|r| !r.trim().is_empty());
    if response.is_none() {
        f.errors
            .push("response_template is empty or NULL: a pattern needs a reply".to_owned());
    }
    let action_template = f.json("action_template");
    let confidence = match f.decimal("confidence_score") {
        Some(c) if (0.0..=1.0).contains(&c) => c,
        Some(c) => {
            f.errors
                .push(format!("confidence_score {c} is outside [0, 1]"));
            0.5
        }
        None => {
            if !f.has_error_for("confidence_score") {
                warnings.push("confidence_score is NULL; set to V1's default 0.50".to_owned());
            }
            0.5
        }
    };
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
    let created_at = f
        .timestamp("created_at")
        .or_else(|| f.timestamp("first_seen"));
    if created_at.is_none() && !f.has_error_for("created_at") && !f.has_error_for("first_seen") {
        f.errors
            .push("created_at (and first_seen) is NULL: the creation time is required".to_owned());
    }
    let last_used = f.timestamp("last_used");
    let last_modified = f
        .timestamp("last_modified")
        .or_else(|| f.timestamp("updated_at"));

    let (Some(id), Some(response), Some(created_at), Some(first), true) = (
        id,
        response,
        created_at,
        examples.first().cloned(),
        f.errors.is_empty(),
    ) else {
        // Every way to get here recorded at least one error.
        return Err(f.errors.join("; "));
    };
    let v1_signature = match v1_sig {
        Some(sig) => {
            let expected = v1_signature(&first);
            if sig != expected {
                warnings.push(format!(
                    "pattern_signature {} is not V1's signature of the trigger text ({expected}); kept as is",
                    shorten(&sig)
                ));
            }
            sig
        }
        None => {
            warnings.push("pattern_signature is NULL; computed from the trigger text".to_owned());
            v1_signature(&first)
        }
    };
    let [execution_count, success_count, failure_count, override_count] = counters;
    let pattern = Pattern {
        id: PatternId(id),
        topic,
        signature: signature(&first),
        trigger_examples: examples,
        trigger_keywords: keywords,
        response_template: response,
        action_template,
        confidence,
        is_active,
        auto_executable,
        is_deleted,
        execution_count,
        success_count,
        failure_count,
        override_count,
        provenance: Provenance::Imported,
        v1_signature: Some(v1_signature),
        created_at,
        last_used,
        last_modified: last_modified.unwrap_or(created_at),
    };
    Ok((pattern, warnings))
}

fn is_md5_hex(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Typed reads of one row's columns; a bad value is recorded and read as `None`.
struct Fields<'a> {
    row: &'a Map<String, Value>,
    errors: Vec<String>,
}

impl Fields<'_> {
    fn get(&self, column: &str) -> Option<&Value> {
        self.row.get(column).filter(|v| !v.is_null())
    }

    fn fail<T>(&mut self, column: &str, why: String) -> Option<T> {
        self.errors.push(format!("{column}: {why}"));
        None
    }

    fn has_error_for(&self, column: &str) -> bool {
        let prefix = format!("{column}:");
        self.errors.iter().any(|e| e.starts_with(&prefix))
    }

    fn text(&mut self, column: &str) -> Option<String> {
        match self.get(column)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let why = format!("expected text, found {}", kind_of(other));
                self.fail(column, why)
            }
        }
    }

    /// A non-negative integer that a store can keep (at most `i64::MAX`).
    fn integer(&mut self, column: &str) -> Option<u64> {
        let parsed = match self.get(column)? {
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| format!("{n} is not a non-negative integer")),
            Value::String(s) => s
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("`{}` is not a non-negative integer", shorten(s))),
            other => Err(format!("expected an integer, found {}", kind_of(other))),
        };
        match parsed {
            Ok(n) if i64::try_from(n).is_ok() => Some(n),
            Ok(n) => self.fail(column, format!("{n} is too large")),
            Err(why) => self.fail(column, why),
        }
    }

    fn decimal(&mut self, column: &str) -> Option<f64> {
        let parsed = match self.get(column)? {
            Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a number")),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("`{}` is not a number", shorten(s))),
            other => Err(format!("expected a number, found {}", kind_of(other))),
        };
        match parsed {
            Ok(x) if x.is_finite() => Some(x),
            Ok(x) => self.fail(column, format!("{x} is not a finite number")),
            Err(why) => self.fail(column, why),
        }
    }

    fn boolean(&mut self, column: &str) -> Option<bool> {
        let parsed = match self.get(column)? {
            Value::Bool(b) => Ok(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "y" | "yes" | "on" | "1" => Ok(true),
                "f" | "false" | "n" | "no" | "off" | "0" => Ok(false),
                _ => Err(format!("`{}` is not a boolean (t/f)", shorten(s))),
            },
            other => Err(format!("expected a boolean, found {}", kind_of(other))),
        };
        parsed.map_or_else(|why| self.fail(column, why), Some)
    }

    fn text_array(&mut self, column: &str) -> Option<Vec<Option<String>>> {
        let parsed = match self.get(column)? {
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::Null => Ok(None),
                    Value::String(s) => Ok(Some(s.clone())),
                    other => Err(format!("expected text elements, found {}", kind_of(other))),
                })
                .collect(),
            Value::String(s) => pg_text::parse_array(s),
            other => Err(format!("expected an array, found {}", kind_of(other))),
        };
        parsed.map_or_else(|why| self.fail(column, why), Some)
    }

    /// A JSON document; text (as CSV gives it, or double-encoded JSON) is parsed.
    fn json(&mut self, column: &str) -> Option<Value> {
        match self.get(column)? {
            Value::String(s) => match serde_json::from_str(s) {
                Ok(value) => Some(value),
                Err(e) => self.fail(column, format!("not JSON: {e}")),
            },
            other => Some(other.clone()),
        }
    }

    fn timestamp(&mut self, column: &str) -> Option<crate::clock::Timestamp> {
        let parsed = match self.get(column)? {
            Value::String(s) => pg_text::parse_timestamp(s),
            Value::Number(n) => n
                .as_i64()
                .map(crate::clock::Timestamp)
                .ok_or_else(|| format!("{n} is not milliseconds since the epoch")),
            other => Err(format!("expected a timestamp, found {}", kind_of(other))),
        };
        parsed.map_or_else(|why| self.fail(column, why), Some)
    }
}

/// One exported value, before it is written as JSON or CSV.
enum Cell {
    Null,
    Text(String),
    Integer(u64),
    /// A `DECIMAL` in its text form (`0.85`).
    Decimal(String),
    Bool(bool),
    TextArray(Vec<String>),
    Json(Value),
    Time(crate::clock::Timestamp),
}

/// The V1 row of a pattern, in [`EXPORT_COLUMNS`] order.
fn row_of(p: &Pattern) -> [Cell; 21] {
    let first = p.trigger_examples.first();
    let text = || first.map_or(Cell::Null, |t| Cell::Text(t.clone()));
    let pattern_type = if p.topic == Topic::TechSupport.as_str() {
        "tech_issue".to_owned()
    } else {
        p.topic.clone()
    };
    let v1_sig = p
        .v1_signature
        .clone()
        .or_else(|| first.map(|t| v1_signature(t)))
        .map_or(Cell::Null, Cell::Text);
    // The serde name (`learned`, `manual`, `imported`) is V1's `created_from` value.
    let created_from = match serde_json::to_value(p.provenance) {
        Ok(Value::String(name)) => name,
        _ => "imported".to_owned(),
    };
    [
        Cell::Integer(p.id.0),
        Cell::Text(pattern_type),
        v1_sig,
        text(),
        text(),
        Cell::TextArray(p.trigger_keywords.clone()),
        Cell::TextArray(p.trigger_examples.clone()),
        Cell::Text(p.response_template.clone()),
        p.action_template.clone().map_or(Cell::Null, Cell::Json),
        Cell::Decimal(format!("{:.2}", p.confidence)),
        Cell::Bool(p.auto_executable),
        Cell::Bool(p.is_active),
        Cell::Bool(p.is_deleted),
        Cell::Integer(p.execution_count),
        Cell::Integer(p.success_count),
        Cell::Integer(p.failure_count),
        Cell::Integer(p.override_count),
        Cell::Text(created_from),
        Cell::Time(p.created_at),
        p.last_used.map_or(Cell::Null, Cell::Time),
        Cell::Time(p.last_modified),
    ]
}

/// Writes patterns as a JSON array of V1 rows (the shape of `row_to_json`), one
/// object per pattern with the [`EXPORT_COLUMNS`].
///
/// Confidences are rounded to V1's two decimals.
///
/// # Example
/// ```
/// use pattern_learning::store::v1_rows;
/// # fn main() -> pattern_learning::Result<()> {
/// let rows = r#"[{"id": 3, "pattern_type": "hours", "trigger_text": "What are your hours?",
///     "response_template": "We're open 24/7.", "confidence_score": "0.9",
///     "created_at": "2025-09-05T12:00:00.000Z"}]"#;
/// let patterns = v1_rows::import_json(rows)?.patterns;
/// let json: serde_json::Value = serde_json::from_str(&v1_rows::export_json(&patterns)).unwrap();
/// assert_eq!(json[0]["confidence_score"], 0.9);
/// assert_eq!(json[0]["created_at"], "2025-09-05T12:00:00+00:00");
/// # Ok(())
/// # }
/// ```
pub fn export_json(patterns: &[Pattern]) -> String {
    let rows: Vec<Value> = patterns
        .iter()
        .map(|p| {
            let row: Map<String, Value> = EXPORT_COLUMNS
                .iter()
                .zip(row_of(p))
                .map(|(column, cell)| ((*column).to_owned(), json_value(cell)))
                .collect();
            Value::Object(row)
        })
        .collect();
    // Serialising a `Value` cannot fail: its map keys are strings.
    serde_json::to_string_pretty(&rows).unwrap_or_default()
}

fn json_value(cell: Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Text(s) => Value::String(s),
        Cell::Integer(n) => Value::from(n),
        Cell::Decimal(d) => d
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::String(d), Value::Number),
        Cell::Bool(b) => Value::Bool(b),
        Cell::TextArray(items) => Value::from(items),
        Cell::Json(v) => v,
        Cell::Time(t) => Value::String(pg_text::format_timestamp_json(t)),
    }
}

/// Writes patterns as V1 rows in the CSV of `COPY … TO STDOUT WITH CSV HEADER`,
/// which `COPY decision_patterns (<columns>) FROM STDIN WITH CSV HEADER` reads back.
///
/// The header names the [`EXPORT_COLUMNS`]; confidences are rounded to V1's two
/// decimals.
///
/// # Errors
///
/// [`Error::Store`] when writing fails.
pub fn export_csv(patterns: &[Pattern], mut writer: impl Write) -> Result<()> {
    let mut out = EXPORT_COLUMNS.join(",");
    out.push('\n');
    for p in patterns {
        for (i, cell) in row_of(p).into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let text = match cell {
                Cell::Null => None,
                Cell::Text(s) | Cell::Decimal(s) => Some(s),
                Cell::Integer(n) => Some(n.to_string()),
                Cell::Bool(b) => Some(if b { "t" } else { "f" }.to_owned()),
                Cell::TextArray(items) => Some(pg_text::format_array(&items)),
                Cell::Json(v) => Some(v.to_string()),
                Cell::Time(t) => Some(pg_text::format_timestamp_csv(t)),
            };
            pg_text::csv_field(&mut out, text.as_deref());
        }
        out.push('\n');
    }
    writer
        .write_all(out.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(|e| Error::Store {
            operation: "export".to_owned(),
            reason: e.to_string(),
        })
}
