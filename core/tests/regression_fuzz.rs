//! One test per fuzzer finding, named after it; the inputs live in
//! `fuzz/regressions/<target>/`.

use pattern_learning::text::normalize;

fn regression(target: &str, name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target)
        .join(name)
}

/// normalize_signature: NFKC before case folding left combining marks out of
/// canonical order after `İ`, so normalising twice changed the text.
#[test]
fn fuzz_normalize_not_idempotent_dotted_capital_i_then_mark() {
    let bytes = std::fs::read(regression(
        "normalize_signature",
        "normalize-not-idempotent-dotted-capital-i-then-mark",
    ))
    .unwrap();
    let input = String::from_utf8_lossy(&bytes);
    let once = normalize(&input);
    assert_eq!(normalize(&once), once);
    assert_eq!(
        pattern_learning::signature::signature(&once),
        pattern_learning::signature::signature(&input)
    );
}

/// store_open: opening committed an empty transaction, which let SQLite repair
/// header fields of a file that the load then refused as damaged, so the file was
/// changed although the error said it was not.
#[test]
fn fuzz_engine_open_err_rewrites_sqlite_header() {
    assert_refused_and_untouched("engine-open-err-rewrites-sqlite-header.db");
}

/// store_open: `SqliteStore::open` switched an existing store to WAL mode (which
/// rewrites the file header) before `Engine::open` had read its rows; a row the
/// load then refused left a changed file behind. The switch now waits for the
/// first successful load or commit.
#[test]
fn fuzz_engine_open_err_switches_to_wal() {
    assert_refused_and_untouched("engine-open-err-switches-to-wal.db");
}

/// Opening the store_open reproducer `name` (copied) fails as a corrupt store and
/// leaves the file's bytes as they were.
fn assert_refused_and_untouched(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    std::fs::copy(regression("store_open", name), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = pattern_learning::Engine::open(&path).unwrap_err();
    assert!(
        matches!(err, pattern_learning::Error::CorruptStore { .. }),
        "{name}: {err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "{name}: a refused file is left untouched"
    );
}
