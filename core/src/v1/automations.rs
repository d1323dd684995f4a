//! V1's legacy "AI automations": weighted regular expressions per feature
//! (`booking_change`, `gift_cards`, `trackman_reset`), V1's `calculateConfidence` and
//! `findBestAutomation`.
//!
//! They predate the pattern store and V1's backend still calls them. A feature's
//! confidence is the sum of the weights of its positive expressions that match, plus
//! the (negative) weights of its negative expressions that match, clamped to
//! `[0, 1]`; the best automation is the feature with the highest confidence that
//! reaches its `minConfidence`, the first in declaration order on a tie. The
//! expressions are V1's, in JavaScript syntax, matched on the lower-cased message
//! with their JavaScript meaning (`v1::js_regex`).
//!
//! One deliberate difference: typographic apostrophes are folded to `'` first, so
//! "trackman won’t start" is caught like "trackman won't start" (as in
//! [`detect_topic`](super::topic::detect_topic)).
//!
//! # Example
//! ```
//! use pattern_learning::v1::automations::{calculate_confidence, find_best_automation};
//! let best = find_best_automation("The trackman on bay 3 is not working");
//! assert_eq!(best.feature.as_deref(), Some("trackman_reset"));
//! assert!((best.confidence - 0.95).abs() < 1e-9);
//! assert_eq!(best.negatives, ["Trackman working fine"]);
//! let gift = calculate_confidence("Do you sell gift cards?", "gift_cards")?;
//! assert_eq!(gift.confidence, 1.0);
//! assert!(find_best_automation("Can I book a tee time?").feature.is_none());
//! # Ok::<(), pattern_learning::Error>(())
//! ```

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::js_regex::{fold_apostrophe, from_javascript};
use crate::error::{Error, Result};

/// One weighted expression of a feature.
struct Rule {
    /// V1's expression, JavaScript syntax.
    pattern: &'static str,
    /// Added to the score when it matches (negative for negative rules).
    weight: f64,
    /// V1's description, reported in `matches` / `negatives`.
    description: &'static str,
}

const fn rule(pattern: &'static str, weight: f64, description: &'static str) -> Rule {
    Rule {
        pattern,
        weight,
        description,
    }
}

/// One legacy automation.
struct Feature {
    name: &'static str,
    patterns: &'static [Rule],
    negative: &'static [Rule],
    min_confidence: f64,
}

