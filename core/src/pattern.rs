//! Patterns: one reply and the many ways customers ask for it.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::clock::Timestamp;

/// Identifies a pattern inside one engine. Ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PatternId(pub u64);

impl fmt::Display for PatternId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a pattern came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provenance {
    /// Learned from an operator's answer to a customer.
    Learned,
    /// Created by an operator through pattern management.
    Manual,
    /// Imported from another system (for example V1 `decision_patterns` rows).
    Imported,
}

/// A learned or authored reply with its triggers, trust and usage counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pattern {
    /// Unique id.
    pub id: PatternId,
    /// Topic of the pattern (see [`crate::v1::topic::Topic`]), as its snake_case name.
    pub topic: String,
    /// Stable signature of the first trigger example ([`crate::signature::signature`]).
    pub signature: String,
    /// Customer phrasings that this reply answers.
    pub trigger_examples: Vec<String>,
    /// Words or phrases that select this pattern when found on word boundaries.
    pub trigger_keywords: Vec<String>,
    /// Reply template; may contain `{{variables}}`.
    pub response_template: String,
    /// Optional action template (JSON), rendered like the reply.
    pub action_template: Option<serde_json::Value>,
    /// Operator trust in this pattern, in `[0, 1]`.
    pub confidence: f64,
    /// Eligible for matching at all.
    pub is_active: bool,
    /// Eligible for automatic sending.
    pub auto_executable: bool,
    /// Soft-deleted: hidden from matching and from default listings, restorable.
    pub is_deleted: bool,
    /// Confirmed uses: approvals, edits and operator answers with this reply.
    pub execution_count: u64,
    /// Confirmed right: approvals and operator answers.
    pub success_count: u64,
    /// Confirmed wrong: rejections.
    pub failure_count: u64,
    /// Approved with edits.
    pub override_count: u64,
    /// Where the pattern came from.
    pub provenance: Provenance,
    /// V1 signature, kept for patterns imported from V1 (MD5 hex).
    pub v1_signature: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last time the pattern was proposed or confirmed.
    pub last_used: Option<Timestamp>,
    /// Last change to the pattern's content or state.
    pub last_modified: Timestamp,
}

/// What a caller gives to create a pattern.
///
/// # Example
/// ```
/// use pattern_learning::NewPattern;
/// let p = NewPattern::new(
///     ["Do you sell gift cards?", "can I buy a gift certificate"],
///     "Yes! Gift cards are sold online at {{booking_link|our website}}.",
/// )
/// .keywords(["gift card"]);
/// assert_eq!(p.trigger_examples.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPattern {
    /// Customer phrasings (at least one).
    pub trigger_examples: Vec<String>,
    /// Keywords; when empty they are derived from the examples.
    #[serde(default)]
    pub trigger_keywords: Vec<String>,
    /// Reply template.
    pub response_template: String,
    /// Optional action template.
    #[serde(default)]
    pub action_template: Option<serde_json::Value>,
    /// Topic; detected from the examples when absent.
    #[serde(default)]
    pub topic: Option<String>,
    /// Initial trust; the configured `initial_confidence_manual` when absent.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Active from the start (default true for manual patterns).
    #[serde(default = "default_true")]
    pub is_active: bool,
    /// Approved for automatic sending from the start (default false).
    #[serde(default)]
    pub auto_executable: bool,
    /// Caller-supplied embeddings, one per trigger example (or empty).
    #[serde(default)]
    pub embeddings: Vec<Vec<f32>>,
}

fn default_true() -> bool {
    true
}

impl NewPattern {
    /// A manual pattern from examples and a reply; active, not auto-executable.
    pub fn new<I, S>(examples: I, response_template: impl Into<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        NewPattern {
            trigger_examples: examples.into_iter().map(Into::into).collect(),
            trigger_keywords: Vec::new(),
            response_template: response_template.into(),
            action_template: None,
            topic: None,
            confidence: None,
            is_active: true,
            auto_executable: false,
            embeddings: Vec::new(),
        }
    }

    /// Sets the trigger keywords.
    pub fn keywords<I, S>(mut self, keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.trigger_keywords = keywords.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the initial confidence.
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = Some(confidence);
        self
    }

    /// Marks the pattern approved for automatic sending.
    pub fn auto_executable(mut self, yes: bool) -> Self {
        self.auto_executable = yes;
        self
    }
}

/// A partial change to a pattern; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternUpdate {
    /// New reply template.
    #[serde(default)]
    pub response_template: Option<String>,
    /// Replace the trigger examples.
    #[serde(default)]
    pub trigger_examples: Option<Vec<String>>,
    /// Replace the trigger keywords.
    #[serde(default)]
    pub trigger_keywords: Option<Vec<String>>,
    /// New action template (`Some(None)` clears it).
    #[serde(default)]
    pub action_template: Option<Option<serde_json::Value>>,
    /// New topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// New confidence.
    #[serde(default)]
    pub confidence: Option<f64>,
}

/// Which patterns a listing returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PatternFilter {
    /// Include soft-deleted patterns.
    pub include_deleted: bool,
    /// Include inactive patterns.
    pub include_inactive: bool,
}

#[cfg(test)]
impl Pattern {
    /// A plain active pattern for unit tests: one example, a reply, no keyword.
    pub(crate) fn sample(id: u64) -> Pattern {
        Pattern {
            id: PatternId(id),
            topic: "general".to_owned(),
            signature: format!("sig-{id}"),
            trigger_examples: vec![format!("example {id}")],
            trigger_keywords: Vec::new(),
            response_template: format!("reply {id}"),
            action_template: None,
            confidence: 0.5,
            is_active: true,
            auto_executable: false,
            is_deleted: false,
            execution_count: 0,
            success_count: 0,
            failure_count: 0,
            override_count: 0,
            provenance: Provenance::Manual,
            v1_signature: None,
            created_at: Timestamp(1_000),
            last_used: None,
            last_modified: Timestamp(1_000),
        }
    }
}

impl PatternFilter {
    /// Every pattern, deleted and inactive ones included.
    pub fn all() -> Self {
        PatternFilter {
            include_deleted: true,
            include_inactive: true,
        }
    }
}
