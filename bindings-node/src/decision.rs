//! Decisions: what the engine decided for one message (mirrors `core/src/decision.rs`).
//!
//! `Decision` wraps the core value, as the Python binding does; the parts it hands
//! out (`evidence`, `outbound`, …) are converted when they are read.

use napi::bindgen_prelude::{Either, Undefined};
use napi_derive::napi;
use pattern_learning as pl;
use serde_json::Value;

use crate::safety::SafetyVerdict;

/// The tier of a decision.
#[napi(string_enum = "snake_case")]
#[derive(Debug, PartialEq, Eq)]
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

impl From<pl::Action> for Action {
    fn from(a: pl::Action) -> Self {
        match a {
            pl::Action::AutoExecute => Action::AutoExecute,
            pl::Action::Suggest => Action::Suggest,
            pl::Action::Queue => Action::Queue,
            pl::Action::Escalate => Action::Escalate,
            pl::Action::Shadow => Action::Shadow,
        }
    }
}

/// The kind of an outbound message.
#[napi(string_enum = "snake_case")]
pub enum OutboundKind {
    /// A learned reply, sent automatically.
    Reply,
    /// A notice that a human will take over (sentiment, rapid messages, reply cap).
    Escalation,
}

/// Something to send to the customer now.
#[napi(object)]
pub struct Outbound {
    /// The text to send.
    pub text: String,
    /// A learned reply or a hand-off notice.
    pub kind: OutboundKind,
}

impl From<pl::Outbound> for Outbound {
    fn from(o: pl::Outbound) -> Self {
        Outbound {
            text: o.text,
            kind: match o.kind {
                pl::OutboundKind::Reply => OutboundKind::Reply,
                pl::OutboundKind::Escalation => OutboundKind::Escalation,
            },
        }
    }
}

/// One gate of the auto-send decision, with its measured value.
#[napi(object)]
pub struct GateCheck {
    /// Gate name: `neighbour_agreement`, `margin`, `support`, `auto_executable`, …
    pub gate: String,
    /// The measured value.
    pub value: f64,
    /// The value required to pass.
    pub required: f64,
    /// Whether the gate passed.
    pub passed: bool,
}

/// The evidence behind a decision.
#[napi(object)]
pub struct Evidence {
    /// How the proposed pattern was found: `exact_signature`, `keyword`, `lexical`,
    /// `vector` or `none`.
    pub match_kind: String,
    /// Similarity of the message to the closest example of the proposed reply.
    pub similarity: f64,
    /// Lexical part of that similarity.
    pub lexical: f64,
    /// Embedding part of that similarity, if vectors were compared.
    pub semantic: Option<f64>,
    /// The closest trigger example of the proposed reply.
    pub nearest_example: Option<String>,
    /// The best different reply's pattern, if any.
    pub runner_up: Option<f64>,
    /// Similarity of the best different reply.
    pub runner_up_similarity: f64,
    /// `similarity − runnerUpSimilarity`.
    pub margin: f64,
    /// Nearest examples that carry the proposed reply, out of `neighbours`.
    pub agreeing_neighbours: u32,
    /// Number of nearest examples looked at.
    pub neighbours: u32,
    /// Times operators sent or approved this reply.
    pub support: f64,
    /// The proposed pattern's own confidence (operator trust).
    pub pattern_confidence: f64,
    /// Trigger keywords found in the message.
    pub keyword_hits: Vec<String>,
    /// Words of the message the proposed reply's examples do not explain (gate
    /// `unexplained_words`).
    pub unexplained_words: Vec<String>,
    /// Template variables that could not be filled.
    pub missing_variables: Vec<String>,
    /// Each auto-send gate with its value.
    pub gates: Vec<GateCheck>,
    /// The auto threshold in force.
    pub auto_threshold: f64,
    /// Expected precision of automatic sends at that threshold, when known.
    pub expected_precision: Option<f64>,
}

pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// An id or counter as a JavaScript number (exact up to 2^53).
pub(crate) fn number(n: u64) -> f64 {
    n as f64
}

