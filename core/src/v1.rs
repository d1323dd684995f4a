//! V1 compatibility: the result shapes and call semantics of V1's
//! `patternLearningService` (v1-reference §8.1), on top of an [`Engine`].
//!
//! The Node package exposes these functions under V1's names so that the V1 backend
//! can swap its services for the package without changing its call sites. Everything
//! here is a thin mapping onto the engine; the differences from V1 are deliberate and
//! listed on each function:
//!
//! * [`pattern_result`] keeps V1's field names and reason strings, reports the
//!   *decision* confidence (a number, never a string), and only carries a `response`
//!   on an `escalate` result when the customer must be told that a human takes over;
//!   "no matching pattern" is a silent hand-off (v1-reference §9).
//! * [`learn_from_human_response`] never learns a reply that carries the automatic-reply
//!   signature [`AI_SIGNATURE`] (V1 learned its own replies, §5.2), and records the
//!   operator takeover of the conversation.
//! * [`record_operator_response`] never overwrites a pattern's reply with whatever the
//!   operator wrote (V1 did, §5.3): it records an approval or an approval with edits.
//!
//! # Example
//! ```
//! use pattern_learning::{v1, Engine};
//!
//! let engine = Engine::with_config(v1::config()).unwrap();
//! let ctx = v1::context(Some("+19025550100"), Some("conv-1"), Some("Sam"));
//!
//! // Nothing learned yet: a silent hand-off; the operator's answer will be learned.
//! let result = v1::process_message(&engine, "Do you sell gift cards?", &ctx).unwrap();
//! assert_eq!(result.reason.as_deref(), Some("no_matching_pattern"));
//! assert_eq!(result.learn_from_response, Some(true));
//! assert!(result.response.is_none());
//!
//! // The operator answers by hand.
//! let learned = v1::learn_from_human_response(
//!     &engine, "Do you sell gift cards?", "Yes! Buy them online.", Some("conv-1"), None, None,
//! ).unwrap();
//! assert!(matches!(learned, v1::LearnOutcome::Learned(_)));
//!
//! // Replies signed by the engine itself are never learned.
//! let own = v1::learn_from_human_response(
//!     &engine, "hours?", "We open at 9.\n\n- ClubAI", Some("conv-1"), None, None,
//! ).unwrap();
//! assert_eq!(own, v1::LearnOutcome::SkippedAiReply);
//! ```

use serde::Serialize;
use serde_json::Value;

use crate::clock::Timestamp;
use crate::config::{Config, Profile};
use crate::context::MessageContext;
use crate::decision::{Action, Decision, OutboundKind, Reason};
use crate::decision_id::DecisionId;
use crate::engine::Engine;
use crate::error::Result;
use crate::feedback::{Feedback, FeedbackOutcome};
use crate::pattern::{Pattern, PatternId};
use crate::topic::Topic;
use crate::{signature, text};

/// V1's automatic-reply signature. Every reply the engine proposes through this module
/// ends with it, and a reply that contains it (or `-ClubAI`) is recognised as the
/// engine's own: it is not learned and does not count as an operator takeover.
pub const AI_SIGNATURE: &str = "- ClubAI";

/// The signature V1 also recognised (without the space).
const AI_SIGNATURE_TIGHT: &str = "-ClubAI";

/// V1's `reason` when processing failed; see [`PatternResult::processing_error`].
pub const REASON_PROCESSING_ERROR: &str = "processing_error";

/// The configuration a V1 service starts from: profile [`Profile::V1`] (tiers
/// 0.65 / 0.60 / 0.40, inclusive; V1's increments) with [`AI_SIGNATURE`] as the
/// automatic-reply signature, so that learning through the modern API also refuses
/// the engine's own replies.
///
/// # Example
/// ```
/// use pattern_learning::v1;
/// let config = v1::config();
/// assert_eq!(config.thresholds.auto, 0.65);
/// assert_eq!(config.ai_signature.as_deref(), Some("- ClubAI"));
/// ```
pub fn config() -> Config {
    let mut config = Config::from_profile(Profile::V1);
    config.ai_signature = Some(AI_SIGNATURE.to_owned());
    config
}

