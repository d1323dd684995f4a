//! Feedback and operator messages.

use std::time::Instant;

use crate::embed::check_vector;
use crate::error::{Error, Result};
use crate::feedback::{Feedback, FeedbackAction, FeedbackOutcome};
use crate::learn::apply_feedback;
use crate::v1::topic;

use super::Engine;

impl Engine {
    /// Records operator feedback: approve / modify / reject / answer.
    ///
    /// Feedback with an `id` seen before is ignored (reported as `duplicate`).
    pub fn feedback(&self, feedback: &Feedback) -> Result<FeedbackOutcome> {
        self.feedback_with_vector(feedback, None)
    }

    /// Like [`Engine::feedback`], with a caller-supplied embedding of the message.
    ///
    /// Every call is counted in [`Engine::metrics`] and delivered to subscribers.
    pub fn feedback_with_vector(
        &self,
        feedback: &Feedback,
        vector: Option<Vec<f32>>,
    ) -> Result<FeedbackOutcome> {
        let started = Instant::now();
        let span = tracing::info_span!(
            "feedback",
            action = tracing::field::Empty,
            pattern = tracing::field::Empty
        );
        let _entered = span.enter();
        let result = self.feedback_unobserved(feedback, vector);
        if let Ok(outcome) = &result {
            span.record("action", outcome.action.as_str());
            if let Some(p) = outcome.judged_pattern.or(outcome.learned_pattern) {
                span.record("pattern", p.0);
            }
        }
        self.observe_feedback(feedback, &result, started);
        result
    }

    fn feedback_unobserved(
        &self,
        feedback: &Feedback,
        vector: Option<Vec<f32>>,
    ) -> Result<FeedbackOutcome> {
        let config = self.config.read().clone();
        if feedback.query.len() > config.max_message_bytes {
            return Err(Error::TextTooLong {
                len: feedback.query.len(),
                max: config.max_message_bytes,
            });
        }
        if let Some(reply) = feedback.reply_sent() {
            if reply.len() > config.max_message_bytes {
                return Err(Error::TextTooLong {
                    len: reply.len(),
                    max: config.max_message_bytes,
                });
            }
        }
        let action = feedback.resolved_action()?;
        let note = feedback
            .decision_id
            .and_then(|id| self.recent.lock().notes.get(&id).cloned());
        let judged = feedback
            .pattern_id
            .or(note.as_ref().and_then(|n| n.pattern));
        if let Some(v) = &vector {
            let dim = self.book.read().index().caller_dimension();
            check_vector(v, dim)?;
        }
        if let Some(fid) = &feedback.id {
            if self.seen_feedback.lock().claim(fid).is_some() {
                return Ok(FeedbackOutcome {
                    action,
                    judged_pattern: judged,
                    learned_pattern: None,
                    created: false,
                    confidence_change: None,
                    promoted: false,
                    duplicate: true,
                });
            }
        }
        let now = feedback.timestamp.unwrap_or_else(|| self.clock.now());
        let outcome = self
            .mutate(|book| apply_feedback(book, &config, feedback, judged, vector.clone(), now));
        if outcome.is_err() {
            if let Some(fid) = &feedback.id {
                self.seen_feedback.lock().by_id.remove(fid);
            }
        }
        let outcome = outcome?;
        if let Some(note) = note.filter(|n| n.proposed) {
            let right = matches!(action, FeedbackAction::Approve | FeedbackAction::Modify);
            self.calibration.lock().record(note.raw_confidence, right);
        }
        Ok(outcome)
    }

    /// Tells the engine that an operator wrote in a conversation (takeover):
    /// automatic replies stop there for the configured lockout.
    pub fn record_operator_message(
        &self,
        conversation_id: &str,
        last_customer_message: Option<&str>,
    ) {
        let thresholds = self.safety.read().thresholds.clone();
        let topic = last_customer_message.map(topic::detect_topic);
        self.guards
            .operator_message(conversation_id, topic, &thresholds, self.clock.now());
    }
}