/// V1's `automationPatterns`, in declaration order (the order breaks ties).
const FEATURES: [Feature; 3] = [
    Feature {
        name: "booking_change",
        patterns: &[
            rule(
                r"(?:can|could)\s+(?:i|we)\s+(?:change|modify|update|move)\s+(?:my|our|the)?\s*(?:booking|reservation|time|slot)",
                0.9,
                "Can I change my booking",
            ),
            rule(
                r"(?:can|could)\s+you\s+(?:change|modify|update|move)\s+(?:my|our|the)?\s*(?:booking|reservation|time|slot)",
                0.9,
                "Can you change my booking",
            ),
            rule(
                r"(?:need|want)\s+to\s+(?:change|modify|update|move)\s+(?:my|our|the)?\s*(?:booking|reservation|time|slot)",
                0.9,
                "Need to change booking",
            ),
            rule(
                r"(?:how|is it possible)\s+to\s+(?:change|modify|update|move)\s+(?:my|our|the)?\s*(?:booking|reservation)",
                0.8,
                "How to change booking",
            ),
            rule(
                r"(?:reschedule|re-schedule)\s+(?:my|our|the)?\s*(?:booking|reservation|time|slot)?",
                0.9,
                "Reschedule booking",
            ),
            rule(
                r"(?:can|could)\s+(?:i|we)\s+reschedule",
                0.9,
                "Can I reschedule",
            ),
            rule(
                r"(?:change|move)\s+(?:it|this|that)\s+to\s+(?:a\s+)?(?:different|another|new)\s+(?:time|date|day)",
                0.8,
                "Change to different time",
            ),
            rule(
                r"(?:different|another|new)\s+(?:time|date|day)\s+(?:for|instead)",
                0.7,
                "Different time request",
            ),
            rule(
                r"(?:modify|adjustment|alteration)\s+(?:to\s+)?(?:my|our|the)?\s*(?:booking|reservation)",
                0.8,
                "Modify booking",
            ),
            rule(
                r"(?:make|need)\s+(?:a\s+)?(?:change|modification|adjustment)\s+to\s+(?:my|our|the)?\s*(?:booking|reservation)",
                0.8,
                "Make change to booking",
            ),
            rule(
                r"(?:switch|swap)\s+(?:my|our|the)?\s*(?:booking|reservation|time|slot)",
                0.8,
                "Switch booking",
            ),
            rule(
                r"(?:move|change)\s+(?:my|our|the)?\s*(?:booking|reservation)\s+(?:from|to)",
                0.8,
                "Move booking from/to",
            ),
            rule(
                r"(?:earlier|later|sooner)\s+(?:time|slot|booking|reservation)",
                0.7,
                "Earlier/later time",
            ),
            rule(
                r"(?:push|move)\s+(?:back|forward|up)\s+(?:my|our|the)?\s*(?:booking|reservation|time)",
                0.8,
                "Push booking back/forward",
            ),
            rule(
                r"(?:booking|reservation).*(?:change|modify|different|reschedule)",
                0.7,
                "Booking with change keywords",
            ),
            rule(
                r"(?:change|modify|different|reschedule).*(?:booking|reservation)",
                0.7,
                "Change keywords with booking",
            ),
            rule(
                r"(?:change|modify|update).*gift\s*card.*order",
                0.5,
                "Change gift card order",
            ),
        ],
        negative: &[
            rule(
                r"(?:new|first|initial)\s+(?:booking|reservation)",
                -0.4,
                "New booking request",
            ),
            rule(
                r"(?:make|create|book)\s+(?:a\s+)?(?:booking|reservation)",
                -0.4,
                "Create booking",
            ),
            rule(
                r"(?:cancel|delete|remove)\s+(?:my\s+)?(?:booking|reservation)",
                -0.3,
                "Cancel booking",
            ),
        ],
        min_confidence: 0.7,
    },
    Feature {
        name: "gift_cards",
        patterns: &[
            rule(r"gift\s*cards?", 0.4, "Direct gift card mention"),
            rule(r"gift\s*certificates?", 0.4, "Gift certificate mention"),
            rule(r"gift\s*vouchers?", 0.35, "Gift voucher mention"),
            rule(
                r"(?:buy|purchase|get)\s+(?:a\s+)?gift\s*(?:card|certificate|voucher)",
                0.9,
                "Buy gift card",
            ),
            rule(
                r"(?:where|how)\s+(?:can|do)\s+(?:i|we)\s+(?:buy|purchase|get)\s+(?:a\s+)?gift",
                0.8,
                "Where to buy gift",
            ),
            rule(
                r"(?:sell|offer|have)\s+gift\s*(?:cards?|certificates?|vouchers?)",
                0.8,
                "Sell gift cards",
            ),
            rule(
                r"(?:give|send)\s+(?:a\s+)?gift\s*(?:card|certificate|voucher)",
                0.7,
                "Give gift card",
            ),
            rule(
                r"gift\s*(?:card|certificate|voucher)\s+(?:for|as)\s+(?:a\s+)?(?:present|gift|birthday|christmas)",
                0.8,
                "Gift card as present",
            ),
            rule(
                r"gift\s*(?:card|certificate|voucher)\s+for\s+(?:my\s+)?(?:someone|friend|family|him|her|them)",
                0.8,
                "Gift card for someone",
            ),
            rule(
                r"(?:present|gift)\s+for\s+(?:someone|friend|family|him|her|them)",
                0.5,
                "Present for someone",
            ),
            rule(
                r"(?:do|does)\s+(?:you|clubhouse)\s+(?:sell|offer|have)\s+gift",
                0.8,
                "Do you sell gift",
            ),
            rule(
                r"(?:can|could)\s+(?:i|we)\s+(?:buy|purchase|get)\s+(?:a\s+)?gift",
                0.8,
                "Can I buy gift",
            ),
            rule(
                r"gift\s*card\s+(?:options|choices|amounts|denominations)",
                0.7,
                "Gift card options",
            ),
            rule(
                r"(?:online|website|digital|physical)\s+gift\s*(?:cards?|certificates?)",
                0.7,
                "Online gift cards",
            ),
            rule(
                r"gift\s*(?:cards?|certificates?)\s+(?:online|website|digital|physical)",
                0.7,
                "Gift cards online",
            ),
            rule(
                r"(?:how\s+much|what\s+amounts?|denominations?)\s+(?:for\s+)?gift\s*(?:cards?|certificates?)",
                0.7,
                "Gift card amounts",
            ),
            rule(
                r"\$\d+\s+gift\s*(?:card|certificate)",
                0.8,
                "Dollar amount gift card",
            ),
            rule(
                r"(?:looking|searching)\s+for\s+(?:a\s+)?gift",
                0.4,
                "Looking for gift",
            ),
            rule(
                r"(?:need|want)\s+(?:a\s+)?gift\s+(?:idea|suggestion)",
                0.3,
                "Need gift idea",
            ),
            rule(r"gift\s*card.*order", 0.5, "Gift card order"),
        ],
        negative: &[
            rule(
                r"(?:redeem|use|activate|check)\s+(?:my\s+)?gift\s*card",
                -0.4,
                "Redeem gift card",
            ),
            rule(
                r"gift\s*card\s+(?:balance|number|code)",
                -0.4,
                "Gift card balance",
            ),
            rule(
                r"(?:lost|stolen|expired)\s+gift\s*card",
                -0.3,
                "Lost gift card",
            ),
            rule(
                r"gift\s*card\s+(?:not|isn't|won't)\s+work",
                -0.3,
                "Gift card not working",
            ),
        ],
        min_confidence: 0.7,
    },
    Feature {
        name: "trackman_reset",
        patterns: &[
            rule(
                r"trackman.*(?:frozen|stuck|freeze|hang|not\s+work|broken|issue|problem|error)",
                0.9,
                "Trackman frozen/stuck",
            ),
            rule(
                r"(?:frozen|stuck|freeze|hang|not\s+work|broken|issue|problem|error).*trackman",
                0.9,
                "Issue with trackman",
            ),
            rule(
                r"(?:reset|reboot|restart|power\s+cycle).*trackman",
                0.9,
                "Reset trackman",
            ),
            rule(
                r"trackman.*(?:reset|reboot|restart|power\s+cycle)",
                0.9,
                "Trackman reset",
            ),
            rule(
                r"bay\s+\d+.*trackman.*(?:frozen|stuck|not\s+work|broken)",
                0.85,
                "Bay X trackman issue",
            ),
            rule(
                r"trackman.*bay\s+\d+.*(?:frozen|stuck|not\s+work|broken)",
                0.85,
                "Trackman bay X issue",
            ),
            rule(
                r"trackman.*(?:won't|wont|cant|can't)\s+(?:start|load|work)",
                0.8,
                "Trackman won't start",
            ),
            rule(
                r"trackman.*(?:black\s+screen|blank\s+screen|no\s+display)",
                0.8,
                "Trackman screen issue",
            ),
            rule(
                r"trackman.*(?:crashed|crash|freezing|hanging)",
                0.8,
                "Trackman crashed",
            ),
            rule(r"(?:help|fix|check).*trackman", 0.7, "Help with trackman"),
            rule(r"trackman.*(?:help|fix|check)", 0.7, "Trackman help"),
            rule(
                r"trackman.*(?:not|isn't|isnt)\s+(?:responding|response)",
                0.8,
                "Trackman not responding",
            ),
            rule(
                r"trackman.*(?:unresponsive|dead|down)",
                0.8,
                "Trackman unresponsive",
            ),
        ],
        negative: &[
            rule(
                r"trackman.*(?:work|fine|good|great|perfect)",
                -0.8,
                "Trackman working fine",
            ),
            rule(r"love.*trackman", -0.6, "Positive trackman mention"),
            rule(
                r"trackman.*(?:accurate|amazing|awesome)",
                -0.6,
                "Positive trackman feedback",
            ),
        ],
        min_confidence: 0.7,
    },
];

