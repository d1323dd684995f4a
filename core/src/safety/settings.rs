//! Safety settings: V1's `SafetyThresholds` and `getSettings` documents, their defaults,
//! validation and all-or-nothing partial updates.
//!
//! Both types serialise to the exact camelCase JSON shapes of V1's `patternSafetyService`
//! (`docs/v1-behaviour.md`), so a V1 admin UI can read and write them unchanged. Deserialising
//! accepts the camelCase keys and their snake_case forms, fills missing keys with the
//! defaults and rejects unknown keys; it does not validate ranges — call `validate()`, or use
//! `apply_partial`, which validates.

use std::collections::HashSet;
use std::fmt;

use regex::{Regex, RegexBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::text;
use crate::v1::ai_signature::sign;

/// How serious a negative-sentiment hit is.
///
/// V1 only logged the severity; every hit escalates regardless. Serialised in lower case
/// (`"low"`, `"medium"`, `"high"`, `"critical"`). Ordered from least to most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Mild dissatisfaction.
    Low,
    /// The customer asks for a human or says the help is not helping.
    Medium,
    /// Clear frustration, or a problem that persists.
    High,
    /// The customer considers the exchange a waste of time.
    Critical,
}

impl Severity {
    /// The lower-case name used in JSON (`"high"`).
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::settings::Severity;
    /// assert_eq!(Severity::Critical.as_str(), "critical");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One negative-sentiment rule: a regular expression and the severity of a hit.
///
/// The pattern uses the syntax of the [`regex`] crate. It is matched case-insensitively
/// against the *normalised* message ([`text::normalize`]: case-folded, typographic
/// apostrophes folded to `'`, white space collapsed), and only on word boundaries: the
/// whole match must neither start right after nor end right before a word character
/// (letter, digit or `_`).
/// Write rules in that normalised form (`doesn't\s+help`); typographic apostrophes in the
/// pattern are folded to `'` when it is compiled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentRule {
    /// Regular-expression source, e.g. `waste\s+of\s+time`.
    pub pattern: String,
    /// Severity reported when the rule matches.
    pub severity: Severity,
}

impl SentimentRule {
    /// Creates a rule (not compiled or checked until validation).
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::settings::{SentimentRule, Severity};
    /// let rule = SentimentRule::new(r"not\s+helpful", Severity::Medium);
    /// assert_eq!(rule.pattern, r"not\s+helpful");
    /// ```
    pub fn new(pattern: impl Into<String>, severity: Severity) -> Self {
        SentimentRule {
            pattern: pattern.into(),
            severity,
        }
    }
}

/// The eight built-in negative-sentiment rules of V1, in V1's order and with V1's
/// severities, correctly escaped (a single backslash in `\s+`).
///
/// V1's migration 352 stored these with doubled backslashes, so every rule containing `\s`
/// looked for a literal backslash and never matched; the sources here are what V1's
/// "reset to defaults" stored.
///
/// # Example
/// ```
/// use pattern_learning::safety::settings::{default_sentiment_rules, Severity};
/// let rules = default_sentiment_rules();
/// assert_eq!(rules.len(), 8);
/// assert_eq!(rules[4].pattern, r"waste\s+of\s+time");
/// assert_eq!(rules[4].severity, Severity::Critical);
/// ```
pub fn default_sentiment_rules() -> Vec<SentimentRule> {
    use Severity::{Critical, High, Medium};
    [
        (r"still\s+(broken|not\s+working|doesn't\s+work)", High),
        (r"doesn't\s+help", High),
        (r"frustrated|annoyed|angry|terrible|ridiculous", High),
        // `human` is a plain word: with the word-boundary wrapping it matches
        // "Can I talk to a human?" but not "Humane society event?" (V1 matched both).
        (
            r"real\s+person|human|operator\s+please|speak\s+to\s+someone",
            Medium,
        ),
        (r"waste\s+of\s+time", Critical),
        (r"not\s+helpful", Medium),
        (r"this\s+is\s+(stupid|dumb|useless)", High),
        (r"still\s+(confused|don't\s+understand)", Medium),
    ]
    .into_iter()
    .map(|(pattern, severity)| SentimentRule::new(pattern, severity))
    .collect()
}