/// True when `text` carries V1's automatic-reply signature (`- ClubAI` or `-ClubAI`),
/// i.e. the engine wrote it, not an operator.
///
/// # Example
/// ```
/// use pattern_learning::v1::is_ai_reply;
/// assert!(is_ai_reply("Open 9-5.\n\n- ClubAI"));
/// assert!(is_ai_reply("Open 9-5. -ClubAI"));
/// assert!(!is_ai_reply("Open 9-5. Cheers, Sam"));
/// ```
pub fn is_ai_reply(text: &str) -> bool {
    text.contains(AI_SIGNATURE) || text.contains(AI_SIGNATURE_TIGHT)
}

/// Appends [`AI_SIGNATURE`] after a blank line, unless the text carries it already
/// (V1 §6.7).
///
/// # Example
/// ```
/// use pattern_learning::v1::sign;
/// assert_eq!(sign("Open 9-5."), "Open 9-5.\n\n- ClubAI");
/// assert_eq!(sign("Open 9-5.\n\n- ClubAI"), "Open 9-5.\n\n- ClubAI");
/// ```
pub fn sign(text: &str) -> String {
    if is_ai_reply(text) {
        text.to_owned()
    } else {
        format!("{}\n\n{AI_SIGNATURE}", text.trim_end())
    }
}

/// The conversation key used for guards and takeovers: the conversation id, or the
/// phone number when there is none (V1 conversations were per phone number).
fn conversation_key(conversation_id: Option<&str>, phone: Option<&str>) -> Option<String> {
    conversation_id
        .filter(|c| !c.is_empty())
        .or(phone.filter(|p| !p.is_empty()))
        .map(str::to_owned)
}

/// The [`MessageContext`] for V1's `processMessage(message, phoneNumber, conversationId,
/// customerName?)` arguments. Without a conversation id the phone number keys the
/// conversation guards.
///
/// # Example
/// ```
/// use pattern_learning::v1::context;
/// let ctx = context(Some("+19025550100"), None, None);
/// assert_eq!(ctx.conversation_id.as_deref(), Some("+19025550100"));
/// ```
pub fn context(
    phone: Option<&str>,
    conversation_id: Option<&str>,
    customer_name: Option<&str>,
) -> MessageContext {
    MessageContext {
        conversation_id: conversation_key(conversation_id, phone),
        phone: phone.map(str::to_owned),
        customer_name: customer_name.map(str::to_owned),
        ..MessageContext::default()
    }
}

/// V1's `PatternResult` (v1-reference §8.1), serialised with V1's camelCase names.
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
    /// Text for the customer, signed with [`AI_SIGNATURE`]: the reply to send
    /// (`auto_execute`) or to propose (`suggest`, `queue`), or on `escalate` the notice
    /// that a human takes over. Absent on silent hand-offs and in shadow mode.
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
    /// answer should be passed to [`learn_from_human_response`].
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

/// V1's `reasoning` object (keys in V1's snake_case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reasoning {
    /// How the pattern was found and how close the message is to it.
    pub thought_process: String,
    /// What the caller should do next.
    pub next_steps: Vec<String>,
    /// What to ask the customer (variables the reply needs and the message lacks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions_to_ask: Option<Vec<String>>,
    /// How the confidence came about.
    pub confidence_explanation: String,
}

/// A pattern as a V1 `decision_patterns` row (v1-reference §1.1; snake_case columns).
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
/// * `response`: the reply, signed with [`AI_SIGNATURE`], on `auto_execute` (the text
///   to send), `suggest` and `queue` (the text to propose); on `escalate` only the
///   customer-facing hand-off notice, when there is one (rapid messages, reply cap,
///   negative sentiment); never in shadow mode.
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
    let response = match action {
        // Only what the engine says to send now: never a reply it held back.
        Action::AutoExecute => decision
            .outbound
            .as_ref()
            .filter(|o| o.kind == OutboundKind::Reply)
            .map(|o| o.text.as_str()),
        Action::Suggest | Action::Queue => decision.response.as_deref(),
        Action::Escalate => decision
            .outbound
            .as_ref()
            .filter(|o| o.kind == OutboundKind::Escalation)
            .map(|o| o.text.as_str()),
        Action::Shadow => None,
    }
    .map(sign);
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

