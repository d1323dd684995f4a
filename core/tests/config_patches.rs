//! The configuration patches of `tests/data/config_patches.json`, each with the
//! error code (and setting key) every layer must give for it. The Node and Python
//! bindings run the same file through their own APIs (`test/errors.test.js`,
//! `tests/test_errors.py`), so the same bad patch gets the same error everywhere.

use pattern_learning::{Config, Error};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Case {
    patch: Value,
    code: Option<String>,
    key: Option<String>,
}

fn cases() -> Result<Vec<Case>, Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/config_patches.json"
    );
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// The code and setting key of a result (`None` for success).
fn outcome(result: Result<Config, Error>) -> (Option<String>, Option<String>) {
    match result {
        Ok(_) => (None, None),
        Err(e) => {
            let key = match &e {
                Error::InvalidConfig { key, .. } | Error::UnknownSetting { key, .. } => {
                    Some(key.clone())
                }
                _ => None,
            };
            (Some(e.code().to_owned()), key)
        }
    }
}

#[test]
fn every_patch_gets_its_code_when_building_and_when_updating(
) -> Result<(), Box<dyn std::error::Error>> {
    let cases = cases()?;
    assert!(cases.len() >= 10);
    for case in cases {
        let expected = (case.code.clone(), case.key.clone());
        let built = Config::requested(None, None, &case.patch, None);
        assert_eq!(outcome(built), expected, "building with {}", case.patch);
        let mut config = Config::default();
        let updated = config.apply_partial(&case.patch).map(|()| config.clone());
        assert_eq!(outcome(updated), expected, "updating with {}", case.patch);
        if case.code.is_some() {
            assert_eq!(config, Config::default(), "a refused patch changed nothing");
        }
    }
    Ok(())
}
