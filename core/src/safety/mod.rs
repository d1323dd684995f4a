//! Safety: message rules, settings and conversation guards.

pub mod fallback;
pub mod rules;
pub mod settings;

pub use rules::{AlertType, SafetyHit, SafetyRules, SafetyVerdict};
pub use settings::{
    default_sentiment_rules, FallbackMessages, SafetySettings, SafetyThresholds, SentimentRule,
    Severity,
};
