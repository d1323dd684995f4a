//! V1's service calls, under V1's names and with V1's arguments: processing a
//! message, learning from operators, and the topic utilities V1's services exposed.

use super::ai_signature::is_ai_reply;
use super::operator_reply::{classify, OperatorReply};
use super::result::{pattern_result, PatternResult};
use super::topic::{detect_topic, Topic};
use crate::context::MessageContext;
use crate::engine::Engine;
use crate::error::Result;
use crate::feedback::{Feedback, FeedbackOutcome};
use crate::pattern::PatternId;
use crate::text;

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
    /// The reply carries [`AI_SIGNATURE`](super::AI_SIGNATURE): it is the engine's own
    /// and was ignored.
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
/// [`AI_SIGNATURE`](super::AI_SIGNATURE) (then nothing happens: it is the engine's own
/// reply), this records the operator takeover of the conversation (automatic replies
/// stop there for the configured lockout; conversation key as in [`context`]) and
/// learns the answer ([`Feedback::answer`]). Differences from V1: signed replies are not
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
/// patternId?)`: an operator answered `customer_message` with `operator_response`.
///
/// V1 meant it as operator-example accumulation, and overwrote the proposed
/// pattern's reply with whatever the operator wrote ("ok" included). Here, with a
/// pattern id, the operator's text is compared with the pattern's reply:
///
/// * the same reply (up to case, spacing and punctuation): an approval
///   ([`Feedback::approve`]);
/// * an edit of it (at least half of the words of both texts shared): an approval
///   with edits ([`Feedback::modify`]); the pattern's reply is **not** replaced;
/// * any other text ("ok", a different answer): no verdict on the pattern — its
///   trust and counters do not move; the text is learned as an answer to the
///   message, as without a pattern id.
///
/// Replies carrying [`AI_SIGNATURE`](super::AI_SIGNATURE) are ignored.
///
/// # Errors
///
/// [`Error::UnknownPattern`](crate::Error::UnknownPattern) for an unknown pattern
/// id; a store error.
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
    let Some(id) = pattern_id else {
        return learn_answer(engine, customer_message, operator_response, operator_id);
    };
    let pattern = engine
        .pattern(id)
        .ok_or(crate::error::Error::UnknownPattern(id))?;
    let mut feedback = match classify(&pattern.response_template, operator_response) {
        OperatorReply::Proposed => Feedback::approve(customer_message, id),
        OperatorReply::Edited => Feedback::modify(customer_message, id, operator_response),
        OperatorReply::Other => {
            return learn_answer(engine, customer_message, operator_response, operator_id)
        }
    };
    if let Some(op) = operator_id {
        feedback = feedback.by(op);
    }
    engine.feedback(&feedback).map(LearnOutcome::Learned)
}

/// Learns `reply` as an operator's answer to `message` (after the same checks as
/// V1's learning calls: not the engine's own reply, words in both texts).
pub(super) fn learn_answer(
    engine: &Engine,
    message: &str,
    reply: &str,
    operator_id: Option<&str>,
) -> Result<LearnOutcome> {
    if is_ai_reply(reply) {
        return Ok(LearnOutcome::SkippedAiReply);
    }
    if !has_words(message) || !has_words(reply) {
        return Ok(LearnOutcome::SkippedNoText);
    }
    let mut feedback = Feedback::answer(message, reply);
    if let Some(op) = operator_id {
        feedback = feedback.by(op);
    }
    engine.feedback(&feedback).map(LearnOutcome::Learned)
}

/// V1's `detectMessageTopic`: the topic's snake_case name.
///
/// # Example
/// ```
/// assert_eq!(pattern_learning::v1::detect_message_topic("The TrackMan is frozen"), "tech_support");
/// ```
pub fn detect_message_topic(message: &str) -> &'static str {
    detect_topic(message).as_str()
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
