//! Labelled messages: one [`Record`] per line of a JSON Lines file, read from one
//! file or from several in order, as one data set.

use std::io::BufRead;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The intent label of out-of-scope messages.
pub const OOS: &str = "oos";

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Stable id (the line number when the file has none).
    pub id: String,
    /// Message text.
    pub text: String,
    /// Intent label; `oos` for out-of-scope.
    pub intent: String,
    /// Split name (`train`, `val`, …).
    pub split: String,
}

impl Record {
    /// A record from its parts.
    pub fn new(
        id: impl Into<String>,
        text: impl Into<String>,
        intent: impl Into<String>,
        split: impl Into<String>,
    ) -> Self {
        Record {
            id: id.into(),
            text: text.into(),
            intent: intent.into(),
            split: split.into(),
        }
    }

    /// The reply a perfect operator sends: `RESPONSE:<intent>`, or a one-off
    /// `CUSTOM:<id>` for out-of-scope messages.
    pub fn right_reply(&self) -> String {
        self.reply(self.intent == OOS)
    }

    /// The operator's reply when the message is (or is treated as) out of scope:
    /// a one-off `CUSTOM:<id>`; otherwise `RESPONSE:<intent>`.
    pub(crate) fn reply(&self, out_of_scope: bool) -> String {
        if out_of_scope {
            format!("CUSTOM:{}", self.id)
        } else {
            format!("RESPONSE:{}", self.intent)
        }
    }
}

/// Reads JSON Lines with `text`, `intent`, `split` and an optional `id`.
///
/// # Example
/// ```
/// use pattern_learning::replay::load_jsonl;
/// let data = "{\"text\": \"hi\", \"intent\": \"greet\", \"split\": \"train\"}\n\n\
///             {\"id\": 7, \"text\": \"bye\", \"intent\": \"oos\", \"split\": \"val\"}\n";
/// let records = load_jsonl(data.as_bytes()).unwrap();
/// assert_eq!((records[0].id.as_str(), records[1].id.as_str()), ("1", "7"));
/// ```
pub fn load_jsonl(reader: impl BufRead) -> Result<Vec<Record>> {
    let mut data = JsonlReader::default();
    data.read(reader)?;
    Ok(data.into_records())
}

/// Labelled messages read from one or more JSON Lines sources, in order, as one
/// data set: a line without an `id` is numbered by its line in the sources taken
/// one after the other, so ids stay distinct across files.
///
/// # Example
/// ```
/// use pattern_learning::replay::JsonlReader;
/// let line = "{\"text\": \"hi\", \"intent\": \"greet\", \"split\": \"train\"}\n";
/// let mut data = JsonlReader::default();
/// data.read(format!("{line}{line}").as_bytes()).unwrap();
/// data.read(line.as_bytes()).unwrap();
/// let ids: Vec<String> = data.into_records().into_iter().map(|r| r.id).collect();
/// assert_eq!(ids, ["1", "2", "3"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct JsonlReader {
    records: Vec<Record>,
    lines: usize,
}

impl JsonlReader {
    /// Reads every line of one more source. A malformed line is an
    /// [`Error::Parse`] naming its line in this source; the records read before
    /// stay.
    pub fn read(&mut self, reader: impl BufRead) -> Result<()> {
        let mut lines = 0;
        for (n, line) in reader.lines().enumerate() {
            lines = n + 1;
            let line = line.map_err(|e| line_error(n, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let record = parse_line(&line, self.lines + n + 1).map_err(|e| line_error(n, e))?;
            self.records.push(record);
        }
        // Blank lines count too: the next source's lines are numbered after them.
        self.lines += lines;
        Ok(())
    }

    /// The records read so far, in order.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }
}

/// One line as a record; `number` is its id when it has none.
fn parse_line(line: &str, number: usize) -> std::result::Result<Record, serde_json::Error> {
    #[derive(Deserialize)]
    struct Line {
        id: Option<serde_json::Value>,
        text: String,
        intent: String,
        split: String,
    }
    let parsed: Line = serde_json::from_str(line)?;
    let id = match parsed.id {
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => number.to_string(),
    };
    Ok(Record::new(id, parsed.text, parsed.intent, parsed.split))
}

fn line_error(n: usize, e: impl std::fmt::Display) -> Error {
    Error::Parse {
        what: format!("line {}", n + 1),
        reason: e.to_string(),
    }
}
