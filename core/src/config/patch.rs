//! Configuration patches: partial updates given as JSON, and the configuration a
//! caller asks for by profile, environment and patch.
//!
//! This is the one place that decides what a patch may say and which typed error
//! each mistake gets, so every binding answers the same bad patch the same way:
//!
//! * keys are snake_case or camelCase, nested (`{"thresholds": {"auto": 0.9}}`) or
//!   dotted (`{"thresholds.auto": 0.9}`); a key named twice takes the last value;
//! * an unknown key, or a key below a single value, is [`Error::UnknownSetting`];
//! * a value the setting cannot hold (a string for a number, `null` for a required
//!   number, a negative count, a group of settings replaced by a number) is
//!   [`Error::InvalidConfig`] naming that setting's dotted key;
//! * `profile` and `environment` only name where values came from: a patch may
//!   repeat them, not change them (build a new configuration for that);
//! * the result is validated ([`Config::validate`]); on any error nothing changes.

use serde_json::{Map, Value};

use super::environment::Environment;
use super::{Config, Profile};
use crate::error::{Error, Result};

/// Keys a patch may repeat but not change.
const FIXED: [&str; 2] = ["profile", "environment"];

/// `base` with `patch` applied, validated.
pub(super) fn apply(base: &Config, patch: &Value) -> Result<Config> {
    let patch = normalize(patch)?;
    let current = to_document(base)?;
    check_fixed(&current, &patch)?;
    let mut next = current.clone();
    merge(&mut next, &patch, "")?;
    let config: Config = match serde_json::from_value(Value::Object(next)) {
        Ok(config) => config,
        Err(e) => return Err(explain(&current, &patch, &e)),
    };
    config.validate()?;
    Ok(config)
}

impl Config {
    /// The configuration a caller asks for with a profile (default `seed`), an
    /// environment and a patch, layered by [`Config::resolve_with_env`]: the
    /// profile, then the environment (`environment`, else the patch's
    /// `environment` key, else `env_var`, the value of
    /// [`ENV_VAR`](super::ENV_VAR)), then the patch. A `profile` key in
    /// the patch is refused: the profile is chosen with `profile`.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::config::{Config, Profile};
    /// use serde_json::json;
    /// let c = Config::requested(Some(Profile::V1), Some("staging"), &json!({"thresholds.auto": 0.9}), None).unwrap();
    /// assert_eq!((c.profile, c.thresholds.auto, c.approvals_before_auto_send), (Profile::V1, 0.9, 1));
    /// let err = Config::requested(None, None, &json!({"profile": "v1"}), None).unwrap_err();
    /// assert_eq!(err.code(), "INVALID_CONFIG");
    /// ```
    pub fn requested(
        profile: Option<Profile>,
        environment: Option<&str>,
        patch: &Value,
        env_var: Option<&str>,
    ) -> Result<Config> {
        let mut explicit = normalize(patch)?;
        if let Some(value) = explicit.get("profile") {
            return Err(Error::InvalidConfig {
                key: "profile".into(),
                value: value.to_string(),
                reason: "choose the profile with the `profile` option, not in the configuration"
                    .into(),
            });
        }
        let profile = profile.unwrap_or_default().as_str();
        explicit.insert("profile".into(), Value::String(profile.into()));
        if let Some(environment) = environment {
            let environment = environment.trim().parse::<Environment>()?;
            explicit.insert("environment".into(), environment.as_str().into());
        }
        Config::resolve_with_env(&Value::Object(explicit), env_var)
    }
}

fn to_document(config: &Config) -> Result<Map<String, Value>> {
    match serde_json::to_value(config) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(parse_error("the configuration is not a JSON object".into())),
        Err(e) => Err(parse_error(e.to_string())),
    }
}

fn parse_error(reason: String) -> Error {
    Error::Parse {
        what: "configuration".into(),
        reason,
    }
}

/// The patch with snake_case keys and dotted keys nested, at every level.
fn normalize(patch: &Value) -> Result<Map<String, Value>> {
    let Value::Object(map) = patch else {
        return Err(Error::InvalidConfig {
            key: "configuration".into(),
            value: shorten(patch),
            reason: "expected a JSON object of settings".into(),
        });
    };
    Ok(normalize_map(map))
}

fn normalize_map(map: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        let mut nested = match value {
            Value::Object(sub) => Value::Object(normalize_map(sub)),
            other => other.clone(),
        };
        let mut parts: Vec<String> = key.split('.').map(to_snake_case).collect();
        let first = parts.remove(0);
        for part in parts.into_iter().rev() {
            nested = Value::Object(Map::from_iter([(part, nested)]));
        }
        insert_merged(&mut out, first, nested);
    }
    out
}