/// Compiled-size limit for one sentiment rule; keeps a pathological rule from using
/// unbounded memory.
const RULE_SIZE_LIMIT: usize = 1 << 20;

/// Folds typographic apostrophes in a rule's source to `'`, as [`text::normalize`] does
/// in messages. None of these characters has a meaning in regex syntax.
fn fold_rule_source(pattern: &str) -> String {
    pattern.replace(
        ['\u{2018}', '\u{2019}', '\u{201B}', '\u{02BC}', '\u{FF07}'],
        "'",
    )
}

/// Compiles a sentiment rule the way the safety check runs it: case-insensitive,
/// wrapped in half word boundaries, against normalised text.
///
/// The source is first compiled alone, so that a source such as `a)|(b` cannot escape
/// the wrapping group. `\b{start-half}` / `\b{end-half}` (rather than `\b`) keep rules
/// that start or end with punctuation usable: they only require that no word character
/// sits directly outside the match.
pub(crate) fn compile_rule(pattern: &str) -> Result<Regex> {
    let invalid = |reason: String| Error::InvalidRule {
        pattern: pattern.to_owned(),
        reason,
    };
    if pattern.trim().is_empty() {
        return Err(invalid("the pattern is empty".to_owned()));
    }
    let source = fold_rule_source(pattern);
    let build = |src: &str| {
        RegexBuilder::new(src)
            .case_insensitive(true)
            .size_limit(RULE_SIZE_LIMIT)
            .build()
            .map_err(|e| invalid(e.to_string()))
    };
    build(&source)?;
    let wrapped = build(&format!(r"\b{{start-half}}(?:{source})\b{{end-half}}"))?;
    if wrapped.is_match("") {
        return Err(invalid(
            "the pattern matches the empty string, so it would flag almost every message"
                .to_owned(),
        ));
    }
    Ok(wrapped)
}

/// Renders a rejected value for an error message, cut to a readable length.
fn render_value(value: &Value) -> String {
    const MAX: usize = 80;
    let s = value.to_string();
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn invalid_config(key: &str, value: impl fmt::Display, reason: impl Into<String>) -> Error {
    Error::InvalidConfig {
        key: key.to_owned(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn check_range(key: &str, value: u32, min: u32, max: u32) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(invalid_config(
            key,
            value,
            format!("must be between {min} and {max}"),
        ))
    }
}

fn check_text(key: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(invalid_config(
            key,
            render_value(&Value::String(value.to_owned())),
            "must not be empty or only white space",
        ))
    } else {
        check_no_placeholder(key, value)
    }
}

/// Customer-facing texts are sent as they are: a `{{` would reach the customer.
fn check_no_placeholder(key: &str, value: &str) -> Result<()> {
    if value.contains("{{") {
        Err(invalid_config(
            key,
            render_value(&Value::String(value.to_owned())),
            "is sent to customers as written and must not contain `{{` (no variables are filled in)",
        ))
    } else {
        Ok(())
    }
}

fn check_keywords(key: &str, list: &[String]) -> Result<()> {
    for keyword in list {
        if text::word_list(keyword).is_empty() {
            return Err(invalid_config(
                key,
                format!("{keyword:?}"),
                "every entry needs at least one word (keywords match whole words)",
            ));
        }
    }
    Ok(())
}

/// Deserialises one patch value into a field's type, mapping a type error to
/// [`Error::InvalidConfig`] for `key`.
fn field<T: DeserializeOwned>(key: &str, value: &Value) -> Result<T> {
    T::deserialize(value).map_err(|e| invalid_config(key, render_value(value), e.to_string()))
}

/// Keyword lists: a JSON array of strings, or V1's stored form, one comma-separated
/// string (split on `,`, trimmed, empty entries dropped).
fn keyword_field(key: &str, value: &Value) -> Result<Vec<String>> {
    match value {
        Value::String(s) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect()),
        _ => field(key, value),
    }
}

