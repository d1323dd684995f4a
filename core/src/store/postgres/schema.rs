//! The PostgreSQL schema: recognising a store, and migrating it forward at open.
//!
//! A store lives in one PostgreSQL schema (namespace). Its `meta` table holds the
//! schema version; forward [`MIGRATIONS`] run at open in one transaction, under a
//! transaction-scoped advisory lock so that engines starting together migrate once.

use postgres::Transaction;

use super::{pg_error, Label};
use crate::error::{Error, Result};

/// The newest schema version of a PostgreSQL store this library reads and writes.
pub const POSTGRES_SCHEMA_VERSION: u32 = 3;

/// Every migration, oldest first: (version it produces, SQL). Never edit a released
/// one; add a new one.
const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("migrations/0001_initial.sql")),
    (2, include_str!("migrations/0002_durable_state.sql")),
    (3, include_str!("migrations/0003_privacy.sql")),
];

/// Key of the advisory lock held while a store is created or migrated ("PLRN").
pub(super) const MIGRATION_LOCK: i64 = 0x504C_524E;

/// Brings the store in the current schema (`search_path`) to
/// [`POSTGRES_SCHEMA_VERSION`], or refuses it untouched.
pub(super) fn migrate(tx: &mut Transaction<'_>, label: &Label) -> Result<()> {
    let on = |e| pg_error(label, "migrate", e);
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(on)?;
    let has_meta: bool = tx
        .query_one(
            "SELECT to_regclass(current_schema() || '.meta') IS NOT NULL",
            &[],
        )
        .map_err(on)?
        .get(0);
    let from = if has_meta {
        let row = tx
            .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
            .map_err(on)?;
        let text: String = row
            .map(|r| r.get(0))
            .ok_or_else(|| corrupt(label, "the meta table has no schema_version".into()))?;
        text.parse::<u32>().map_err(|_| {
            corrupt(
                label,
                format!("the meta table says schema_version {text:?}, not a number"),
            )
        })?
    } else {
        let tables: i64 = tx
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
                &[],
            )
            .map_err(on)?
            .get(0);
        if tables > 0 {
            return Err(corrupt(
                label,
                format!("the schema holds {tables} table(s) but no pattern-learning meta table: it belongs to another application"),
            ));
        }
        0
    };
    if from > POSTGRES_SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: from,
            supported: POSTGRES_SCHEMA_VERSION,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > from) {
        tx.batch_execute(sql).map_err(on)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&version.to_string()],
        )
        .map_err(on)?;
    }
    if from == 0 {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('created_by', $1)",
            &[&format!("pattern-learning {}", env!("CARGO_PKG_VERSION"))],
        )
        .map_err(on)?;
    }
    Ok(())
}

fn corrupt(label: &Label, reason: String) -> Error {
    Error::CorruptStore {
        path: label.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_migration_is_the_current_version() {
        assert_eq!(
            MIGRATIONS.last().map(|m| m.0),
            Some(POSTGRES_SCHEMA_VERSION)
        );
        assert!(MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
