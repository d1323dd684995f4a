//! Configuration from Python: a profile name plus overrides.
//!
//! Overrides are a `dict` whose keys are configuration keys, either nested
//! (`{"thresholds": {"auto": 0.9}}`) or dotted (`{"thresholds.auto": 0.9}`), as in
//! the core's JSON configuration document. They are applied to the profile's
//! values and the result is validated by the core ([`Config::validate`]).

use pattern_learning::config::{Config, Profile};
use pattern_learning::Error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString};
use serde_json::{Map, Value};

use crate::convert::{py_to_value, type_name};
use crate::error::{core_err, invalid_config};

/// The profile's configuration with `overrides` applied, validated.
pub fn build_config(profile: &str, overrides: &Map<String, Value>) -> Result<Config, Error> {
    let profile: Profile = profile.parse()?;
    let base = Config::from_profile(profile);
    apply_overrides(&base, overrides)
}

/// `base` with `overrides` applied, validated.
pub fn apply_overrides(base: &Config, overrides: &Map<String, Value>) -> Result<Config, Error> {
    let mut doc = serde_json::to_value(base).map_err(|e| Error::Parse {
        what: "configuration".into(),
        reason: e.to_string(),
    })?;
    for (key, value) in overrides {
        if key == "profile" {
            return Err(Error::InvalidConfig {
                key: "profile".into(),
                value: value.to_string(),
                reason: "choose the profile with the `profile` argument, not as an override".into(),
            });
        }
        let path: Vec<&str> = key.split('.').collect();
        merge(&mut doc, &path, key, value)?;
    }
    let config: Config = serde_json::from_value(doc).map_err(|e| Error::Parse {
        what: "configuration".into(),
        reason: e.to_string(),
    })?;
    config.validate()?;
    Ok(config)
}

/// Sets `path` (already split on dots) inside `doc` to `value`; dicts merge key by key.
fn merge(doc: &mut Value, path: &[&str], full_key: &str, value: &Value) -> Result<(), Error> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(());
    };
    let Value::Object(map) = doc else {
        return Err(Error::UnknownSetting {
            key: full_key.into(),
            known: "(none: the parent setting is a single value)".into(),
        });
    };
    if !map.contains_key(*first) {
        return Err(Error::UnknownSetting {
            key: full_key.into(),
            known: map.keys().cloned().collect::<Vec<_>>().join(", "),
        });
    }
    let Some(slot) = map.get_mut(*first) else {
        return Ok(());
    };
    if !rest.is_empty() {
        return merge(slot, rest, full_key, value);
    }
    match (&*slot, value) {
        (Value::Object(_), Value::Object(sub)) => {
            for (k, v) in sub {
                let key = format!("{full_key}.{k}");
                let parts: Vec<&str> = k.split('.').collect();
                merge(slot, &parts, &key, v)?;
            }
            Ok(())
        }
        (Value::Object(_), _) => Err(Error::InvalidConfig {
            key: full_key.into(),
            value: value.to_string(),
            reason: "is a group of settings; give a dict".into(),
        }),
        (current, _) => {
            check_kind(full_key, current, value)?;
            *slot = value.clone();
            Ok(())
        }
    }
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

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn nested_and_dotted_overrides_are_equivalent() {
        let a = build_config("seed", &map(json!({"thresholds": {"auto": 0.9}}))).unwrap();
        let b = build_config("seed", &map(json!({"thresholds.auto": 0.9}))).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.thresholds.auto, 0.9);
        assert_eq!(a.thresholds.suggest, 0.60);
    }

    #[test]
    fn profile_values_are_the_base() {
        let c = build_config("v1", &Map::new()).unwrap();
        assert_eq!(c, Config::from_profile(Profile::V1));
        assert!(matches!(
            build_config("v2", &Map::new()),
            Err(Error::InvalidConfig { key, .. }) if key == "profile"
        ));
    }

    #[test]
    fn unknown_keys_name_the_known_ones() {
        let err = build_config("seed", &map(json!({"thresholds.autox": 0.9}))).unwrap_err();
        match err {
            Error::UnknownSetting { key, known } => {
                assert_eq!(key, "thresholds.autox");
                assert!(known.contains("auto"), "{known}");
            }
            other => panic!("{other}"),
        }
        let err = build_config("seed", &map(json!({"colour": "red"}))).unwrap_err();
        assert!(matches!(err, Error::UnknownSetting { .. }), "{err}");
        let err = build_config("seed", &map(json!({"enabled.x": 1}))).unwrap_err();
        assert!(matches!(err, Error::UnknownSetting { .. }), "{err}");
    }

    #[test]
    fn wrong_kinds_are_invalid_config_with_the_key() {
        for (doc, key) in [
            (json!({"thresholds.auto": "high"}), "thresholds.auto"),
            (json!({"enabled": 1}), "enabled"),
            (json!({"gates.neighbours": 2.5}), "gates.neighbours"),
            (json!({"thresholds": 0.9}), "thresholds"),
        ] {
            match build_config("seed", &map(doc)) {
                Err(Error::InvalidConfig { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn core_validation_applies() {
        let err = build_config("seed", &map(json!({"thresholds.auto": 0.5}))).unwrap_err();
        assert!(matches!(err, Error::ThresholdsOutOfOrder { .. }), "{err}");
        let err = build_config("seed", &map(json!({"target_precision": 1.5}))).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
        let ok = build_config(
            "seed",
            &map(json!({"target_precision": 0.99, "guards": {"max_auto_sends_per_hour": null}})),
        )
        .unwrap();
        assert_eq!(ok.target_precision, Some(0.99));
        assert_eq!(ok.guards.max_auto_sends_per_hour, None);
    }

    #[test]
    fn profile_cannot_be_overridden() {
        let err = build_config("seed", &map(json!({"profile": "v1"}))).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { key, .. } if key == "profile"));
    }
}
