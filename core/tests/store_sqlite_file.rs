//! The store file: creating it, holding it exclusively, and refusing files that are
//! not ours, damaged, or newer — without changing a byte of them.

mod store_support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pattern_learning::store::{SqliteStore, Store, SCHEMA_VERSION};
use pattern_learning::Error;
use rusqlite::Connection;
use store_support::full_commit;

/// "PLRN", the application id in the header of every store.
const APPLICATION_ID: i32 = 0x504C_524E;

fn new_store_file(dir: &Path) -> PathBuf {
    let path = dir.join("store.db");
    SqliteStore::open(&path)
        .unwrap()
        .commit(&full_commit())
        .unwrap();
    path
}

fn header_values(path: &Path) -> (i32, i32, String) {
    let conn = Connection::open(path).unwrap();
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    (app, version, mode)
}

#[test]
fn a_missing_file_becomes_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    assert_eq!(store.path(), path);
    assert!(store.load().unwrap().patterns.is_empty());
    drop(store);
    assert_eq!(
        header_values(&path),
        (APPLICATION_ID, SCHEMA_VERSION as i32, "wal".to_owned())
    );
    let conn = Connection::open(&path).unwrap();
    let meta: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(meta, SCHEMA_VERSION.to_string());
}

#[test]
fn a_zero_length_file_becomes_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    SqliteStore::open(&path)
        .unwrap()
        .commit(&full_commit())
        .unwrap();
    assert_eq!(
        SqliteStore::open(&path)
            .unwrap()
            .load()
            .unwrap()
            .patterns
            .len(),
        2
    );
}

#[test]
fn a_blank_sqlite_file_becomes_a_new_store() {
    // What a crash during the very first open leaves behind.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA journal_mode = WAL; VACUUM;")
        .unwrap();
    SqliteStore::open(&path).unwrap();
    assert_eq!(header_values(&path).0, APPLICATION_ID);
}

#[test]
fn a_path_in_a_missing_directory_is_a_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(dir.path().join("no/such/dir/store.db")).unwrap_err();
    assert!(
        matches!(err, Error::Store { ref operation, .. } if operation == "open"),
        "{err:?}"
    );
}

#[test]
fn a_second_open_in_this_process_is_refused_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_store_file(dir.path());
    let first = SqliteStore::open(&path).unwrap();
    for _ in 0..3 {
        match SqliteStore::open(&path) {
            Err(Error::StoreLocked { path: locked }) => {
                assert_eq!(locked, path.display().to_string())
            }
            other => panic!("expected StoreLocked, got {other:?}"),
        }
    }
    // The refused opens did not disturb the holder.
    let state = first.load().unwrap();
    first
        .commit(&pattern_learning::store::Commit {
            settings: vec![("config".to_owned(), serde_json::json!({"after": true}))],
            ..Default::default()
        })
        .unwrap();
    drop(first);
    let second = SqliteStore::open(&path).unwrap();
    assert_eq!(second.load().unwrap().patterns, state.patterns);
    assert_eq!(second.load().unwrap().settings["config"]["after"], true);
}

/// Child side of the two-process tests: open the store, report, hold it until stdin
/// closes.
const LOCK_CHILD: &str = "PL_STORE_LOCK_CHILD";

#[test]
fn lock_child() {
    let Some(path) = std::env::var_os(LOCK_CHILD) else {
        return;
    };
    let store = SqliteStore::open(PathBuf::from(path));
    let mut out = std::io::stdout();
    match &store {
        Ok(_) => writeln!(out, "CHILD OPEN").unwrap(),
        Err(Error::StoreLocked { .. }) => writeln!(out, "CHILD LOCKED").unwrap(),
        Err(e) => writeln!(out, "CHILD ERROR {e}").unwrap(),
    }
    out.flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// Starts this test binary as a child that opens `path`; returns it and its report
/// (`OPEN`, `LOCKED` or `ERROR …`). Never waits more than a minute for it.
fn spawn_child(path: &Path) -> (std::process::Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["lock_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(LOCK_CHILD, path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // The harness may print the test's name on the same line, before the report.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("CHILD ") {
                let _ = tx.send(line[at + "CHILD ".len()..].to_owned());
            }
        }
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(report) => (child, report),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not report: {e}");
        }
    }
}

#[test]
fn another_process_cannot_open_a_held_store_and_vice_versa() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_store_file(dir.path());

    // This process holds it: the child is refused.
    let held = SqliteStore::open(&path).unwrap();
    let (mut child, report) = spawn_child(&path);
    drop(child.stdin.take());
    child.wait().unwrap();
    assert_eq!(report, "LOCKED");
    drop(held);

    // The child holds it: this process is refused until the child is gone.
    let (mut child, report) = spawn_child(&path);
    assert_eq!(report, "OPEN");
    assert!(matches!(
        SqliteStore::open(&path),
        Err(Error::StoreLocked { .. })
    ));
    drop(child.stdin.take());
    child.wait().unwrap();
    assert_eq!(
        SqliteStore::open(&path)
            .unwrap()
            .load()
            .unwrap()
            .patterns
            .len(),
        2
    );

    // A killed holder releases the lock with its process.
    let (mut child, report) = spawn_child(&path);
    assert_eq!(report, "OPEN");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        SqliteStore::open(&path)
            .unwrap()
            .load()
            .unwrap()
            .patterns
            .len(),
        2
    );
}

