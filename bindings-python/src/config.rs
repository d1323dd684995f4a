//! Configuration from Python: a profile name plus overrides.
//!
//! Overrides are a `dict` whose keys are configuration keys, either nested
//! (`{"thresholds": {"auto": 0.9}}`) or dotted (`{"thresholds.auto": 0.9}`). The
//! binding only turns dotted keys into nested objects and names the key of a value
//! of the wrong kind; merging, unknown keys and validation are the core's
//! [`Config::apply_partial`] (which also accepts camelCase keys). Two Python-side
//! rules stay here: the profile is chosen with the `profile` argument, never as an
//! override, and a value the core cannot deserialise (`None` for a number, a
//! negative count) is a `ParseError`, as it always was.

use pattern_learning::config::{Config, Profile};
use pattern_learning::Error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString};
use serde_json::{Map, Value};

use crate::convert::{py_to_value, type_name};
use crate::error::{core_err, invalid_config};

/// The profile's configuration with `overrides` applied, validated. The core
/// layers it: the profile, then the environment (the `environment` override, else
/// the variable `PATTERN_LEARNING_ENV`), then the overrides.
pub fn build_config(profile: &str, overrides: &Map<String, Value>) -> Result<Config, Error> {
    let profile: Profile = profile.parse()?;
    let mut explicit = patch(&Config::from_profile(profile), overrides)?;
    if let Value::Object(map) = &mut explicit {
        map.insert(
            "profile".into(),
            serde_json::to_value(profile).unwrap_or(Value::Null),
        );
    }
    let env = std::env::var(pattern_learning::config::ENV_VAR).ok();
    Config::resolve_with_env(&explicit, env.as_deref()).map_err(parse_error)
}

/// `base` with `overrides` applied (by the core, all or nothing), validated.
pub fn apply_overrides(base: &Config, overrides: &Map<String, Value>) -> Result<Config, Error> {
    let patch = patch(base, overrides)?;
    let mut next = base.clone();
    next.apply_partial(&patch).map_err(parse_error)?;
    Ok(next)
}

/// `overrides` as the nested patch [`Config::apply_partial`] takes, checked for
/// what the binding reports itself: a `profile` override, and values of the wrong
/// kind for the setting in `base` (a typed error that names the key).
pub fn patch(base: &Config, overrides: &Map<String, Value>) -> Result<Value, Error> {
    let patch = expand(overrides);
    if let Some(value) = patch.get("profile") {
        return Err(Error::InvalidConfig {
            key: "profile".into(),
            value: value.to_string(),
            reason: "choose the profile with the `profile` argument, not as an override".into(),
        });
    }
    let doc = serde_json::to_value(base).map_err(|e| Error::Parse {
        what: "configuration".into(),
        reason: e.to_string(),
    })?;
    check_kinds(&doc, &patch, "")?;
    Ok(Value::Object(patch))
}

/// The core reports a patch it cannot deserialise as `InvalidConfig` for the key
/// `configuration`; this binding has always raised `ParseError` for it.
pub fn parse_error(e: Error) -> Error {
    match e {
        Error::InvalidConfig { key, reason, .. } if key == "configuration" => Error::Parse {
            what: "configuration".into(),
            reason,
        },
        other => other,
    }
}

/// Dotted keys as nested objects, at every level; objects merge. A setting given
/// twice (dotted and nested) takes the value that comes last in key order, as when
/// overrides were applied one by one.
fn expand(overrides: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in overrides {
        let mut nested = match value {
            Value::Object(sub) => Value::Object(expand(sub)),
            other => other.clone(),
        };
        let mut parts: Vec<&str> = key.split('.').collect();
        let first = parts.remove(0);
        for part in parts.into_iter().rev() {
            let mut level = Map::new();
            level.insert(part.to_owned(), nested);
            nested = Value::Object(level);
        }
        insert_merged(&mut out, first, nested);
    }
    out
}

fn insert_merged(map: &mut Map<String, Value>, key: &str, value: Value) {
    match (map.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                insert_merged(existing, &k, v);
            }
        }
        (_, value) => {
            map.insert(key.to_owned(), value);
        }
    }
}