fn reasoning(d: &Decision) -> Reasoning {
    let e = &d.evidence;
    let kind = serde_json::to_value(e.match_kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut thought = format!(
        "Matched pattern {} ({kind} match, similarity {:.2}",
        d.pattern_id.map_or(0, |p| p.0),
        e.similarity
    );
    if let Some(nearest) = &e.nearest_example {
        thought.push_str(&format!(" to \"{nearest}\""));
    }
    thought.push_str(&format!(", margin {:.2} over the next reply", e.margin));
    if !e.keyword_hits.is_empty() {
        thought.push_str(&format!(", keywords: {}", e.keyword_hits.join(", ")));
    }
    thought.push_str(").");
    let mut next_steps = vec![match d.action {
        Action::AutoExecute => "Send the reply to the customer.",
        Action::Suggest => "Show the suggested reply to an operator to send, edit or reject.",
        Action::Queue => "Put the reply in the review queue.",
        Action::Escalate => "Hand the conversation to an operator.",
        Action::Shadow => "Shadow mode: record the decision, send nothing.",
    }
    .to_owned()];
    for var in &e.missing_variables {
        next_steps.push(format!("Fill in {{{{{var}}}}} before sending."));
    }
    let questions = (!e.missing_variables.is_empty()).then(|| {
        e.missing_variables
            .iter()
            .map(|v| format!("What is the {}?", v.replace(['_', '.'], " ")))
            .collect()
    });
    Reasoning {
        thought_process: thought,
        next_steps,
        questions_to_ask: questions,
        confidence_explanation: format!(
            "Decision confidence {:.2} from similarity {:.2} and pattern confidence {:.2} \
             ({} confirmed sends); auto-send threshold {:.2}; reason: {}.",
            d.confidence,
            e.similarity,
            e.pattern_confidence,
            e.support,
            e.auto_threshold,
            d.reason.as_str()
        ),
    }
}

/// V1's `processMessage`: processes `message` and maps the decision with
/// [`pattern_result`]. Build `ctx` with [`context`] (and add a message id, an
/// embedding or template variables as needed).
///
/// Errors only for an invalid caller-supplied embedding; V1 callers turn any error
/// into [`PatternResult::processing_error`].
pub fn process_message(
    engine: &Engine,
    message: &str,
    ctx: &MessageContext,
) -> Result<PatternResult> {
    let decision = engine.process(message, ctx)?;
    let pattern = decision.pattern_id.and_then(|id| engine.pattern(id));
    Ok(pattern_result(&decision, pattern.as_ref()))
}

/// What [`learn_from_human_response`] and [`record_operator_response`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LearnOutcome {
    /// The reply was learned (or the judged pattern updated).
    Learned(FeedbackOutcome),
    /// The reply carries [`AI_SIGNATURE`]: it is the engine's own and was ignored.
    SkippedAiReply,
    /// The customer message or the reply has no words: nothing to learn.
    SkippedNoText,
}

fn has_words(s: &str) -> bool {
    text::words(&text::normalize(s)).next().is_some()
}

/// V1's `learnFromHumanResponse(originalMessage, humanResponse, actionsTaken,
/// conversationId, phoneNumber, operatorId?)`.
///
/// An operator answered `original` with `reply`. Unless the reply carries
/// [`AI_SIGNATURE`] (then nothing happens: it is the engine's own reply), this
/// records the operator takeover of the conversation (automatic replies stop there
/// for the configured lockout; conversation key as in [`context`]) and learns the
/// answer ([`Feedback::answer`]). Differences from V1: signed replies are not
/// learned; learning also happens while the engine is disabled (V1 dropped the
/// answer), so that the engine is warm when it is switched on.
pub fn learn_from_human_response(
    engine: &Engine,
    original: &str,
    reply: &str,
    conversation_id: Option<&str>,
    phone: Option<&str>,
    operator_id: Option<&str>,
) -> Result<LearnOutcome> {
    if is_ai_reply(reply) {
        return Ok(LearnOutcome::SkippedAiReply);
    }
    if let Some(conversation) = conversation_key(conversation_id, phone) {
        let last = has_words(original).then_some(original);
        engine.record_operator_message(&conversation, last)?;
    }
    if !has_words(original) || !has_words(reply) {
        return Ok(LearnOutcome::SkippedNoText);
    }
    let mut feedback = Feedback::answer(original, reply);
    if let Some(op) = operator_id {
        feedback = feedback.by(op);
    }
    feedback.context.session_id = conversation_id.map(str::to_owned);
    engine.feedback(&feedback).map(LearnOutcome::Learned)
}

