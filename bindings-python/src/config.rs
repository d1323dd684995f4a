//! Configuration from Python: a profile name plus overrides.
//!
//! Overrides are a `dict` of settings, nested (`{"thresholds": {"auto": 0.9}}`)
//! or dotted (`{"thresholds.auto": 0.9}`). The binding only converts them to JSON
//! (naming the key of a non-finite number, which JSON cannot carry); what a patch
//! may say and which error each mistake gets is the core's
//! ([`Config::requested`], [`Config::apply_partial`]), the same for every binding.

use pattern_learning::config::{Config, Profile};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString};
use serde_json::{Map, Value};

use crate::convert::{py_to_value, type_name};
use crate::error::{core_err, invalid_config};

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

/// `profile` plus `overrides` from Python, layered and validated by the core
/// ([`Config::requested`]: the profile, the environment — an `environment`
/// override, else the variable `PATTERN_LEARNING_ENV` —, then the overrides).
pub fn config_from_py(profile: &str, overrides: Option<&Bound<'_, PyAny>>) -> PyResult<Config> {
    let patch = Value::Object(overrides_from_py(overrides)?);
    let env = std::env::var(pattern_learning::config::ENV_VAR).ok();
    profile
        .parse::<Profile>()
        .and_then(|profile| Config::requested(Some(profile), None, &patch, env.as_deref()))
        .map_err(core_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_convert_to_a_json_object() -> PyResult<()> {
        Python::initialize();
        Python::attach(|py| {
            let dict = PyDict::new(py);
            dict.set_item("thresholds.auto", 0.9)?;
            let map = overrides_from_py(Some(dict.as_any()))?;
            assert_eq!(map.get("thresholds.auto"), Some(&Value::from(0.9)));
            assert!(overrides_from_py(None)?.is_empty());
            dict.set_item("gates", PyDict::new(py))?;
            dict.get_item("gates")?
                .map(|g| g.set_item("min_margin", f64::NAN))
                .transpose()?;
            let err = overrides_from_py(Some(dict.as_any())).err();
            assert!(err.is_some_and(|e| e.to_string().contains("gates.min_margin")));
            Ok(())
        })
    }
}