/// Opens `path`, expecting a refusal, and checks that the file is byte for byte
/// what it was and that no side file was left behind.
fn assert_refused_untouched(path: &Path) -> Error {
    let before = std::fs::read(path).unwrap();
    let siblings = |p: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let files_before = siblings(path);
    let err = SqliteStore::open(path).expect_err("the store should have been refused");
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "{}: the file changed",
        path.display()
    );
    assert_eq!(
        siblings(path),
        files_before,
        "{}: files were added or removed",
        path.display()
    );
    err
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_store_file(dir.path());
    let newer = dir.path().join("newer.db");
    std::fs::copy(&path, &newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    match assert_refused_untouched(&newer) {
        Error::SchemaTooNew { found, supported } => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

#[test]
fn damaged_and_foreign_files_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(new_store_file(dir.path())).unwrap();
    assert!(good.len() > 8192, "the store should span several pages");

    let mut with_header = noise(2, 8192);
    with_header[..16].copy_from_slice(b"SQLite format 3\0");
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("random bytes", noise(1, 16 * 1024)),
        ("random bytes behind an SQLite header", with_header),
        ("a valid store cut in half", good[..good.len() / 2].to_vec()),
        (
            "a valid store cut inside a page",
            good[..good.len() - 1000].to_vec(),
        ),
        (
            "a valid store without its last page",
            good[..good.len() - 4096].to_vec(),
        ),
        ("a valid store cut inside its header", good[..50].to_vec()),
        ("one newline", b"\n".to_vec()),
        ("a few spaces", b"    ".to_vec()),
        ("a text file", b"id,pattern_type\n1,faq\n".repeat(20)),
    ];
    let foreign = dir.path().join("foreign.db");
    {
        let conn = Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    cases.push((
        "an SQLite database of another application",
        std::fs::read(&foreign).unwrap(),
    ));
    let other_app = dir.path().join("other_app.db");
    {
        let conn = Connection::open(&other_app).unwrap();
        conn.execute_batch(
            "PRAGMA application_id = 1234; PRAGMA user_version = 1; CREATE TABLE patterns (id);",
        )
        .unwrap();
    }
    cases.push((
        "an SQLite database with another application id",
        std::fs::read(&other_app).unwrap(),
    ));

    for (i, (what, bytes)) in cases.into_iter().enumerate() {
        let case_dir = dir.path().join(format!("case-{i}"));
        std::fs::create_dir(&case_dir).unwrap();
        let path = case_dir.join("store.db");
        std::fs::write(&path, &bytes).unwrap();
        match assert_refused_untouched(&path) {
            Error::CorruptStore { path: p, reason } => {
                assert_eq!(p, path.display().to_string());
                assert!(!reason.is_empty(), "{what}");
            }
            other => panic!("{what}: expected CorruptStore, got {other:?}"),
        }
    }
}

#[test]
fn an_undecodable_row_is_a_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_store_file(dir.path());
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE patterns SET trigger_examples = '{\"not\": \"a list\"}' WHERE id = 1",
            [],
        )
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    match store.load() {
        Err(Error::CorruptStore { reason, .. }) => {
            assert!(
                reason.contains("patterns row 1, column trigger_examples"),
                "{reason}"
            );
        }
        other => panic!("expected CorruptStore, got {other:?}"),
    }
}

#[test]
fn analysts_can_read_a_closed_store_with_plain_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_store_file(dir.path());
    let conn =
        Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let (topic, confidence, examples, created): (String, f64, i64, String) = conn
        .query_row(
            "SELECT topic, confidence, json_array_length(trigger_examples),
                    datetime(created_at / 1000, 'unixepoch')
             FROM patterns WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (topic.as_str(), examples, created.as_str()),
        ("tech_support", 3, "2025-09-05 12:00:00")
    );
    assert_eq!(confidence, 0.1 + 0.2);
    let kinds: Vec<String> = conn
        .prepare("SELECT kind || ':' || json_extract(state, '$.examples') FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kinds, ["created:3", "created:1"]);
}

#[test]
fn a_live_store_can_be_copied_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_store_file(dir.path());
    let store = SqliteStore::open(&path).unwrap();
    store.check_integrity().unwrap();
    let copy = dir.path().join("copy.db");
    store.copy_to(&copy).unwrap();
    let copied = SqliteStore::open(&copy).unwrap();
    assert_eq!(copied.load().unwrap(), store.load().unwrap());
    assert_eq!(
        copied.events(None, 0, 10).unwrap(),
        store.events(None, 0, 10).unwrap()
    );
    // The destination must not exist.
    assert!(matches!(store.copy_to(&copy), Err(Error::Store { .. })));
}