/// V1's `recordOperatorResponse(customerMessage, operatorResponse, phoneNumber,
/// patternId?)`.
///
/// With a pattern id, the operator answered a message that pattern was proposed for:
/// the same reply (up to case and spacing) is an approval, any other text an approval
/// with edits ([`Feedback::modify`]); the pattern's reply is **not** replaced (V1
/// overwrote it with whatever the operator wrote, e.g. "ok"). Without a pattern id the
/// reply is learned as an answer. Replies carrying [`AI_SIGNATURE`] are ignored.
pub fn record_operator_response(
    engine: &Engine,
    customer_message: &str,
    operator_response: &str,
    pattern_id: Option<PatternId>,
    operator_id: Option<&str>,
) -> Result<LearnOutcome> {
    if is_ai_reply(operator_response) {
        return Ok(LearnOutcome::SkippedAiReply);
    }
    if !has_words(customer_message) || !has_words(operator_response) {
        return Ok(LearnOutcome::SkippedNoText);
    }
    let mut feedback = match pattern_id {
        Some(id) => {
            let same = engine.pattern(id).is_some_and(|p| {
                crate::book::reply_key(&p.response_template)
                    == crate::book::reply_key(operator_response)
            });
            if same {
                Feedback::approve(customer_message, id)
            } else {
                Feedback::modify(customer_message, id, operator_response)
            }
        }
        None => Feedback::answer(customer_message, operator_response),
    };
    if let Some(op) = operator_id {
        feedback = feedback.by(op);
    }
    engine.feedback(&feedback).map(LearnOutcome::Learned)
}

/// V1's `getConfig()` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigView {
    /// The master switch.
    pub enabled: bool,
    /// V1's SMS switch; the engine has one switch, so this equals `enabled`.
    pub openphone_enabled: bool,
    /// Shadow mode.
    pub shadow_mode: bool,
}

/// V1's `getConfig()`: `{enabled, openphoneEnabled, shadowMode}` of the configuration
/// in force.
///
/// # Example
/// ```
/// use pattern_learning::{v1, Engine};
/// let view = v1::config_view(&Engine::new());
/// assert!(view.enabled && view.openphone_enabled && !view.shadow_mode);
/// ```
pub fn config_view(engine: &Engine) -> ConfigView {
    let config = engine.config();
    ConfigView {
        enabled: config.enabled,
        openphone_enabled: config.enabled,
        shadow_mode: config.shadow_mode,
    }
}

/// V1's `detectMessageTopic`: the topic's snake_case name.
///
/// # Example
/// ```
/// assert_eq!(pattern_learning::v1::detect_message_topic("The TrackMan is frozen"), "tech_support");
/// ```
pub fn detect_message_topic(message: &str) -> &'static str {
    crate::topic::detect_topic(message).as_str()
}

/// V1's `getAvailableTopics`: every topic name, highest priority first.
///
/// # Example
/// ```
/// assert_eq!(pattern_learning::v1::available_topics()[0], "tech_support");
/// ```
pub fn available_topics() -> Vec<&'static str> {
    Topic::ALL.iter().map(|t| t.as_str()).collect()
}

/// V1's `isSameTopic(a, b)`: missing or empty names count as `general`; other names
/// are compared as given (V1 compared strings, known or not).
///
/// # Example
/// ```
/// use pattern_learning::v1::is_same_topic;
/// assert!(is_same_topic(None, Some("general")));
/// assert!(is_same_topic(Some(""), None));
/// assert!(!is_same_topic(Some("booking"), Some("hours")));
/// ```
pub fn is_same_topic(a: Option<&str>, b: Option<&str>) -> bool {
    fn name(t: Option<&str>) -> &str {
        match t {
            None | Some("") => "general",
            Some(t) => t,
        }
    }
    name(a) == name(b)
}

