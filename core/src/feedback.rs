//! Operator feedback: the V2 structured shape plus the operator's action.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::decision_id::DecisionId;
use crate::error::{Error, Result};
use crate::pattern::PatternId;

/// What the operator did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackAction {
    /// Sent the proposed reply as it was.
    Approve,
    /// Sent the proposed reply with edits.
    Modify,
    /// Refused the proposed reply (and may have sent another: `sent_reply`).
    Reject,
    /// Answered the message by hand (nothing was proposed, or it was ignored).
    Answer,
}

impl FeedbackAction {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackAction::Approve => "approve",
            FeedbackAction::Modify => "modify",
            FeedbackAction::Reject => "reject",
            FeedbackAction::Answer => "answer",
        }
    }
}

/// The V2 rating of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// The reply was right.
    Helpful,
    /// The reply was wrong.
    Unhelpful,
}

/// The V2 `feedback` object: `{rating, reason?, correction?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRating {
    /// Helpful or not.
    pub rating: Rating,
    /// Free-text reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The reply the operator would have sent instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<String>,
}

/// The V2 `context` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackContext {
    /// The operator (user) who gave the feedback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Site or location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Session or conversation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// One feedback event.
///
/// The serialised form is the V2 structured feedback shape
/// `{id, timestamp, query, response, confidence, feedback: {rating, reason?, correction?},
/// context: {userId?, location?, sessionId?}}` plus `action`, `sentReply`,
/// `patternId` and `decisionId`. When `action` is absent it is derived from the
/// rating: helpful → approve (modify when a correction is given), unhelpful →
/// reject (the correction, if any, is what was sent instead).
///
/// # Example
/// ```
/// use pattern_learning::feedback::{Feedback, FeedbackAction};
/// let fb = Feedback::from_json(r#"{"id":"f1","query":"do you sell gift cards",
///     "response":"Yes, online.","confidence":0.7,
///     "feedback":{"rating":"unhelpful","correction":"Yes, at the front desk."},
///     "context":{"userId":"op-7"}}"#).unwrap();
/// assert_eq!(fb.resolved_action().unwrap(), FeedbackAction::Reject);
/// assert_eq!(fb.reply_sent(), Some("Yes, at the front desk."));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feedback {
    /// Caller's id for this event (used to ignore duplicate deliveries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When the operator acted; the engine's clock when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// The customer message.
    pub query: String,
    /// The reply the engine proposed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// The confidence the engine reported for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// The V2 rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<FeedbackRating>,
    /// Who and where.
    #[serde(default)]
    pub context: FeedbackContext,
    /// What the operator did; derived from `feedback` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<FeedbackAction>,
    /// The reply actually sent to the customer (edited, or written by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_reply: Option<String>,
    /// The pattern the feedback is about, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_id: Option<PatternId>,
    /// The decision the feedback answers, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<DecisionId>,
}

impl Feedback {
    /// An approval of a decision's proposed reply.
    pub fn approve(query: impl Into<String>, pattern_id: PatternId) -> Self {
        Feedback {
            query: query.into(),
            action: Some(FeedbackAction::Approve),
            pattern_id: Some(pattern_id),
            ..Feedback::default()
        }
    }

    /// An approval with edits: `sent` is what went out.
    pub fn modify(
        query: impl Into<String>,
        pattern_id: PatternId,
        sent: impl Into<String>,
    ) -> Self {
        Feedback {
            query: query.into(),
            action: Some(FeedbackAction::Modify),
            pattern_id: Some(pattern_id),
            sent_reply: Some(sent.into()),
            ..Feedback::default()
        }
    }

    /// A rejection; `sent` is the reply the operator sent instead, if any.
    pub fn reject(query: impl Into<String>, pattern_id: PatternId, sent: Option<String>) -> Self {
        Feedback {
            query: query.into(),
            action: Some(FeedbackAction::Reject),
            pattern_id: Some(pattern_id),
            sent_reply: sent,
            ..Feedback::default()
        }
    }

    /// An operator's own answer to a message.
    pub fn answer(query: impl Into<String>, sent: impl Into<String>) -> Self {
        Feedback {
            query: query.into(),
            action: Some(FeedbackAction::Answer),
            sent_reply: Some(sent.into()),
            ..Feedback::default()
        }
    }

    /// Sets the operator id (V2 `context.userId`).
    pub fn by(mut self, operator: impl Into<String>) -> Self {
        self.context.user_id = Some(operator.into());
        self
    }

    /// Parses the JSON form (V2 shape plus the optional fields above).
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| Error::Parse {
            what: "feedback".into(),
            reason: e.to_string(),
        })
    }

    /// The operator action, explicit or derived from the V2 rating.
    pub fn resolved_action(&self) -> Result<FeedbackAction> {
        if let Some(action) = self.action {
            return Ok(action);
        }
        match &self.feedback {
            Some(FeedbackRating {
                rating: Rating::Helpful,
                correction,
                ..
            }) => Ok(if correction.is_some() {
                FeedbackAction::Modify
            } else {
                FeedbackAction::Approve
            }),
            Some(FeedbackRating {
                rating: Rating::Unhelpful,
                ..
            }) => Ok(FeedbackAction::Reject),
            None if self.sent_reply.is_some() => Ok(FeedbackAction::Answer),
            None => Err(Error::InvalidFeedback(
                "neither `action` nor `feedback.rating` nor `sentReply` is given".into(),
            )),
        }
    }

    /// The reply that went to the customer: `sent_reply`, else the V2 correction.
    pub fn reply_sent(&self) -> Option<&str> {
        self.sent_reply
            .as_deref()
            .or_else(|| self.feedback.as_ref()?.correction.as_deref())
    }
}

/// What a feedback event changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackOutcome {
    /// The action applied.
    pub action: FeedbackAction,
    /// The pattern whose confidence changed (approve / modify / reject).
    pub judged_pattern: Option<PatternId>,
    /// The pattern that now carries the sent reply (answer / modify / reject with a
    /// reply), if one was extended or created.
    pub learned_pattern: Option<PatternId>,
    /// Whether a new pattern was created.
    pub created: bool,
    /// Confidence before and after, for the judged pattern.
    pub confidence_change: Option<(f64, f64)>,
    /// Whether the judged pattern was promoted to auto-executable by this event.
    pub promoted: bool,
    /// True when the event was a duplicate delivery (same `id`) and was ignored.
    pub duplicate: bool,
}

impl FeedbackOutcome {
    /// The outcome of `action` that changed nothing (yet).
    pub fn new(action: FeedbackAction) -> Self {
        FeedbackOutcome {
            action,
            judged_pattern: None,
            learned_pattern: None,
            created: false,
            confidence_change: None,
            promoted: false,
            duplicate: false,
        }
    }
}
