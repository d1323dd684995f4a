//! Patterns, their history and the inputs that create or change them (mirrors
//! `core/src/pattern.rs` and `core/src/book.rs`).

use napi::bindgen_prelude::{Either, Float32Array};
use napi_derive::napi;
use pattern_learning as pl;
use serde_json::Value;

use crate::decision::{count, number, snake_name};
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

/// A learned or authored reply with its triggers, trust and usage counters.
#[napi(object)]
pub struct Pattern {
    /// Unique id.
    pub id: f64,
    /// Topic (snake_case name).
    pub topic: String,
    /// Stable signature of the first trigger example.
    pub signature: String,
    /// Customer phrasings that this reply answers.
    pub trigger_examples: Vec<String>,
    /// Words or phrases that select this pattern (whole words).
    pub trigger_keywords: Vec<String>,
    /// Reply template; may contain `{{variables}}`.
    pub response_template: String,
    /// Optional action template (JSON).
    pub action_template: Option<Value>,
    /// Operator trust in this pattern, in `[0, 1]`.
    pub confidence: f64,
    /// Eligible for matching at all.
    pub is_active: bool,
    /// Eligible for automatic sending.
    pub auto_executable: bool,
    /// Soft-deleted.
    pub is_deleted: bool,
    /// Confirmed uses: approvals, edits and operator answers with this reply.
    pub execution_count: f64,
    /// Confirmed right.
    pub success_count: f64,
    /// Confirmed wrong.
    pub failure_count: f64,
    /// Approved with edits.
    pub override_count: f64,
    /// Where the pattern came from: `learned`, `manual` or `imported`.
    pub provenance: String,
    /// V1 signature (MD5 hex), for patterns created from or for V1.
    pub v1_signature: Option<String>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at: f64,
    /// Last time the pattern was proposed or confirmed (ms since the epoch).
    pub last_used: Option<f64>,
    /// Last change to the pattern (ms since the epoch).
    pub last_modified: f64,
}

impl From<pl::Pattern> for Pattern {
    fn from(p: pl::Pattern) -> Self {
        let pl::Pattern {
            id,
            topic,
            signature,
            trigger_examples,
            trigger_keywords,
            response_template,
            action_template,
            confidence,
            is_active,
            auto_executable,
            is_deleted,
            execution_count,
            success_count,
            failure_count,
            override_count,
            provenance,
            v1_signature,
            created_at,
            last_used,
            last_modified,
        } = p;
        Pattern {
            id: number(id.0),
            topic,
            signature,
            trigger_examples,
            trigger_keywords,
            response_template,
            action_template,
            confidence,
            is_active,
            auto_executable,
            is_deleted,
            execution_count: number(execution_count),
            success_count: number(success_count),
            failure_count: number(failure_count),
            override_count: number(override_count),
            provenance: snake_name(provenance),
            v1_signature,
            created_at: created_at.0 as f64,
            last_used: last_used.map(|t| t.0 as f64),
            last_modified: last_modified.0 as f64,
        }
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

/// One entry of a pattern's history.
#[napi(object)]
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
