//! Message safety rules: negative-sentiment rules, blacklist topics and escalation
//! keywords, checked in V1's order (`checkMessageSafety`, `docs/v1-behaviour.md`) but on
//! normalised text and whole words.
//!
//! Differences from V1, all deliberate (`docs/v1-behaviour.md`, "Message safety check"):
//!
//! * Sentiment rules run against the [normalised](crate::text::normalize) message, so a
//!   phone's typographic apostrophe (`doesn’t`) matches a rule written with `'`, and
//!   full-width or upper-case text matches too.
//! * Every sentiment rule only matches on word edges: the character just outside each end
//!   of the match may not be a word character (letter, digit or `_`). The plain word `human` in V1's "ask for a person" rule
//!   therefore matches "Can I talk to a human?" but not "Humane society event?" (nor
//!   "humans" — write `humans?` to cover the plural).
//! * Blacklist topics and escalation keywords match whole words, not substrings: `sue` no
//!   longer fires on "issue", `legal` not on "illegal", `angry` not on "hangry". To keep
//!   V1's true positives that substring matching caught, a keyword word of three or more
//!   characters also matches its regular plural and possessive (`refund` → "refunds",
//!   `injury` → "injuries", `lawyer` → "lawyer's"). Other derived forms ("refundable")
//!   must be listed explicitly.

use std::collections::{HashMap, HashSet};

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::safety::settings::{
    compile_rule, SafetySettings, SafetyThresholds, SentimentRule, Severity,
};
use crate::text;

/// V1's `reason` for a negative-sentiment hit.
pub const REASON_NEGATIVE_SENTIMENT: &str = "negative_sentiment_detected";
/// V1's `reason` for a blacklist hit.
pub const REASON_BLACKLIST: &str = "Message contains blacklisted topics";
/// V1's `reason` for an escalation-keyword hit.
pub const REASON_ESCALATION: &str = "Message requires operator attention";
/// V1's single triggered keyword reported for a negative-sentiment hit.
pub const NEGATIVE_SENTIMENT_KEYWORD: &str = "negative_sentiment";

/// V1's `alertType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertType {
    /// The message touches a blacklisted topic: never answer it automatically.
    Blacklist,
    /// The message needs an operator now (sentiment rule or escalation keyword).
    Escalation,
}

/// Which check flagged a message; the typed form of a verdict for the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum SafetyHit {
    /// A negative-sentiment rule matched.
    NegativeSentiment {
        /// Severity of the first rule that matched.
        severity: Severity,
    },
    /// One or more blacklist topics occur in the message.
    Blacklist,
    /// One or more escalation keywords occur in the message.
    Escalation,
}

/// The result of [`SafetyRules::check`].
///
/// Serialises to V1's `checkMessageSafety` result: `{safe, reason?, alertType?,
/// triggeredKeywords?, suggestedResponse?}` with absent fields omitted. The typed fields
/// `kind` and `rule` are for Rust callers and are not part of that JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetyVerdict {
    /// True when no check fired.
    pub safe: bool,
    /// V1's reason text (see the `REASON_*` constants).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// V1's alert type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_type: Option<AlertType>,
    /// The configured keywords or topics found (in configuration order), or
    /// `["negative_sentiment"]` for a sentiment hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triggered_keywords: Option<Vec<String>>,
    /// Text to send the customer; only set for sentiment hits, as in V1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_response: Option<String>,
    /// Which check fired; `None` when safe.
    #[serde(skip)]
    pub kind: Option<SafetyHit>,
    /// Source of the sentiment rule that fired, for sentiment hits.
    #[serde(skip)]
    pub rule: Option<String>,
}

impl SafetyVerdict {
    /// The verdict for a message no check flagged: `{safe: true}`.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::rules::SafetyVerdict;
    /// let v = SafetyVerdict::safe();
    /// assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"safe":true}"#);
    /// ```
    pub fn safe() -> Self {
        SafetyVerdict {
            safe: true,
            reason: None,
            alert_type: None,
            triggered_keywords: None,
            suggested_response: None,
            kind: None,
            rule: None,
        }
    }

    fn flagged(kind: SafetyHit, reason: &str, alert: AlertType, keywords: Vec<String>) -> Self {
        SafetyVerdict {
            safe: false,
            reason: Some(reason.to_owned()),
            alert_type: Some(alert),
            triggered_keywords: Some(keywords),
            suggested_response: None,
            kind: Some(kind),
            rule: None,
        }
    }
}

/// True when message word `word` is keyword word `keyword` or, for keywords of at least
/// three characters, its regular plural or possessive (`s`, `es`, `'s`, `y` → `ies`).
fn word_matches(word: &str, keyword: &str) -> bool {
    if word == keyword {
        return true;
    }
    if keyword.chars().count() < 3 {
        return false;
    }
    if let Some(rest) = word.strip_prefix(keyword) {
        return matches!(rest, "s" | "es" | "'s");
    }
    keyword
        .strip_suffix('y')
        .and_then(|stem| word.strip_prefix(stem))
        .is_some_and(|rest| rest == "ies")
}

