//! A `tracing` subscriber that keeps everything it is given as text: every span
//! with its fields, every event with its level, target and fields. For tests that
//! look for a warning, or for what must never be logged.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One recorded line: a span (`level` is `None`) or an event.
#[derive(Debug, Clone)]
pub struct Line {
    pub level: Option<Level>,
    pub target: String,
    pub name: String,
    pub fields: Vec<(String, String)>,
}

impl Line {
    /// The value of `field` as recorded (`Debug` form for non-strings).
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }
}

/// Records every span and event; clones share the record.
#[derive(Clone, Default)]
pub struct Capture {
    next: Arc<AtomicU64>,
    lines: Arc<Mutex<Vec<Line>>>,
    spans: Arc<Mutex<Vec<usize>>>,
}

impl Capture {
    /// Everything recorded so far.
    pub fn lines(&self) -> Vec<Line> {
        self.lines.lock().unwrap().clone()
    }

    /// The events recorded at `level`.
    pub fn events(&self, level: Level) -> Vec<Line> {
        self.lines()
            .into_iter()
            .filter(|l| l.level == Some(level))
            .collect()
    }

    /// Everything recorded, as one text.
    pub fn text(&self) -> String {
        format!("{:?}", self.lines())
    }
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().into(), value.to_owned()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().into(), format!("{value:?}")));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        let mut lines = self.lines.lock().unwrap();
        lines.push(Line {
            level: None,
            target: span.metadata().target().into(),
            name: span.metadata().name().into(),
            fields,
        });
        let mut spans = self.spans.lock().unwrap();
        spans.push(lines.len() - 1);
        self.next.fetch_add(1, Ordering::SeqCst);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let at = self.spans.lock().unwrap()[span.into_u64() as usize - 1];
        let mut lines = self.lines.lock().unwrap();
        values.record(&mut Fields(&mut lines[at].fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.lines.lock().unwrap().push(Line {
            level: Some(*event.metadata().level()),
            target: event.metadata().target().into(),
            name: event.metadata().name().into(),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}
