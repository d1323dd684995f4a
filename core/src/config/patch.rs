//! Partial updates of a configuration: a JSON object merged key by key into the
//! configuration, snake_case or camelCase keys, unknown keys refused, all or nothing.

use super::Config;
use crate::error::{Error, Result};

impl Config {
    /// Applies a partial update given as a JSON object, e.g.
    /// `{"thresholds": {"auto": 0.9}, "shadowMode": true}`. Keys may be snake_case
    /// or camelCase; unknown keys are rejected with [`Error::UnknownSetting`]; the
    /// result is validated. All or nothing: on any error `self` is unchanged.
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
        let mut current = serde_json::to_value(&*self).map_err(|e| Error::Parse {
            what: "configuration".into(),
            reason: e.to_string(),
        })?;
        merge_patch(&mut current, patch, "")?;
        let next: Config = serde_json::from_value(current).map_err(|e| Error::InvalidConfig {
            key: "configuration".into(),
            value: patch.to_string().chars().take(200).collect(),
            reason: e.to_string(),
        })?;
        next.validate()?;
        *self = next;
        Ok(())
    }
}

/// Merges `patch` into `target` key by key (objects recurse, other values replace).
fn merge_patch(
    target: &mut serde_json::Value,
    patch: &serde_json::Value,
    path: &str,
) -> Result<()> {
    let (Some(target), Some(patch)) = (target.as_object_mut(), patch.as_object()) else {
        return Err(Error::InvalidConfig {
            key: if path.is_empty() {
                "configuration".into()
            } else {
                path.into()
            },
            value: patch.to_string().chars().take(200).collect(),
            reason: "expected a JSON object".into(),
        });
    };
    for (key, value) in patch {
        let snake = to_snake_case(key);
        let full = if path.is_empty() {
            snake.clone()
        } else {
            format!("{path}.{snake}")
        };
        let Some(slot) = target.get_mut(&snake) else {
            let mut known: Vec<&str> = target.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(Error::UnknownSetting {
                key: full,
                known: known.join(", "),
            });
        };
        if slot.is_object() && value.is_object() {
            merge_patch(slot, value, &full)?;
        } else {
            *slot = value.clone();
        }
    }
    Ok(())
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
