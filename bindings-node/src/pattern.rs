//! Patterns, their history and the inputs that create or change them (mirrors
//! `core/src/pattern.rs` and `core/src/book.rs`).

use napi::bindgen_prelude::{Either, Float32Array, Undefined};
use napi_derive::napi;
use pattern_learning as pl;
use serde_json::Value;

use crate::decision::{count, maybe, number, snake_name};
use crate::error::{id_from_js, BindingError};

/// A caller-supplied embedding: a `Float32Array` (preferred) or an array of numbers.
pub type Embedding = Either<Float32Array, Vec<f64>>;

pub(crate) fn embedding(v: Embedding) -> Vec<f32> {
    match v {
        Either::A(a) => a.to_vec(),
        // Out-of-range and NaN values stay non-finite, and the core rejects them.
        Either::B(b) => b.into_iter().map(|x| x as f32).collect(),
    }
}

pub(crate) fn pattern_id(value: f64) -> Result<pl::PatternId, BindingError> {
    id_from_js("pattern id", value).map(pl::PatternId)
}

/// A learned or authored reply with its triggers, trust and usage counters: a
/// read-only view of the core's pattern (properties convert on access; `toJSON`
/// from `lib/values.js`).
#[napi]
pub struct Pattern {
    inner: pl::Pattern,
}

impl From<pl::Pattern> for Pattern {
    fn from(inner: pl::Pattern) -> Self {
        Pattern { inner }
    }
}

/// A timestamp as milliseconds since the Unix epoch.
fn millis(t: pl::clock::Timestamp) -> f64 {
    t.0 as f64
}

#[napi]
impl Pattern {
    /// Unique id.
    #[napi(getter)]
    pub fn id(&self) -> f64 {
        number(self.inner.id.0)
    }

    /// Topic (snake_case name).
    #[napi(getter)]
    pub fn topic(&self) -> String {
        self.inner.topic.clone()
    }

    /// Stable signature of the first trigger example.
    #[napi(getter)]
    pub fn signature(&self) -> String {
        self.inner.signature.clone()
    }

    /// Customer phrasings that this reply answers.
    #[napi(getter)]
    pub fn trigger_examples(&self) -> Vec<String> {
        self.inner.trigger_examples.clone()
    }

    /// Words or phrases that select this pattern (whole words).
    #[napi(getter)]
    pub fn trigger_keywords(&self) -> Vec<String> {
        self.inner.trigger_keywords.clone()
    }

    /// Reply template; may contain `{{variables}}`.
    #[napi(getter)]
    pub fn response_template(&self) -> String {
        self.inner.response_template.clone()
    }

    /// Optional action template (JSON).
    #[napi(getter)]
    pub fn action_template(&self) -> Either<Value, Undefined> {
        maybe(self.inner.action_template.clone())
    }

    /// Operator trust in this pattern, in `[0, 1]`.
    #[napi(getter)]
    pub fn confidence(&self) -> f64 {
        self.inner.confidence
    }

    /// Eligible for matching at all.
    #[napi(getter)]
    pub fn is_active(&self) -> bool {
        self.inner.is_active
    }

    /// Eligible for automatic sending.
    #[napi(getter)]
    pub fn auto_executable(&self) -> bool {
        self.inner.auto_executable
    }

    /// Soft-deleted.
    #[napi(getter)]
    pub fn is_deleted(&self) -> bool {
        self.inner.is_deleted
    }

    /// Confirmed uses: approvals, edits and operator answers with this reply.
    #[napi(getter)]
    pub fn execution_count(&self) -> f64 {
        number(self.inner.execution_count)
    }

    /// Confirmed right.
    #[napi(getter)]
    pub fn success_count(&self) -> f64 {
        number(self.inner.success_count)
    }

    /// Confirmed wrong.
    #[napi(getter)]
    pub fn failure_count(&self) -> f64 {
        number(self.inner.failure_count)
    }

    /// Approved with edits.
    #[napi(getter)]
    pub fn override_count(&self) -> f64 {
        number(self.inner.override_count)
    }

    /// Where the pattern came from: `learned`, `manual` or `imported`.
    #[napi(getter)]
    pub fn provenance(&self) -> String {
        snake_name(self.inner.provenance)
    }

    /// V1 signature (MD5 hex), for patterns created from or for V1.
    #[napi(getter)]
    pub fn v1_signature(&self) -> Either<String, Undefined> {
        maybe(self.inner.v1_signature.clone())
    }

    /// Creation time, milliseconds since the Unix epoch.
    #[napi(getter)]
    pub fn created_at(&self) -> f64 {
        millis(self.inner.created_at)
    }

    /// Last time the pattern was proposed or confirmed (ms since the epoch).
    #[napi(getter)]
    pub fn last_used(&self) -> Either<f64, Undefined> {
        maybe(self.inner.last_used.map(millis))
    }

    /// Last change to the pattern (ms since the epoch).
    #[napi(getter)]
    pub fn last_modified(&self) -> f64 {
        millis(self.inner.last_modified)
    }
}

/// What `createPattern` takes.
#[napi(object)]
pub struct NewPattern {
    /// Customer phrasings (at least one with words).
    pub trigger_examples: Vec<String>,
    /// Keywords; derived from the examples when absent or empty.
    pub trigger_keywords: Option<Vec<String>>,
    /// Reply template (`{{customer_name}}`, `{{bay_number|Bay 1}}`, …).
    pub response_template: String,
    /// Optional action template (any JSON).
    pub action_template: Option<Value>,
    /// Topic name; detected from the first example when absent.
    pub topic: Option<String>,
    /// Initial trust in `[0, 1]`; the configured `learning.initialManual` when absent.
    pub confidence: Option<f64>,
    /// Active from the start (default `true`).
    pub is_active: Option<bool>,
    /// Approved for automatic sending from the start (default `false`).
    pub auto_executable: Option<bool>,
    /// Caller-supplied embeddings, one per trigger example.
    #[napi(ts_type = "Array<Float32Array | number[]>")]
    pub embeddings: Option<Vec<Embedding>>,
}