/// A timestamp as ISO 8601 in UTC with milliseconds (`2023-11-14T22:13:20.000Z`), what
/// JavaScript's `Date.prototype.toISOString` prints.
///
/// # Example
/// ```
/// use pattern_learning::{clock::Timestamp, v1::iso8601};
/// assert_eq!(iso8601(Timestamp(0)), "1970-01-01T00:00:00.000Z");
/// ```
pub fn iso8601(t: Timestamp) -> String {
    const DAY_MS: i64 = 86_400_000;
    let days = t.0.div_euclid(DAY_MS);
    let ms = t.0.rem_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::clock::ManualClock;
    use crate::pattern::NewPattern;

    const GIFT: &str = "Yes! Gift cards are sold online, from $25 to $500.";
    const GIFT_PHRASINGS: [&str; 6] = [
        "do you sell gift cards",
        "can i buy a gift card",
        "do you have gift cards for sale",
        "where can i buy a gift card",
        "are gift cards available",
        "can i purchase a gift card online",
    ];

    fn engine_with(config: Config) -> Engine {
        Engine::builder()
            .config(config)
            .clock(Arc::new(ManualClock::new(Timestamp(1_700_000_000_000))))
            .build()
            .unwrap()
    }

    fn engine() -> Engine {
        engine_with(config())
    }

    fn ctx(conversation: &str) -> MessageContext {
        context(Some("+19025550100"), Some(conversation), Some("Sam"))
    }

    fn teach(engine: &Engine) -> PatternId {
        let mut id = None;
        for p in GIFT_PHRASINGS {
            match learn_from_human_response(engine, p, GIFT, Some("teach"), None, Some("op-1"))
                .unwrap()
            {
                LearnOutcome::Learned(o) => id = o.learned_pattern,
                other => panic!("{other:?}"),
            }
        }
        id.unwrap()
    }

    /// A pattern that auto-sends: taught, then approved until promoted.
    fn auto_pattern(engine: &Engine) -> PatternId {
        let id = teach(engine);
        engine.set_auto_executable(id, true).unwrap();
        // Loose tiers and gates: these tests are about the V1 mapping, not scoring.
        let mut c = engine.config();
        c.thresholds.auto = 0.3;
        c.thresholds.suggest = 0.2;
        c.thresholds.queue = 0.1;
        c.gates.neighbours = 1;
        c.gates.min_margin = 0.0;
        c.gates.min_support = 1;
        engine.set_config(c).unwrap();
        id
    }

    #[test]
    fn no_match_is_a_silent_hand_off_in_v1_shape() {
        let e = engine();
        let r = process_message(&e, "Do you sell gift cards?", &ctx("c1")).unwrap();
        let mut json = serde_json::to_value(&r).unwrap();
        json.as_object_mut().unwrap().remove("decisionId");
        assert_eq!(
            json,
            json!({"action": "escalate", "confidence": 0.0,
                   "reason": "no_matching_pattern", "learnFromResponse": true})
        );
    }

    #[test]
    fn disabled_maps_to_v1_reason_and_learns_nothing_from_the_answer_flag() {
        let mut c = config();
        c.enabled = false;
        let e = engine_with(c);
        let r = process_message(&e, "Do you sell gift cards?", &ctx("c1")).unwrap();
        assert_eq!(r.action, Action::Escalate);
        assert_eq!(r.reason.as_deref(), Some("pattern_learning_disabled"));
        assert_eq!(r.learn_from_response, None);
        assert_eq!(r.response, None);
        assert!(!config_view(&e).enabled && !config_view(&e).openphone_enabled);
    }

    #[test]
    fn reasons_map_to_v1_names_where_v1_had_them() {
        assert_eq!(reason(Reason::Disabled), "pattern_learning_disabled");
        assert_eq!(reason(Reason::NoMatchingPattern), "no_matching_pattern");
        assert_eq!(reason(Reason::LowConfidence), "low_confidence");
        assert_eq!(reason(Reason::NotAutoExecutable), "not_auto_executable");
        assert_eq!(reason(Reason::RapidMessages), "rapid_messages");
    }

    #[test]
    fn a_learned_pattern_is_proposed_signed_with_the_pattern_row() {
        let e = engine();
        let id = teach(&e);
        let r = process_message(&e, "do you sell gift cards?", &ctx("c2")).unwrap();
        assert!(
            matches!(r.action, Action::Suggest | Action::Queue),
            "{r:#?}"
        );
        assert_eq!(r.pattern_id, Some(id));
        assert_eq!(r.response.as_deref(), Some(&*format!("{GIFT}\n\n- ClubAI")));
        assert_eq!(r.actions.as_deref(), Some(&[][..]));
        assert!(r.confidence.is_some_and(|c| (0.0..=1.0).contains(&c)));
        assert_eq!(r.learn_from_response, None);
        let row = r.pattern.as_ref().unwrap();
        assert_eq!(row.id, id);
        assert_eq!(row.pattern_type, "gift_cards");
        assert_eq!(row.response_template, GIFT);
        assert_eq!(
            row.pattern_signature,
            signature::v1_signature(GIFT_PHRASINGS[0])
        );
        assert_eq!(row.created_from, "learned");
        assert_eq!(row.created_at, "2023-11-14T22:13:20.000Z");
        let reasoning = r.reasoning.as_ref().unwrap();
        assert!(
            reasoning.thought_process.contains("similarity"),
            "{reasoning:?}"
        );
        let json = serde_json::to_value(&r).unwrap();
        for key in [
            "action",
            "pattern",
            "patternId",
            "response",
            "actions",
            "confidence",
            "reason",
            "reasoning",
        ] {
            assert!(json.get(key).is_some(), "missing {key} in {json}");
        }
        assert!(json["reasoning"].get("thought_process").is_some());
        assert!(json["reasoning"].get("confidence_explanation").is_some());
        assert!(json["pattern"]["confidence_score"].is_number());
    }

    #[test]
    fn an_approved_pattern_auto_executes_with_the_reply_to_send() {
        let e = engine();
        let id = auto_pattern(&e);
        let r = process_message(&e, "do you sell gift cards", &ctx("c3")).unwrap();
        assert_eq!(r.action, Action::AutoExecute, "{r:#?}");
        assert_eq!(r.pattern_id, Some(id));
        assert_eq!(r.response.as_deref(), Some(&*sign(GIFT)));
    }

    #[test]
    fn a_duplicate_delivery_is_never_sent_or_queued_again() {
        let e = engine();
        auto_pattern(&e);
        let ctx = MessageContext {
            message_id: Some("openphone-1".into()),
            ..ctx("c10")
        };
        let first = process_message(&e, "do you sell gift cards", &ctx).unwrap();
        assert_eq!(first.action, Action::AutoExecute);
        let again = process_message(&e, "do you sell gift cards", &ctx).unwrap();
        assert_eq!(again.action, Action::Escalate);
        assert_eq!(again.reason.as_deref(), Some("duplicate_message"));
        assert_eq!(
            (again.response, again.actions, again.learn_from_response),
            (None, None, None)
        );
    }

    #[test]
    fn shadow_mode_never_carries_a_response() {
        let e = engine();
        auto_pattern(&e);
        let mut c = e.config();
        c.shadow_mode = true;
        e.set_config(c).unwrap();
        let r = process_message(&e, "do you sell gift cards", &ctx("c4")).unwrap();
        assert_eq!(r.action, Action::Shadow);
        assert_eq!(r.response, None);
        assert!(r.pattern.is_some() && r.confidence.is_some());
        assert!(config_view(&e).shadow_mode);
    }

    #[test]
    fn an_operator_reply_takes_over_the_conversation() {
        let e = engine();
        auto_pattern(&e);
        learn_from_human_response(
            &e,
            "hi there",
            "Hello! How can I help?",
            Some("c5"),
            None,
            None,
        )
        .unwrap();
        let r = process_message(&e, "do you sell gift cards", &ctx("c5")).unwrap();
        assert_ne!(r.action, Action::AutoExecute, "{r:#?}");
        // Topic mode (the default): a global cool-down, then the answered topic's lockout.
        assert_eq!(r.reason.as_deref(), Some("global_cooldown"));
        // Another conversation is not affected.
        let r = process_message(&e, "do you sell gift cards", &ctx("c6")).unwrap();
        assert_eq!(r.action, Action::AutoExecute);
    }

    #[test]
    fn signed_replies_are_neither_learned_nor_a_takeover() {
        let e = engine();
        auto_pattern(&e);
        let before = e.pattern_count();
        for reply in ["Sure.\n\n- ClubAI", "Sure. -ClubAI"] {
            let out =
                learn_from_human_response(&e, "hi there", reply, Some("c7"), None, None).unwrap();
            assert_eq!(out, LearnOutcome::SkippedAiReply);
            let out = record_operator_response(&e, "hi there", reply, None, None).unwrap();
            assert_eq!(out, LearnOutcome::SkippedAiReply);
        }
        assert_eq!(e.pattern_count(), before);
        let r = process_message(&e, "do you sell gift cards", &ctx("c7")).unwrap();
        assert_eq!(r.action, Action::AutoExecute);
    }

    #[test]
    fn text_without_words_is_skipped_not_an_error() {
        let e = engine();
        assert_eq!(
            learn_from_human_response(&e, "   ", "ok", Some("c8"), None, None).unwrap(),
            LearnOutcome::SkippedNoText
        );
        assert_eq!(
            record_operator_response(&e, "hello", "👍", None, None).unwrap(),
            LearnOutcome::SkippedNoText
        );
        assert_eq!(e.pattern_count(), 0);
    }

    #[test]
    fn issue_v1_5_3_operator_text_never_overwrites_the_template() {
        let e = engine();
        let id = e
            .create_pattern(NewPattern::new(["do you sell gift cards"], GIFT))
            .unwrap()
            .id;
        let out = record_operator_response(&e, "gift cards?", "ok", Some(id), Some("op")).unwrap();
        let LearnOutcome::Learned(out) = out else {
            panic!("{out:?}")
        };
        assert_eq!(out.action, crate::FeedbackAction::Modify);
        let p = e.pattern(id).unwrap();
        assert_eq!(p.response_template, GIFT);
        assert_eq!(p.override_count, 1);
        // The same reply is an approval.
        let out = record_operator_response(&e, "gift cards", &GIFT.to_uppercase(), Some(id), None)
            .unwrap();
        let LearnOutcome::Learned(out) = out else {
            panic!("{out:?}")
        };
        assert_eq!(out.action, crate::FeedbackAction::Approve);
        // Without a pattern id the reply is learned as an answer.
        let out =
            record_operator_response(&e, "are you open on sundays", "Yes, 9 to 5.", None, None)
                .unwrap();
        let LearnOutcome::Learned(out) = out else {
            panic!("{out:?}")
        };
        assert!(out.created);
        // An unknown pattern is an error.
        assert!(record_operator_response(&e, "x y", "z w", Some(PatternId(999)), None).is_err());
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

    #[test]
    fn action_templates_are_rendered_into_the_actions_list() {
        let e = engine();
        let id = e
            .create_pattern(NewPattern {
                action_template: Some(
                    json!({"actions": [{"type": "reset_trackman", "bay": "{{bay_number}}"}]}),
                ),
                ..NewPattern::new(
                    ["the trackman in bay 3 is frozen"],
                    "Resetting bay {{bay_number}} now.",
                )
            })
            .unwrap()
            .id;
        let r = process_message(&e, "the trackman in bay 3 is frozen", &ctx("c9")).unwrap();
        assert_eq!(r.pattern_id, Some(id), "{r:#?}");
        assert_eq!(
            r.actions,
            Some(vec![json!({"type": "reset_trackman", "bay": "3"})])
        );
    }

    #[test]
    fn the_phone_keys_the_conversation_without_an_id() {
        assert_eq!(
            context(Some("+1"), None, None).conversation_id.as_deref(),
            Some("+1")
        );
        assert_eq!(
            context(Some("+1"), Some(""), None)
                .conversation_id
                .as_deref(),
            Some("+1")
        );
        assert_eq!(context(None, None, None).conversation_id, None);
    }

    #[test]
    fn topics_follow_v1() {
        assert_eq!(detect_message_topic("Can I book a bay for 5pm?"), "booking");
        assert_eq!(
            detect_message_topic("The door code is not working"),
            "tech_support"
        );
        assert_eq!(available_topics().len(), 8);
        assert!(is_same_topic(Some("weather"), Some("weather")));
        assert!(!is_same_topic(Some("weather"), None));
    }

    #[test]
    fn iso8601_matches_javascript() {
        assert_eq!(iso8601(Timestamp(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso8601(Timestamp(1_700_000_000_123)),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(iso8601(Timestamp(-1)), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            iso8601(Timestamp(951_782_400_000)),
            "2000-02-29T00:00:00.000Z"
        );
        // Extremes do not panic.
        let _ = iso8601(Timestamp(i64::MAX));
        let _ = iso8601(Timestamp(i64::MIN));
    }
}