/// The camelCase keys of a table, comma-separated, for [`Error::UnknownSetting`].
fn known_keys(keys: &[(&str, &str)]) -> String {
    let names: Vec<&str> = keys.iter().map(|(camel, _)| *camel).collect();
    format!("{} (snake_case forms also accepted)", names.join(", "))
}

/// Resolves a patch key (camelCase or snake_case) against `(camel, snake)` pairs.
///
/// Returns the snake_case name; rejects unknown keys and keys given in both spellings.
fn resolve_key<'k>(
    raw: &str,
    keys: &'k [(&'k str, &'k str)],
    seen: &mut HashSet<&'k str>,
    value: &Value,
) -> Result<&'k str> {
    let (_, snake) = keys
        .iter()
        .find(|(camel, snake)| raw == *camel || raw == *snake)
        .ok_or_else(|| Error::UnknownSetting {
            key: raw.to_owned(),
            known: known_keys(keys),
        })?;
    if !seen.insert(snake) {
        return Err(invalid_config(
            snake,
            render_value(value),
            "given twice (camelCase and snake_case spellings of the same key)",
        ));
    }
    Ok(snake)
}

fn patch_object<'v>(what: &str, patch: &'v Value) -> Result<&'v Map<String, Value>> {
    patch.as_object().ok_or_else(|| Error::Parse {
        what: what.to_owned(),
        reason: format!(
            "expected a JSON object of settings, got {}",
            render_value(patch)
        ),
    })
}

/// Per-conversation safety thresholds and escalation texts; V1's `SafetyThresholds`.
///
/// JSON keys are V1's camelCase names (`rapidMessageThreshold`, …); snake_case keys are
/// accepted on input. Ranges are those of V1's admin UI (`docs/v1-behaviour.md`).
///
/// # Example
/// ```
/// use pattern_learning::safety::settings::SafetyThresholds;
/// let mut t = SafetyThresholds::default();
/// assert_eq!(t.rapid_message_threshold, 3);
/// t.apply_partial(&serde_json::json!({"aiResponseLimit": 5})).unwrap();
/// assert_eq!(t.ai_response_limit, 5);
/// assert!(t.apply_partial(&serde_json::json!({"aiResponseLimit": 50})).is_err());
/// assert_eq!(t.ai_response_limit, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SafetyThresholds {
    /// Inbound messages within the window that count as rapid-fire (2–10; default 3).
    #[serde(alias = "rapid_message_threshold")]
    pub rapid_message_threshold: u32,
    /// Length of the rapid-message window in seconds (30–300; default 60).
    #[serde(alias = "rapid_message_window_seconds")]
    pub rapid_message_window_seconds: u32,
    /// Whether rapid-message detection is on (default true).
    #[serde(alias = "rapid_message_enabled")]
    pub rapid_message_enabled: bool,
    /// Automatic replies allowed per conversation before handing off (1–10; default 3).
    #[serde(alias = "ai_response_limit")]
    pub ai_response_limit: u32,
    /// Whether the per-conversation reply cap is on (default true).
    #[serde(alias = "ai_response_limit_enabled")]
    pub ai_response_limit_enabled: bool,
    /// Hours automation stays off after an operator replies (1–24; default 4).
    #[serde(alias = "operator_lockout_hours")]
    pub operator_lockout_hours: u32,
    /// Text sent on a silent hand-off when fallback responses are switched on and the
    /// topic has no fallback text of its own (non-empty, no `{{`; see
    /// [`fallback`](crate::safety::fallback)). V1 sent it on every escalation.
    #[serde(alias = "escalation_message")]
    pub escalation_message: String,
    /// Whether negative-sentiment rules are checked (default true).
    #[serde(alias = "negative_sentiment_enabled")]
    pub negative_sentiment_enabled: bool,
    /// Negative-sentiment rules, checked in order; default [`default_sentiment_rules`].
    ///
    /// An empty list means no rules (V1 fell back to the built-ins instead); use
    /// `negative_sentiment_enabled` to switch the check off.
    #[serde(alias = "negative_sentiment_patterns")]
    pub negative_sentiment_patterns: Vec<SentimentRule>,
    /// Text sent when rapid-fire messages are detected (non-empty).
    #[serde(alias = "rapid_message_escalation_text")]
    pub rapid_message_escalation_text: String,
    /// Text sent when the per-conversation reply cap is reached (non-empty).
    #[serde(alias = "ai_limit_escalation_text")]
    pub ai_limit_escalation_text: String,
    /// Text suggested when a negative-sentiment rule matches (non-empty).
    #[serde(alias = "sentiment_escalation_text")]
    pub sentiment_escalation_text: String,
    /// Lock out only the topic an operator answered, plus a global cooldown (default
    /// true); when false the whole conversation is locked for `operator_lockout_hours`.
    #[serde(alias = "topic_lockout_enabled")]
    pub topic_lockout_enabled: bool,
    /// Minutes all automation stays off after an operator replies, in topic mode
    /// (15–180; default 60).
    #[serde(alias = "global_cooldown_minutes")]
    pub global_cooldown_minutes: u32,
}

