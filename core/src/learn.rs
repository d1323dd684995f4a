//! Learning: operator feedback → confidence and counters; operator answers →
//! new trigger examples or new patterns.
//!
//! Rules (`docs/design.md`, "Learning"): approve / modify / reject move the judged pattern's
//! confidence by the configured rates, clamped to `[0, 1]`; counters count
//! confirmed outcomes only; an answer joins the pattern that already carries the
//! same reply, or creates a new learned pattern that is active (it may be
//! suggested) but not auto-executable until it is promoted or approved.

use crate::book::{sanitize_confidence, ChangeKind, ExampleInput, PatternBook};
use crate::clock::Timestamp;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::feedback::{Feedback, FeedbackAction, FeedbackOutcome};
use crate::pattern::{Pattern, PatternId, Provenance};
use crate::v1::topic;
use crate::{privacy, signature, text};

/// V1's stop list for keyword extraction (the one V1's manual pattern creation used).
const STOP_WORDS: [&str; 43] = [
    "do", "you", "have", "is", "are", "the", "a", "an", "i", "can", "what", "how", "where", "when",
    "why", "does", "did", "will", "would", "could", "should", "may", "might", "must", "there",
    "here", "this", "that", "it", "my", "your", "our", "their", "to", "for", "of", "in", "on",
    "at", "by", "with", "about", "just",
];

/// Most keywords derived for one pattern.
const MAX_DERIVED_KEYWORDS: usize = 12;

/// Derives trigger keywords from example phrasings: words longer than two
/// characters that are not stop words, de-duplicated in first-seen order.
///
/// # Example
/// ```
/// use pattern_learning::learn::derive_keywords;
/// let kws = derive_keywords(&["Do you sell gift cards?", "Where can I buy a gift certificate?"]);
/// assert_eq!(kws, ["sell", "gift", "cards", "buy", "certificate"]);
/// ```
pub fn derive_keywords<S: AsRef<str>>(examples: &[S]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ex in examples {
        for word in text::word_list(ex.as_ref()) {
            let word = text::strip_apostrophes(&word).into_owned();
            if word.chars().count() > 2
                && !STOP_WORDS.contains(&word.as_str())
                && !word.chars().all(|c| c.is_ascii_digit())
                && !out.contains(&word)
            {
                out.push(word);
            }
            if out.len() >= MAX_DERIVED_KEYWORDS {
                return out;
            }
        }
    }
    out
}

/// One feedback event being applied: what it says and when.
struct Judgement<'a> {
    config: &'a Config,
    feedback: &'a Feedback,
    /// The customer message as it is learned: identifiers redacted
    /// ([`privacy::redact`]).
    message: &'a str,
    vector: Option<Vec<f32>>,
    actor: Option<String>,
    now: Timestamp,
}

/// Applies one feedback event to the book.
pub(crate) fn apply_feedback(
    book: &mut PatternBook,
    config: &Config,
    feedback: &Feedback,
    judged: Option<PatternId>,
    vector: Option<Vec<f32>>,
    now: Timestamp,
) -> Result<FeedbackOutcome> {
    let action = feedback.resolved_action()?;
    if text::words(&text::normalize(&feedback.query))
        .next()
        .is_none()
    {
        return Err(Error::InvalidFeedback(
            "the customer message (`query`) has no words".into(),
        ));
    }
    let message = privacy::redact(&feedback.query);
    let j = Judgement {
        config,
        feedback,
        message: &message,
        vector,
        actor: feedback.context.user_id.clone(),
        now,
    };
    let mut outcome = FeedbackOutcome::new(action);
    match action {
        FeedbackAction::Approve | FeedbackAction::Modify => {
            approve(book, j, judged_live(book, action, judged)?, &mut outcome)
        }
        FeedbackAction::Reject => {
            reject(book, j, judged_live(book, action, judged)?, &mut outcome)?
        }
        FeedbackAction::Answer => {
            let reply = feedback.reply_sent().ok_or_else(|| {
                Error::InvalidFeedback("answer needs the reply that was sent (`sentReply`)".into())
            })?;
            learn_reply(book, j, reply, &mut outcome)?;
        }
    }
    Ok(outcome)
}

