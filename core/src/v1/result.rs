//! V1's `PatternResult`: a decision, and the pattern it proposes, in the shape and
//! with the reason strings of V1's `processMessage`.

use serde::Serialize;
use serde_json::Value;

use super::ai_signature::sign;
use super::dates::iso8601;
use super::reasoning::{reasoning, Reasoning};
use crate::decision::{Action, Decision, OutboundKind, Reason};
use crate::decision_id::DecisionId;
use crate::pattern::{Pattern, PatternId};
use crate::signature;

/// V1's `reason` when processing failed; see [`PatternResult::processing_error`].
pub const REASON_PROCESSING_ERROR: &str = "processing_error";

/// V1's `PatternResult`, serialised with V1's camelCase names.
///
/// Absent fields are omitted from the JSON, as V1 omitted them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatternResult {
    /// The tier: `auto_execute`, `suggest`, `queue`, `escalate` or `shadow`.
    pub action: Action,
    /// The matched pattern, as a V1 `decision_patterns` row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<PatternRow>,
    /// Id of the matched pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern_id: Option<PatternId>,
    /// Text for the customer, signed with [`AI_SIGNATURE`](super::AI_SIGNATURE): the
    /// reply to send (`auto_execute`) or to propose (`suggest`, `queue`), or on
    /// `escalate` the notice that a human takes over. Absent on silent hand-offs and in
    /// shadow mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// The rendered action template as a list (V1's `actions`), with the reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<Value>>,
    /// The decision confidence in `[0, 1]` (a number; V1 returned the pattern's stored
    /// confidence as a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Why: V1's reason where one exists (`pattern_learning_disabled`,
    /// `no_matching_pattern`, `low_confidence`, `processing_error`), else the engine's
    /// reason (`not_auto_executable`, `operator_active`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `true` when an operator will answer because the engine had no usable reply: their
    /// answer should be passed to [`learn_from_human_response`](super::learn_from_human_response).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learn_from_response: Option<bool>,
    /// Why the pattern was chosen, in V1's `reasoning` shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
    /// The engine's decision id (not in V1): pass it back with modern feedback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<DecisionId>,
}

impl PatternResult {
    /// V1's result when processing failed: `{action: 'escalate', reason: 'processing_error'}`.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::v1::PatternResult;
    /// let json = serde_json::to_string(&PatternResult::processing_error()).unwrap();
    /// assert_eq!(json, r#"{"action":"escalate","reason":"processing_error"}"#);
    /// ```
    pub fn processing_error() -> Self {
        PatternResult {
            action: Action::Escalate,
            pattern: None,
            pattern_id: None,
            response: None,
            actions: None,
            confidence: None,
            reason: Some(REASON_PROCESSING_ERROR.to_owned()),
            learn_from_response: None,
            reasoning: None,
            decision_id: None,
        }
    }
}

/// A pattern as a V1 `decision_patterns` row (snake_case columns, as `docs/v1-behaviour.md` lists them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternRow {
    /// Pattern id.
    pub id: PatternId,
    /// V1 category (`booking`, `tech_issue`, `access`, `gift_cards`, `hours`, `pricing`,
    /// `membership`, `general`), from the pattern's topic.
    pub pattern_type: String,
    /// V1 signature (MD5 of V1's normalisation) of the first trigger example.
    pub pattern_signature: String,
    /// The first trigger example.
    pub trigger_text: String,
    /// Trigger keywords.
    pub trigger_keywords: Vec<String>,
    /// All trigger examples.
    pub trigger_examples: Vec<String>,
    /// Reply template.
    pub response_template: String,
    /// Action template, if any.
    pub action_template: Option<Value>,
    /// Pattern confidence (a number).
    pub confidence_score: f64,
    /// Approved for automatic sending.
    pub auto_executable: bool,
    /// Eligible for matching.
    pub is_active: bool,
    /// Soft-deleted.
    pub is_deleted: bool,
    /// Confirmed uses.
    pub execution_count: u64,
    /// Confirmed right.
    pub success_count: u64,
    /// Confirmed wrong.
    pub failure_count: u64,
    /// Approved with edits.
    pub human_override_count: u64,
    /// Provenance: `learned`, `manual`, `imported`.
    pub created_from: String,
    /// Creation time (ISO 8601, UTC).
    pub created_at: String,
    /// Last use (ISO 8601, UTC).
    pub last_used: Option<String>,
    /// Last change (ISO 8601, UTC).
    pub last_modified: String,
}

impl From<&Pattern> for PatternRow {
    fn from(p: &Pattern) -> Self {
        let first = p.trigger_examples.first().cloned().unwrap_or_default();
        PatternRow {
            id: p.id,
            pattern_type: pattern_type(&p.topic).to_owned(),
            pattern_signature: p
                .v1_signature
                .clone()
                .unwrap_or_else(|| signature::v1_signature(&first)),
            trigger_text: first,
            trigger_keywords: p.trigger_keywords.clone(),
            trigger_examples: p.trigger_examples.clone(),
            response_template: p.response_template.clone(),
            action_template: p.action_template.clone(),
            confidence_score: p.confidence,
            auto_executable: p.auto_executable,
            is_active: p.is_active,
            is_deleted: p.is_deleted,
            execution_count: p.execution_count,
            success_count: p.success_count,
            failure_count: p.failure_count,
            human_override_count: p.override_count,
            created_from: serde_json::to_value(p.provenance)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            created_at: iso8601(p.created_at),
            last_used: p.last_used.map(iso8601),
            last_modified: iso8601(p.last_modified),
        }
    }
}

/// V1's `pattern_type` for a topic name (`tech_support` was `tech_issue` in V1).
fn pattern_type(topic: &str) -> &str {
    match topic {
        "tech_support" => "tech_issue",
        other => other,
    }
}

