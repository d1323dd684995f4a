//! The configuration of a V1 service: V1's profile and signature, the overrides a
//! caller may add, and V1's `getConfig()` view of the configuration in force.

use serde::Serialize;
use serde_json::{Map, Value};

use super::ai_signature::AI_SIGNATURE;
use crate::config::{Config, Profile};
use crate::engine::Engine;
use crate::error::{Error, Result};

/// The configuration a V1 service starts from: profile [`Profile::V1`] (tiers
/// 0.65 / 0.60 / 0.40, inclusive; V1's increments) with [`AI_SIGNATURE`] as the
/// automatic-reply signature, so that learning through the modern API also refuses
/// the engine's own replies.
///
/// # Example
/// ```
/// use pattern_learning::v1;
/// let config = v1::config();
/// assert_eq!(config.thresholds.auto, 0.65);
/// assert_eq!(config.ai_signature.as_deref(), Some("- ClubAI"));
/// ```
pub fn config() -> Config {
    let mut config = Config::from_profile(Profile::V1);
    config.ai_signature = Some(AI_SIGNATURE.to_owned());
    config
}

/// What the engine of a V1 service is configured from, with V1's defaults: the
/// options of the Node package's `createV1Service` (`profile`, `config`, `store`,
/// `safetyThresholds`, `safetySettings`). [`ServiceOptions::open`] opens the engine.
///
/// # Example
/// ```
/// use pattern_learning::{v1, Profile};
/// use serde_json::json;
///
/// // No options: exactly `v1::config()`.
/// assert_eq!(v1::ServiceOptions::default().resolve(None)?, v1::config());
///
/// // Overrides are merged over the profile; V1's signature stays unless replaced.
/// let options = v1::ServiceOptions {
///     profile: Some(Profile::Seed),
///     config: Some(json!({"shadowMode": true})),
///     ..v1::ServiceOptions::default()
/// };
/// let config = options.resolve(None)?;
/// assert_eq!((config.profile, config.shadow_mode), (Profile::Seed, true));
/// assert_eq!(config.ai_signature.as_deref(), Some(v1::AI_SIGNATURE));
/// # Ok::<(), pattern_learning::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceOptions {
    /// The profile to start from; [`Profile::V1`] when `None`.
    pub profile: Option<Profile>,
    /// Configuration overrides as [`Config::resolve`] reads them (camelCase or
    /// snake_case keys, nested objects merged); `None` or JSON `null` for none.
    pub config: Option<Value>,
    /// Where the service keeps its state (see [`ServiceOptions::store_location`]).
    pub store: Option<String>,
    /// Safety thresholds overrides (V1's `SafetyThresholds` keys) over the defaults.
    pub safety_thresholds: Option<Value>,
    /// Safety settings overrides (V1's `getSettings` keys) over the defaults.
    pub safety_settings: Option<Value>,
}

impl ServiceOptions {
    /// The profile the engine starts from: the one given, else [`Profile::V1`].
    pub fn profile(&self) -> Profile {
        self.profile.unwrap_or(Profile::V1)
    }

    /// The configuration overrides, with `aiSignature` set to [`AI_SIGNATURE`] unless
    /// they set it themselves (in either spelling, `null` included).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when the overrides are not a JSON object.
    pub fn overrides(&self) -> Result<Value> {
        let mut overrides = match &self.config {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(other) => {
                return Err(Error::InvalidConfig {
                    key: "configuration".to_owned(),
                    value: other.to_string().chars().take(200).collect(),
                    reason: "expected an object of settings".to_owned(),
                })
            }
        };
        if !overrides.contains_key("aiSignature") && !overrides.contains_key("ai_signature") {
            overrides.insert("aiSignature".to_owned(), AI_SIGNATURE.into());
        }
        Ok(Value::Object(overrides))
    }

