//! A V1 service's first boot: V1's `decision_patterns` imported into its engine
//! once, read-only, from V1's database.

use std::collections::HashSet;

use serde::Serialize;

use super::rows::{RowWarning, V1Import};
use crate::engine::{Engine, ImportOptions};
use crate::error::Result;
use crate::pattern::PatternId;

/// What `import_v1_patterns` (feature `postgres`) did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct V1PatternsImport {
    /// V1 ids imported now.
    pub imported: Vec<PatternId>,
    /// V1 ids the engine already had (imported before, or taken by a pattern made
    /// here): left as they are.
    pub already_present: Vec<PatternId>,
    /// Caveats about imported rows (`row (id N): …`).
    pub warnings: Vec<String>,
}

/// Imports every row of V1's `decision_patterns` table from V1's PostgreSQL
/// database at `url` into `engine` — read-only on V1's side (one `REPEATABLE READ
/// READ ONLY` transaction, [`rows::import_postgres`](super::rows::import_postgres)),
/// and idempotent: rows whose id the engine already has are left alone, so a second
/// call imports nothing new. Meant for a service's first boot, on the database the
/// backend already runs (the table is found through the URL's `search_path`).
///
/// Imported patterns are active when V1's were, never auto-executable (an operator
/// approves each one for automatic sending here), with V1's counters reset (V1
/// counted matches as successes). Cargo feature `postgres`.
///
/// # Errors
///
/// [`Error::Store`](crate::Error::Store) when V1's database cannot be read,
/// [`Error::Import`](crate::Error::Import) listing the rows that cannot become
/// patterns (nothing is imported then), a store error of the engine.
#[cfg(feature = "postgres")]
pub fn import_v1_patterns(engine: &Engine, url: &str) -> Result<V1PatternsImport> {
    import_v1_rows(engine, super::rows::import_postgres(url)?)
}

/// `import_v1_patterns` for rows already read (e.g. with
/// [`rows::import_json`](super::rows::import_json)): the same idempotent import.
///
/// # Example
/// ```
/// use pattern_learning::{v1, Engine, PatternId};
/// let rows = r#"[{"id": 7, "pattern_type": "gift_cards", "pattern_signature": "x",
///   "created_at": "2025-09-05T12:00:00Z", "trigger_text": "Do you sell gift cards?",
///   "response_template": "Yes, online.", "confidence_score": "0.90"}]"#;
/// let engine = Engine::new();
/// let first = v1::import_v1_rows(&engine, v1::rows::import_json(rows)?)?;
/// assert_eq!(first.imported, [PatternId(7)]);
/// let again = v1::import_v1_rows(&engine, v1::rows::import_json(rows)?)?;
/// assert!(again.imported.is_empty());
/// assert_eq!(again.already_present, [PatternId(7)]);
/// # Ok::<(), pattern_learning::Error>(())
/// ```
pub fn import_v1_rows(engine: &Engine, rows: V1Import) -> Result<V1PatternsImport> {
    let ids: Vec<PatternId> = rows.patterns.iter().map(|p| p.id).collect();
    let options = ImportOptions {
        skip_existing_ids: true,
        ..ImportOptions::default()
    };
    let imported = engine.import(rows.patterns, options)?;
    let new: HashSet<PatternId> = imported.iter().copied().collect();
    let already_present = ids.into_iter().filter(|id| !new.contains(id)).collect();
    let warnings = rows
        .warnings
        .iter()
        .filter(|w| new.contains(&PatternId(w.id)))
        .map(RowWarning::to_string)
        .collect();
    Ok(V1PatternsImport {
        imported,
        already_present,
        warnings,
    })
}
