//! `Config::from_json`, `Config::apply_partial`, `SafetyThresholds::apply_partial`
//! and `SafetySettings::apply_partial` never panic on arbitrary input, and anything
//! they accept passes `validate()`.
//!
//! The input is the raw JSON text; on failure libFuzzer prints it (`Debug`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pattern_learning::config::Profile;
use pattern_learning::safety::{SafetySettings, SafetyThresholds};
use pattern_learning::Config;

fuzz_target!(|json: &str| {
    if let Ok(config) = Config::from_json(json) {
        if let Err(e) = config.validate() {
            panic!("from_json accepted {json:?} but validate() says {e}: {config:?}");
        }
    }
    let Ok(patch) = serde_json::from_str::<serde_json::Value>(json) else {
        return;
    };
    for profile in [Profile::Seed, Profile::V1] {
        let mut config = Config::from_profile(profile);
        if config.apply_partial(&patch).is_ok() {
            if let Err(e) = config.validate() {
                panic!("apply_partial accepted {json:?} on {profile:?} but validate() says {e}");
            }
        }
    }
    let mut thresholds = SafetyThresholds::default();
    if thresholds.apply_partial(&patch).is_ok() {
        if let Err(e) = thresholds.validate() {
            panic!("SafetyThresholds::apply_partial accepted {json:?} but validate() says {e}");
        }
    }
    let mut settings = SafetySettings::default();
    if settings.apply_partial(&patch).is_ok() {
        if let Err(e) = settings.validate() {
            panic!("SafetySettings::apply_partial accepted {json:?} but validate() says {e}");
        }
    }
});
