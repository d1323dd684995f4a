//! Environment profiles: `development`, `staging`, `production`, layered between
//! the named [`Profile`] and explicit settings.
//!
//! A configuration is built in three layers, later ones winning:
//! 1. the values of the [`Profile`] (`seed` unless the settings name another);
//! 2. the environment's overlay, when an environment is selected — by the
//!    `environment` key of the settings, else by the environment variable
//!    [`ENV_VAR`] (`PATTERN_LEARNING_ENV`);
//! 3. the explicit settings (a JSON object, as [`Config::apply_partial`] takes).
//!
//! | environment | overlay |
//! |---|---|
//! | `development` | `shadow_mode: true` (decide and record, send nothing) |
//! | `staging` | `approvals_before_auto_send: 1` |
//! | `production` | `approvals_before_auto_send: 2` |
//!
//! `approvals_before_auto_send` is a hard floor on top of every other auto-send
//! gate: a pattern is never auto-sent before operators confirmed its reply that
//! many times (see [`Config::approvals_before_auto_send`]).
//! [`Config::explain`] prints the effective value of every setting and the layer
//! it came from.
//!
//! # Example
//! ```
//! use pattern_learning::Config;
//! use serde_json::json;
//! let c = Config::resolve_with_env(&json!({"thresholds": {"auto": 0.9}}), Some("production")).unwrap();
//! assert_eq!(c.approvals_before_auto_send, 2);
//! assert_eq!(c.thresholds.auto, 0.9);
//! let explained = c.explain();
//! assert!(explained.lines().any(|l| l.starts_with("approvals_before_auto_send") && l.ends_with("environment production")));
//! assert!(explained.lines().any(|l| l.starts_with("thresholds.auto") && l.ends_with("explicit")));
//! ```

use serde::{Deserialize, Serialize};

use super::{Config, Profile};
use crate::error::{Error, Result};

/// The environment variable that selects an environment: `PATTERN_LEARNING_ENV`
/// (`development`, `staging` or `production`; `dev`, `stage`, `prod` also work).
pub const ENV_VAR: &str = "PATTERN_LEARNING_ENV";

/// Where the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Starts in shadow mode: decisions are made and recorded, nothing is sent.
    Development,
    /// One operator approval before a pattern may auto-send.
    Staging,
    /// Two operator approvals before a pattern may auto-send.
    Production,
}

impl Environment {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }

    /// The environment named by [`ENV_VAR`], if it is set and not empty.
    pub fn from_env_var() -> Result<Option<Environment>> {
        match std::env::var(ENV_VAR) {
            Ok(v) if !v.trim().is_empty() => v.trim().parse().map(Some),
            _ => Ok(None),
        }
    }

    /// Applies this environment's overlay to `config` (and records it there).
    pub fn apply(self, config: &mut Config) {
        config.environment = Some(self);
        match self {
            Environment::Development => config.shadow_mode = true,
            Environment::Staging => config.approvals_before_auto_send = 1,
            Environment::Production => config.approvals_before_auto_send = 2,
        }
    }
}

impl std::str::FromStr for Environment {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Environment::Development),
            "staging" | "stage" => Ok(Environment::Staging),
            "production" | "prod" => Ok(Environment::Production),
            _ => Err(Error::InvalidConfig {
                key: "environment".into(),
                value: s.into(),
                reason: "expected `development`, `staging` or `production`".into(),
            }),
        }
    }
}

/// One effective setting and the layer it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigValue {
    /// Dotted key (`thresholds.auto`).
    pub key: String,
    /// The value in force.
    pub value: serde_json::Value,
    /// `profile seed`, `environment production` or `explicit`.
    pub source: String,
}

impl Config {
    /// Builds a configuration from the three layers (profile, environment,
    /// explicit settings); the environment comes from the settings' `environment`
    /// key, else from the variable [`ENV_VAR`].
    pub fn resolve(explicit: &serde_json::Value) -> Result<Config> {
        let env = std::env::var(ENV_VAR).ok();
        Config::resolve_with_env(explicit, env.as_deref())
    }

