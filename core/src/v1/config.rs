//! The configuration of a V1 service: V1's profile and signature, and V1's
//! `getConfig()` view of the configuration in force.

use serde::Serialize;

use super::ai_signature::AI_SIGNATURE;
use crate::config::{Config, Profile};
use crate::engine::Engine;

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
