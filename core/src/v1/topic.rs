//! Topic detection with V1's topics, priorities and labels.
//!
//! V1 used topics to scope operator lockouts: while an operator handles a
//! conversation's booking question, the engine may still answer its hours question.
//! [`detect_topic`] reproduces V1's `detectMessageTopic`, including its regular
//! expressions, which match *substrings*: "shopping" contains `pin` and is an
//! [`Topic::Access`] message, "the door code is not working" is
//! [`Topic::TechSupport`] because that topic is tried first. Keep that in mind
//! before using topics for anything but V1-compatible lockouts.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::RegexSet;
use serde::{Deserialize, Serialize};

use super::js_regex::{fold_apostrophe, from_javascript};
use crate::error::{Error, Result};

/// What a customer message is about, in V1's fixed vocabulary.
///
/// Serialised as the snake_case name V1 stores (`tech_support`, `gift_cards`, …).
///
/// # Example
/// ```
/// use pattern_learning::v1::topic::Topic;
/// let topic: Topic = "gift_cards".parse()?;
/// assert_eq!(topic, Topic::GiftCards);
/// assert_eq!(topic.label(), "Gift Cards");
/// assert_eq!(serde_json::to_string(&topic).unwrap(), r#""gift_cards""#);
/// # Ok::<(), pattern_learning::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Simulator, screen and other equipment problems.
    TechSupport,
    /// Doors, codes and getting in.
    Access,
    /// Booking, cancelling and changing reservations.
    Booking,
    /// Buying and redeeming gift cards.
    GiftCards,
    /// Prices, rates and discounts.
    Pricing,
    /// Memberships and subscriptions.
    Membership,
    /// Opening hours.
    Hours,
    /// Anything else.
    #[default]
    General,
}

impl Topic {
    /// Every topic, from the highest priority to the lowest (the order of detection).
    ///
    /// # Example
    /// ```
    /// use pattern_learning::v1::topic::Topic;
    /// assert_eq!(Topic::ALL.len(), 8);
    /// assert!(Topic::ALL.windows(2).all(|w| w[0].priority() > w[1].priority()));
    /// ```
    pub const ALL: [Topic; 8] = [
        Topic::TechSupport,
        Topic::Access,
        Topic::Booking,
        Topic::GiftCards,
        Topic::Pricing,
        Topic::Membership,
        Topic::Hours,
        Topic::General,
    ];

    /// The snake_case name, as stored by V1 and used by serde.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::v1::topic::Topic;
    /// assert_eq!(Topic::TechSupport.as_str(), "tech_support");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Topic::TechSupport => "tech_support",
            Topic::Access => "access",
            Topic::Booking => "booking",
            Topic::GiftCards => "gift_cards",
            Topic::Pricing => "pricing",
            Topic::Membership => "membership",
            Topic::Hours => "hours",
            Topic::General => "general",
        }
    }

    /// V1's human-readable label.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::v1::topic::Topic;
    /// assert_eq!(Topic::Access.label(), "Door & Access");
    /// ```
    pub const fn label(self) -> &'static str {
        match self {
            Topic::TechSupport => "Technical Support",
            Topic::Access => "Door & Access",
            Topic::Booking => "Booking & Reservations",
            Topic::GiftCards => "Gift Cards",
            Topic::Pricing => "Pricing & Rates",
            Topic::Membership => "Membership",
            Topic::Hours => "Hours & Schedule",
            Topic::General => "General Inquiry",
        }
    }

    /// V1's priority: when a message matches several topics, the highest wins.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::v1::topic::Topic;
    /// assert!(Topic::TechSupport.priority() > Topic::Access.priority());
    /// assert_eq!(Topic::General.priority(), 0);
    /// ```
    pub const fn priority(self) -> u8 {
        match self {
            Topic::TechSupport => 100,
            Topic::Access => 90,
            Topic::Booking => 80,
            Topic::GiftCards => 70,
            Topic::Pricing => 60,
            Topic::Membership => 55,
            Topic::Hours => 50,
            Topic::General => 0,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Topic {
    type Err = Error;

    /// Parses the snake_case name; anything else is an [`Error::Parse`].
    fn from_str(name: &str) -> Result<Topic> {
        Topic::ALL
            .into_iter()
            .find(|topic| topic.as_str() == name)
            .ok_or_else(|| Error::Parse {
                what: "topic".to_owned(),
                reason: format!(
                    "unknown topic `{name}`; expected one of: {}",
                    Topic::ALL.map(Topic::as_str).join(", ")
                ),
            })
    }
}

/// V1's regular expressions (`topicDetection.ts`), verbatim in JavaScript syntax,
/// in priority order. [`Topic::General`] has none: it is what is left.
const V1_PATTERNS: [(Topic, &[&str]); 7] = [
    (
        Topic::TechSupport,
        &[
            r"broken|stuck|frozen|not\s*working|doesn'?t\s*work|won'?t\s*(start|turn|work)",
            r"trackman|simulator|sim\b|screen|projector|sensor|camera|mic|microphone",
            r"black\s*screen|blank\s*screen|no\s*display|error|crash|glitch|bug",
            r"restart|reboot|reset|turn\s*(on|off)|power",
            r"lag|slow|freeze|unresponsiv",
        ],
    ),
    (
        Topic::Access,
        &[
            r"door|code|access|get\s*in|locked|unlock|entry|pin|keypad",
            r"can'?t\s*(get\s*in|enter|open)|let\s*me\s*in",
            r"gate|entrance|exit",
        ],
    ),
    (
        Topic::Booking,
        &[
            r"book|reserv|tee\s*time|schedule|appointment|slot",
            r"cancel|reschedule|extend|change\s*(my|the)\s*(time|booking|reservation)",
            r"availab|open\s*(slot|time|bay)",
            r"when\s*can\s*i\s*(come|book|play)",
        ],
    ),
    (
        Topic::GiftCards,
        &[
            r"gift\s*card|voucher|certificate",
            r"purchase\s*(a\s*)?(gift|card)|buy\s*(a\s*)?(gift|card)",
            r"redeem|balance",
        ],
    ),
    (
        Topic::Pricing,
        &[
            r"price|cost|how\s*much|rate|fee|charge",
            r"per\s*(hour|person|session)|hourly",
            r"discount|deal|promo|coupon",
        ],
    ),
    (
        Topic::Membership,
        &[
            r"member|subscription|plan|package",
            r"sign\s*up|join|enroll",
            r"monthly|annual|yearly",
        ],
    ),
    (
        Topic::Hours,
        &[
            r"hours?|open|close|closing|when\s*(do\s*you|are\s*you)",
            r"what\s*time|until\s*when",
            r"today|tomorrow|weekend|holiday",
        ],
    ),
];

/// One regex per topic (its V1 alternatives joined), all matched in a single pass.
static DETECTOR: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(
        V1_PATTERNS
            .iter()
            .map(|(_, alternatives)| from_javascript(&alternatives.join("|"))),
    )
    .expect("V1 topic patterns are valid regular expressions")
});

