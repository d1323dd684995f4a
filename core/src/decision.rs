//! What the engine decides for one message, and why.

use serde::{Deserialize, Serialize};

use crate::decision_id::DecisionId;
use crate::pattern::PatternId;
use crate::safety::rules::SafetyVerdict;

/// The tier of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send the learned reply now.
    AutoExecute,
    /// Show the reply to an operator, who sends, edits or rejects it.
    Suggest,
    /// Put the reply in the review queue.
    Queue,
    /// Hand the message to a human.
    Escalate,
    /// Shadow mode: recorded what would have happened, nothing is sent.
    Shadow,
}

impl Action {
    /// The snake_case name (`auto_execute`, `suggest`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AutoExecute => "auto_execute",
            Action::Suggest => "suggest",
            Action::Queue => "queue",
            Action::Escalate => "escalate",
            Action::Shadow => "shadow",
        }
    }
}

/// Why a decision came out the way it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// Every gate passed and the confidence cleared the auto threshold.
    ConfidentMatch,
    /// The confidence is below the auto threshold (suggest / queue tiers).
    BelowAutoThreshold,
    /// The confidence is below the queue threshold.
    LowConfidence,
    /// No pattern is close enough to propose.
    NoMatchingPattern,
    /// The pattern is not approved for automatic sending (yet).
    NotAutoExecutable,
    /// The nearest examples disagree, or another reply is nearly as close.
    AmbiguousMatch,
    /// Operators have sent this reply too few times to trust it unattended.
    InsufficientSupport,
    /// The nearest example is too far from the message to send unattended
    /// (`gates.min_similarity`).
    DistantMatch,
    /// The message has words the proposed reply's examples do not explain: rare,
    /// or another reply's (`gates.max_unexplained_words`).
    UnexplainedWords,
    /// The reply has a variable the message context cannot fill.
    TemplateIncomplete,
    /// An operator rejected this reply for a message like this one.
    PreviouslyRejected,
    /// The message is empty or has no words.
    EmptyMessage,
    /// The message is longer than `max_message_bytes`.
    MessageTooLong,
    /// The message touches a blacklisted topic.
    SafetyBlacklist,
    /// The message contains an escalation keyword.
    SafetyEscalation,
    /// A negative-sentiment rule matched.
    NegativeSentiment,
    /// An operator is handling this conversation (lockout).
    OperatorActive,
    /// The conversation is in the global cool-down after an operator reply.
    GlobalCooldown,
    /// The per-conversation cap of automatic replies is reached.
    AiReplyLimit,
    /// The customer sent several messages in a short window.
    RapidMessages,
    /// The global cap of automatic sends per hour is reached.
    RateLimited,
    /// This reply was already sent in this conversation as often as allowed.
    PatternReuseLimit,
    /// The conversation is locked after an escalation.
    ConversationLocked,
    /// The same inbound message id was processed before; nothing is sent again.
    DuplicateMessage,
    /// The engine is disabled (kill switch).
    Disabled,
}

impl Reason {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ConfidentMatch => "confident_match",
            Reason::BelowAutoThreshold => "below_auto_threshold",
            Reason::LowConfidence => "low_confidence",
            Reason::NoMatchingPattern => "no_matching_pattern",
            Reason::NotAutoExecutable => "not_auto_executable",
            Reason::AmbiguousMatch => "ambiguous_match",
            Reason::DistantMatch => "distant_match",
            Reason::InsufficientSupport => "insufficient_support",
            Reason::UnexplainedWords => "unexplained_words",
            Reason::TemplateIncomplete => "template_incomplete",
            Reason::PreviouslyRejected => "previously_rejected",
            Reason::EmptyMessage => "empty_message",
            Reason::MessageTooLong => "message_too_long",
            Reason::SafetyBlacklist => "safety_blacklist",
            Reason::SafetyEscalation => "safety_escalation",
            Reason::NegativeSentiment => "negative_sentiment",
            Reason::OperatorActive => "operator_active",
            Reason::GlobalCooldown => "global_cooldown",
            Reason::AiReplyLimit => "ai_reply_limit",
            Reason::RapidMessages => "rapid_messages",
            Reason::RateLimited => "rate_limited",
            Reason::PatternReuseLimit => "pattern_reuse_limit",
            Reason::ConversationLocked => "conversation_locked",
            Reason::DuplicateMessage => "duplicate_message",
            Reason::Disabled => "disabled",
        }
    }
}

