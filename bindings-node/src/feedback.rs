//! Operator feedback in, what it changed out (mirrors `core/src/feedback.rs`).

use napi::bindgen_prelude::{Either, Undefined};
use napi_derive::napi;
use pattern_learning::{self as pl, feedback as fb};

use crate::decision::{maybe, number};
use crate::error::{id_from_js, BindingError};
use crate::pattern::{embedding, pattern_id, Embedding};

/// What the operator did with a message.
#[napi(string_enum = "snake_case")]
pub enum FeedbackAction {
    /// Sent the proposed reply as it was.
    Approve,
    /// Sent the proposed reply with edits.
    Modify,
    /// Refused the proposed reply (and may have sent another: `sentReply`).
    Reject,
    /// Answered the message by hand.
    Answer,
}

impl From<FeedbackAction> for pl::FeedbackAction {
    fn from(a: FeedbackAction) -> Self {
        match a {
            FeedbackAction::Approve => pl::FeedbackAction::Approve,
            FeedbackAction::Modify => pl::FeedbackAction::Modify,
            FeedbackAction::Reject => pl::FeedbackAction::Reject,
            FeedbackAction::Answer => pl::FeedbackAction::Answer,
        }
    }
}

impl From<pl::FeedbackAction> for FeedbackAction {
    fn from(a: pl::FeedbackAction) -> Self {
        match a {
            pl::FeedbackAction::Approve => FeedbackAction::Approve,
            pl::FeedbackAction::Modify => FeedbackAction::Modify,
            pl::FeedbackAction::Reject => FeedbackAction::Reject,
            pl::FeedbackAction::Answer => FeedbackAction::Answer,
        }
    }
}

/// The V2 rating of a reply.
#[napi(string_enum = "lowercase")]
pub enum Rating {
    /// The reply was right.
    Helpful,
    /// The reply was wrong.
    Unhelpful,
}

/// The V2 `feedback` object.
#[napi(object)]
pub struct FeedbackRating {
    /// Helpful or not.
    pub rating: Rating,
    /// Free-text reason.
    pub reason: Option<String>,
    /// The reply the operator would have sent instead.
    pub correction: Option<String>,
}

/// The V2 `context` object.
#[napi(object)]
pub struct FeedbackContext {
    /// The operator who gave the feedback.
    pub user_id: Option<String>,
    /// Site or location.
    pub location: Option<String>,
    /// Session or conversation id.
    pub session_id: Option<String>,
}

/// One feedback event: the V2 structured shape `{id, timestamp, query, response,
/// confidence, feedback: {rating, reason?, correction?}, context: {userId?, location?,
/// sessionId?}}` plus `action`, `sentReply`, `patternId`, `decisionId` and an optional
/// `embedding` of the message. Without `action`, it is derived from the rating:
/// helpful → approve (modify with a correction), unhelpful → reject.
#[napi(object)]
pub struct Feedback {
    /// Caller's id for this event; a repeated id is ignored (`duplicate: true`).
    pub id: Option<String>,
    /// When the operator acted (ms since the epoch); now when absent.
    pub timestamp: Option<f64>,
    /// The customer message.
    pub query: String,
    /// The reply the engine proposed, if any.
    pub response: Option<String>,
    /// The confidence the engine reported for it.
    pub confidence: Option<f64>,
    /// The V2 rating.
    pub feedback: Option<FeedbackRating>,
    /// Who and where.
    pub context: Option<FeedbackContext>,
    /// What the operator did.
    pub action: Option<FeedbackAction>,
    /// The reply actually sent to the customer.
    pub sent_reply: Option<String>,
    /// The pattern the feedback is about.
    pub pattern_id: Option<f64>,
    /// The decision the feedback answers (`Decision.id`; a number names a decision
    /// of a store written before ids were UUIDs).
    #[napi(ts_type = "string | number")]
    pub decision_id: Option<Either<String, f64>>,
    /// Caller-supplied embedding of the customer message.
    #[napi(ts_type = "Float32Array | number[]")]
    pub embedding: Option<Embedding>,
}