/// `shadowMode` → `shadow_mode`, as the core reads keys.
fn snake(key: &str) -> String {
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

/// Refuses values whose kind cannot be the setting's, naming the key. Unknown keys
/// are left to the core (which lists the known ones).
fn check_kinds(doc: &Value, patch: &Map<String, Value>, prefix: &str) -> Result<(), Error> {
    let Value::Object(doc) = doc else {
        return Ok(());
    };
    for (key, value) in patch {
        let name = snake(key);
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let Some(current) = doc.get(&name) else {
            continue;
        };
        match (current, value) {
            (Value::Object(_), Value::Object(sub)) => check_kinds(current, sub, &full)?,
            (Value::Object(_), _) => {
                return Err(Error::InvalidConfig {
                    key: full,
                    value: value.to_string(),
                    reason: "is a group of settings; give a dict".into(),
                })
            }
            (Value::Null, _) => {}
            (_, Value::Object(sub)) if !sub.is_empty() => {
                let child = sub.keys().next().map(String::as_str).unwrap_or_default();
                return Err(Error::UnknownSetting {
                    key: format!("{full}.{child}"),
                    known: "(none: the parent setting is a single value)".into(),
                });
            }
            _ => check_kind(&full, current, value)?,
        }
    }
    Ok(())
}

/// Refuses a value whose JSON kind cannot be the setting's (a typed error with
/// the key, rather than the deserialiser's message without it).
fn check_kind(key: &str, current: &Value, value: &Value) -> Result<(), Error> {
    let reason = match (current, value) {
        (_, Value::Null) | (Value::Null, _) => return Ok(()),
        (Value::Number(n), Value::Number(v)) => {
            if (n.is_u64() || n.is_i64()) && v.is_f64() {
                "expected a whole number"
            } else {
                return Ok(());
            }
        }
        (Value::Number(_), _) => "expected a number",
        (Value::Bool(_), Value::Bool(_)) => return Ok(()),
        (Value::Bool(_), _) => "expected True or False",
        (Value::String(_), Value::String(_)) => return Ok(()),
        (Value::String(_), _) => "expected a str",
        (Value::Array(_), Value::Array(_)) => return Ok(()),
        (Value::Array(_), _) => "expected a list",
        (Value::Object(_), _) => "expected a dict",
    };
    Err(Error::InvalidConfig {
        key: key.into(),
        value: value.to_string(),
        reason: reason.into(),
    })
}

/// Converts Python overrides (a dict or `None`) to JSON, refusing non-finite
/// numbers with the key they were given for.
pub fn overrides_from_py(overrides: Option<&Bound<'_, PyAny>>) -> PyResult<Map<String, Value>> {
    let Some(obj) = overrides.filter(|o| !o.is_none()) else {
        return Ok(Map::new());
    };
    let dict = obj.cast::<PyDict>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "config must be a dict of settings, got {}",
            type_name(obj)
        ))
    })?;
    check_finite(obj.py(), dict, "")?;
    match py_to_value(obj, "config")? {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

fn check_finite(py: Python<'_>, dict: &Bound<'_, PyDict>, prefix: &str) -> PyResult<()> {
    for (k, v) in dict.iter() {
        let Ok(key) = k.cast::<PyString>() else {
            continue; // refused with a TypeError by the conversion
        };
        let key = format!("{prefix}{}", key.to_cow()?);
        if let Ok(f) = v.cast::<PyFloat>() {
            let x = f.value();
            if !x.is_finite() {
                return Err(invalid_config(
                    py,
                    &key,
                    &x.to_string(),
                    "must be a finite number",
                ));
            }
        } else if let Ok(sub) = v.cast::<PyDict>() {
            check_finite(py, sub, &format!("{key}."))?;
        }
    }
    Ok(())
}

/// `profile` plus `overrides` from Python, validated by the core.
pub fn config_from_py(profile: &str, overrides: Option<&Bound<'_, PyAny>>) -> PyResult<Config> {
    let map = overrides_from_py(overrides)?;
    build_config(profile, &map).map_err(core_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// The object `v` as a map (an error for any other value).
    fn map(v: Value) -> serde_json::Result<Map<String, Value>> {
        serde_json::from_value(v)
    }

    #[test]
    fn nested_and_dotted_overrides_are_equivalent() -> TestResult {
        let a = build_config("seed", &map(json!({"thresholds": {"auto": 0.9}}))?)?;
        let b = build_config("seed", &map(json!({"thresholds.auto": 0.9}))?)?;
        assert_eq!(a, b);
        assert_eq!(a.thresholds.auto, 0.9);
        assert_eq!(a.thresholds.suggest, 0.60);
        Ok(())
    }

    #[test]
    fn profile_values_are_the_base() -> TestResult {
        let c = build_config("v1", &Map::new())?;
        assert_eq!(c, Config::from_profile(Profile::V1));
        assert!(matches!(
            build_config("v2", &Map::new()),
            Err(Error::InvalidConfig { key, .. }) if key == "profile"
        ));
        Ok(())
    }

    #[test]
    fn unknown_keys_name_the_known_ones() -> TestResult {
        let err = build_config("seed", &map(json!({"thresholds.autox": 0.9}))?).err();
        assert!(
            matches!(
                &err,
                Some(Error::UnknownSetting { key, known })
                    if key == "thresholds.autox" && known.contains("auto")
            ),
            "{err:?}"
        );
        let err = build_config("seed", &map(json!({"colour": "red"}))?).err();
        assert!(matches!(err, Some(Error::UnknownSetting { .. })), "{err:?}");
        let err = build_config("seed", &map(json!({"enabled.x": 1}))?).err();
        assert!(matches!(err, Some(Error::UnknownSetting { .. })), "{err:?}");
        Ok(())
    }

    #[test]
    fn wrong_kinds_are_invalid_config_with_the_key() -> TestResult {
        for (doc, key) in [
            (json!({"thresholds.auto": "high"}), "thresholds.auto"),
            (json!({"enabled": 1}), "enabled"),
            (json!({"gates.neighbours": 2.5}), "gates.neighbours"),
            (json!({"thresholds": 0.9}), "thresholds"),
        ] {
            let result = build_config("seed", &map(doc)?);
            assert!(
                matches!(&result, Err(Error::InvalidConfig { key: k, .. }) if k == key),
                "{key}: {result:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn core_validation_applies() -> TestResult {
        let err = build_config("seed", &map(json!({"thresholds.auto": 0.5}))?).err();
        assert!(
            matches!(err, Some(Error::ThresholdsOutOfOrder { .. })),
            "{err:?}"
        );
        let err = build_config("seed", &map(json!({"target_precision": 1.5}))?).err();
        assert!(matches!(err, Some(Error::InvalidConfig { .. })), "{err:?}");
        let ok = build_config(
            "seed",
            &map(json!({"target_precision": 0.99, "guards": {"max_auto_sends_per_hour": null}}))?,
        )?;
        assert_eq!(ok.target_precision, Some(0.99));
        assert_eq!(ok.guards.max_auto_sends_per_hour, None);
        Ok(())
    }

    #[test]
    fn dotted_and_nested_keys_merge_before_the_core_applies_them() -> TestResult {
        let c = build_config(
            "seed",
            &map(
                json!({"thresholds": {"auto": 0.9}, "thresholds.suggest": 0.7,
                        "guards": {"test_phones": ["+1"]}}),
            )?,
        )?;
        assert_eq!((c.thresholds.auto, c.thresholds.suggest), (0.9, 0.7));
        assert_eq!(c.guards.test_phones, ["+1"]);
        // The core reads camelCase keys too.
        let c = build_config("seed", &map(json!({"shadowMode": true}))?)?;
        assert!(c.shadow_mode);
        Ok(())
    }

    #[test]
    fn values_the_core_cannot_read_are_parse_errors() -> TestResult {
        for doc in [
            json!({"thresholds.auto": null}),
            json!({"gates.neighbours": -1}),
        ] {
            let err = build_config("seed", &map(doc)?).err();
            assert!(matches!(err, Some(Error::Parse { .. })), "{err:?}");
        }
        Ok(())
    }

    #[test]
    fn a_failed_patch_changes_nothing() -> TestResult {
        let base = Config::from_profile(Profile::V1);
        let err = apply_overrides(
            &base,
            &map(json!({"shadow_mode": true, "thresholds.suggest": 0.99}))?,
        )
        .err();
        assert!(
            matches!(err, Some(Error::ThresholdsOutOfOrder { .. })),
            "{err:?}"
        );
        assert_eq!(base, Config::from_profile(Profile::V1));
        Ok(())
    }

    #[test]
    fn profile_cannot_be_overridden() -> TestResult {
        let err = build_config("seed", &map(json!({"profile": "v1"}))?).err();
        assert!(matches!(err, Some(Error::InvalidConfig { key, .. }) if key == "profile"));
        Ok(())
    }
}