/// The compiled expressions, in the order of [`FEATURES`] and their rules.
struct Compiled {
    positive: Vec<Regex>,
    negative: Vec<Regex>,
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    let compile = |rules: &[Rule]| {
        rules
            .iter()
            .map(|r| {
                Regex::new(&from_javascript(r.pattern))
                    .expect("V1's automation expressions are valid regular expressions")
            })
            .collect()
    };
    FEATURES
        .iter()
        .map(|f| Compiled {
            positive: compile(f.patterns),
            negative: compile(f.negative),
        })
        .collect()
});

/// V1's `calculateConfidence` result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutomationScore {
    /// Sum of the matching weights, clamped to `[0, 1]`.
    pub confidence: f64,
    /// Descriptions of the positive expressions that matched, in V1's order.
    pub matches: Vec<String>,
    /// Descriptions of the negative expressions that matched, in V1's order.
    pub negatives: Vec<String>,
}

/// V1's `findBestAutomation` result: the best feature (or none), with its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestAutomation {
    /// The feature's name, or `None` when no feature reaches its minimum.
    pub feature: Option<String>,
    /// The feature's confidence (0 when there is none).
    pub confidence: f64,
    /// As [`AutomationScore::matches`] (empty when there is no feature).
    pub matches: Vec<String>,
    /// As [`AutomationScore::negatives`] (empty when there is no feature).
    pub negatives: Vec<String>,
}

