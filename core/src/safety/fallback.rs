//! What the customer is told when a message is handed to a human silently, once an
//! admin switched fallback responses on (V1's `enableFallbackResponses`,
//! `fallbackMessages` and `escalationMessage`).
//!
//! Off by default: "no match" is a silent hand-off. With `enableFallbackResponses`
//! on, a hand-off that would be silent — no matching pattern, too low a confidence,
//! a reply rejected for this message, a blacklisted topic or an escalation keyword —
//! carries a notice instead:
//!
//! | hand-off | text |
//! |---|---|
//! | an escalation keyword | `fallbackMessages.emergency` |
//! | a `booking` message | `fallbackMessages.booking` |
//! | a `tech_support` message | `fallbackMessages.techSupport` |
//! | any other | `fallbackMessages.general` |
//!
//! and `escalationMessage` where that text is empty. `brandTone` is guidance for
//! whoever writes replies, never sent. The engine sends a notice like the other
//! hand-off notices: at most once per conversation lock (the notice locks the
//! conversation until an operator writes), never without a conversation id (there
//! is no lock to hold it to), never while disabled or in shadow mode, never a text
//! holding `{{`. V1 texted `escalationMessage` on every escalation, "no match"
//! included, and locked the conversation — an incident this library does not repeat
//! unless an admin asks for it.

use super::settings::{SafetySettings, SafetyThresholds};
use crate::decision::Reason;
use crate::v1::topic::Topic;

/// The notice for a silent hand-off with `reason` of a message about `topic`, if
/// fallback responses are on and one applies.
///
/// # Example
/// ```
/// use pattern_learning::safety::fallback::notice;
/// use pattern_learning::safety::{SafetySettings, SafetyThresholds};
/// use pattern_learning::v1::topic::Topic;
/// use pattern_learning::Reason;
///
/// let thresholds = SafetyThresholds::default();
/// let mut settings = SafetySettings::default();
/// assert_eq!(notice(&settings, &thresholds, Topic::Booking, Reason::NoMatchingPattern), None);
/// settings.enable_fallback_responses = true;
/// settings.fallback_messages.booking = "Book online at clubhouse247golf.com.".into();
/// assert_eq!(
///     notice(&settings, &thresholds, Topic::Booking, Reason::NoMatchingPattern).as_deref(),
///     Some("Book online at clubhouse247golf.com."),
/// );
/// // No text for the topic: V1's escalationMessage.
/// assert_eq!(
///     notice(&settings, &thresholds, Topic::Hours, Reason::NoMatchingPattern),
///     Some(thresholds.escalation_message.clone()),
/// );
/// ```
pub fn notice(
    settings: &SafetySettings,
    thresholds: &SafetyThresholds,
    topic: Topic,
    reason: Reason,
) -> Option<String> {
    if !settings.enable_fallback_responses || !is_silent_hand_off(reason) {
        return None;
    }
    let m = &settings.fallback_messages;
    let specific = match (reason, topic) {
        (Reason::SafetyEscalation, _) => &m.emergency,
        (_, Topic::Booking) => &m.booking,
        (_, Topic::TechSupport) => &m.tech_support,
        _ => &m.general,
    };
    [specific, &thresholds.escalation_message]
        .into_iter()
        .find(|text| !text.trim().is_empty())
        .filter(|text| !text.contains("{{"))
        .cloned()
}

/// Hand-offs that tell the customer nothing on their own. Not: empty or oversized
/// messages (nothing was read), duplicates, the kill switch, and hand-offs that
/// already carry a notice (sentiment, rapid messages, reply cap).
pub(crate) fn is_silent_hand_off(reason: Reason) -> bool {
    matches!(
        reason,
        Reason::NoMatchingPattern
            | Reason::LowConfidence
            | Reason::PreviouslyRejected
            | Reason::SafetyBlacklist
            | Reason::SafetyEscalation
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> SafetySettings {
        SafetySettings {
            enable_fallback_responses: true,
            ..SafetySettings::default()
        }
    }

    #[test]
    fn an_escalation_keyword_gets_the_emergency_text() {
        let mut s = on();
        s.fallback_messages.emergency = "Call 911 if anyone is hurt.".into();
        s.fallback_messages.general = "An operator will reply.".into();
        let t = SafetyThresholds::default();
        let text = notice(&s, &t, Topic::General, Reason::SafetyEscalation);
        assert_eq!(text.as_deref(), Some("Call 911 if anyone is hurt."));
        let text = notice(&s, &t, Topic::General, Reason::LowConfidence);
        assert_eq!(text.as_deref(), Some("An operator will reply."));
    }

    #[test]
    fn hand_offs_with_their_own_notice_or_nothing_read_get_none() {
        let t = SafetyThresholds::default();
        for reason in [
            Reason::NegativeSentiment,
            Reason::EmptyMessage,
            Reason::MessageTooLong,
            Reason::DuplicateMessage,
            Reason::Disabled,
            Reason::ConfidentMatch,
        ] {
            assert_eq!(
                notice(&on(), &t, Topic::General, reason),
                None,
                "{reason:?}"
            );
        }
    }

    #[test]
    fn a_text_with_a_placeholder_is_never_the_notice() {
        let mut s = on();
        s.fallback_messages.general = "Hi {{customer_name}}".into();
        let mut t = SafetyThresholds::default();
        assert_eq!(
            notice(&s, &t, Topic::General, Reason::NoMatchingPattern),
            None
        );
        s.fallback_messages.general.clear();
        t.escalation_message = "{{x}}".into();
        assert_eq!(
            notice(&s, &t, Topic::General, Reason::NoMatchingPattern),
            None
        );
    }
}