impl Default for SafetyThresholds {
    fn default() -> Self {
        // Every customer-facing text ends with V1's automatic-reply signature.
        let handoff = sign(
            "It looks like you need more help than I can give here. A human operator will \
             help you as soon as possible.",
        );
        SafetyThresholds {
            rapid_message_threshold: 3,
            rapid_message_window_seconds: 60,
            rapid_message_enabled: true,
            ai_response_limit: 3,
            ai_response_limit_enabled: true,
            operator_lockout_hours: 4,
            escalation_message: sign(
                "Sorry you're still running into trouble. Someone from our team will be with \
                 you shortly.",
            ),
            negative_sentiment_enabled: true,
            negative_sentiment_patterns: default_sentiment_rules(),
            rapid_message_escalation_text: sign(
                "We've received several messages from you in a short time. A human operator \
                 will get back to you shortly.",
            ),
            ai_limit_escalation_text: handoff.clone(),
            sentiment_escalation_text: handoff,
            topic_lockout_enabled: true,
            global_cooldown_minutes: 60,
        }
    }
}

/// `(camelCase, snake_case)` keys of [`SafetyThresholds`].
const THRESHOLD_KEYS: &[(&str, &str)] = &[
    ("rapidMessageThreshold", "rapid_message_threshold"),
    ("rapidMessageWindowSeconds", "rapid_message_window_seconds"),
    ("rapidMessageEnabled", "rapid_message_enabled"),
    ("aiResponseLimit", "ai_response_limit"),
    ("aiResponseLimitEnabled", "ai_response_limit_enabled"),
    ("operatorLockoutHours", "operator_lockout_hours"),
    ("escalationMessage", "escalation_message"),
    ("negativeSentimentEnabled", "negative_sentiment_enabled"),
    ("negativeSentimentPatterns", "negative_sentiment_patterns"),
    (
        "rapidMessageEscalationText",
        "rapid_message_escalation_text",
    ),
    ("aiLimitEscalationText", "ai_limit_escalation_text"),
    ("sentimentEscalationText", "sentiment_escalation_text"),
    ("topicLockoutEnabled", "topic_lockout_enabled"),
    ("globalCooldownMinutes", "global_cooldown_minutes"),
];

