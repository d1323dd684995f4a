//! The file format: recognising a store file, and migrating its schema forward.
//!
//! A store is an SQLite database whose header carries [`APPLICATION_ID`] and whose
//! `user_version` is the schema version (also kept in the `meta` table for people
//! reading the file). Schema changes are forward [`MIGRATIONS`], applied in order at
//! open inside one transaction: a file is either fully at the new version or untouched.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::store::SCHEMA_VERSION;

/// `PRAGMA application_id` of every store: "PLRN" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x504C_524E;

/// One forward step of the schema.
pub(crate) struct Migration {
    /// The schema version the migration produces.
    pub version: u32,
    /// SQL run inside the migration's transaction.
    pub sql: &'static str,
}

/// Every migration, oldest first; the last one's version is [`SCHEMA_VERSION`].
///
/// Never edit a released migration: add a new one (and a frozen fixture of the
/// previous version under `core/tests/data/store/`).
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("migrations/0002_durable_state.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("migrations/0003_privacy.sql"),
    },
];

/// What is at a path before SQLite is allowed to touch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Nothing there: a new store is created.
    Missing,
    /// A zero-length file: a new store is created in it.
    Empty,
    /// A file with an SQLite header.
    Sqlite,
}

/// Size of the SQLite file header.
const HEADER_LEN: usize = 100;
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Looks at the file without SQLite, so that nothing that is not an SQLite database
/// is ever opened (SQLite would initialise a file shorter than its header in place).
pub(crate) fn inspect(path: &Path) -> Result<FileKind> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(FileKind::Missing),
        Err(e) => return Err(io_error(path, &e)),
    };
    let len = file.metadata().map_err(|e| io_error(path, &e))?.len();
    if len == 0 {
        return Ok(FileKind::Empty);
    }
    if (len as usize) < HEADER_LEN {
        return Err(corrupt(
            path,
            format!("the file is {len} bytes long, too short to be an SQLite database"),
        ));
    }
    let mut header = [0u8; HEADER_LEN];
    file.read_exact(&mut header)
        .map_err(|e| io_error(path, &e))?;
    if &header[..16] != SQLITE_MAGIC {
        return Err(corrupt(
            path,
            "the file is not an SQLite database (no SQLite header)".to_owned(),
        ));
    }
    if let Some(expected) = size_in_header(&header) {
        // A non-empty write-ahead log may hold pages the file does not have yet (a
        // checkpoint cut short by a crash); SQLite completes them. Without one, a
        // file shorter than its header says was truncated.
        if len < expected && !has_wal_content(path) {
            return Err(corrupt(
                path,
                format!(
                    "the file is {len} bytes long but its header says {expected}: it was truncated"
                ),
            ));
        }
    }
    Ok(FileKind::Sqlite)
}

/// The database size the header records, in bytes, when that record is valid
/// (SQLite file format §1.3: non-zero, and the change counter matches the
/// version-valid-for number).
fn size_in_header(header: &[u8; HEADER_LEN]) -> Option<u64> {
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(be32(28));
    (pages > 0 && be32(24) == be32(92)).then_some(pages * page_size)
}

fn has_wal_content(path: &Path) -> bool {
    std::fs::metadata(sidecar(path, "-wal")).is_ok_and(|m| m.len() > 0)
}

/// A file SQLite keeps beside the database: `-wal`, `-shm`, `-journal`.
pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// What the database says it is, read through SQLite (after WAL recovery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity {
    /// A store at this schema version.
    Store(u32),
    /// An SQLite database without any table or identity: a new store goes in it.
    Blank,
}

/// Classifies a database from its `application_id`, `user_version` and number of
/// schema objects.
pub(crate) fn identify(
    path: &Path,
    application_id: i32,
    user_version: i32,
    objects: i64,
) -> Result<Identity> {
    if application_id == APPLICATION_ID {
        return match u32::try_from(user_version) {
            Ok(version) if version > SCHEMA_VERSION => Err(Error::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            }),
            Ok(version) if version >= 1 => Ok(Identity::Store(version)),
            _ => Err(corrupt(
                path,
                format!("a pattern-learning store with an invalid schema version {user_version}"),
            )),
        };
    }
    if application_id == 0 && user_version == 0 && objects == 0 {
        return Ok(Identity::Blank);
    }
    Err(corrupt(
        path,
        format!(
            "an SQLite database of another application (application_id {application_id:#010x}, expected {APPLICATION_ID:#010x}), not a pattern-learning store"
        ),
    ))
}

/// Brings the schema from `from` (0 for a blank database) to [`SCHEMA_VERSION`]
/// inside `tx`, and records the version in the header and the `meta` table.
pub(crate) fn migrate(tx: &Transaction<'_>, from: u32) -> rusqlite::Result<()> {
    let library = concat!("pattern-learning ", env!("CARGO_PKG_VERSION"));
    for migration in MIGRATIONS.iter().filter(|m| m.version > from) {
        tx.execute_batch(migration.sql)?;
    }
    if from == 0 {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('created_by', ?1)",
            [library],
        )?;
    }
    if from < SCHEMA_VERSION {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('migrated_by', ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            rusqlite::params![SCHEMA_VERSION.to_string(), library],
        )?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(())
}

/// The schema version recorded in the `meta` table, if any.
pub(crate) fn meta_version(tx: &Transaction<'_>) -> rusqlite::Result<Option<String>> {
    tx.query_row(
        "SELECT value FROM meta WHERE key = 'schema_version'",
        [],
        |row| row.get(0),
    )
    .optional()
}

pub(crate) fn corrupt(path: &Path, reason: String) -> Error {
    Error::CorruptStore {
        path: path.display().to_string(),
        reason,
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::Store {
        operation: "open".to_owned(),
        reason: format!("{}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_ordered_and_end_at_the_current_version() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
    }

    #[test]
    fn identity_from_header_values() {
        let path = Path::new("x.db");
        assert_eq!(
            identify(path, APPLICATION_ID, 1, 9).ok(),
            Some(Identity::Store(1))
        );
        assert_eq!(identify(path, 0, 0, 0).ok(), Some(Identity::Blank));
        let newer = SCHEMA_VERSION + 1;
        assert!(matches!(
            identify(path, APPLICATION_ID, newer as i32, 9),
            Err(Error::SchemaTooNew { found, supported: SCHEMA_VERSION }) if found == newer
        ));
        assert!(matches!(
            identify(path, APPLICATION_ID, 0, 9),
            Err(Error::CorruptStore { .. })
        ));
        assert!(matches!(
            identify(path, 0, 0, 1),
            Err(Error::CorruptStore { .. })
        ));
        assert!(matches!(
            identify(path, 0x1234, 3, 1),
            Err(Error::CorruptStore { .. })
        ));
    }
}
