//! Store files readable by their owner only.
//!
//! A store holds customers' messages, so a new one is created with mode `0600`
//! (owner read and write) whatever the process's umask says; SQLite gives its
//! write-ahead log (`-wal`) and shared-memory file (`-shm`) the mode of the
//! database file, so they are private too. An existing file is not changed: when
//! other users may read or write it, the store opens with a warning event
//! (`tracing`, level WARN, target `pattern_learning::store`). Copies written with
//! [`SqliteStore::copy_to`](super::SqliteStore::copy_to) are created private as
//! well. On systems without Unix permissions nothing is checked.

use std::path::Path;

use super::schema::FileKind;
use crate::error::{Error, Result};

/// Creates a missing store file, empty and private (then it is
/// [`FileKind::Empty`]); warns about an existing one others may read.
pub(super) fn prepare(path: &Path, kind: FileKind) -> Result<FileKind> {
    if kind == FileKind::Missing {
        return match create_private(path) {
            Ok(()) => Ok(FileKind::Empty),
            // Created by someone else meanwhile: look again.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let kind = super::schema::inspect(path)?;
                warn_if_shared(path);
                Ok(kind)
            }
            Err(e) => Err(create_error(path, &e)),
        };
    }
    warn_if_shared(path);
    Ok(kind)
}

/// Creates `path` as an empty file readable and writable by its owner only;
/// fails when it exists.
pub(super) fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

fn create_error(path: &Path, e: &std::io::Error) -> Error {
    Error::Store {
        operation: "open".to_owned(),
        reason: format!("{}: cannot create the store file: {e}", path.display()),
    }
}

/// The permission bits of `path` that let users other than its owner in, if any.
#[cfg(unix)]
fn shared_bits(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    let others = mode & 0o077;
    (others != 0).then_some(mode & 0o777)
}

/// Warns when the store file, or a write-ahead log beside it, is open to other
/// users.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    for file in [path.to_owned(), super::schema::sidecar(path, "-wal")] {
        if let Some(mode) = shared_bits(&file) {
            tracing::warn!(
                target: "pattern_learning::store",
                path = %file.display(),
                mode = format!("{mode:o}"),
                "the store file can be read or written by other users; restrict it to its owner (chmod 600)"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_missing_file_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        assert_eq!(prepare(&path, FileKind::Missing).unwrap(), FileKind::Empty);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(shared_bits(&path), None);
    }

    #[test]
    fn shared_bits_name_what_others_may_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        std::fs::write(&path, b"").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(shared_bits(&path), Some(0o644));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(shared_bits(&path), None);
    }
}
