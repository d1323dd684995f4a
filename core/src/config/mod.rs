//! Engine configuration: named profiles, environments, thresholds, learning rates,
//! validation and partial updates.
//!
//! A [`Config`] is plain data. It is validated when an engine is built or when it
//! is replaced ([`Config::validate`]); the engine never changes it on its own. The
//! auto-send gate values it carries ([`Config::gates`]) are defined, with every
//! gate, in [`crate::gates`]. A configuration is layered profile → environment →
//! explicit settings by [`Config::resolve`] (see [`environment`]).

use serde::{Deserialize, Serialize};

use crate::alerts::AlertRules;
use crate::error::{Error, Result};
use crate::gates::Gates;
use crate::privacy::Retention;

pub mod environment;

pub use environment::{ConfigValue, Environment, ENV_VAR};

mod patch;

/// A named starting point for a configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The recommended defaults: tiers 0.85 / 0.60 / 0.40 (strict), +0.15 / +0.10 / −0.20.
    #[default]
    Seed,
    /// V1's last code defaults: tiers 0.65 / 0.60 / 0.40 (inclusive), and the
    /// +0.05 / +0.02 / −0.10 increments that V1's running code applied.
    V1,
}

impl Profile {
    /// The snake_case name (`seed`, `v1`).
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Seed => "seed",
            Profile::V1 => "v1",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "seed" => Ok(Profile::Seed),
            "v1" => Ok(Profile::V1),
            other => Err(Error::InvalidConfig {
                key: "profile".into(),
                value: other.into(),
                reason: "expected `seed` or `v1`".into(),
            }),
        }
    }
}

/// Decision tiers on the decision confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Above this (or at it, when `inclusive`): auto-execute, if every gate passes.
    pub auto: f64,
    /// Above this: suggest to an operator.
    pub suggest: f64,
    /// Above this: queue for review; below: escalate (hand to a human).
    pub queue: f64,
    /// Compare with `>=` (V1) instead of `>` (seed).
    pub inclusive: bool,
}

impl Thresholds {
    /// True when `confidence` clears `threshold` under this comparison mode.
    pub fn clears(&self, confidence: f64, threshold: f64) -> bool {
        if self.inclusive {
            confidence >= threshold
        } else {
            confidence > threshold
        }
    }
}

/// How operator reactions move a pattern's confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningRates {
    /// Added on approval.
    pub approve: f64,
    /// Added when approved with edits.
    pub modify: f64,
    /// Subtracted on rejection.
    pub reject: f64,
    /// Added when an operator answers, by hand, with a reply the pattern already
    /// carries. Default 0: trust is earned by agreeing with the engine's proposals
    /// (approve / modify), not by the operator repeating a reply — otherwise a
    /// pattern could reach auto-send without anyone ever approving it.
    pub answer: f64,
    /// Confidence of a pattern created from an operator answer.
    pub initial_learned: f64,
    /// Confidence of a pattern created through pattern management, unless given.
    pub initial_manual: f64,
}

/// When a pattern becomes auto-executable without an explicit approval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// Promote automatically at all.
    pub enabled: bool,
    /// Pattern confidence must be above this.
    pub min_confidence: f64,
    /// Confirmed executions must be more than this.
    pub min_executions: u64,
}

/// Limits on automatic sending that V1 lacked, plus V1's test-number bypass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardLimits {
    /// Most automatic sends per rolling hour, across all conversations (`None`: no cap).
    pub max_auto_sends_per_hour: Option<u32>,
    /// Times one pattern may auto-reply within one conversation.
    pub max_pattern_uses_per_conversation: u32,
    /// Phone numbers that bypass the conversation guards (V1 `V3PLS_TEST_PHONES`).
    pub test_phones: Vec<String>,
}

impl Default for GuardLimits {
    fn default() -> Self {
        GuardLimits {
            max_auto_sends_per_hour: Some(120),
            max_pattern_uses_per_conversation: 1,
            test_phones: Vec::new(),
        }
    }
}