impl SafetyThresholds {
    /// Checks every value: V1's admin-UI ranges, non-empty texts without `{{` (they
    /// are sent as written), and that every sentiment rule compiles.
    ///
    /// Errors: [`Error::InvalidConfig`] (key in snake_case) or [`Error::InvalidRule`].
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::settings::SafetyThresholds;
    /// let mut t = SafetyThresholds::default();
    /// assert!(t.validate().is_ok());
    /// t.rapid_message_window_seconds = 10;
    /// assert!(t.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_range(
            "rapid_message_threshold",
            self.rapid_message_threshold,
            2,
            10,
        )?;
        check_range(
            "rapid_message_window_seconds",
            self.rapid_message_window_seconds,
            30,
            300,
        )?;
        check_range("ai_response_limit", self.ai_response_limit, 1, 10)?;
        check_range("operator_lockout_hours", self.operator_lockout_hours, 1, 24)?;
        check_range(
            "global_cooldown_minutes",
            self.global_cooldown_minutes,
            15,
            180,
        )?;
        check_text("escalation_message", &self.escalation_message)?;
        check_text(
            "rapid_message_escalation_text",
            &self.rapid_message_escalation_text,
        )?;
        check_text("ai_limit_escalation_text", &self.ai_limit_escalation_text)?;
        check_text("sentiment_escalation_text", &self.sentiment_escalation_text)?;
        for rule in &self.negative_sentiment_patterns {
            compile_rule(&rule.pattern)?;
        }
        Ok(())
    }

    /// Applies a partial update: a JSON object whose keys are V1's camelCase names (or
    /// their snake_case forms), like V1's `updateSafetyThresholds(partial)`.
    ///
    /// All or nothing: on an unknown key ([`Error::UnknownSetting`], listing the known
    /// keys), a value of the wrong type or out of range ([`Error::InvalidConfig`]), an
    /// invalid rule ([`Error::InvalidRule`]) or a patch that is not an object
    /// ([`Error::Parse`]), `self` is left unchanged.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::settings::SafetyThresholds;
    /// use serde_json::json;
    /// let mut t = SafetyThresholds::default();
    /// t.apply_partial(&json!({"rapidMessageThreshold": 4, "global_cooldown_minutes": 30}))
    ///     .unwrap();
    /// assert_eq!((t.rapid_message_threshold, t.global_cooldown_minutes), (4, 30));
    ///
    /// // One bad key rejects the whole patch.
    /// let err = t.apply_partial(&json!({"rapidMessageThreshold": 5, "colour": "red"}));
    /// assert!(err.is_err());
    /// assert_eq!(t.rapid_message_threshold, 4);
    /// ```
    pub fn apply_partial(&mut self, patch: &Value) -> Result<()> {
        let object = patch_object("safety thresholds patch", patch)?;
        let mut next = self.clone();
        let mut seen = HashSet::new();
        for (raw, value) in object {
            let key = resolve_key(raw, THRESHOLD_KEYS, &mut seen, value)?;
            match key {
                "rapid_message_threshold" => next.rapid_message_threshold = field(key, value)?,
                "rapid_message_window_seconds" => {
                    next.rapid_message_window_seconds = field(key, value)?
                }
                "rapid_message_enabled" => next.rapid_message_enabled = field(key, value)?,
                "ai_response_limit" => next.ai_response_limit = field(key, value)?,
                "ai_response_limit_enabled" => next.ai_response_limit_enabled = field(key, value)?,
                "operator_lockout_hours" => next.operator_lockout_hours = field(key, value)?,
                "escalation_message" => next.escalation_message = field(key, value)?,
                "negative_sentiment_enabled" => {
                    next.negative_sentiment_enabled = field(key, value)?
                }
                "negative_sentiment_patterns" => {
                    next.negative_sentiment_patterns = field(key, value)?
                }
                "rapid_message_escalation_text" => {
                    next.rapid_message_escalation_text = field(key, value)?
                }
                "ai_limit_escalation_text" => next.ai_limit_escalation_text = field(key, value)?,
                "sentiment_escalation_text" => next.sentiment_escalation_text = field(key, value)?,
                "topic_lockout_enabled" => next.topic_lockout_enabled = field(key, value)?,
                "global_cooldown_minutes" => next.global_cooldown_minutes = field(key, value)?,
                // `resolve_key` only returns names from THRESHOLD_KEYS, all handled above.
                other => {
                    return Err(Error::UnknownSetting {
                        key: other.to_owned(),
                        known: known_keys(THRESHOLD_KEYS),
                    })
                }
            }
        }
        next.validate()?;
        *self = next;
        Ok(())
    }
}

