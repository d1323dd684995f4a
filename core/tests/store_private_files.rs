//! Issue #28: store files are readable by their owner only.
//!
//! A new store, its write-ahead log and its copies are created with mode 0600 even
//! when the process's umask would give others access (the test runs a child
//! process under `umask 000`); an existing file open to others still opens, with a
//! warning event. In a file of its own: `tracing` caches per call site whether
//! anyone listens (see tracing_spans.rs).
#![cfg(unix)]

mod capture;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pattern_learning::store::{SqliteStore, Store};
use pattern_learning::{Engine, Feedback, MessageContext};
use tracing::Level;

/// Set for the child process: the store path it writes.
const CHILD: &str = "PL_PRIVATE_FILES_CHILD";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The store and every file SQLite keeps beside it.
fn store_files(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let mut files: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&name))
        .collect();
    files.sort();
    files
}

/// Runs in the child: a store written through an engine, left open while the
/// parent looks (the write-ahead log exists only while it is open), then closed
/// when the parent closes stdin.
#[test]
fn child_writes_a_store() {
    let Some(path) = std::env::var_os(CHILD) else {
        return;
    };
    let engine = Engine::open(&path).unwrap();
    engine
        .feedback(&Feedback::answer("do you sell gift cards", "Yes, online."))
        .unwrap();
    engine
        .process(
            "do you sell gift cards",
            &MessageContext::new().conversation("c1"),
        )
        .unwrap();
    println!("WRITTEN");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
}

#[test]
fn a_new_store_and_its_log_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patterns.db");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000 && exec "$0" "$@""#)
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_writes_a_store",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    wait_for(&mut out, "WRITTEN");
    // Under umask 000 a file made without care is 0644 (SQLite's default) or 0666.
    let umasked = dir.path().join("probe");
    Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000 && : > "$0""#)
        .arg(&umasked)
        .status()
        .unwrap();
    assert_eq!(mode(&umasked), 0o666);
    let files = store_files(&path);
    assert!(
        files.iter().any(|f| f.ends_with("patterns.db-wal")),
        "{files:?}"
    );
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert_eq!(mode(&path), 0o600);
}

fn wait_for(out: &mut impl std::io::BufRead, marker: &str) {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
        if line.contains(marker) {
            return;
        }
    }
}

#[test]
fn a_store_open_to_others_opens_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    drop(SqliteStore::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let capture = capture::Capture::default();
    let store =
        tracing::subscriber::with_default(capture.clone(), || SqliteStore::open(&path).unwrap());
    store.load().unwrap();
    let warnings = capture.events(Level::WARN);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].target, "pattern_learning::store");
    assert_eq!(warnings[0].field("mode"), Some("644"));
    assert_eq!(
        warnings[0].field("path"),
        Some(path.display().to_string().as_str())
    );
    // The file itself is left as it was.
    assert_eq!(mode(&path), 0o644);

    // A private file opens without a word.
    drop(store);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let quiet = capture::Capture::default();
    tracing::subscriber::with_default(quiet.clone(), || SqliteStore::open(&path).unwrap());
    assert!(quiet.events(Level::WARN).is_empty(), "{:?}", quiet.lines());
}

#[test]
fn copies_are_private_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
    let copy = dir.path().join("copy.db");
    store.copy_to(&copy).unwrap();
    assert_eq!(mode(&copy), 0o600);
    assert!(SqliteStore::open(&copy).is_ok());
    // A copy over an existing file is refused and leaves it alone.
    let existing = dir.path().join("existing.db");
    std::fs::write(&existing, b"keep").unwrap();
    assert!(store.copy_to(&existing).is_err());
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep");
}
