//! Safety documents and verdicts, in V1's camelCase shapes (mirrors `core/src/safety/`).

use napi_derive::napi;
use pattern_learning::safety as pl;

/// V1's `alertType`.
#[napi(string_enum = "lowercase")]
pub enum AlertType {
    /// The message touches a blacklisted topic: never answer it automatically.
    Blacklist,
    /// The message needs an operator now (sentiment rule or escalation keyword).
    Escalation,
}

/// V1's `checkMessageSafety` result: `{safe, reason?, alertType?, triggeredKeywords?,
/// suggestedResponse?}`.
#[napi(object)]
pub struct SafetyVerdict {
    /// True when no check fired.
    pub safe: bool,
    /// V1's reason text.
    pub reason: Option<String>,
    /// V1's alert type.
    pub alert_type: Option<AlertType>,
    /// The keywords or topics found, or `["negative_sentiment"]`.
    pub triggered_keywords: Option<Vec<String>>,
    /// Text to send the customer; only for sentiment hits, as in V1.
    pub suggested_response: Option<String>,
}

impl From<pl::SafetyVerdict> for SafetyVerdict {
    fn from(v: pl::SafetyVerdict) -> Self {
        SafetyVerdict {
            safe: v.safe,
            reason: v.reason,
            alert_type: v.alert_type.map(|a| match a {
                pl::AlertType::Blacklist => AlertType::Blacklist,
                pl::AlertType::Escalation => AlertType::Escalation,
            }),
            triggered_keywords: v.triggered_keywords,
            suggested_response: v.suggested_response,
        }
    }
}

/// Severity of a negative-sentiment rule.
#[napi(string_enum = "lowercase")]
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

/// A negative-sentiment rule: a regular expression (Rust `regex` syntax, matched
/// case-insensitively on whole words of the normalised message) and its severity.
#[napi(object)]
pub struct SentimentRule {
    /// Regular-expression source, e.g. `waste\s+of\s+time`.
    pub pattern: String,
    /// Severity reported when the rule matches.
    pub severity: Severity,
}

impl From<pl::SentimentRule> for SentimentRule {
    fn from(r: pl::SentimentRule) -> Self {
        SentimentRule {
            pattern: r.pattern,
            severity: match r.severity {
                pl::Severity::Low => Severity::Low,
                pl::Severity::Medium => Severity::Medium,
                pl::Severity::High => Severity::High,
                pl::Severity::Critical => Severity::Critical,
            },
        }
    }
}

pub(crate) fn rules(rules: Vec<pl::SentimentRule>) -> Vec<SentimentRule> {
    rules.into_iter().map(Into::into).collect()
}

/// V1's `SafetyThresholds`: per-conversation safety thresholds and escalation texts.
#[napi(object)]
pub struct SafetyThresholds {
    /// Inbound messages within the window that count as rapid-fire (2–10).
    pub rapid_message_threshold: u32,
    /// Length of the rapid-message window in seconds (30–300).
    pub rapid_message_window_seconds: u32,
    /// Whether rapid-message detection is on.
    pub rapid_message_enabled: bool,
    /// Automatic replies allowed per conversation before handing off (1–10).
    pub ai_response_limit: u32,
    /// Whether the per-conversation reply cap is on.
    pub ai_response_limit_enabled: bool,
    /// Hours automation stays off after an operator replies (1–24).
    pub operator_lockout_hours: u32,
    /// Text sent when a message is handed to a human.
    pub escalation_message: String,
    /// Whether negative-sentiment rules are checked.
    pub negative_sentiment_enabled: bool,
    /// Negative-sentiment rules, checked in order.
    pub negative_sentiment_patterns: Vec<SentimentRule>,
    /// Text sent when rapid-fire messages are detected.
    pub rapid_message_escalation_text: String,
    /// Text sent when the per-conversation reply cap is reached.
    pub ai_limit_escalation_text: String,
    /// Text suggested when a negative-sentiment rule matches.
    pub sentiment_escalation_text: String,
    /// Lock out only the topic an operator answered, plus a global cooldown.
    pub topic_lockout_enabled: bool,
    /// Minutes all automation stays off after an operator replies, in topic mode (15–180).
    pub global_cooldown_minutes: u32,
}

impl From<pl::SafetyThresholds> for SafetyThresholds {
    fn from(t: pl::SafetyThresholds) -> Self {
        let pl::SafetyThresholds {
            rapid_message_threshold,
            rapid_message_window_seconds,
            rapid_message_enabled,
            ai_response_limit,
            ai_response_limit_enabled,
            operator_lockout_hours,
            escalation_message,
            negative_sentiment_enabled,
            negative_sentiment_patterns,
            rapid_message_escalation_text,
            ai_limit_escalation_text,
            sentiment_escalation_text,
            topic_lockout_enabled,
            global_cooldown_minutes,
        } = t;
        SafetyThresholds {
            rapid_message_threshold,
            rapid_message_window_seconds,
            rapid_message_enabled,
            ai_response_limit,
            ai_response_limit_enabled,
            operator_lockout_hours,
            escalation_message,
            negative_sentiment_enabled,
            negative_sentiment_patterns: rules(negative_sentiment_patterns),
            rapid_message_escalation_text,
            ai_limit_escalation_text,
            sentiment_escalation_text,
            topic_lockout_enabled,
            global_cooldown_minutes,
        }
    }
}

/// V1's `fallbackMessages`.
#[napi(object)]
pub struct FallbackMessages {
    /// Fallback for booking questions.
    pub booking: String,
    /// Fallback for emergencies.
    pub emergency: String,
    /// Fallback for technical support.
    pub tech_support: String,
    /// Brand-tone guidance text.
    pub brand_tone: String,
    /// Fallback for everything else.
    pub general: String,
}

/// V1's `getSettings()` document: keyword lists and learning-approval settings.
#[napi(object)]
pub struct SafetySettings {
    /// Topics whose messages are never answered automatically (whole words).
    pub blacklist_topics: Vec<String>,
    /// Words that hand a message to an operator (whole words).
    pub escalation_keywords: Vec<String>,
    /// New patterns need operator approval for their first uses.
    pub require_approval_for_new: bool,
    /// Approved uses before a new pattern runs without approval.
    pub approval_threshold: u32,
    /// Operator examples needed before a pattern is created.
    pub min_examples_required: u32,
    /// Weight of an operator correction relative to a confirmation.
    pub operator_override_weight: f64,
    /// Whether canned fallback replies are used.
    pub enable_fallback_responses: bool,
    /// Canned fallback replies per topic.
    pub fallback_messages: FallbackMessages,
}

impl From<pl::SafetySettings> for SafetySettings {
    fn from(s: pl::SafetySettings) -> Self {
        let pl::SafetySettings {
            blacklist_topics,
            escalation_keywords,
            require_approval_for_new,
            approval_threshold,
            min_examples_required,
            operator_override_weight,
            enable_fallback_responses,
            fallback_messages,
        } = s;
        let pl::FallbackMessages {
            booking,
            emergency,
            tech_support,
            brand_tone,
            general,
        } = fallback_messages;
        SafetySettings {
            blacklist_topics,
            escalation_keywords,
            require_approval_for_new,
            approval_threshold,
            min_examples_required,
            operator_override_weight,
            enable_fallback_responses,
            fallback_messages: FallbackMessages {
                booking,
                emergency,
                tech_support,
                brand_tone,
                general,
            },
        }
    }
}