/// The forms of a keyword's first word that [`word_matches`] accepts, used as lookup keys.
fn first_word_forms(keyword: &str) -> Vec<String> {
    let mut forms = vec![keyword.to_owned()];
    if keyword.chars().count() >= 3 {
        for suffix in ["s", "es", "'s"] {
            forms.push(format!("{keyword}{suffix}"));
        }
        if let Some(stem) = keyword.strip_suffix('y') {
            forms.push(format!("{stem}ies"));
        }
    }
    forms
}

/// A keyword list compiled for word matching.
#[derive(Debug, Clone, Default)]
struct KeywordSet {
    /// Normalised keyword text, as reported in `triggered_keywords`; deduplicated.
    names: Vec<String>,
    /// The words of each keyword.
    phrases: Vec<Vec<String>>,
    /// Every accepted form of a keyword's first word → the keywords starting with it.
    by_first_word: HashMap<String, Vec<usize>>,
}

impl KeywordSet {
    fn new(keywords: &[String]) -> Self {
        let mut set = KeywordSet::default();
        let mut seen = HashSet::new();
        for keyword in keywords {
            let name = text::normalize(keyword);
            let phrase: Vec<String> = text::words(&name).map(str::to_owned).collect();
            // Entries without words are rejected by validation; skip them defensively.
            if phrase.is_empty() || !seen.insert(name.clone()) {
                continue;
            }
            let id = set.names.len();
            for form in first_word_forms(&phrase[0]) {
                let ids = set.by_first_word.entry(form).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            set.names.push(name);
            set.phrases.push(phrase);
        }
        set
    }

    /// The keywords found in `words`, in configuration order.
    fn find(&self, words: &[&str]) -> Vec<String> {
        let mut hits: Vec<bool> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let Some(ids) = self.by_first_word.get(*word) else {
                continue;
            };
            for &id in ids {
                let phrase = &self.phrases[id];
                let rest = &words[i..];
                if rest.len() >= phrase.len()
                    && rest.iter().zip(phrase).all(|(w, k)| word_matches(w, k))
                {
                    if hits.is_empty() {
                        hits = vec![false; self.names.len()];
                    }
                    hits[id] = true;
                }
            }
        }
        hits.iter()
            .zip(&self.names)
            .filter(|(hit, _)| **hit)
            .map(|(_, name)| name.clone())
            .collect()
    }
}

/// A compiled sentiment rule.
#[derive(Debug, Clone)]
struct CompiledRule {
    source: String,
    severity: Severity,
    regex: Regex,
}

/// The message-level safety checks, compiled once from settings.
///
/// Immutable and `Send + Sync`; build a new one when the settings change.
///
/// # Untrusted input
/// [`check`](Self::check) never panics and does work linear in the message length: the
/// regular expressions run in linear time, and keyword matching is one hash lookup per
/// word plus a comparison of the few keywords that start with that word.
#[derive(Debug, Clone)]
pub struct SafetyRules {
    sentiment: Vec<CompiledRule>,
    sentiment_text: String,
    blacklist: KeywordSet,
    escalation: KeywordSet,
}