impl From<NewPattern> for pl::NewPattern {
    fn from(n: NewPattern) -> Self {
        let mut p = pl::NewPattern::new(n.trigger_examples, n.response_template);
        p.trigger_keywords = n.trigger_keywords.unwrap_or_default();
        p.action_template = n.action_template;
        p.topic = n.topic;
        p.confidence = n.confidence;
        p.is_active = n.is_active.unwrap_or(true);
        p.auto_executable = n.auto_executable.unwrap_or(false);
        p.embeddings = n
            .embeddings
            .unwrap_or_default()
            .into_iter()
            .map(embedding)
            .collect();
        p
    }
}

/// What `updatePattern` takes; absent fields stay as they are.
#[napi(object)]
pub struct PatternUpdate {
    /// New reply template.
    pub response_template: Option<String>,
    /// Replace the trigger examples.
    pub trigger_examples: Option<Vec<String>>,
    /// Replace the trigger keywords.
    pub trigger_keywords: Option<Vec<String>>,
    /// New action template.
    pub action_template: Option<Value>,
    /// Remove the action template (`actionTemplate` is then ignored).
    pub clear_action_template: Option<bool>,
    /// New topic name.
    pub topic: Option<String>,
    /// New confidence in `[0, 1]`.
    pub confidence: Option<f64>,
}

impl From<PatternUpdate> for pl::PatternUpdate {
    fn from(u: PatternUpdate) -> Self {
        pl::PatternUpdate {
            response_template: u.response_template,
            trigger_examples: u.trigger_examples,
            trigger_keywords: u.trigger_keywords,
            action_template: if u.clear_action_template == Some(true) {
                Some(None)
            } else {
                u.action_template.map(Some)
            },
            topic: u.topic,
            confidence: u.confidence,
        }
    }
}

/// Which patterns `patterns()` returns (default: active, not deleted).
#[napi(object)]
pub struct PatternFilter {
    /// Include soft-deleted patterns.
    pub include_deleted: Option<bool>,
    /// Include inactive patterns.
    pub include_inactive: Option<bool>,
}

impl From<PatternFilter> for pl::PatternFilter {
    fn from(f: PatternFilter) -> Self {
        pl::PatternFilter {
            include_deleted: f.include_deleted.unwrap_or(false),
            include_inactive: f.include_inactive.unwrap_or(false),
        }
    }
}

/// The part of a pattern that feedback changes, recorded with every event.
#[napi(object)]
pub struct PatternState {
    /// Confidence.
    pub confidence: f64,
    /// Active flag.
    pub is_active: bool,
    /// Auto-executable flag.
    pub auto_executable: bool,
    /// Soft-delete flag.
    pub is_deleted: bool,
    /// Confirmed uses.
    pub execution_count: f64,
    /// Confirmed right.
    pub success_count: f64,
    /// Confirmed wrong.
    pub failure_count: f64,
    /// Approved with edits.
    pub override_count: f64,
    /// Number of trigger examples.
    pub examples: u32,
    /// Last time the pattern was proposed or confirmed (ms since the epoch).
    pub last_used: Option<f64>,
    /// Last change (ms since the epoch).
    pub last_modified: f64,
}

impl From<pl::PatternState> for PatternState {
    fn from(state: pl::PatternState) -> Self {
        let pl::PatternState {
            confidence,
            is_active,
            auto_executable,
            is_deleted,
            execution_count,
            success_count,
            failure_count,
            override_count,
            examples,
            last_used,
            last_modified,
        } = state;
        PatternState {
            confidence,
            is_active,
            auto_executable,
            is_deleted,
            execution_count: number(execution_count),
            success_count: number(success_count),
            failure_count: number(failure_count),
            override_count: number(override_count),
            examples: count(examples),
            last_used: last_used.map(|t| t.0 as f64),
            last_modified: last_modified.0 as f64,
        }
    }
}

/// One entry of a pattern's history (output only).
#[napi(object, object_from_js = false)]
pub struct PatternEvent {
    /// Position in the engine-wide history (starts at 1).
    pub seq: f64,
    /// When (ms since the epoch).
    pub at: f64,
    /// Who (operator id), when known.
    pub actor: Option<String>,
    /// What changed: `created`, `updated`, `approved`, `modified`, `rejected`,
    /// `answered`, `active_changed`, `auto_changed`, `promoted`, `deleted`, `restored`,
    /// `undone`.
    pub kind: String,
    /// The pattern.
    pub pattern_id: f64,
    /// Confidence before (absent on creation).
    pub old_confidence: Option<f64>,
    /// Confidence after.
    pub new_confidence: f64,
    /// The customer message involved, if any.
    pub message: Option<String>,
    /// Flags, counters and example count after the change.
    pub state: PatternState,
    /// The whole pattern, on creation and on content updates.
    pub full: Option<Pattern>,
}

impl From<pl::PatternEvent> for PatternEvent {
    fn from(e: pl::PatternEvent) -> Self {
        let pl::PatternEvent {
            seq,
            at,
            actor,
            kind,
            pattern_id,
            old_confidence,
            new_confidence,
            message,
            state,
            full,
        } = e;
        PatternEvent {
            seq: number(seq),
            at: at.0 as f64,
            actor,
            kind: snake_name(kind),
            pattern_id: number(pattern_id.0),
            old_confidence,
            new_confidence,
            message,
            state: state.into(),
            full: full.map(Into::into),
        }
    }
}
