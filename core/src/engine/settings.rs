//! The safety settings API (what the V1 backend calls today).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::safety::{SafetyRules, SafetySettings, SafetyThresholds, SafetyVerdict};

use super::persist::CONFLICT_RETRIES;
use super::{persist, Engine};

impl Engine {
    /// Checks a message against the safety rules alone (V1 `checkMessageSafety`).
    pub fn check_message_safety(&self, message: &str) -> SafetyVerdict {
        self.safety.read().rules.check(message)
    }

    /// The safety thresholds in force (what `get` returns is what the engine uses).
    pub fn safety_thresholds(&self) -> SafetyThresholds {
        self.safety.read().thresholds.clone()
    }

    /// Applies a partial update of the safety thresholds (camelCase or snake_case
    /// keys); all or nothing.
    pub fn update_safety_thresholds(&self, patch: &serde_json::Value) -> Result<SafetyThresholds> {
        self.change_settings(|| {
            let mut safety = self.safety.write();
            let mut next = safety.thresholds.clone();
            next.apply_partial(patch)?;
            let rules = SafetyRules::new(&next, &safety.settings)?;
            self.persist_setting(persist::THRESHOLDS_KEY, &next)?;
            safety.thresholds = next;
            safety.rules = Arc::new(rules);
            Ok(safety.thresholds.clone())
        })
    }

    /// Restores the default negative-sentiment rules.
    pub fn reset_sentiment_rules(&self) -> Result<SafetyThresholds> {
        let rules = crate::safety::default_sentiment_rules();
        let patch = serde_json::json!({ "negativeSentimentPatterns": rules });
        self.update_safety_thresholds(&patch)
    }

    /// The safety settings in force (blacklist, escalation keywords, approvals).
    pub fn safety_settings(&self) -> SafetySettings {
        self.safety.read().settings.clone()
    }

    /// Applies a partial update of the safety settings; all or nothing.
    pub fn update_safety_settings(&self, patch: &serde_json::Value) -> Result<SafetySettings> {
        self.change_settings(|| {
            let mut safety = self.safety.write();
            let mut next = safety.settings.clone();
            next.apply_partial(patch)?;
            let rules = SafetyRules::new(&safety.thresholds, &next)?;
            self.persist_setting(persist::SETTINGS_KEY, &next)?;
            safety.settings = next;
            safety.rules = Arc::new(rules);
            Ok(safety.settings.clone())
        })
    }

    /// Runs a change of settings on the settings in force everywhere: with a shared
    /// store it first takes in what the other engines wrote, and runs the change
    /// again when another engine's write won the race (the store refuses to
    /// overwrite a settings document it has not seen).
    pub(super) fn change_settings<R>(&self, mut change: impl FnMut() -> Result<R>) -> Result<R> {
        let mut conflicts = 0;
        loop {
            self.refresh()?;
            match change() {
                Err(Error::StoreConflict { .. }) if conflicts < CONFLICT_RETRIES => conflicts += 1,
                other => return other,
            }
        }
    }
}
