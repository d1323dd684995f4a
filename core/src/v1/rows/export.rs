//! Patterns → V1 rows, as `row_to_json` and `COPY … CSV` write them.

use std::io::Write;

use serde_json::{Map, Value};

use super::pg_text;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::pattern::Pattern;
use crate::signature::v1_signature;
use crate::v1::dates;
use crate::v1::topic::Topic;

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
    Time(Timestamp),
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
/// use pattern_learning::v1::rows;
/// # fn main() -> pattern_learning::Result<()> {
/// let rows = r#"[{"id": 3, "pattern_type": "hours", "trigger_text": "What are your hours?",
///     "response_template": "We're open 24/7.", "confidence_score": "0.9",
///     "created_at": "2025-09-05T12:00:00.000Z"}]"#;
/// let patterns = rows::import_json(rows)?.patterns;
/// let json: serde_json::Value = serde_json::from_str(&rows::export_json(&patterns)).unwrap();
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
        Cell::Time(t) => Value::String(dates::format_timestamp_json(t)),
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
                Cell::Time(t) => Some(dates::format_timestamp_csv(t)),
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