/// Canned fallback texts per topic; V1's `fallbackMessages` (all empty by default).
/// Sent on a silent hand-off only when `enable_fallback_responses` is on; see
/// [`fallback`](crate::safety::fallback). No text may contain `{{`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FallbackMessages {
    /// Fallback for booking questions.
    pub booking: String,
    /// Fallback for emergencies.
    pub emergency: String,
    /// Fallback for technical support.
    #[serde(alias = "tech_support")]
    pub tech_support: String,
    /// Brand-tone guidance text.
    #[serde(alias = "brand_tone")]
    pub brand_tone: String,
    /// Fallback for everything else.
    pub general: String,
}

/// `(camelCase, snake_case)` keys of [`FallbackMessages`].
const FALLBACK_KEYS: &[(&str, &str)] = &[
    ("booking", "booking"),
    ("emergency", "emergency"),
    ("techSupport", "tech_support"),
    ("brandTone", "brand_tone"),
    ("general", "general"),
];

impl FallbackMessages {
    /// The customer-facing texts by their snake_case keys (`brand_tone` is guidance,
    /// never sent, and not listed).
    fn sent_texts(&self) -> [(&'static str, &str); 4] {
        [
            ("fallback_messages.booking", &self.booking),
            ("fallback_messages.emergency", &self.emergency),
            ("fallback_messages.tech_support", &self.tech_support),
            ("fallback_messages.general", &self.general),
        ]
    }

    fn apply_partial(&mut self, patch: &Value) -> Result<()> {
        let object = patch_object("fallback messages patch", patch)?;
        let mut seen = HashSet::new();
        for (raw, value) in object {
            let key = resolve_key(raw, FALLBACK_KEYS, &mut seen, value).map_err(|e| match e {
                Error::UnknownSetting { key, known } => Error::UnknownSetting {
                    key: format!("fallbackMessages.{key}"),
                    known,
                },
                other => other,
            })?;
            let slot = match key {
                "booking" => &mut self.booking,
                "emergency" => &mut self.emergency,
                "tech_support" => &mut self.tech_support,
                "brand_tone" => &mut self.brand_tone,
                _ => &mut self.general,
            };
            *slot = field(&format!("fallback_messages.{key}"), value)?;
        }
        Ok(())
    }
}

/// Keyword lists and learning-approval settings; the document of V1's `getSettings`.
///
/// JSON keys are V1's camelCase names (`blacklistTopics`, …); snake_case keys are
/// accepted on input.
///
/// # Example
/// ```
/// use pattern_learning::safety::settings::SafetySettings;
/// let mut s = SafetySettings::default();
/// assert!(s.blacklist_topics.iter().any(|t| t == "refund"));
/// s.apply_partial(&serde_json::json!({"blacklistTopics": ["gift card", "refund"]})).unwrap();
/// assert_eq!(s.blacklist_topics, ["gift card", "refund"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SafetySettings {
    /// Topics whose messages are never answered automatically. Each entry is one or more
    /// words, matched on whole words after normalisation. Default: V1's migration-209 seed.
    #[serde(alias = "blacklist_topics")]
    pub blacklist_topics: Vec<String>,
    /// Words that hand a message to an operator, matched like `blacklist_topics`.
    /// Default: V1's migration-209 seed.
    #[serde(alias = "escalation_keywords")]
    pub escalation_keywords: Vec<String>,
    /// New patterns need `approval_threshold` operator approvals before they may
    /// auto-send (default true). Every pattern counts as new; the stricter of this and
    /// [`Config::approvals_before_auto_send`](crate::Config::approvals_before_auto_send)
    /// holds (the `operator_approvals` gate).
    #[serde(alias = "require_approval_for_new")]
    pub require_approval_for_new: bool,
    /// Operator approvals before a new pattern may auto-send (≥ 1; default 10).
    #[serde(alias = "approval_threshold")]
    pub approval_threshold: u32,
    /// Trigger examples a pattern needs before it may auto-send (1–10; default 5; the
    /// `min_examples` gate). Suggestions are not held back: approving them is how a
    /// pattern gathers examples (V1 created no pattern before this many examples).
    #[serde(alias = "min_examples_required")]
    pub min_examples_required: u32,
    /// Weight of an operator correction relative to a confirmation (1.0–3.0; default
    /// 2.0): an approval with edits counts `1 / weight` of an approval towards
    /// `approval_threshold` (V1 weighed corrections against the reply).
    #[serde(alias = "operator_override_weight")]
    pub operator_override_weight: f64,
    /// Whether a silent hand-off tells the customer the topic's fallback text, else
    /// `escalationMessage` (default false; see [`fallback`](crate::safety::fallback)).
    #[serde(alias = "enable_fallback_responses")]
    pub enable_fallback_responses: bool,
    /// Canned fallback replies per topic (default all empty).
    #[serde(alias = "fallback_messages")]
    pub fallback_messages: FallbackMessages,
}