    /// Like [`Config::resolve`], with the environment variable's value given
    /// (`None`: not set). Explicit settings win over the environment, which wins
    /// over the profile.
    pub fn resolve_with_env(explicit: &serde_json::Value, env_var: Option<&str>) -> Result<Config> {
        let obj = explicit.as_object();
        let field = |name: &str, camel: &str| {
            obj.and_then(|o| o.get(name).or_else(|| o.get(camel)))
                .filter(|v| !v.is_null())
        };
        let text = |key: &str, v: &serde_json::Value| -> Result<String> {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::InvalidConfig {
                    key: key.into(),
                    value: v.to_string(),
                    reason: "expected a string".into(),
                })
        };
        let profile = match field("profile", "profile") {
            Some(v) => text("profile", v)?.parse()?,
            None => Profile::Seed,
        };
        let environment = match field("environment", "environment") {
            Some(v) => Some(text("environment", v)?.parse::<Environment>()?),
            None => match env_var.map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => Some(s.parse::<Environment>()?),
                None => None,
            },
        };
        let mut config = Config::from_profile(profile);
        if let Some(env) = environment {
            env.apply(&mut config);
        }
        if obj.is_some_and(|o| !o.is_empty()) {
            config.apply_partial(explicit)?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Every setting in force with the layer it came from. A value equal to the
    /// environment's overlay is attributed to the environment, one equal to the
    /// profile's to the profile, anything else to explicit settings.
    pub fn origins(&self) -> Vec<ConfigValue> {
        let base = Config::from_profile(self.profile);
        let mut layered = base.clone();
        if let Some(env) = self.environment {
            env.apply(&mut layered);
        }
        let env_name = self
            .environment
            .map(|e| format!("environment {}", e.as_str()));
        let (mut now, mut b, mut l) = (Vec::new(), Vec::new(), Vec::new());
        flatten(&to_value(self), "", &mut now);
        flatten(&to_value(&base), "", &mut b);
        flatten(&to_value(&layered), "", &mut l);
        now.into_iter()
            .map(|(key, value)| {
                let in_base = b.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
                let in_layer = l.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
                let source = if key == "environment" {
                    env_name.clone().unwrap_or_else(|| "none".into())
                } else if in_layer == Some(&value) && in_base != Some(&value) {
                    env_name.clone().unwrap_or_else(|| "explicit".into())
                } else if in_base == Some(&value) {
                    format!("profile {}", self.profile.as_str())
                } else {
                    "explicit".into()
                };
                ConfigValue { key, value, source }
            })
            .collect()
    }

    /// The effective configuration as text, one `key  value  source` line per
    /// setting (see [`Config::origins`]).
    pub fn explain(&self) -> String {
        let rows = self.origins();
        let width = rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
        let vwidth = rows
            .iter()
            .map(|r| r.value.to_string().len())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for r in rows {
            out.push_str(&format!(
                "{:<width$}  {:<vwidth$}  {}\n",
                r.key,
                r.value.to_string(),
                r.source
            ));
        }
        out
    }
}

fn to_value(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}

fn flatten(v: &serde_json::Value, prefix: &str, out: &mut Vec<(String, serde_json::Value)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(v, &key, out);
            }
        }
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source(c: &Config, key: &str) -> String {
        c.origins()
            .into_iter()
            .find(|r| r.key == key)
            .map(|r| r.source)
            .unwrap_or_default()
    }

    #[test]
    fn environments_set_their_rules() {
        let none = Config::resolve_with_env(&json!({}), None).unwrap();
        assert_eq!(none, Config::default());
        let dev = Config::resolve_with_env(&json!({}), Some("development")).unwrap();
        assert!(dev.shadow_mode);
        assert_eq!(dev.approvals_before_auto_send, 0);
        let staging = Config::resolve_with_env(&json!({}), Some("staging")).unwrap();
        assert!(!staging.shadow_mode);
        assert_eq!(staging.approvals_before_auto_send, 1);
        let prod = Config::resolve_with_env(&json!({}), Some("prod")).unwrap();
        assert_eq!(prod.approvals_before_auto_send, 2);
        assert_eq!(prod.environment, Some(Environment::Production));
    }

    #[test]
    fn explicit_settings_win_over_environment_and_profile() {
        let c = Config::resolve_with_env(
            &json!({"shadowMode": false, "thresholds": {"auto": 0.95}}),
            Some("development"),
        )
        .unwrap();
        assert!(!c.shadow_mode, "explicit wins over the environment");
        assert_eq!(c.thresholds.auto, 0.95);
        assert_eq!(source(&c, "thresholds.auto"), "explicit");
        assert_eq!(source(&c, "thresholds.suggest"), "profile seed");
        assert_eq!(source(&c, "environment"), "environment development");
        // The settings' environment wins over the variable.
        let c = Config::resolve_with_env(&json!({"environment": "staging"}), Some("production"))
            .unwrap();
        assert_eq!(c.approvals_before_auto_send, 1);
        assert_eq!(
            source(&c, "approvals_before_auto_send"),
            "environment staging"
        );
        // The profile named in the settings is the base layer.
        let c = Config::resolve_with_env(&json!({"profile": "v1"}), Some("production")).unwrap();
        assert_eq!(c.thresholds.auto, 0.65);
        assert_eq!(source(&c, "thresholds.auto"), "profile v1");
        assert_eq!(c.approvals_before_auto_send, 2);
    }

    #[test]
    fn bad_environment_names_are_typed_errors() {
        let err = Config::resolve_with_env(&json!({}), Some("prodution")).unwrap_err();
        assert_eq!(err.code(), "INVALID_CONFIG");
        let err = Config::resolve_with_env(&json!({"environment": 3}), None).unwrap_err();
        assert_eq!(err.code(), "INVALID_CONFIG");
    }
}