/// The pattern that approve / modify / reject feedback judges: it must be given
/// and exist (not deleted).
fn judged_live(
    book: &PatternBook,
    action: FeedbackAction,
    judged: Option<PatternId>,
) -> Result<PatternId> {
    let id = judged.ok_or_else(|| {
        Error::InvalidFeedback(format!(
            "{} needs the pattern (`patternId`) or the decision (`decisionId`) it judges",
            action.as_str()
        ))
    })?;
    match book.get(id) {
        Some(p) if !p.is_deleted => Ok(id),
        _ => Err(Error::UnknownPattern(id)),
    }
}

/// Approve / modify: the message joins the pattern's examples, then the verdict
/// is credited.
fn approve(book: &mut PatternBook, j: Judgement<'_>, id: PatternId, outcome: &mut FeedbackOutcome) {
    let query = j.message;
    book.add_example(id, query, j.vector);
    let verdict = Verdict {
        config: j.config,
        actor: j.actor,
        message: Some(query),
        now: j.now,
    };
    credit(book, verdict, id, outcome);
}

/// Reject: the message is remembered against the pattern, the verdict is
/// debited; a reply the operator sent instead is learned.
fn reject(
    book: &mut PatternBook,
    j: Judgement<'_>,
    id: PatternId,
    outcome: &mut FeedbackOutcome,
) -> Result<()> {
    let query = j.message;
    book.add_rejection(id, query);
    let verdict = Verdict {
        config: j.config,
        actor: j.actor.clone(),
        message: Some(query),
        now: j.now,
    };
    debit(book, verdict, id, outcome);
    let Some(reply) = j.feedback.reply_sent() else {
        return Ok(());
    };
    let same = book.get(id).is_some_and(|p| {
        crate::book::reply_key(&p.response_template) == crate::book::reply_key(reply)
    });
    if !same {
        learn_reply(book, j, reply, outcome)?;
    }
    Ok(())
}

/// An operator's verdict on a pattern: who, about which message (if known), when.
struct Verdict<'a> {
    config: &'a Config,
    actor: Option<String>,
    message: Option<&'a str>,
    now: Timestamp,
}

/// Approve / modify (`outcome.action`): trust rises by the configured rate, the
/// confirmed outcome is counted; promotion when due.
fn credit(book: &mut PatternBook, v: Verdict<'_>, id: PatternId, outcome: &mut FeedbackOutcome) {
    let approved = outcome.action == FeedbackAction::Approve;
    let (delta, kind) = if approved {
        (v.config.learning.approve, ChangeKind::Approved)
    } else {
        (v.config.learning.modify, ChangeKind::Modified)
    };
    let before = book.get(id).map_or(0.0, |p| p.confidence);
    let now = v.now;
    let after = book
        .apply(id, kind, v.actor.clone(), v.message, false, |p| {
            p.confidence = sanitize_confidence(p.confidence + delta);
            p.execution_count += 1;
            if approved {
                p.success_count += 1;
            } else {
                p.override_count += 1;
            }
            p.last_used = Some(now);
            p.last_modified = now;
        })
        .map_or(before, |p| p.confidence);
    outcome.judged_pattern = Some(id);
    outcome.learned_pattern = Some(id);
    outcome.confidence_change = Some((before, after));
    outcome.promoted = promote_if_due(book, v.config, id, v.actor, now);
}

/// Reject: trust falls by the configured rate, the failure is counted.
fn debit(book: &mut PatternBook, v: Verdict<'_>, id: PatternId, outcome: &mut FeedbackOutcome) {
    let before = book.get(id).map_or(0.0, |p| p.confidence);
    let (rate, now) = (v.config.learning.reject, v.now);
    let after = book
        .apply(id, ChangeKind::Rejected, v.actor, v.message, false, |p| {
            p.confidence = sanitize_confidence(p.confidence - rate);
            p.failure_count += 1;
            p.last_modified = now;
        })
        .map_or(before, |p| p.confidence);
    outcome.judged_pattern = Some(id);
    outcome.confidence_change = Some((before, after));
}

/// An operator's verdict on pattern `id` without the message it concerned (V1's
/// `updatePatternConfidence`, `recordPatternUsage`): trust, counters and history
/// change as for feedback, no example is added. `answer` needs a message and is
/// refused.
pub(crate) fn apply_verdict(
    book: &mut PatternBook,
    config: &Config,
    id: PatternId,
    action: FeedbackAction,
    actor: Option<String>,
    now: Timestamp,
) -> Result<FeedbackOutcome> {
    let id = judged_live(book, action, Some(id))?;
    let mut outcome = FeedbackOutcome::new(action);
    let verdict = Verdict {
        config,
        actor,
        message: None,
        now,
    };
    match action {
        FeedbackAction::Approve | FeedbackAction::Modify => credit(book, verdict, id, &mut outcome),
        FeedbackAction::Reject => debit(book, verdict, id, &mut outcome),
        FeedbackAction::Answer => {
            return Err(Error::InvalidFeedback(
                "an answer needs the customer message and the reply sent".into(),
            ))
        }
    }
    Ok(outcome)
}