impl Default for SafetySettings {
    fn default() -> Self {
        let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        SafetySettings {
            blacklist_topics: list(&[
                "medical",
                "legal",
                "refund",
                "complaint",
                "injury",
                "lawsuit",
                "lawyer",
                "attorney",
                "doctor",
                "emergency",
                "death",
                "suicide",
                "violence",
            ]),
            escalation_keywords: list(&[
                "angry",
                "furious",
                "sue",
                "lawyer",
                "attorney",
                "emergency",
                "urgent",
                "injured",
                "hurt",
                "bleeding",
                "unconscious",
                "police",
                "ambulance",
            ]),
            require_approval_for_new: true,
            approval_threshold: 10,
            min_examples_required: 5,
            operator_override_weight: 2.0,
            enable_fallback_responses: false,
            fallback_messages: FallbackMessages::default(),
        }
    }
}

/// `(camelCase, snake_case)` keys of [`SafetySettings`].
const SETTINGS_KEYS: &[(&str, &str)] = &[
    ("blacklistTopics", "blacklist_topics"),
    ("escalationKeywords", "escalation_keywords"),
    ("requireApprovalForNew", "require_approval_for_new"),
    ("approvalThreshold", "approval_threshold"),
    ("minExamplesRequired", "min_examples_required"),
    ("operatorOverrideWeight", "operator_override_weight"),
    ("enableFallbackResponses", "enable_fallback_responses"),
    ("fallbackMessages", "fallback_messages"),
];

