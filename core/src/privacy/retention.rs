//! [`Retention`]: how long the decision log keeps what customers wrote.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How long decisions keep customer data (the `retention` section of
/// [`Config`](crate::Config)), applied by
/// [`Engine::apply_retention`](crate::Engine::apply_retention) — a call for the
/// host to schedule (daily, say) — and, with `on_open`, when an engine opens its
/// store.
///
/// # Example
/// ```
/// use pattern_learning::Config;
/// let mut config = Config::default();
/// // Keep decisions 90 days, then drop text, phone and name but keep the counts.
/// config.apply_partial(&serde_json::json!({"retention": {"decisionDays": 90}})).unwrap();
/// assert_eq!(config.retention.decision_days, Some(90));
/// assert!(config.retention.on_open);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Days a decision keeps its message, message id, conversation id, reply,
    /// nearest example and keyword hits; after that it keeps only what counts
    /// (time, action, reason, pattern, confidence, the numbers of its evidence).
    /// Conversation guard states not seen for as long are deleted. `None` (the
    /// default): kept until a customer's data is erased.
    pub decision_days: Option<u32>,
    /// Also apply it when an engine opens its store (default `true`; does nothing
    /// while `decision_days` is `None`).
    pub on_open: bool,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            decision_days: None,
            on_open: true,
        }
    }
}

/// The longest retention period, in days (a hundred years).
const MAX_DAYS: u32 = 36_500;

impl Retention {
    /// Checks the period: between 1 and 36,500 days.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming `retention.decision_days`.
    pub fn validate(&self) -> Result<()> {
        match self.decision_days {
            Some(days) if days == 0 || days > MAX_DAYS => Err(Error::InvalidConfig {
                key: "retention.decision_days".into(),
                value: days.to_string(),
                reason: format!(
                    "must be between 1 and {MAX_DAYS} days (null keeps decisions until erased)"
                ),
            }),
            _ => Ok(()),
        }
    }
}