/// How the best candidate was found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The message's signature equals a trigger example's.
    ExactSignature,
    /// A trigger keyword occurs in the message (word boundaries).
    Keyword,
    /// Found by lexical (BM25-style) retrieval over trigger examples.
    Lexical,
    /// Found by vector similarity (caller-supplied embeddings).
    Vector,
    /// Nothing was found.
    #[default]
    None,
}

/// One gate of the auto-send decision, with its measured value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateCheck {
    /// Gate name: `neighbour_agreement`, `margin`, `support`, `auto_executable`, …
    /// `clear_lead` blocks nothing: it passes when the margin reached
    /// [`Gates::clear_lead`](crate::gates::Gates::clear_lead) with no rejection of the
    /// reply among the nearest examples, which lowers what `neighbour_agreement` requires.
    pub gate: String,
    /// The measured value.
    pub value: f64,
    /// The value required to pass.
    pub required: f64,
    /// Whether the gate passed.
    pub passed: bool,
}

/// The evidence behind a decision: enough for a reviewer to see why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// How the proposed pattern was found.
    pub match_kind: MatchKind,
    /// Similarity of the message to the closest example of the proposed reply.
    pub similarity: f64,
    /// Lexical part of that similarity (word and character n-grams).
    pub lexical: f64,
    /// Embedding part of that similarity, if vectors were compared.
    pub semantic: Option<f64>,
    /// The closest trigger example of the proposed reply.
    pub nearest_example: Option<String>,
    /// The best different reply's pattern, if any.
    pub runner_up: Option<PatternId>,
    /// Similarity of the best different reply.
    pub runner_up_similarity: f64,
    /// `similarity − runner_up_similarity`.
    pub margin: f64,
    /// Nearest examples that carry the proposed reply, out of `neighbours`.
    pub agreeing_neighbours: usize,
    /// Number of nearest examples looked at.
    pub neighbours: usize,
    /// Times operators sent or approved this reply.
    pub support: u64,
    /// The proposed pattern's own confidence (operator trust).
    pub pattern_confidence: f64,
    /// Trigger keywords found in the message.
    pub keyword_hits: Vec<String>,
    /// Words of the message the proposed reply's examples do not explain (gate
    /// `unexplained_words`; measured when the other match gates passed).
    #[serde(default)]
    pub unexplained_words: Vec<String>,
    /// Template variables that could not be filled.
    pub missing_variables: Vec<String>,
    /// Each auto-send gate with its value.
    pub gates: Vec<GateCheck>,
    /// The auto threshold in force (derived when `target_precision` is set).
    pub auto_threshold: f64,
    /// Expected precision of automatic sends at that threshold, when known.
    pub expected_precision: Option<f64>,
}

/// Something the caller should send to the customer now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbound {
    /// The text to send.
    pub text: String,
    /// Whether it is a learned reply or a customer-facing escalation notice.
    pub kind: OutboundKind,
}

/// The kind of an outbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboundKind {
    /// A learned reply, sent automatically.
    Reply,
    /// A notice that a human will take over (sentiment, rapid messages, reply cap).
    Escalation,
}

/// The result of processing one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Id of this decision inside the engine; pass it back with feedback.
    pub id: DecisionId,
    /// The tier.
    pub action: Action,
    /// Why.
    pub reason: Reason,
    /// In shadow mode: the action that would have been taken.
    pub would_action: Option<Action>,
    /// The proposed pattern.
    pub pattern_id: Option<PatternId>,
    /// The proposed reply, rendered (also for suggest / queue).
    pub response: Option<String>,
    /// The rendered action template, if the pattern has one.
    pub actions: Option<serde_json::Value>,
    /// Decision confidence in `[0, 1]`; see the crate docs for its meaning.
    pub confidence: f64,
    /// What to send to the customer now, if anything. `None` whenever the engine
    /// is disabled, in shadow mode, or the message is a duplicate.
    pub outbound: Option<Outbound>,
    /// Detected topic of the message (snake_case name).
    pub topic: String,
    /// The message-safety verdict.
    pub safety: SafetyVerdict,
    /// The evidence behind the decision.
    pub evidence: Evidence,
    /// The inbound message id, when the caller gave one.
    pub message_id: Option<String>,
}

impl Decision {
    /// True when the caller should send something to the customer.
    pub fn sends(&self) -> bool {
        self.outbound.is_some()
    }
}