/// Detects the topic of a customer message, as V1 did.
///
/// The message is lower-cased (V1's regexes are case-insensitive) and typographic
/// apostrophes become `'`, so that "doesn’t work" is caught like "doesn't work";
/// then the first topic, by [priority](Topic::priority), with a matching V1
/// regular expression wins. No match is [`Topic::General`].
///
/// # Example
/// ```
/// use pattern_learning::v1::topic::{detect_topic, Topic};
/// assert_eq!(detect_topic("Can I book a bay for 5pm?"), Topic::Booking);
/// assert_eq!(detect_topic("The door code is not working"), Topic::TechSupport);
/// assert_eq!(detect_topic("Hello!"), Topic::General);
/// ```
pub fn detect_topic(text: &str) -> Topic {
    // V1 also trimmed the message; the patterns are unanchored, so it changed nothing.
    let message: String = text.to_lowercase().chars().map(fold_apostrophe).collect();
    DETECTOR
        .matches(&message)
        .iter()
        .next()
        .map_or(Topic::General, |index| V1_PATTERNS[index].0)
}

/// True when two (possibly unknown) topics are the same; unknown counts as
/// [`Topic::General`], as in V1's `isSameTopic`.
///
/// # Example
/// ```
/// use pattern_learning::v1::topic::{is_same_topic, Topic};
/// assert!(is_same_topic(None, Some(Topic::General)));
/// assert!(!is_same_topic(Some(Topic::Booking), None));
/// ```
pub fn is_same_topic(a: Option<Topic>, b: Option<Topic>) -> bool {
    a.unwrap_or_default() == b.unwrap_or_default()
}

/// The label for a topic given by its snake_case name; unknown names get
/// `"General Inquiry"`, as in V1's `getTopicLabel`.
///
/// # Example
/// ```
/// use pattern_learning::v1::topic::topic_label;
/// assert_eq!(topic_label("pricing"), "Pricing & Rates");
/// assert_eq!(topic_label("weather"), "General Inquiry");
/// ```
pub fn topic_label(name: &str) -> &'static str {
    name.parse().unwrap_or(Topic::General).label()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str_and_serde() {
        for topic in Topic::ALL {
            assert_eq!(topic.as_str().parse::<Topic>(), Ok(topic));
            let json = serde_json::to_string(&topic).unwrap();
            assert_eq!(json, format!("\"{topic}\""));
        }
    }

    #[test]
    fn unknown_name_is_a_parse_error() {
        let err = "Booking".parse::<Topic>().unwrap_err();
        assert!(matches!(err, Error::Parse { ref what, .. } if what == "topic"));
    }

    #[test]
    fn typographic_apostrophes_are_folded() {
        assert_eq!(detect_topic("it doesn’t work"), Topic::TechSupport);
        assert_eq!(detect_topic("I can’t enter"), Topic::Access);
    }

    #[test]
    fn javascript_escapes_keep_their_meaning() {
        // `sim\b` is an ASCII word boundary: `é` is not a word character in V1.
        assert_eq!(detect_topic("simé"), Topic::TechSupport);
        assert_eq!(detect_topic("simon"), Topic::General);
        // JavaScript `\s` has no U+0085.
        assert_eq!(detect_topic("won't\u{85}start"), Topic::General);
        assert_eq!(detect_topic("won't\u{a0}start"), Topic::TechSupport);
    }

    #[test]
    fn empty_and_huge_messages() {
        assert_eq!(detect_topic(""), Topic::General);
        assert_eq!(detect_topic(&"x".repeat(1 << 20)), Topic::General);
    }

    proptest::proptest! {
        #[test]
        fn any_text_has_a_topic(text in "\\PC*") {
            let topic = detect_topic(&text);
            proptest::prop_assert!(Topic::ALL.contains(&topic));
        }
    }
}
