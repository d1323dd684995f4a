//! [`SqliteStore`]: the embedded single-file store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use super::{
    Acceptance, Commit, DecisionRecord, ErasureCounts, ErasureRecord, Store, StoredState,
    JUDGEMENTS_KEPT,
};
use crate::book::PatternEvent;
use crate::clock::Timestamp;
use crate::decision_id::DecisionId;
use crate::error::{Error, Result};
use crate::pattern::PatternId;
use crate::privacy::Customer;

mod erase;
mod private;
mod rows;
mod schema;
#[cfg(test)]
mod tests;

use schema::{FileKind, Identity};

/// A [`Store`] in one SQLite file: crash-safe, durable, readable with `sqlite3`.
///
/// # One writer
///
/// The file belongs to one `SqliteStore` for as long as it is open: a second
/// [`open`](SqliteStore::open) of the same file, from this process or another, fails
/// at once with [`Error::StoreLocked`]. The store holds SQLite's own exclusive lock on
/// the file (`PRAGMA locking_mode = EXCLUSIVE`, taken during `open`), so the guarantee
/// comes from the same locks that protect SQLite's data and is released by the
/// operating system when the process dies. Share one engine (for example behind an
/// `Arc`) instead of opening a file twice. The lock also keeps other programs out while
/// the store is open: to look at a live store, ask the engine for a copy
/// ([`SqliteStore::copy_to`]); `sqlite3` can open the file once the store is closed.
///
/// # Durability
///
/// The file is in WAL mode with `synchronous = FULL`: when [`Store::commit`] returns,
/// the commit is in the write-ahead log and the log has been flushed to the disk, so
/// it survives a crash of the process (tested with SIGKILL in `tests/store_crash.rs`)
/// and of the machine. This costs one `fsync` per commit; `NORMAL` would save it but
/// could lose the last commits on a power failure, which is not acceptable for operator
/// feedback that has already been acknowledged.
///
/// # Files it refuses, untouched
///
/// * not an SQLite database, a truncated or damaged one → [`Error::CorruptStore`];
/// * an SQLite database of another application → [`Error::CorruptStore`];
/// * a store of a newer schema → [`Error::SchemaTooNew`].
///
/// A missing or zero-length file becomes a new store; an older schema is migrated
/// forward in one transaction.
///
/// # Example
/// ```
/// use pattern_learning::store::{Commit, SqliteStore, Store};
/// # fn main() -> pattern_learning::Result<()> {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("patterns.db");
/// {
///     let store = SqliteStore::open(&path)?;
///     store.commit(&Commit {
///         settings: vec![("config".to_owned(), serde_json::json!({"profile": "seed"}))],
///         ..Commit::default()
///     })?;
///     assert!(matches!(
///         SqliteStore::open(&path),
///         Err(pattern_learning::Error::StoreLocked { .. })
///     ));
/// }
/// let store = SqliteStore::open(&path)?;
/// assert_eq!(store.load()?.settings["config"]["profile"], "seed");
/// # Ok(())
/// # }
/// ```
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    schema_version: u32,
    /// WAL mode not switched on yet: an existing store is switched only after its
    /// first successful `load` (or before its first commit), because the switch
    /// rewrites the file header and a file refused while loading must stay
    /// byte-identical (found by the store_open fuzz target).
    wal_pending: AtomicBool,
    /// The schema version of an older store whose migration waits for its first
    /// successful `load` (or any other call), 0 when none waits: like the WAL
    /// switch, it changes the file, which must stay as it was if the load refuses it.
    migration_pending: AtomicU32,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("schema_version", &self.schema_version)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating it when the path does not exist or is an
    /// empty file, and migrating an older schema forward.
    ///
    /// # Errors
    ///
    /// [`Error::StoreLocked`] when another store holds the file;
    /// [`Error::CorruptStore`] when it is not a pattern-learning store or is damaged;
    /// [`Error::SchemaTooNew`] when a newer library wrote it (these three leave the
    /// file as it was); [`Error::Store`] when it cannot be read or written.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let path = path.as_ref();
        let kind = private::prepare(path, schema::inspect(path)?)?;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if kind != FileKind::Sqlite {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut conn =
            Connection::open_with_flags(path, flags).map_err(|e| open_error(path, "open", e))?;
        let on = |e| open_error(path, "open", e);
        // Never wait for a lock: the holder keeps it for as long as it lives.
        conn.busy_timeout(Duration::ZERO).map_err(on)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(on)?;
        conn.pragma_update(None, "trusted_schema", false)
            .map_err(on)?;
        // A refused file was only read: closing it writes nothing (an empty
        // write-ahead log has nothing to checkpoint and is deleted).
        let from = match identify(path, &conn)? {
            Identity::Store(version) => version,
            Identity::Blank => 0,
        };
        // An existing store needs no write now: its switch to WAL and the
        // migration of an older schema wait until it has loaded (see `wal_pending`
        // and `migration_pending`), so a file refused while loading stays as it was.
        let existing = from >= 1;
        configure(path, &conn, !existing)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(on)?;
        if existing {
            check_recorded_version(path, &tx, from)?;
            // Committing even an empty write transaction lets SQLite repair header
            // fields, and a file that later turns out to be damaged must stay
            // byte-identical (found by the store_open fuzz target).
            tx.rollback().map_err(|e| open_error(path, "open", e))?;
        } else {
            schema::migrate(&tx, from).map_err(|e| open_error(path, "migrate", e))?;
            check_recorded_version(path, &tx, super::SCHEMA_VERSION)?;
            tx.commit().map_err(|e| open_error(path, "migrate", e))?;
        }
        let pending = if (1..super::SCHEMA_VERSION).contains(&from) {
            from
        } else {
            0
        };
        Ok(SqliteStore {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            schema_version: super::SCHEMA_VERSION,
            wal_pending: AtomicBool::new(existing),
            migration_pending: AtomicU32::new(pending),
        })
    }

    /// The path the store was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's full consistency check (`PRAGMA integrity_check`); it reads the
    /// whole file, so its time grows with the history.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptStore`] with SQLite's findings when the file is damaged.
    pub fn check_integrity(&self) -> Result<()> {
        let conn = self.conn.lock();
        let mut stmt = conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.error("integrity check", e))?;
        let findings: Vec<String> = stmt
            .query_map([], |row| row.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error("integrity check", e))?;
        if findings == ["ok"] {
            Ok(())
        } else {
            Err(schema::corrupt(&self.path, findings.join("; ")))
        }
    }

    /// Writes a consistent copy of the store to `dest` (which must not exist), for
    /// analysts or backups, while the store stays open (`VACUUM INTO`). The copy is
    /// created readable by its owner only, like the store.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the copy cannot be written.
    pub fn copy_to(&self, dest: impl AsRef<Path>) -> Result<()> {
        let dest = dest.as_ref();
        private::create_private(dest).map_err(|e| Error::Store {
            operation: "copy".to_owned(),
            reason: format!("{}: {e}", dest.display()),
        })?;
        let conn = self.conn.lock();
        let copied = conn.execute("VACUUM INTO ?1", [dest.to_string_lossy()]);
        if let Err(e) = copied {
            // Only the empty file made above is removed.
            let _ = std::fs::remove_file(dest);
            return Err(self.error("copy", e));
        }
        Ok(())
    }

    fn error(&self, operation: &str, e: rusqlite::Error) -> Error {
        sql_error(&self.path, operation, e)
    }

    /// Switches to WAL mode if that was deferred at open.
    fn ensure_wal(&self, conn: &Connection) -> Result<()> {
        if self.wal_pending.load(Ordering::Acquire) {
            set_wal(&self.path, conn)?;
            self.wal_pending.store(false, Ordering::Release);
        }
        Ok(())
    }

    /// Runs a migration deferred at open inside `tx` (the caller commits it).
    /// Returns whether one ran.
    fn migrate_in(&self, tx: &rusqlite::Transaction<'_>) -> Result<bool> {
        let from = self.migration_pending.load(Ordering::Acquire);
        if from == 0 {
            return Ok(false);
        }
        schema::migrate(tx, from).map_err(|e| self.error("migrate", e))?;
        check_recorded_version(&self.path, tx, super::SCHEMA_VERSION)?;
        Ok(true)
    }

    /// Runs a migration deferred at open, in a transaction of its own, before a
    /// call that needs the current schema (anything but `load`, which migrates in
    /// its own transaction).
    fn ensure_current(&self, conn: &mut Connection) -> Result<()> {
        if self.migration_pending.load(Ordering::Acquire) == 0 {
            return Ok(());
        }
        self.ensure_wal(conn)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(|e| self.error("migrate", e))?;
        self.migrate_in(&tx)?;
        tx.commit().map_err(|e| self.error("migrate", e))?;
        self.migration_pending.store(0, Ordering::Release);
        Ok(())
    }
}