/// Learns the reply the operator sent, into `outcome`: the message joins the
/// pattern that already carries the reply, or becomes the first example of a new
/// learned pattern (active, not auto-executable).
fn learn_reply(
    book: &mut PatternBook,
    j: Judgement<'_>,
    reply: &str,
    outcome: &mut FeedbackOutcome,
) -> Result<()> {
    check_learnable(j.config, reply)?;
    let (learned, created, promoted) = match book.find_by_reply(reply) {
        Some(id) => (id, false, join_pattern(book, j, id)),
        None => (new_learned_pattern(book, j, reply), true, false),
    };
    outcome.learned_pattern = Some(learned);
    outcome.created = created;
    outcome.promoted = promoted;
    Ok(())
}

/// A reply the engine may learn: it has words and does not carry the engine's own
/// automatic-reply signature (V1 learned its own replies).
fn check_learnable(config: &Config, reply: &str) -> Result<()> {
    if text::words(&text::normalize(reply)).next().is_none() {
        return Err(Error::InvalidFeedback("the reply has no words".into()));
    }
    if let Some(sig) = &config.ai_signature {
        if !sig.trim().is_empty() && text::normalize(reply).contains(&text::normalize(sig)) {
            return Err(Error::InvalidFeedback(
                "the reply carries the automatic-reply signature; the engine does not learn from its own replies".into(),
            ));
        }
    }
    Ok(())
}

/// The message joins pattern `id` as an example; returns whether that promoted it.
fn join_pattern(book: &mut PatternBook, j: Judgement<'_>, id: PatternId) -> bool {
    let message = j.message;
    book.add_example(id, message, j.vector);
    let (rate, now) = (j.config.learning.answer, j.now);
    book.apply(
        id,
        ChangeKind::Answered,
        j.actor.clone(),
        Some(message),
        false,
        |p| {
            p.confidence = sanitize_confidence(p.confidence + rate);
            p.execution_count += 1;
            p.success_count += 1;
            p.last_used = Some(now);
            p.last_modified = now;
        },
    );
    promote_if_due(book, j.config, id, j.actor, now)
}

/// A new learned pattern with the message as its first example; returns its id.
fn new_learned_pattern(book: &mut PatternBook, j: Judgement<'_>, reply: &str) -> PatternId {
    let (message, now) = (j.message, j.now);
    let id = book.next_id();
    let pattern = Pattern {
        id,
        topic: topic::detect_topic(message).as_str().to_owned(),
        signature: signature::signature(message),
        trigger_examples: vec![message.to_owned()],
        // Learned patterns are matched through their examples; keywords are for
        // patterns written by people (derived only when they give none).
        trigger_keywords: Vec::new(),
        response_template: reply.to_owned(),
        action_template: None,
        confidence: j.config.learning.initial_learned,
        is_active: true,
        auto_executable: false,
        is_deleted: false,
        execution_count: 1,
        success_count: 1,
        failure_count: 0,
        override_count: 0,
        provenance: Provenance::Learned,
        v1_signature: None,
        created_at: now,
        last_used: Some(now),
        last_modified: now,
    };
    let example = ExampleInput {
        text: message,
        vector: j.vector,
    };
    book.insert(pattern, vec![example], j.actor);
    id
}

/// Promotes `id` to auto-executable when the promotion rule holds.
fn promote_if_due(
    book: &mut PatternBook,
    config: &Config,
    id: PatternId,
    actor: Option<String>,
    now: Timestamp,
) -> bool {
    let rule = config.promotion;
    let due = book.get(id).is_some_and(|p| {
        rule.enabled
            && p.is_active
            && !p.is_deleted
            && !p.auto_executable
            && p.confidence > rule.min_confidence
            && p.execution_count > rule.min_executions
    });
    if due {
        book.apply(id, ChangeKind::Promoted, actor, None, false, |p| {
            p.auto_executable = true;
            p.last_modified = now;
        });
    }
    due
}
