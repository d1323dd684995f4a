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
//! | `pattern_type` | [`topic`](Pattern::topic) | `tech_issue` → `tech_support`; a [topic](crate::v1::topic::Topic) name as is; anything else (`faq`, `escalation`, `learned`, NULL) → `general`, with a warning | `tech_support` → `tech_issue`, else the topic |
//! | `trigger_text`, `pattern` (its alias) | first of [`trigger_examples`](Pattern::trigger_examples) | `trigger_text`, else `pattern`; a warning when both are set and differ; ignored (with a warning) when it is the row's own signature, as V1's safety service stored it | the first example, in both columns |
//! | `trigger_examples` | [`trigger_examples`](Pattern::trigger_examples) | after the trigger text, exact duplicates and NULL or empty elements dropped; empty → just the trigger text | every example |
//! | `pattern_signature` | [`v1_signature`](Pattern::v1_signature) | kept as is; a warning when it is not [`v1_signature`](crate::signature::v1_signature) of the trigger text (V1 had several signature schemes, `docs/v1-behaviour.md`); NULL → computed, with a warning | kept, or computed for patterns that have none |
//! | — | [`signature`](Pattern::signature) | [`signature`](crate::signature::signature) of the first example | — |
//! | `trigger_keywords` | [`trigger_keywords`](Pattern::trigger_keywords) | trimmed, NULL or empty elements dropped; NULL → none; punctuation kept | `trigger_keywords` |
//! | `response_template` | [`response_template`](Pattern::response_template) | required, not blank | `response_template` |
//! | `action_template` | [`action_template`](Pattern::action_template) | JSON as is | `action_template` |
//! | `confidence_score` | [`confidence`](Pattern::confidence) | number or numeric string in `[0, 1]`; NULL → V1's default 0.50, with a warning | rounded to two decimals, V1's `DECIMAL(3,2)` |
//! | `is_active`, `auto_executable` | [`is_active`](Pattern::is_active), [`auto_executable`](Pattern::auto_executable) | NULL → V1's defaults `true`, `false` | as is |
//! | `is_deleted` (`deleted_at`) | [`is_deleted`](Pattern::is_deleted) | NULL → whether `deleted_at` is set | `is_deleted` |
//! | `execution_count`, `success_count`, `failure_count`, `human_override_count` | [`execution_count`](Pattern::execution_count), [`success_count`](Pattern::success_count), [`failure_count`](Pattern::failure_count), [`override_count`](Pattern::override_count) | as is, NULL → 0 | as is |
//! | `created_from` | [`provenance`](Pattern::provenance) | always [`Provenance::Imported`](crate::pattern::Provenance::Imported) | `learned`, `manual` or `imported` |
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
//! use pattern_learning::v1::rows;
//! # fn main() -> pattern_learning::Result<()> {
//! let csv = "id,pattern_type,pattern_signature,trigger_text,trigger_keywords,response_template,confidence_score,is_active,created_at\n\
//!            7,gift_cards,8c75e70ab6784fc2ae46aef35313ad46,Do you sell gift cards?,\"{\"\"gift card\"\",giftcard}\",Yes! Online at {{link}}.,0.85,t,2025-09-05 12:34:56.789+00\n";
//! let import = rows::import_csv(csv.as_bytes())?;
//! let p = &import.patterns[0];
//! assert_eq!(p.trigger_keywords, ["gift card", "giftcard"]);
//! assert_eq!(p.confidence, 0.85);
//! assert!(import.warnings.is_empty());
//!
//! let mut out = Vec::new();
//! rows::export_csv(&import.patterns, &mut out)?;
//! assert_eq!(rows::import_csv(out.as_slice())?.patterns, import.patterns);
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use serde_json::{Map, Value};

use crate::error::{Error, Result, RowError};
use crate::pattern::Pattern;

mod export;
mod fields;
mod pg_text;
mod read;

pub use export::{export_csv, export_json, EXPORT_COLUMNS};

use fields::kind_of;
use read::pattern_from_row;

/// The result of an import: the patterns, and what to know about some rows.
#[derive(Debug, Clone, PartialEq)]
pub struct V1Import {
    /// One pattern per row, in row order, with [`Provenance::Imported`](crate::pattern::Provenance::Imported).
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
/// `decision_patterns` table; [`Error::Tls`] when TLS fails as the URL's `sslmode`
/// asks (the same options as the store's:
/// [`PostgresStore`](crate::store::PostgresStore)); [`Error::Import`] as for
/// [`import_json`].
#[cfg(feature = "postgres")]
pub fn import_postgres(url: &str) -> Result<V1Import> {
    import_json(&super::import_postgres::decision_patterns_json(url)?)
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
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let headers = csv_headers(&mut csv).map_err(|reason| Error::Parse {
        what: "V1 decision_patterns rows (CSV)".to_owned(),
        reason,
    })?;
    let rows = csv.into_records().map(|record| {
        let record = record.map_err(|e| format!("unreadable CSV record: {e}"))?;
        csv_row(&headers, &record)
    });
    import_rows(rows)
}

/// The column names of the header line (trimmed, without a byte order mark), when
/// they name every required column once.
fn csv_headers(csv: &mut csv::Reader<impl Read>) -> std::result::Result<Vec<String>, String> {
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?
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
    check_csv_header(&headers)?;
    Ok(headers)
}

/// One CSV record as a row object under the header's column names.
fn csv_row(
    headers: &[String],
    record: &csv::StringRecord,
) -> std::result::Result<Map<String, Value>, String> {
    if record.len() != headers.len() {
        return Err(format!(
            "{} fields, but the header has {}",
            record.len(),
            headers.len()
        ));
    }
    let row = headers.iter().zip(record.iter()).map(|(h, field)| {
        // COPY writes NULL as an empty field; no column this import reads
        // distinguishes an empty string from NULL.
        let value = if field.is_empty() {
            Value::Null
        } else {
            Value::String(field.to_owned())
        };
        (h.clone(), value)
    });
    Ok(row.collect())
}

/// Why a header line cannot be imported, if it cannot: empty, a column twice, or a
/// required column missing.
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