/// Refuses a store whose `meta` table disagrees with its header's version.
fn check_recorded_version(path: &Path, tx: &rusqlite::Transaction<'_>, version: u32) -> Result<()> {
    let recorded = schema::meta_version(tx).map_err(|e| open_error(path, "open", e))?;
    if recorded.as_deref() == Some(version.to_string().as_str()) {
        return Ok(());
    }
    Err(schema::corrupt(
        path,
        format!(
            "the meta table says schema version {}, the header {version}",
            recorded.as_deref().unwrap_or("(none)"),
        ),
    ))
}

/// Reads what the database says it is (through SQLite, so after WAL recovery).
fn identify(path: &Path, conn: &Connection) -> Result<Identity> {
    let on = |e| open_error(path, "open", e);
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(on)?;
    let user_version: i32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(on)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(on)?;
    schema::identify(path, application_id, user_version, objects)
}

/// Settings of every connection to a store that is known to be ours (WAL mode
/// only when `wal`; else `SqliteStore::ensure_wal` switches it later).
fn configure(path: &Path, conn: &Connection, wal: bool) -> Result<()> {
    let on = |e| open_error(path, "open", e);
    if wal {
        set_wal(path, conn)?;
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(on)?;
    conn.pragma_update(None, "foreign_keys", true).map_err(on)?;
    // What is deleted or overwritten is zeroed in the file (erasure, retention).
    conn.pragma_update(None, "secure_delete", true)
        .map_err(on)?;
    // Keep the write-ahead log from staying large after a big commit.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)
        .map_err(on)?;
    Ok(())
}

/// Copies the write-ahead log into the database and truncates it to nothing.
fn truncate_wal(path: &Path, conn: &Connection) -> Result<()> {
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
        .map_err(|e| sql_error(path, "checkpoint", e))?;
    if busy != 0 {
        return Err(Error::Store {
            operation: "checkpoint".to_owned(),
            reason: format!(
                "{}: the write-ahead log could not be truncated",
                path.display()
            ),
        });
    }
    Ok(())
}

/// Switches the connection to WAL mode.
fn set_wal(path: &Path, conn: &Connection) -> Result<()> {
    let on = |e| open_error(path, "open", e);
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(on)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Store {
            operation: "open".to_owned(),
            reason: format!(
                "{}: cannot switch to WAL mode (the journal mode stays {mode})",
                path.display()
            ),
        });
    }
    Ok(())
}