impl SafetySettings {
    /// Checks every value: approval threshold ≥ 1, minimum examples 1–10, override
    /// weight a finite number in 1.0–3.0, every keyword entry has at least one word,
    /// and no fallback text contains `{{`.
    ///
    /// Errors: [`Error::InvalidConfig`] (key in snake_case).
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::settings::SafetySettings;
    /// let mut s = SafetySettings::default();
    /// assert!(s.validate().is_ok());
    /// s.operator_override_weight = f64::NAN;
    /// assert!(s.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_keywords("blacklist_topics", &self.blacklist_topics)?;
        check_keywords("escalation_keywords", &self.escalation_keywords)?;
        for (key, text) in self.fallback_messages.sent_texts() {
            check_no_placeholder(key, text)?;
        }
        if self.approval_threshold < 1 {
            return Err(invalid_config(
                "approval_threshold",
                self.approval_threshold,
                "must be at least 1",
            ));
        }
        check_range("min_examples_required", self.min_examples_required, 1, 10)?;
        let weight = self.operator_override_weight;
        if !weight.is_finite() || !(1.0..=3.0).contains(&weight) {
            return Err(invalid_config(
                "operator_override_weight",
                weight,
                "must be a finite number between 1.0 and 3.0",
            ));
        }
        Ok(())
    }

    /// Applies a partial update: a JSON object whose keys are V1's camelCase names (or
    /// their snake_case forms), like V1's `updateSettings(settings)`.
    ///
    /// Keyword lists may be JSON arrays or V1's stored comma-separated string.
    /// `fallbackMessages` is merged key by key. All or nothing: on an unknown key
    /// ([`Error::UnknownSetting`]), a value of the wrong type or out of range
    /// ([`Error::InvalidConfig`]) or a patch that is not an object ([`Error::Parse`]),
    /// `self` is left unchanged.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::safety::settings::SafetySettings;
    /// use serde_json::json;
    /// let mut s = SafetySettings::default();
    /// s.apply_partial(&json!({
    ///     "escalationKeywords": "urgent, manager ,",
    ///     "fallbackMessages": {"techSupport": "Try restarting the bay PC."}
    /// }))
    /// .unwrap();
    /// assert_eq!(s.escalation_keywords, ["urgent", "manager"]);
    /// assert_eq!(s.fallback_messages.tech_support, "Try restarting the bay PC.");
    /// assert!(s.apply_partial(&json!({"approvalThreshold": 0})).is_err());
    /// ```
    pub fn apply_partial(&mut self, patch: &Value) -> Result<()> {
        let object = patch_object("safety settings patch", patch)?;
        let mut next = self.clone();
        let mut seen = HashSet::new();
        for (raw, value) in object {
            let key = resolve_key(raw, SETTINGS_KEYS, &mut seen, value)?;
            match key {
                "blacklist_topics" => next.blacklist_topics = keyword_field(key, value)?,
                "escalation_keywords" => next.escalation_keywords = keyword_field(key, value)?,
                "require_approval_for_new" => next.require_approval_for_new = field(key, value)?,
                "approval_threshold" => next.approval_threshold = field(key, value)?,
                "min_examples_required" => next.min_examples_required = field(key, value)?,
                "operator_override_weight" => next.operator_override_weight = field(key, value)?,
                "enable_fallback_responses" => next.enable_fallback_responses = field(key, value)?,
                _ => next.fallback_messages.apply_partial(value)?,
            }
        }
        next.validate()?;
        *self = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_validate() {
        SafetyThresholds::default().validate().unwrap();
        SafetySettings::default().validate().unwrap();
    }

    #[test]
    fn default_texts_end_with_signature() {
        let t = SafetyThresholds::default();
        for text in [
            &t.escalation_message,
            &t.rapid_message_escalation_text,
            &t.ai_limit_escalation_text,
            &t.sentiment_escalation_text,
        ] {
            assert!(text.ends_with("\n\n- ClubAI"), "{text:?}");
        }
        assert_eq!(
            t.escalation_message,
            "Sorry you're still running into trouble. Someone from our team will be with \
             you shortly.\n\n- ClubAI"
        );
    }

    #[test]
    fn wrapped_rule_respects_word_edges() {
        let re = compile_rule("human").unwrap();
        assert!(re.is_match("can i talk to a human?"));
        assert!(!re.is_match("humane society event?"));
        assert!(!re.is_match("inhuman"));
        let punct = compile_rule(r":\(").unwrap();
        assert!(punct.is_match("ok :("));
    }

    #[test]
    fn rule_cannot_escape_wrapping_group() {
        assert!(matches!(
            compile_rule("a)|(b"),
            Err(Error::InvalidRule { .. })
        ));
    }

    #[test]
    fn empty_matching_rules_are_rejected() {
        for p in ["", "  ", "a*", "(x)?", "|"] {
            assert!(compile_rule(p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn typographic_apostrophe_in_rule_is_folded() {
        let re = compile_rule("doesn\u{2019}t\\s+help").unwrap();
        assert!(re.is_match(&text::normalize("It doesn\u{2019}t help")));
    }

    #[test]
    fn duplicate_spellings_rejected() {
        let mut t = SafetyThresholds::default();
        let err = t
            .apply_partial(&json!({"aiResponseLimit": 2, "ai_response_limit": 4}))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }));
        assert_eq!(t, SafetyThresholds::default());
    }

    #[test]
    fn long_values_are_cut_in_errors() {
        let mut t = SafetyThresholds::default();
        let big = "x".repeat(10_000);
        match t.apply_partial(&json!({ "aiResponseLimit": big })) {
            Err(Error::InvalidConfig { value, .. }) => assert!(value.len() < 100),
            other => panic!("{other:?}"),
        }
    }
}