/// Engine configuration. Build one from a [`Profile`] and adjust fields.
///
/// # Example
/// ```
/// use pattern_learning::config::{Config, Profile};
/// let mut config = Config::from_profile(Profile::Seed);
/// config.thresholds.auto = 0.9;
/// assert!(config.validate().is_ok());
/// config.thresholds.suggest = 0.95;
/// assert!(config.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profile these values started from.
    pub profile: Profile,
    /// Master switch. Disabled ⇒ no outbound message of any kind.
    pub enabled: bool,
    /// Decide and record, send nothing.
    pub shadow_mode: bool,
    /// Decision tiers.
    pub thresholds: Thresholds,
    /// Confidence changes from operator reactions.
    pub learning: LearningRates,
    /// Automatic promotion to auto-executable.
    pub promotion: Promotion,
    /// Auto-send gates.
    pub gates: Gates,
    /// Conversation-independent send limits.
    pub guards: GuardLimits,
    /// When set (e.g. 0.99), the auto threshold is derived from the engine's own
    /// record of approved and rejected suggestions to reach this precision.
    pub target_precision: Option<f64>,
    /// Longest message (bytes) that is matched; longer ones are handed to a human.
    pub max_message_bytes: usize,
    /// Signature appended to automatic replies, also used to recognise them.
    pub ai_signature: Option<String>,
    /// The environment whose overlay was applied (see [`crate::config::environment`]).
    #[serde(default)]
    pub environment: Option<Environment>,
    /// Operator approvals a pattern needs before it may ever auto-send, on top of
    /// every other gate (production 2, staging 1, otherwise 0): `approve` or
    /// `modify` feedback on the pattern, counted in its history after its last
    /// undo. Hand-written answers do not count.
    #[serde(default)]
    pub approvals_before_auto_send: u32,
    /// When alerts are raised (see [`crate::alerts`]).
    #[serde(default)]
    pub alerts: AlertRules,
    /// How long decisions keep customer data (see [`Retention`]).
    #[serde(default)]
    pub retention: Retention,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_profile(Profile::Seed)
    }
}

impl Config {
    /// The values of a named profile.
    pub fn from_profile(profile: Profile) -> Self {
        let (thresholds, learning) = match profile {
            Profile::Seed => (
                Thresholds {
                    auto: 0.85,
                    suggest: 0.60,
                    queue: 0.40,
                    inclusive: false,
                },
                LearningRates {
                    approve: 0.15,
                    modify: 0.10,
                    reject: 0.20,
                    answer: 0.0,
                    initial_learned: 0.50,
                    initial_manual: 0.70,
                },
            ),
            Profile::V1 => (
                Thresholds {
                    auto: 0.65,
                    suggest: 0.60,
                    queue: 0.40,
                    inclusive: true,
                },
                LearningRates {
                    approve: 0.05,
                    modify: 0.02,
                    reject: 0.10,
                    answer: 0.0,
                    initial_learned: 0.50,
                    initial_manual: 0.70,
                },
            ),
        };
        Config {
            profile,
            enabled: true,
            shadow_mode: false,
            thresholds,
            learning,
            promotion: Promotion {
                enabled: true,
                min_confidence: 0.85,
                min_executions: 3,
            },
            gates: Gates::default(),
            guards: GuardLimits::default(),
            target_precision: None,
            max_message_bytes: 16 * 1024,
            ai_signature: None,
            environment: None,
            approvals_before_auto_send: 0,
            alerts: AlertRules::default(),
            retention: Retention::default(),
        }
    }

    /// Checks every value; the first problem found is returned as a typed error.
    pub fn validate(&self) -> Result<()> {
        self.validate_thresholds()?;
        self.validate_fractions()?;
        self.validate_limits()?;
        self.alerts.validate()?;
        self.retention.validate()
    }