impl SafetyRules {
    /// Validates both settings documents and compiles the rules.
    ///
    /// Sentiment rules are compiled case-insensitive with word-edge wrapping (see
    /// [`SentimentRule`]); keyword lists are normalised and split into words once.
    /// Sentiment rules are compiled even when the check is disabled, so a bad rule is
    /// reported now rather than when someone switches the check on.
    ///
    /// Errors: anything `validate()` reports on either document, notably
    /// [`Error::InvalidRule`](crate::error::Error::InvalidRule) for a rule that does not
    /// compile.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::rules::SafetyRules;
    /// use pattern_learning::safety::settings::{SafetySettings, SafetyThresholds, SentimentRule, Severity};
    /// let rules = SafetyRules::new(&SafetyThresholds::default(), &SafetySettings::default());
    /// assert!(rules.is_ok());
    ///
    /// let mut bad = SafetyThresholds::default();
    /// bad.negative_sentiment_patterns.push(SentimentRule::new("(unclosed", Severity::Low));
    /// assert!(SafetyRules::new(&bad, &SafetySettings::default()).is_err());
    /// ```
    pub fn new(thresholds: &SafetyThresholds, settings: &SafetySettings) -> Result<Self> {
        thresholds.validate()?;
        settings.validate()?;
        let sentiment = if thresholds.negative_sentiment_enabled {
            thresholds
                .negative_sentiment_patterns
                .iter()
                .map(|SentimentRule { pattern, severity }| {
                    Ok(CompiledRule {
                        source: pattern.clone(),
                        severity: *severity,
                        regex: compile_rule(pattern)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(SafetyRules {
            sentiment,
            sentiment_text: thresholds.sentiment_escalation_text.clone(),
            blacklist: KeywordSet::new(&settings.blacklist_topics),
            escalation: KeywordSet::new(&settings.escalation_keywords),
        })
    }

    /// Checks one message, in V1's order: (1) sentiment rules, if enabled — the first
    /// matching rule decides; (2) blacklist topics — all hits are reported; (3) escalation
    /// keywords — all hits; (4) safe.
    ///
    /// Result shapes (V1's): sentiment → `{safe: false, reason:
    /// "negative_sentiment_detected", alertType: "escalation", triggeredKeywords:
    /// ["negative_sentiment"], suggestedResponse: <sentiment escalation text>}`; blacklist →
    /// `{safe: false, reason: "Message contains blacklisted topics", alertType:
    /// "blacklist", triggeredKeywords}`; escalation → `{safe: false, reason: "Message
    /// requires operator attention", alertType: "escalation", triggeredKeywords}`.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::rules::{AlertType, SafetyHit, SafetyRules};
    /// use pattern_learning::safety::settings::{SafetySettings, SafetyThresholds, Severity};
    /// let rules = SafetyRules::new(&SafetyThresholds::default(), &SafetySettings::default()).unwrap();
    ///
    /// // V1 escalated this: `sue` is inside "issue".
    /// assert!(rules.check("I have an issue with the TrackMan").safe);
    ///
    /// let v = rules.check("It doesn\u{2019}t help");
    /// assert_eq!(v.kind, Some(SafetyHit::NegativeSentiment { severity: Severity::High }));
    ///
    /// let v = rules.check("My lawyer will call you");
    /// assert_eq!(v.alert_type, Some(AlertType::Blacklist));
    /// assert_eq!(v.triggered_keywords.as_deref(), Some(&["lawyer".to_string()][..]));
    /// ```
    pub fn check(&self, message: &str) -> SafetyVerdict {
        self.check_normalized(&text::normalize(message))
    }

    /// [`SafetyRules::check`] of a message already passed through
    /// [`text::normalize`] (the engine normalises each message once).
    pub(crate) fn check_normalized(&self, normalized: &str) -> SafetyVerdict {
        if let Some(rule) = self
            .sentiment
            .iter()
            .find(|rule| rule.regex.is_match(normalized))
        {
            let mut verdict = SafetyVerdict::flagged(
                SafetyHit::NegativeSentiment {
                    severity: rule.severity,
                },
                REASON_NEGATIVE_SENTIMENT,
                AlertType::Escalation,
                vec![NEGATIVE_SENTIMENT_KEYWORD.to_owned()],
            );
            verdict.suggested_response = Some(self.sentiment_text.clone());
            verdict.rule = Some(rule.source.clone());
            return verdict;
        }

        let words: Vec<&str> = text::words(normalized).collect();

        let topics = self.blacklist.find(&words);
        if !topics.is_empty() {
            return SafetyVerdict::flagged(
                SafetyHit::Blacklist,
                REASON_BLACKLIST,
                AlertType::Blacklist,
                topics,
            );
        }

        let keywords = self.escalation.find(&words);
        if !keywords.is_empty() {
            return SafetyVerdict::flagged(
                SafetyHit::Escalation,
                REASON_ESCALATION,
                AlertType::Escalation,
                keywords,
            );
        }

        SafetyVerdict::safe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections() {
        assert!(word_matches("refunds", "refund"));
        assert!(word_matches("injuries", "injury"));
        assert!(word_matches("lawyer's", "lawyer"));
        assert!(word_matches("sue", "sue"));
        assert!(!word_matches("issue", "sue"));
        assert!(!word_matches("refundable", "refund"));
        assert!(!word_matches("is", "i"));
        assert!(!word_matches("humane", "human"));
    }

    #[test]
    fn multi_word_keywords_need_consecutive_words() {
        let set = KeywordSet::new(&["gift card".to_owned(), "Gift  Card".to_owned()]);
        assert_eq!(set.names, ["gift card"]);
        assert_eq!(set.find(&["two", "gift", "cards"]), ["gift card"]);
        assert!(set.find(&["gift", "for", "card"]).is_empty());
        assert!(set.find(&["gift"]).is_empty());
    }

    #[test]
    fn disabled_sentiment_skips_rules() {
        let thresholds = SafetyThresholds {
            negative_sentiment_enabled: false,
            ..SafetyThresholds::default()
        };
        let rules = SafetyRules::new(&thresholds, &SafetySettings::default()).unwrap();
        assert!(rules.check("this is ridiculous").safe);
        assert!(!rules.check("this is urgent").safe);
    }

    #[test]
    fn rules_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SafetyRules>();
    }
}