/// Maps an error met while opening: a lock held elsewhere is [`Error::StoreLocked`].
fn open_error(path: &Path, operation: &str, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::StoreLocked {
            path: path.display().to_string(),
        },
        _ => sql_error(path, operation, e),
    }
}

/// Maps an SQLite error: damage and undecodable rows are [`Error::CorruptStore`],
/// everything else (I/O, disk full, read-only) is [`Error::Store`].
fn sql_error(path: &Path, operation: &str, e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => {
            schema::corrupt(path, inner.to_string())
        }
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::IntegralValueOutOfRange(..) => {
            schema::corrupt(path, e.to_string())
        }
        _ => match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                schema::corrupt(path, e.to_string())
            }
            _ => Error::Store {
                operation: operation.to_owned(),
                reason: format!("{}: {e}", path.display()),
            },
        },
    }
}

/// Clamps a caller's `u64` position or count to SQLite's integer range.
fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// [`Store::load`], with the state judged by `accept` (when given) before the
    /// load's transaction — and the migration of an older schema in it — commits.
    fn load_judged(&self, accept: Option<&Acceptance<'_>>) -> Result<StoredState> {
        let mut conn = self.conn.lock();
        let on = |e| sql_error(&self.path, "load", e);
        // An older schema is migrated in the load's own transaction: if a row then
        // turns out to be unreadable, the transaction rolls back and the file is
        // left as it was.
        let behavior = if self.migration_pending.load(Ordering::Acquire) == 0 {
            TransactionBehavior::Deferred
        } else {
            TransactionBehavior::Exclusive
        };
        let tx = conn.transaction_with_behavior(behavior).map_err(on)?;
        let migrated = self.migrate_in(&tx)?;
        let state = StoredState {
            patterns: rows::load_patterns(&tx).map_err(on)?,
            rejections: rows::load_rejections(&tx).map_err(on)?,
            vectors: rows::load_vectors(&tx).map_err(on)?,
            settings: rows::load_documents(&tx, "settings", "key", "value").map_err(on)?,
            conversations: rows::load_documents(&tx, "conversations", "conversation_id", "state")
                .map_err(on)?,
            last_event_seq: rows::last_seq(&tx, "events").map_err(on)?,
            last_decision_seq: rows::last_seq(&tx, "decisions").map_err(on)?,
            judgements: rows::load_judgements(&tx, JUDGEMENTS_KEPT).map_err(on)?,
        };
        if let Some(accept) = accept {
            // Refused: dropping the transaction rolls the migration back.
            accept(&state)?;
        }
        if migrated {
            tx.commit().map_err(on)?;
            self.migration_pending.store(0, Ordering::Release);
        } else {
            // Nothing was written: do not commit (see `open`).
            tx.rollback().map_err(on)?;
        }
        self.ensure_wal(&conn)?;
        Ok(state)
    }
}