pub(crate) fn snake_name(value: impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

impl From<pl::Evidence> for Evidence {
    fn from(e: pl::Evidence) -> Self {
        let pl::Evidence {
            match_kind,
            similarity,
            lexical,
            semantic,
            nearest_example,
            runner_up,
            runner_up_similarity,
            margin,
            agreeing_neighbours,
            neighbours,
            support,
            pattern_confidence,
            keyword_hits,
            unexplained_words,
            missing_variables,
            gates,
            auto_threshold,
            expected_precision,
        } = e;
        Evidence {
            match_kind: snake_name(match_kind),
            similarity,
            lexical,
            semantic,
            nearest_example,
            runner_up: runner_up.map(|p| number(p.0)),
            runner_up_similarity,
            margin,
            agreeing_neighbours: count(agreeing_neighbours),
            neighbours: count(neighbours),
            support: number(support),
            pattern_confidence,
            keyword_hits,
            unexplained_words,
            missing_variables,
            gates: gates
                .into_iter()
                .map(|g| GateCheck {
                    gate: g.gate,
                    value: g.value,
                    required: g.required,
                    passed: g.passed,
                })
                .collect(),
            auto_threshold,
            expected_precision,
        }
    }
}

/// An optional value as JavaScript reads a missing property: `undefined`.
pub type Maybe<T> = Either<T, Undefined>;

/// `Some(v)` as `v`, `None` as `undefined`.
pub(crate) fn maybe<T>(value: Option<T>) -> Either<T, Undefined> {
    value.map_or(Either::B(()), Either::A)
}

/// The result of processing one message: a read-only view of the core's decision.
///
/// Properties convert on access (`process` pays only for what the caller reads);
/// `JSON.stringify` gives the whole decision (`toJSON`, added by `lib/values.js`).
#[napi]
pub struct Decision {
    inner: pl::Decision,
}

impl From<pl::Decision> for Decision {
    fn from(inner: pl::Decision) -> Self {
        Decision { inner }
    }
}

#[napi]
impl Decision {
    /// Id of this decision (a UUID, unique across engines and restarts); pass it
    /// back with feedback (`decisionId`).
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.inner.id.to_string()
    }

    /// The tier.
    #[napi(getter)]
    pub fn action(&self) -> Action {
        self.inner.action.into()
    }

    /// Why, as a snake_case name: `confident_match`, `below_auto_threshold`,
    /// `low_confidence`, `no_matching_pattern`, `not_auto_executable`,
    /// `ambiguous_match`, `insufficient_support`, `distant_match`, `unexplained_words`,
    /// `template_incomplete`,
    /// `previously_rejected`, `empty_message`, `message_too_long`, `safety_blacklist`,
    /// `safety_escalation`, `negative_sentiment`, `operator_active`, `global_cooldown`,
    /// `ai_reply_limit`, `rapid_messages`, `rate_limited`, `pattern_reuse_limit`,
    /// `conversation_locked`, `duplicate_message`, `disabled`.
    #[napi(getter)]
    pub fn reason(&self) -> &'static str {
        self.inner.reason.as_str()
    }

    /// In shadow mode or when disabled: the action that would have been taken.
    #[napi(getter)]
    pub fn would_action(&self) -> Either<Action, Undefined> {
        maybe(self.inner.would_action.map(Into::into))
    }

    /// The proposed pattern.
    #[napi(getter)]
    pub fn pattern_id(&self) -> Either<f64, Undefined> {
        maybe(self.inner.pattern_id.map(|p| number(p.0)))
    }

    /// The proposed reply, rendered (also for suggest / queue).
    #[napi(getter)]
    pub fn response(&self) -> Either<String, Undefined> {
        maybe(self.inner.response.clone())
    }

    /// The rendered action template, if the pattern has one.
    #[napi(getter)]
    pub fn actions(&self) -> Either<Value, Undefined> {
        maybe(self.inner.actions.clone())
    }

    /// Decision confidence in `[0, 1]`.
    #[napi(getter)]
    pub fn confidence(&self) -> f64 {
        self.inner.confidence
    }

    /// What to send to the customer now, if anything.
    #[napi(getter)]
    pub fn outbound(&self) -> Either<Outbound, Undefined> {
        maybe(self.inner.outbound.clone().map(Into::into))
    }

    /// Detected topic of the message (snake_case name).
    #[napi(getter)]
    pub fn topic(&self) -> String {
        self.inner.topic.clone()
    }

    /// The message-safety verdict.
    #[napi(getter)]
    pub fn safety(&self) -> SafetyVerdict {
        self.inner.safety.clone().into()
    }

    /// The evidence behind the decision.
    #[napi(getter)]
    pub fn evidence(&self) -> Evidence {
        self.inner.evidence.clone().into()
    }

    /// The inbound message id, when the caller gave one.
    #[napi(getter)]
    pub fn message_id(&self) -> Either<String, Undefined> {
        maybe(self.inner.message_id.clone())
    }
}
