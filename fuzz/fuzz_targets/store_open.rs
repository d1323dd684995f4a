//! `SqliteStore::open` and `Engine::open` on a file holding arbitrary bytes return
//! `Ok` or a typed `Error`, never panic; when they refuse the file they leave its
//! bytes exactly as they were (a damaged state file is never "repaired" by
//! overwriting it).
//!
//! The input is the file's bytes; on failure libFuzzer prints them (`Debug`).
//! Seeds include a real V1-schema store so mutations reach past the SQLite header.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pattern_learning::store::SqliteStore;
use pattern_learning::Engine;

fn check<T>(
    dir: &Path,
    name: &str,
    data: &[u8],
    open: impl FnOnce(&Path) -> pattern_learning::Result<T>,
) {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    let result = open(&path);
    if let Err(error) = result {
        let _typed: pattern_learning::Error = error;
        let after = std::fs::read(&path).unwrap();
        if after != data {
            let changed: Vec<usize> = (0..data.len().max(after.len()))
                .filter(|&i| data.get(i) != after.get(i))
                .collect();
            panic!(
                "{name}: open failed with {_typed} but changed the file \
                 ({} bytes -> {} bytes; {} bytes differ, first offsets {:?})",
                data.len(),
                after.len(),
                changed.len(),
                &changed[..changed.len().min(16)]
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    check(dir.path(), "store.db", data, |p| SqliteStore::open(p));
    check(dir.path(), "engine.db", data, |p| Engine::open(p));
});