    /// Each tier threshold is in `[0, 1]`, and queue ≤ suggest ≤ auto.
    fn validate_thresholds(&self) -> Result<()> {
        let t = &self.thresholds;
        for (key, value) in [
            ("thresholds.auto", t.auto),
            ("thresholds.suggest", t.suggest),
            ("thresholds.queue", t.queue),
        ] {
            unit_interval(key, value)?;
        }
        if !(t.queue <= t.suggest && t.suggest <= t.auto) {
            return Err(Error::ThresholdsOutOfOrder {
                auto: t.auto,
                suggest: t.suggest,
                queue: t.queue,
            });
        }
        Ok(())
    }

    /// Learning rates, the promotion confidence and the fractional gates are in
    /// `[0, 1]`; a target precision is above 0.5 and below 1.
    fn validate_fractions(&self) -> Result<()> {
        let (l, g) = (&self.learning, &self.gates);
        for (key, value) in [
            ("learning.approve", l.approve),
            ("learning.modify", l.modify),
            ("learning.reject", l.reject),
            ("learning.answer", l.answer),
            ("learning.initial_learned", l.initial_learned),
            ("learning.initial_manual", l.initial_manual),
            ("promotion.min_confidence", self.promotion.min_confidence),
            ("gates.min_margin", g.min_margin),
            ("gates.min_similarity", g.min_similarity),
            ("gates.clear_lead", g.clear_lead),
            ("gates.semantic_weight", g.semantic_weight),
            ("gates.foreign_word_share", g.foreign_word_share),
            ("gates.close_word_similarity", g.close_word_similarity),
        ] {
            unit_interval(key, value)?;
        }
        match self.target_precision {
            Some(p) if !(p.is_finite() && p > 0.5 && p < 1.0) => Err(invalid(
                "target_precision",
                p,
                "must be a number above 0.5 and below 1",
            )),
            _ => Ok(()),
        }
    }

    /// Counts and sizes are within their ranges.
    fn validate_limits(&self) -> Result<()> {
        if self.gates.neighbours == 0 || self.gates.neighbours > 50 {
            return Err(invalid(
                "gates.neighbours",
                self.gates.neighbours,
                "must be between 1 and 50",
            ));
        }
        if self.guards.max_auto_sends_per_hour == Some(0) {
            return Err(invalid(
                "guards.max_auto_sends_per_hour",
                0,
                "must be at least 1 (disable automatic sends with `enabled` or use `null` for no cap)",
            ));
        }
        if self.approvals_before_auto_send > 1000 {
            return Err(invalid(
                "approvals_before_auto_send",
                self.approvals_before_auto_send,
                "must be at most 1000",
            ));
        }
        if self.max_message_bytes == 0 || self.max_message_bytes > 1 << 20 {
            return Err(invalid(
                "max_message_bytes",
                self.max_message_bytes,
                "must be between 1 and 1048576",
            ));
        }
        Ok(())
    }

    /// Applies a partial update given as a JSON object, e.g.
    /// `{"thresholds": {"auto": 0.9}, "shadowMode": true}`. Keys may be snake_case
    /// or camelCase, nested or dotted (`"thresholds.auto"`); unknown keys are
    /// rejected with [`Error::UnknownSetting`], values a setting cannot hold with
    /// [`Error::InvalidConfig`] naming the setting; `profile` and `environment` may
    /// be repeated, not changed. The result is validated. All or nothing: on any
    /// error `self` is unchanged.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::Config;
    /// let mut c = Config::default();
    /// c.apply_partial(&serde_json::json!({"thresholds": {"auto": 0.9}, "shadowMode": true})).unwrap();
    /// assert_eq!((c.thresholds.auto, c.shadow_mode), (0.9, true));
    /// assert!(c.apply_partial(&serde_json::json!({"minConfidenceToAct": 0.99})).is_err());
    /// assert_eq!(c.thresholds.auto, 0.9);
    /// ```
    pub fn apply_partial(&mut self, patch: &serde_json::Value) -> Result<()> {
        *self = patch::apply(self, patch)?;
        Ok(())
    }

    /// Parses a JSON configuration document; unknown keys are rejected.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Config = serde_json::from_str(json).map_err(|e| Error::Parse {
            what: "configuration".into(),
            reason: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }
}