/// The legacy features in V1's declaration order with their `minConfidence`.
///
/// # Example
/// ```
/// use pattern_learning::v1::automations::features;
/// assert_eq!(features()[0], ("booking_change", 0.7));
/// ```
pub fn features() -> Vec<(&'static str, f64)> {
    FEATURES
        .iter()
        .map(|f| (f.name, f.min_confidence))
        .collect()
}

/// V1's `calculateConfidence(message, feature)`.
///
/// # Errors
///
/// [`Error::Parse`] for a feature V1 did not have (V1 threw a `TypeError`).
pub fn calculate_confidence(message: &str, feature: &str) -> Result<AutomationScore> {
    let index = FEATURES
        .iter()
        .position(|f| f.name == feature)
        .ok_or_else(|| Error::Parse {
            what: "automation feature".to_owned(),
            reason: format!(
                "unknown feature `{feature}`; expected one of: {}",
                FEATURES.map(|f| f.name).join(", ")
            ),
        })?;
    Ok(score(index, &lower(message)))
}

/// V1's `findBestAutomation(message)`.
pub fn find_best_automation(message: &str) -> BestAutomation {
    let message = lower(message);
    let mut best = BestAutomation {
        feature: None,
        confidence: 0.0,
        matches: Vec::new(),
        negatives: Vec::new(),
    };
    for (index, feature) in FEATURES.iter().enumerate() {
        let s = score(index, &message);
        if s.confidence >= feature.min_confidence && s.confidence > best.confidence {
            best = BestAutomation {
                feature: Some(feature.name.to_owned()),
                confidence: s.confidence,
                matches: s.matches,
                negatives: s.negatives,
            };
        }
    }
    best
}

/// The message as V1 matched it (JavaScript `toLowerCase`), apostrophes folded.
fn lower(message: &str) -> String {
    message
        .to_lowercase()
        .chars()
        .map(fold_apostrophe)
        .collect()
}

/// The score of feature `index` for a lower-cased message: positive weights first,
/// then negative ones, summed in V1's order (so the floating-point sum is V1's).
fn score(index: usize, message: &str) -> AutomationScore {
    let (feature, compiled) = (&FEATURES[index], &COMPILED[index]);
    let mut total = 0.0;
    let mut hits = |rules: &[Rule], regexes: &[Regex]| -> Vec<String> {
        let mut described = Vec::new();
        for (r, regex) in rules.iter().zip(regexes) {
            if regex.is_match(message) {
                total += r.weight;
                described.push(r.description.to_owned());
            }
        }
        described
    };
    let matches = hits(feature.patterns, &compiled.positive);
    let negatives = hits(feature.negative, &compiled.negative);
    AutomationScore {
        confidence: total.clamp(0.0, 1.0),
        matches,
        negatives,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_expression_compiles() {
        assert_eq!(COMPILED.len(), FEATURES.len());
    }

    #[test]
    fn an_unknown_feature_is_a_parse_error() {
        let err = calculate_confidence("hi", "hours_of_operation").unwrap_err();
        assert!(matches!(err, Error::Parse { ref what, .. } if what == "automation feature"));
    }

    #[test]
    fn typographic_apostrophes_are_folded() {
        let s = calculate_confidence("the trackman won’t start", "trackman_reset").unwrap();
        assert!(
            s.matches.iter().any(|m| m == "Trackman won't start"),
            "{s:?}"
        );
    }
}
