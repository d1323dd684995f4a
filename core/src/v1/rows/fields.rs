//! Typed reads of one row's columns, recording what is wrong with them.

use serde_json::{Map, Value};

use super::pg_text::{self, shorten};
use crate::clock::Timestamp;
use crate::v1::dates;

/// How a JSON value is named in error messages.
pub(super) fn kind_of(value: &Value) -> &'static str {
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
pub(super) struct Fields<'a> {
    row: &'a Map<String, Value>,
    /// Every problem that keeps the row from being imported, in column order.
    pub(super) errors: Vec<String>,
    /// Caveats about a row that is imported anyway.
    pub(super) warnings: Vec<String>,
}

impl<'a> Fields<'a> {
    /// Reads of `row`, with no errors or warnings yet.
    pub(super) fn new(row: &'a Map<String, Value>) -> Self {
        Fields {
            row,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl Fields<'_> {
    /// Records a caveat about the row.
    pub(super) fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// Records a problem that keeps the row from being imported.
    pub(super) fn error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    fn get(&self, column: &str) -> Option<&Value> {
        self.row.get(column).filter(|v| !v.is_null())
    }

    fn fail<T>(&mut self, column: &str, why: String) -> Option<T> {
        self.errors.push(format!("{column}: {why}"));
        None
    }

    pub(super) fn has_error_for(&self, column: &str) -> bool {
        let prefix = format!("{column}:");
        self.errors.iter().any(|e| e.starts_with(&prefix))
    }

    pub(super) fn text(&mut self, column: &str) -> Option<String> {
        match self.get(column)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let why = format!("expected text, found {}", kind_of(other));
                self.fail(column, why)
            }
        }
    }

    /// A non-negative integer that a store can keep (at most `i64::MAX`).
    pub(super) fn integer(&mut self, column: &str) -> Option<u64> {
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

    pub(super) fn decimal(&mut self, column: &str) -> Option<f64> {
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

    pub(super) fn boolean(&mut self, column: &str) -> Option<bool> {
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

    pub(super) fn text_array(&mut self, column: &str) -> Option<Vec<Option<String>>> {
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
    pub(super) fn json(&mut self, column: &str) -> Option<Value> {
        match self.get(column)? {
            Value::String(s) => match serde_json::from_str(s) {
                Ok(value) => Some(value),
                Err(e) => self.fail(column, format!("not JSON: {e}")),
            },
            other => Some(other.clone()),
        }
    }

    pub(super) fn timestamp(&mut self, column: &str) -> Option<Timestamp> {
        let parsed = match self.get(column)? {
            Value::String(s) => dates::parse_timestamp(s)
                .map_err(|why| format!("`{}` is not a timestamp: {why}", shorten(s))),
            Value::Number(n) => n
                .as_i64()
                .map(Timestamp)
                .ok_or_else(|| format!("{n} is not milliseconds since the epoch")),
            other => Err(format!("expected a timestamp, found {}", kind_of(other))),
        };
        parsed.map_or_else(|why| self.fail(column, why), Some)
    }
}
