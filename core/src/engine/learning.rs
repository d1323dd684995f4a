//! Feedback and operator messages.

use std::time::Instant;

use crate::decision_id::DecisionId;
use crate::embed::check_vector;
use crate::error::{Error, Result};
use crate::feedback::{Feedback, FeedbackAction, FeedbackOutcome};
use crate::learn::{apply_feedback, apply_verdict};
use crate::pattern::PatternId;
use crate::store::{Commit, Judgement};
use crate::v1::topic;

use super::persist::CONFLICT_RETRIES;
use super::recent::DecisionNote;
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

    /// Checks → finds the judged pattern → claims the feedback id → applies and
    /// records (with the feedback id and the judged proposal) → remembers.
    fn feedback_unobserved(
        &self,
        feedback: &Feedback,
        vector: Option<Vec<f32>>,
    ) -> Result<FeedbackOutcome> {
        let config = self.config.read().clone();
        check_lengths(feedback, config.max_message_bytes)?;
        let action = feedback.resolved_action()?;
        let note = match feedback.decision_id {
            Some(id) => Some(self.decision_note(id)?),
            None => None,
        };
        let judged = judged_pattern(feedback, action, note.as_ref())?;
        if let Some(v) = &vector {
            let dim = self.book.read().index().caller_dimension();
            check_vector(v, dim)?;
        }
        let duplicate = FeedbackOutcome {
            duplicate: true,
            judged_pattern: judged,
            ..FeedbackOutcome::new(action)
        };
        if let Some(fid) = &feedback.id {
            if self.seen_feedback.lock().claim(fid).is_some() {
                return Ok(duplicate);
            }
        }
        let now = feedback.timestamp.unwrap_or_else(|| self.clock.now());
        let judgement = note.filter(|n| n.proposed).map(|n| Judgement {
            at: now,
            confidence: n.raw_confidence,
            right: matches!(action, FeedbackAction::Approve | FeedbackAction::Modify),
        });
        let result = self.mutate_with(|book| {
            if self.feedback_applied(feedback.id.as_deref())? {
                return Ok((duplicate.clone(), Commit::default()));
            }
            let outcome = apply_feedback(book, &config, feedback, judged, vector.clone(), now)?;
            let kept = Commit {
                feedback_ids: feedback.id.iter().cloned().collect(),
                judgements: judgement.into_iter().collect(),
                ..Commit::default()
            };
            Ok((outcome, kept))
        });
        self.after_feedback(feedback, &result, judgement);
        result
    }

    /// A recorded feedback's judged proposal joins the calibration record; a failed
    /// one frees its feedback id (a redelivery is applied anew).
    fn after_feedback(
        &self,
        feedback: &Feedback,
        result: &Result<FeedbackOutcome>,
        judgement: Option<Judgement>,
    ) {
        match result {
            Ok(outcome) if !outcome.duplicate => {
                if let Some(j) = judgement {
                    self.calibration.lock().record(j.confidence, j.right);
                }
            }
            Ok(_) => {}
            Err(_) => {
                if let Some(fid) = &feedback.id {
                    self.seen_feedback.lock().release(fid);
                }
            }
        }
    }

    /// Records an operator's verdict on pattern `id` when the message it concerned
    /// is not known (V1's `updatePatternConfidence` and `recordPatternUsage`):
    /// `approve`, `modify` and `reject` move the pattern's trust and counters as
    /// [`Engine::feedback`] does, are recorded in its history (an approval counts
    /// towards the approvals a pattern needs before it may auto-send) and may
    /// promote it; no example is added. `answer` needs a message and is refused.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPattern`] (no such pattern, or deleted),
    /// [`Error::InvalidFeedback`] for `answer`, a store error.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::{Engine, FeedbackAction, NewPattern};
    /// let engine = Engine::new();
    /// let id = engine.create_pattern(NewPattern::new(["wifi password?"], "On the wall.")).unwrap().id;
    /// let out = engine.judge(id, FeedbackAction::Approve, Some("op-1")).unwrap();
    /// assert_eq!(out.confidence_change, Some((0.7, 0.85)));
    /// assert_eq!(engine.pattern_approval(id).unwrap().approval_count, 1.0);
    /// ```
    pub fn judge(
        &self,
        id: PatternId,
        action: FeedbackAction,
        actor: Option<&str>,
    ) -> Result<FeedbackOutcome> {
        let config = self.config.read().clone();
        let now = self.clock.now();
        let actor = actor.map(str::to_owned);
        let outcome =
            self.mutate(|book| apply_verdict(book, &config, id, action, actor.clone(), now));
        self.approvals.invalidate(id);
        outcome
    }

    /// What the engine knows of decision `id`: from memory while it is recent,
    /// else from the store (made by any engine sharing it, before any restart).
    fn decision_note(&self, id: DecisionId) -> Result<DecisionNote> {
        if let Some(note) = self.recent.lock().notes.get(&id).cloned() {
            return Ok(note);
        }
        let record = match &self.store {
            Some(store) => store.decision(id)?,
            None => None,
        };
        let record = record.ok_or(Error::UnknownDecision(id))?;
        Ok(DecisionNote {
            pattern: record.pattern_id,
            raw_confidence: record.confidence,
            proposed: record.response.is_some(),
        })
    }

    /// Whether a store has applied the feedback with this id (a redelivery after a
    /// restart, or one another engine took first).
    fn feedback_applied(&self, id: Option<&str>) -> Result<bool> {
        match (id, &self.store) {
            (Some(id), Some(store)) => store.feedback_applied(id),
            _ => Ok(false),
        }
    }

    /// Tells the engine that an operator wrote in a conversation (takeover):
    /// automatic replies stop there for the configured lockout. With a store the
    /// lockout is written before the call returns, so a restart keeps it and every
    /// engine sharing the store honours it from its next decision on.
    ///
    /// # Errors
    ///
    /// A store error when the lockout could not be written; nothing changed then.
    pub fn record_operator_message(
        &self,
        conversation_id: &str,
        last_customer_message: Option<&str>,
    ) -> Result<()> {
        let topic = last_customer_message.map(topic::detect_topic);
        let mut conflicts = 0;
        loop {
            let turn = self.turn.lock();
            let thresholds = self.safety.read().thresholds.clone();
            let change =
                self.guards
                    .operator_message(conversation_id, topic, &thresholds, self.clock.now());
            match self.commit_guard_change(&change) {
                Ok(()) => {
                    self.guards.apply(change);
                    return Ok(());
                }
                Err(Error::StoreConflict { .. }) if conflicts < CONFLICT_RETRIES => {
                    conflicts += 1;
                    drop(turn);
                    self.refresh()?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// The customer message and the reply sent must fit in `max` bytes.
fn check_lengths(feedback: &Feedback, max: usize) -> Result<()> {
    let texts = std::iter::once(feedback.query.as_str()).chain(feedback.reply_sent());
    match texts.map(str::len).find(|len| *len > max) {
        Some(len) => Err(Error::TextTooLong { len, max }),
        None => Ok(()),
    }
}

/// The pattern approve / modify / reject feedback judges: the one it names, else
/// the one its decision proposed. Naming one while the decision proposed another
/// is refused: feedback never judges a pattern other than the decided one.
fn judged_pattern(
    feedback: &Feedback,
    action: FeedbackAction,
    note: Option<&DecisionNote>,
) -> Result<Option<PatternId>> {
    let decided = note.and_then(|n| n.pattern);
    let judges = !matches!(action, FeedbackAction::Answer);
    match (feedback.pattern_id, decided) {
        (Some(named), Some(decided)) if judges && named != decided => {
            Err(Error::InvalidFeedback(format!(
                "the feedback names pattern {named}, but its decision proposed pattern {decided}"
            )))
        }
        (named, decided) => Ok(named.or(decided)),
    }
}
