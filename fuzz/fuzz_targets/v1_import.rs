//! `v1::rows::import_json` and `import_csv` never panic on arbitrary input.
//!
//! The input is the raw bytes (tried as JSON text when valid UTF-8, and as CSV
//! always); on failure libFuzzer prints them (`Debug`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pattern_learning::v1::rows::{import_csv, import_json};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(import) = import_json(text) {
            let _ = format!("{import:?}");
        }
    }
    if let Ok(import) = import_csv(data) {
        let _ = format!("{import:?}");
    }
});