    /// The configuration in layers, as [`Config::resolve_with_env`] builds it: the
    /// [profile](Self::profile), then the environment (an `environment` override,
    /// else `env_var`, the value of `PATTERN_LEARNING_ENV`), then the
    /// [overrides](Self::overrides).
    ///
    /// # Errors
    ///
    /// As [`ServiceOptions::overrides`] and [`Config::resolve_with_env`].
    pub fn resolve(&self, env_var: Option<&str>) -> Result<Config> {
        let mut settings = self.overrides()?;
        if let Value::Object(map) = &mut settings {
            map.insert("profile".to_owned(), profile_name(self.profile()));
        }
        Config::resolve_with_env(&settings, env_var)
    }
}

/// A profile's name as configuration settings spell it (`seed`, `v1`).
fn profile_name(profile: Profile) -> Value {
    serde_json::to_value(profile).unwrap_or(Value::Null)
}

/// V1's `getConfig()` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigView {
    /// The master switch.
    pub enabled: bool,
    /// V1's SMS switch; the engine has one switch, so this equals `enabled`.
    pub openphone_enabled: bool,
    /// Shadow mode.
    pub shadow_mode: bool,
}

/// V1's `getConfig()`: `{enabled, openphoneEnabled, shadowMode}` of the configuration
/// in force.
///
/// # Example
/// ```
/// use pattern_learning::{v1, Engine};
/// let view = v1::config_view(&Engine::new());
/// assert!(view.enabled && view.openphone_enabled && !view.shadow_mode);
/// ```
pub fn config_view(engine: &Engine) -> ConfigView {
    let config = engine.config();
    ConfigView {
        enabled: config.enabled,
        openphone_enabled: config.enabled,
        shadow_mode: config.shadow_mode,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::Environment;

    fn options(profile: Option<Profile>, config: Value) -> ServiceOptions {
        ServiceOptions {
            profile,
            config: Some(config),
            ..ServiceOptions::default()
        }
    }

    #[test]
    fn no_options_resolve_to_the_v1_config() {
        assert_eq!(ServiceOptions::default().resolve(None).unwrap(), config());
        let null = options(None, Value::Null);
        assert_eq!(null.resolve(None).unwrap(), config());
        assert_eq!(null.profile(), Profile::V1);
    }

    #[test]
    fn overrides_keep_v1s_signature_unless_they_replace_it() {
        let shadow = options(None, json!({"shadowMode": true}));
        assert_eq!(
            shadow.overrides().unwrap(),
            json!({"shadowMode": true, "aiSignature": "- ClubAI"})
        );
        let config = shadow.resolve(None).unwrap();
        assert!(config.shadow_mode);
        assert_eq!(config.ai_signature.as_deref(), Some(AI_SIGNATURE));

        for own in [
            json!({"aiSignature": "-- Bot"}),
            json!({"ai_signature": "-- Bot"}),
        ] {
            let config = options(None, own).resolve(None).unwrap();
            assert_eq!(config.ai_signature.as_deref(), Some("-- Bot"));
        }
        let none = options(None, json!({"aiSignature": null}));
        assert_eq!(none.resolve(None).unwrap().ai_signature, None);
    }

    #[test]
    fn another_profile_and_the_environment_are_layered_under_the_overrides() {
        let seed = options(Some(Profile::Seed), json!({"thresholds": {"auto": 0.9}}));
        let config = seed.resolve(Some("production")).unwrap();
        assert_eq!(config.profile, Profile::Seed);
        assert_eq!(config.environment, Some(Environment::Production));
        assert_eq!(config.thresholds.auto, 0.9);
        assert_eq!(config.ai_signature.as_deref(), Some(AI_SIGNATURE));
    }

    #[test]
    fn overrides_that_are_not_an_object_are_an_invalid_config() {
        for bad in [json!("shadow"), json!(1), json!([{"shadowMode": true}])] {
            let err = options(None, bad.clone()).resolve(None).unwrap_err();
            assert!(
                matches!(err, Error::InvalidConfig { ref key, .. } if key == "configuration"),
                "{bad}: {err:?}"
            );
        }
        let bad_value = options(None, json!({"thresholds": {"auto": 7}}));
        assert!(bad_value.resolve(None).is_err());
    }
}
