//! `docs/errors.md` is generated from the error table (`pattern_learning::ERROR_KINDS`):
//! this test fails when the file differs from the table, and rewrites it when
//! `PATTERN_LEARNING_BLESS=1` is set.

use std::path::Path;

use pattern_learning::error::{RaisedBy, ERROR_KINDS};

/// The table as the Markdown of `docs/errors.md`.
fn markdown() -> String {
    let mut out = String::from(
        "# Errors\n\n\
         <!-- Generated from the error table in core/src/error/kind.rs; do not edit. Regenerate:\n\
         \x20    PATTERN_LEARNING_BLESS=1 cargo test -p pattern-learning --test error_table -->\n\n\
         Every error has a stable code, never renamed or reused. In Rust it is\n\
         `Error::code()` (`Error::kind()` gives the whole row). In Node every error is a\n\
         `PatternLearningError` whose `code` is one of these. In Python each kind is its own\n\
         exception class under `PatternLearningError`, with the error's fields as attributes.\n\n\
         | code | Python exception | Python bases | raised by | meaning |\n\
         |---|---|---|---|---|\n",
    );
    for kind in ERROR_KINDS {
        let class = kind
            .python_class
            .map_or_else(|| "—".to_owned(), |c| format!("`{c}`"));
        let bases = if kind.python_bases.is_empty() {
            "—".to_owned()
        } else {
            let names: Vec<String> = kind.python_bases.iter().map(|b| format!("`{b}`")).collect();
            names.join(", ")
        };
        let source = match kind.raised_by {
            RaisedBy::Core => "core",
            RaisedBy::Binding => "bindings",
        };
        out.push_str(&format!(
            "| `{}` | {class} | {bases} | {source} | {} |\n",
            kind.code, kind.meaning
        ));
    }
    out
}

#[test]
fn docs_errors_md_is_generated_from_the_table() -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/errors.md");
    let expected = markdown();
    if std::env::var_os("PATTERN_LEARNING_BLESS").is_some() {
        std::fs::write(&path, &expected)?;
    }
    let found = std::fs::read_to_string(&path)?;
    assert!(
        found == expected,
        "docs/errors.md is not the error table; regenerate it with \
         PATTERN_LEARNING_BLESS=1 cargo test -p pattern-learning --test error_table"
    );
    for kind in ERROR_KINDS {
        assert!(found.contains(&format!("| `{}` |", kind.code)));
    }
    Ok(())
}