fn unit_interval(key: &str, value: f64) -> Result<()> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(key, value, "must be a finite number in [0, 1]"))
    }
}

fn invalid(key: &str, value: impl std::fmt::Display, reason: &str) -> Error {
    Error::InvalidConfig {
        key: key.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::{DEFAULT_CLEAR_LEAD, DEFAULT_CLEAR_LEAD_DISSENT};

    #[test]
    fn profiles_validate() {
        Config::from_profile(Profile::Seed).validate().unwrap();
        Config::from_profile(Profile::V1).validate().unwrap();
    }

    #[test]
    fn nan_threshold_is_rejected() {
        let mut c = Config::default();
        c.thresholds.auto = f64::NAN;
        assert!(
            matches!(c.validate(), Err(Error::InvalidConfig { key, .. }) if key == "thresholds.auto")
        );
    }

    #[test]
    fn out_of_order_thresholds_are_rejected() {
        let mut c = Config::default();
        c.thresholds.queue = 0.7;
        assert!(matches!(
            c.validate(),
            Err(Error::ThresholdsOutOfOrder { .. })
        ));
    }

    #[test]
    fn unknown_json_key_is_rejected() {
        let mut value = serde_json::to_value(Config::default()).unwrap();
        value["min_confidence_to_act"] = serde_json::json!(0.99);
        let err = Config::from_json(&value.to_string()).unwrap_err();
        assert!(matches!(err, Error::Parse { .. }), "{err}");
    }

    #[test]
    fn partial_update_is_all_or_nothing() {
        let mut c = Config::default();
        let err = c
            .apply_partial(&serde_json::json!({"thresholds": {"auto": 0.9, "suggest": 0.95}}))
            .unwrap_err();
        assert!(matches!(err, Error::ThresholdsOutOfOrder { .. }));
        assert_eq!(c, Config::default());
        let err = c
            .apply_partial(&serde_json::json!({"gates": {"kNeighbours": 3}}))
            .unwrap_err();
        assert!(
            matches!(err, Error::UnknownSetting { ref key, .. } if key == "gates.k_neighbours"),
            "{err}"
        );
        let err = c
            .apply_partial(&serde_json::json!({"enabled": "yes"}))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }));
        c.apply_partial(&serde_json::json!({"guards": {"maxAutoSendsPerHour": null}}))
            .unwrap();
        assert_eq!(c.guards.max_auto_sends_per_hour, None);
    }

    #[test]
    fn clear_lead_gates_default_when_absent_and_are_validated() {
        // A configuration saved before the clear-lead gates existed still loads.
        let mut value = serde_json::to_value(Config::default()).unwrap();
        let gates = value["gates"].as_object_mut().unwrap();
        gates.remove("clear_lead");
        gates.remove("clear_lead_dissent");
        let old = Config::from_json(&value.to_string()).unwrap();
        assert_eq!(old.gates.clear_lead, DEFAULT_CLEAR_LEAD);
        assert_eq!(old.gates.clear_lead_dissent, DEFAULT_CLEAR_LEAD_DISSENT);
        let mut c = Config::default();
        c.apply_partial(&serde_json::json!({"gates": {"clearLeadDissent": 0}}))
            .unwrap();
        assert_eq!(c.gates.clear_lead_dissent, 0);
        let err = c
            .apply_partial(&serde_json::json!({"gates": {"clear_lead": 1.5}}))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfig { ref key, .. } if key == "gates.clear_lead"),
            "{err}"
        );
        assert_eq!(c.gates.clear_lead, DEFAULT_CLEAR_LEAD);
    }

    #[test]
    fn seed_comparisons_are_strict_and_v1_inclusive() {
        let seed = Config::from_profile(Profile::Seed).thresholds;
        assert!(!seed.clears(0.85, seed.auto));
        let v1 = Config::from_profile(Profile::V1).thresholds;
        assert!(v1.clears(0.65, v1.auto));
    }
}