/// V1's reason string for an engine reason, where V1 had one.
///
/// # Example
/// ```
/// use pattern_learning::{v1, Reason};
/// assert_eq!(v1::reason(Reason::Disabled), "pattern_learning_disabled");
/// assert_eq!(v1::reason(Reason::NoMatchingPattern), "no_matching_pattern");
/// assert_eq!(v1::reason(Reason::OperatorActive), "operator_active");
/// ```
pub fn reason(reason: Reason) -> &'static str {
    match reason {
        Reason::Disabled => "pattern_learning_disabled",
        // Same names in V1 and here; listed so that a rename is caught by the tests.
        Reason::NoMatchingPattern => "no_matching_pattern",
        Reason::LowConfidence => "low_confidence",
        other => other.as_str(),
    }
}

/// Whether an operator's answer to this decision is worth learning: the engine looked
/// for a reply and found none it could use. Not after safety hits, duplicates, empty
/// or oversized messages, guards, or while disabled.
fn learn_from_response(decision: &Decision) -> bool {
    matches!(decision.action, Action::Escalate | Action::Shadow)
        && decision.response.is_none()
        && matches!(
            decision.reason,
            Reason::NoMatchingPattern | Reason::LowConfidence | Reason::PreviouslyRejected
        )
}

/// Maps a decision (and its pattern, when it has one) to V1's `PatternResult`.
///
/// * `response`: the reply, signed with [`AI_SIGNATURE`](super::AI_SIGNATURE), on
///   `auto_execute` (the text to send), `suggest` and `queue` (the text to propose);
///   on `escalate` only the customer-facing hand-off notice, when there is one
///   (rapid messages, reply cap, negative sentiment); never in shadow mode.
/// * `reason`: see [`reason`]. `learnFromResponse: true` when an operator will answer
///   a message the engine found no usable reply for.
///
/// # Example
/// ```
/// use pattern_learning::{v1, Engine, MessageContext};
/// let engine = Engine::new();
/// let d = engine.process("hello?", &MessageContext::new()).unwrap();
/// let r = v1::pattern_result(&d, None);
/// assert_eq!(r.action.as_str(), "escalate");
/// assert!(r.response.is_none());
/// ```
pub fn pattern_result(decision: &Decision, pattern: Option<&Pattern>) -> PatternResult {
    let pattern = pattern.filter(|p| Some(p.id) == decision.pattern_id);
    // A repeated inbound message id: the engine repeats its first decision without
    // anything to send. V1 callers act on the action alone (send on `auto_execute`,
    // queue on `suggest`), so the repeat is reported as a silent hand-off.
    let action = if decision.reason == Reason::DuplicateMessage {
        Action::Escalate
    } else {
        decision.action
    };
    let proposes = matches!(
        action,
        Action::AutoExecute | Action::Suggest | Action::Queue
    );
    let response = customer_text(decision, action).map(sign);
    let actions = (proposes && response.is_some()).then(|| actions_list(decision.actions.as_ref()));
    PatternResult {
        action,
        pattern: pattern.map(PatternRow::from),
        pattern_id: decision.pattern_id,
        response,
        actions,
        confidence: Some(decision.confidence),
        reason: Some(reason(decision.reason).to_owned()),
        learn_from_response: learn_from_response(decision).then_some(true),
        reasoning: decision.pattern_id.map(|_| reasoning(decision)),
        decision_id: Some(decision.id),
    }
}

/// The text for the customer under V1's `action`, unsigned.
fn customer_text(decision: &Decision, action: Action) -> Option<&str> {
    let outbound = |kind| {
        decision
            .outbound
            .as_ref()
            .filter(|o| o.kind == kind)
            .map(|o| o.text.as_str())
    };
    match action {
        // Only what the engine says to send now: never a reply it held back.
        Action::AutoExecute => outbound(OutboundKind::Reply),
        Action::Suggest | Action::Queue => decision.response.as_deref(),
        Action::Escalate => outbound(OutboundKind::Escalation),
        Action::Shadow => None,
    }
}

/// V1's `actions` list from a rendered action template: an array as it is, the
/// `actions` array of an object that has one, any other value as a one-item list.
fn actions_list(template: Option<&Value>) -> Vec<Value> {
    match template {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(map)) => match map.get("actions") {
            Some(Value::Array(items)) => items.clone(),
            _ => vec![Value::Object(map.clone())],
        },
        Some(other) => vec![other.clone()],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reasons_map_to_v1_names_where_v1_had_them() {
        assert_eq!(reason(Reason::Disabled), "pattern_learning_disabled");
        assert_eq!(reason(Reason::NoMatchingPattern), "no_matching_pattern");
        assert_eq!(reason(Reason::LowConfidence), "low_confidence");
        assert_eq!(reason(Reason::NotAutoExecutable), "not_auto_executable");
        assert_eq!(reason(Reason::RapidMessages), "rapid_messages");
    }

    #[test]
    fn processing_error_is_v1s_shape() {
        assert_eq!(
            serde_json::to_value(PatternResult::processing_error()).unwrap(),
            json!({"action": "escalate", "reason": "processing_error"})
        );
    }

    #[test]
    fn actions_lists_follow_v1() {
        assert_eq!(actions_list(None), Vec::<Value>::new());
        assert_eq!(
            actions_list(Some(&json!([{"type": "reset"}]))),
            vec![json!({"type": "reset"})]
        );
        assert_eq!(
            actions_list(Some(&json!({"actions": [1, 2], "entities": {}}))),
            vec![json!(1), json!(2)]
        );
        assert_eq!(
            actions_list(Some(&json!({"type": "x"}))),
            vec![json!({"type": "x"})]
        );
        assert_eq!(actions_list(Some(&json!("reset"))), vec![json!("reset")]);
    }
}