/// Inserts `value` at `key`; objects merge key by key, anything else replaces.
fn insert_merged(map: &mut Map<String, Value>, key: String, value: Value) {
    match (map.get_mut(&key), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                insert_merged(existing, k, v);
            }
        }
        (_, value) => {
            map.insert(key, value);
        }
    }
}

/// `shadowMode` → `shadow_mode`; snake_case stays as it is.
fn to_snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for ch in key.chars() {
        if ch.is_ascii_uppercase() {
            out.push('_');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn check_fixed(current: &Map<String, Value>, patch: &Map<String, Value>) -> Result<()> {
    for key in FIXED {
        let Some(value) = patch.get(key) else {
            continue;
        };
        if current.get(key).unwrap_or(&Value::Null) != value {
            return Err(Error::InvalidConfig {
                key: key.into(),
                value: shorten(value),
                reason: format!(
                    "`{key}` names where the values came from and cannot be changed by a patch; \
                     build a new configuration with the {key} you want"
                ),
            });
        }
    }
    Ok(())
}

/// Merges `patch` into `target` key by key; objects recurse, other values replace.
fn merge(target: &mut Map<String, Value>, patch: &Map<String, Value>, path: &str) -> Result<()> {
    for (key, value) in patch {
        let full = join(path, key);
        let Some(slot) = target.get_mut(key) else {
            let mut known: Vec<&str> = target.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(Error::UnknownSetting {
                key: full,
                known: known.join(", "),
            });
        };
        match (slot, value) {
            (Value::Object(group), Value::Object(sub)) => merge(group, sub, &full)?,
            (slot, Value::Object(sub)) if !slot.is_null() && !sub.is_empty() => {
                let child = sub.keys().next().map_or("", String::as_str);
                return Err(Error::UnknownSetting {
                    key: join(&full, child),
                    known: format!("(none: `{full}` is a single value)"),
                });
            }
            (slot, value) => *slot = value.clone(),
        }
    }
    Ok(())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The error for a merged document that does not deserialise: the first setting
/// of the patch that fails on its own, named by its dotted key.
fn explain(
    current: &Map<String, Value>,
    patch: &Map<String, Value>,
    whole: &serde_json::Error,
) -> Error {
    let mut leaves = Vec::new();
    leaves_of(current, patch, "", &mut leaves);
    for (key, value) in leaves {
        let mut alone = current.clone();
        let mut single = Map::new();
        single.insert(key.clone(), value.clone());
        let single = normalize_map(&single);
        if merge(&mut alone, &single, "").is_err() {
            continue;
        }
        if let Err(e) = serde_json::from_value::<Config>(Value::Object(alone)) {
            return Error::InvalidConfig {
                key,
                value: shorten(value),
                reason: e.to_string(),
            };
        }
    }
    Error::InvalidConfig {
        key: "configuration".into(),
        value: shorten(&Value::Object(patch.clone())),
        reason: whole.to_string(),
    }
}

/// The settings a patch replaces, with their dotted keys, in patch order.
fn leaves_of<'p>(
    current: &Map<String, Value>,
    patch: &'p Map<String, Value>,
    path: &str,
    out: &mut Vec<(String, &'p Value)>,
) {
    for (key, value) in patch {
        let full = join(path, key);
        match (current.get(key), value) {
            (Some(Value::Object(group)), Value::Object(sub)) => leaves_of(group, sub, &full, out),
            _ => out.push((full, value)),
        }
    }
}

/// A value as text, at most 200 characters (for error messages).
fn shorten(value: &Value) -> String {
    value.to_string().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code_and_key(patch: Value) -> (String, String) {
        match apply(&Config::default(), &patch) {
            Ok(_) => ("OK".into(), String::new()),
            Err(e) => {
                let key = match &e {
                    Error::InvalidConfig { key, .. } | Error::UnknownSetting { key, .. } => {
                        key.clone()
                    }
                    _ => String::new(),
                };
                (e.code().into(), key)
            }
        }
    }

    #[test]
    fn nested_dotted_and_camel_case_keys_are_the_same_setting() -> Result<()> {
        let base = Config::default();
        let a = apply(
            &base,
            &json!({"thresholds": {"auto": 0.9}, "shadowMode": true}),
        )?;
        let b = apply(&base, &json!({"thresholds.auto": 0.9, "shadow_mode": true}))?;
        assert_eq!(a, b);
        assert_eq!((a.thresholds.auto, a.shadow_mode), (0.9, true));
        assert_eq!(a.thresholds.suggest, base.thresholds.suggest);
        let c = apply(
            &base,
            &json!({"thresholds": {"auto": 0.9}, "thresholds.suggest": 0.7, "gates.clearLeadDissent": 0}),
        )?;
        assert_eq!((c.thresholds.auto, c.thresholds.suggest), (0.9, 0.7));
        assert_eq!(c.gates.clear_lead_dissent, 0);
        Ok(())
    }

    #[test]
    fn wrong_values_are_invalid_config_naming_the_setting() {
        for (patch, key) in [
            (json!({"thresholds.auto": "high"}), "thresholds.auto"),
            (json!({"thresholds": {"auto": null}}), "thresholds.auto"),
            (json!({"enabled": 1}), "enabled"),
            (json!({"gates.neighbours": 2.5}), "gates.neighbours"),
            (json!({"gates": {"neighbours": -1}}), "gates.neighbours"),
            (json!({"thresholds": 0.9}), "thresholds"),
            (
                json!({"shadowMode": true, "alerts": {"guardRepeat": "x"}}),
                "alerts.guard_repeat",
            ),
        ] {
            assert_eq!(
                code_and_key(patch.clone()),
                ("INVALID_CONFIG".into(), key.into()),
                "{patch}"
            );
        }
    }

    #[test]
    fn unknown_keys_are_unknown_settings_listing_the_known_ones() {
        for (patch, key) in [
            (json!({"colour": "red"}), "colour"),
            (json!({"thresholds": {"autox": 0.9}}), "thresholds.autox"),
            (json!({"thresholds.autox": 0.9}), "thresholds.autox"),
            (json!({"enabled.x": 1}), "enabled.x"),
            (json!({"enabled": {"x": 1}}), "enabled.x"),
        ] {
            assert_eq!(
                code_and_key(patch.clone()),
                ("UNKNOWN_SETTING".into(), key.into()),
                "{patch}"
            );
        }
        let err = apply(&Config::default(), &json!({"thresholds": {"autox": 1}})).err();
        assert!(
            matches!(&err, Some(Error::UnknownSetting { known, .. }) if known.contains("suggest")),
            "{err:?}"
        );
    }

    #[test]
    fn profile_and_environment_may_be_repeated_not_changed() -> Result<()> {
        let base = Config::default();
        assert_eq!(apply(&base, &json!({"profile": "seed"}))?, base);
        assert_eq!(apply(&base, &json!({"environment": null}))?, base);
        for patch in [
            json!({"profile": "v1"}),
            json!({"environment": "production"}),
        ] {
            let err = apply(&base, &patch).err();
            assert!(
                matches!(&err, Some(Error::InvalidConfig { .. })),
                "{patch}: {err:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_patch_must_be_an_object_and_nothing_changes_on_error() {
        assert_eq!(
            code_and_key(json!([1])),
            ("INVALID_CONFIG".into(), "configuration".into())
        );
        let mut config = Config::default();
        let err = config.apply_partial(&json!({"shadowMode": true, "thresholds.suggest": 0.99}));
        assert!(matches!(err, Err(Error::ThresholdsOutOfOrder { .. })));
        assert_eq!(config, Config::default());
    }

    #[test]
    fn requested_layers_profile_environment_and_patch() -> Result<()> {
        let c = Config::requested(None, None, &json!({}), None)?;
        assert_eq!(c, Config::default());
        let c = Config::requested(Some(Profile::V1), None, &json!({}), Some("production"))?;
        assert_eq!(c.approvals_before_auto_send, 2);
        assert_eq!(c.profile, Profile::V1);
        // The option wins over the patch's environment, which wins over the variable.
        let c = Config::requested(
            None,
            None,
            &json!({"environment": "staging"}),
            Some("production"),
        )?;
        assert_eq!(c.approvals_before_auto_send, 1);
        let c = Config::requested(
            None,
            Some("development"),
            &json!({"environment": "staging"}),
            None,
        )?;
        assert!(c.shadow_mode);
        let err = Config::requested(None, None, &json!({"profile": "seed"}), None).err();
        assert!(matches!(&err, Some(Error::InvalidConfig { key, .. }) if key == "profile"));
        let err = Config::requested(None, None, &json!(5), None).err();
        assert!(matches!(&err, Some(Error::InvalidConfig { key, .. }) if key == "configuration"));
        Ok(())
    }
}
