//! What a customer's follow-up says, with V1's expressions (`topicDetection.ts`):
//! the issue is still unresolved ([`is_escalation_message`]), it is resolved
//! ([`is_success_message`]), and where the customer is ([`extract_location_and_box`]).
//!
//! V1's expressions match substrings, case-insensitively, and so do these ("nice" in
//! "unnice" is a success). One deliberate difference, as in topic detection:
//! typographic apostrophes are folded to `'` first, so "didn’t work" is caught like
//! "didn't work".

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::js_regex::{fold_apostrophe, from_javascript};

/// V1's `isEscalationMessage` expression.
const STILL_UNRESOLVED: &str = r"still\s+(broken|not\s+working|frozen|stuck|doesn'?t\s+work)|didn'?t\s+(work|help|fix)|same\s+(problem|issue|thing)|nothing\s+(changed|happened|works)|give\s+up|can\s+(someone|i)\s+(call|help)|tried\s+that";

/// V1's `isSuccessMessage` expression.
const RESOLVED: &str = r"work(s|ed|ing)?!?\s*$|fixed|all\s+good|perfect|thanks|thank\s+you|got\s+it|that\s+did\s+it|back\s+up|awesome|great|nice";

/// V1's location expression of `extractLocationAndBox`.
const LOCATION: &str = r"\b(bedford|dartmouth|bayers?\s*lake|truro|stratford|river\s*oaks)\b";

/// V1's box expression of `extractLocationAndBox`.
const BOX: &str = r"\bbox\s*(\d+)\b";

fn compile(pattern: &str) -> Regex {
    Regex::new(&from_javascript(pattern)).expect("V1's expressions are valid regular expressions")
}

static STILL_UNRESOLVED_RE: LazyLock<Regex> = LazyLock::new(|| compile(STILL_UNRESOLVED));
static RESOLVED_RE: LazyLock<Regex> = LazyLock::new(|| compile(RESOLVED));
static LOCATION_RE: LazyLock<Regex> = LazyLock::new(|| compile(LOCATION));
static BOX_RE: LazyLock<Regex> = LazyLock::new(|| compile(BOX));

/// The message as V1's case-insensitive (non-Unicode) expressions see it (ASCII
/// letters lower-cased), with typographic apostrophes folded.
fn folded(message: &str) -> String {
    message
        .chars()
        .map(|c| fold_apostrophe(c).to_ascii_lowercase())
        .collect()
}

/// V1's `isEscalationMessage`: the customer says the issue is still unresolved
/// after troubleshooting ("still not working", "didn't help", "same problem", …).
///
/// # Example
/// ```
/// use pattern_learning::v1::cues::is_escalation_message;
/// assert!(is_escalation_message("It's STILL not working"));
/// assert!(is_escalation_message("that didn’t help"));
/// assert!(!is_escalation_message("it works now"));
/// ```
pub fn is_escalation_message(message: &str) -> bool {
    STILL_UNRESOLVED_RE.is_match(&folded(message))
}

/// V1's `isSuccessMessage`: the customer says the issue is resolved ("works now",
/// "fixed", "thanks", …).
///
/// # Example
/// ```
/// use pattern_learning::v1::cues::is_success_message;
/// assert!(is_success_message("It works!"));
/// assert!(is_success_message("Thank you"));
/// assert!(!is_success_message("still broken"));
/// ```
pub fn is_success_message(message: &str) -> bool {
    RESOLVED_RE.is_match(&folded(message))
}

/// V1's `extractLocationAndBox` result: absent fields were not found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LocationAndBox {
    /// The first site named, as the customer wrote it (`Bayers Lake`, `river oaks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The digits after the first `box` (`box 2`, `Box3`).
    #[serde(rename = "box", skip_serializing_if = "Option::is_none")]
    pub box_number: Option<String>,
}

/// V1's `extractLocationAndBox`: the first site and box number named in a message.
///
/// # Example
/// ```
/// use pattern_learning::v1::cues::extract_location_and_box;
/// let found = extract_location_and_box("Box 2 at Bayers Lake is frozen");
/// assert_eq!(found.location.as_deref(), Some("Bayers Lake"));
/// assert_eq!(found.box_number.as_deref(), Some("2"));
/// assert_eq!(extract_location_and_box("hello").location, None);
/// ```
pub fn extract_location_and_box(message: &str) -> LocationAndBox {
    // ASCII lower-casing keeps every byte offset, so a match in `lower` is the same
    // span of `message`: the value comes back as the customer wrote it.
    let lower = message.to_ascii_lowercase();
    let group = |re: &Regex| {
        re.captures(&lower)
            .and_then(|c| c.get(1))
            .and_then(|m| message.get(m.range()))
            .map(str::to_owned)
    };
    LocationAndBox {
        location: group(&LOCATION_RE),
        box_number: group(&BOX_RE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_keeps_ascii_digits_only() {
        assert_eq!(
            extract_location_and_box("box 12!").box_number.as_deref(),
            Some("12")
        );
        assert_eq!(extract_location_and_box("box ١").box_number, None);
    }

    #[test]
    fn a_resolved_message_ends_with_work() {
        assert!(is_success_message("it works   "));
        assert!(!is_success_message("it works? no"));
    }
}