/// Converts the JavaScript feedback; returns it with its embedding.
pub(crate) fn feedback(f: Feedback) -> Result<(pl::Feedback, Option<Vec<f32>>), BindingError> {
    let timestamp = match f.timestamp {
        Some(t) if t.is_finite() => Some(pl::clock::Timestamp(t as i64)),
        Some(t) => {
            return Err(BindingError::InvalidArgument(format!(
                "feedback timestamp must be a finite number of milliseconds, got {t}"
            )))
        }
        None => None,
    };
    let context = f.context.unwrap_or(FeedbackContext {
        user_id: None,
        location: None,
        session_id: None,
    });
    let core = pl::Feedback {
        id: f.id,
        timestamp,
        query: f.query,
        response: f.response,
        confidence: f.confidence,
        feedback: f.feedback.map(|r| fb::FeedbackRating {
            rating: match r.rating {
                Rating::Helpful => fb::Rating::Helpful,
                Rating::Unhelpful => fb::Rating::Unhelpful,
            },
            reason: r.reason,
            correction: r.correction,
        }),
        context: fb::FeedbackContext {
            user_id: context.user_id,
            location: context.location,
            session_id: context.session_id,
        },
        action: f.action.map(Into::into),
        sent_reply: f.sent_reply,
        pattern_id: f.pattern_id.map(pattern_id).transpose()?,
        decision_id: f.decision_id.map(decision_id).transpose()?,
    };
    Ok((core, f.embedding.map(embedding)))
}

/// A decision id from JavaScript: its text, or a legacy number.
fn decision_id(value: Either<String, f64>) -> Result<pl::DecisionId, BindingError> {
    match value {
        Either::A(text) => Ok(text.parse::<pl::DecisionId>().map_err(pl::Error::from)?),
        Either::B(number) => Ok(pl::DecisionId::from_legacy(id_from_js(
            "decision id",
            number,
        )?)),
    }
}

/// Confidence before and after a feedback event.
#[napi(object)]
pub struct ConfidenceChange {
    /// Before.
    pub before: f64,
    /// After.
    pub after: f64,
}

/// What a feedback event changed: a read-only view of the core's outcome
/// (properties convert on access; `toJSON` from `lib/values.js`).
#[napi]
pub struct FeedbackOutcome {
    inner: pl::FeedbackOutcome,
}

impl From<pl::FeedbackOutcome> for FeedbackOutcome {
    fn from(inner: pl::FeedbackOutcome) -> Self {
        FeedbackOutcome { inner }
    }
}

#[napi]
impl FeedbackOutcome {
    /// The action applied.
    #[napi(getter)]
    pub fn action(&self) -> FeedbackAction {
        self.inner.action.into()
    }

    /// The pattern whose confidence changed (approve / modify / reject).
    #[napi(getter)]
    pub fn judged_pattern(&self) -> Either<f64, Undefined> {
        maybe(self.inner.judged_pattern.map(|p| number(p.0)))
    }

    /// The pattern that now carries the sent reply, if one was extended or created.
    #[napi(getter)]
    pub fn learned_pattern(&self) -> Either<f64, Undefined> {
        maybe(self.inner.learned_pattern.map(|p| number(p.0)))
    }

    /// Whether a new pattern was created.
    #[napi(getter)]
    pub fn created(&self) -> bool {
        self.inner.created
    }

    /// Confidence before and after, for the judged pattern.
    #[napi(getter)]
    pub fn confidence_change(&self) -> Either<ConfidenceChange, Undefined> {
        maybe(
            self.inner
                .confidence_change
                .map(|(before, after)| ConfidenceChange { before, after }),
        )
    }

    /// Whether the judged pattern was promoted to auto-executable by this event.
    #[napi(getter)]
    pub fn promoted(&self) -> bool {
        self.inner.promoted
    }

    /// True when the event was a duplicate delivery (same `id`) and was ignored.
    #[napi(getter)]
    pub fn duplicate(&self) -> bool {
        self.inner.duplicate
    }
}