impl Store for SqliteStore {
    fn load(&self) -> Result<StoredState> {
        self.load_judged(None)
    }

    fn load_accepted(&self, accept: &Acceptance<'_>) -> Result<StoredState> {
        self.load_judged(Some(accept))
    }

    fn commit(&self, commit: &Commit) -> Result<()> {
        self.commit_erasure(commit).map(drop)
    }

    fn commit_erasure(&self, commit: &Commit) -> Result<ErasureCounts> {
        if commit.is_empty() {
            return Ok(ErasureCounts::default());
        }
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        self.ensure_wal(&conn)?;
        let on = |e| sql_error(&self.path, "commit", e);
        // Dropping the transaction on any error below rolls everything back.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on)?;
        let last_event = rows::last_seq(&tx, "events").map_err(on)?;
        let last_decision = rows::last_seq(&tx, "decisions").map_err(on)?;
        commit.check(last_event, last_decision)?;
        commit.check_references(|id| rows::pattern_exists(&tx, id).map_err(on))?;
        rows::apply_patterns(&tx, commit).map_err(on)?;
        let erased = match &commit.erasure {
            Some(e) => erase::erase(&tx, e).map_err(on)?,
            None => ErasureCounts::default(),
        };
        rows::apply_rest(&tx, commit).map_err(on)?;
        tx.commit().map_err(on)?;
        if commit.erasure.is_some() {
            // No older copy of an erased page may stay in the write-ahead log.
            truncate_wal(&self.path, &conn)?;
        }
        Ok(erased)
    }

    fn customer_decisions(&self, customer: &Customer) -> Result<Vec<DecisionRecord>> {
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        erase::customer_decisions(&conn, customer).map_err(|e| self.error("erase", e))
    }

    fn erasures(&self) -> Result<Vec<ErasureRecord>> {
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        erase::log(&conn).map_err(|e| self.error("erasures", e))
    }

    fn events(
        &self,
        pattern: Option<PatternId>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<PatternEvent>> {
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        let limit = clamp(u64::try_from(limit).unwrap_or(u64::MAX));
        rows::events(&conn, pattern, clamp(after_seq), limit).map_err(|e| self.error("events", e))
    }

    fn decisions(&self, after_seq: u64, limit: usize) -> Result<Vec<DecisionRecord>> {
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        let limit = clamp(u64::try_from(limit).unwrap_or(u64::MAX));
        rows::decisions(&conn, clamp(after_seq), limit).map_err(|e| self.error("decisions", e))
    }

    fn decision(&self, id: DecisionId) -> Result<Option<DecisionRecord>> {
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        rows::decision(&conn, id).map_err(|e| self.error("decision", e))
    }

    fn feedback_applied(&self, id: &str) -> Result<bool> {
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        rows::feedback_applied(&conn, id).map_err(|e| self.error("feedback", e))
    }

    fn auto_sends_since(&self, since: Timestamp) -> Result<Vec<Timestamp>> {
        let mut conn = self.conn.lock();
        self.ensure_current(&mut conn)?;
        rows::auto_sends_since(&conn, since).map_err(|e| self.error("sends", e))
    }

    fn schema_version(&self) -> u32 {
        self.schema_version
    }
}
