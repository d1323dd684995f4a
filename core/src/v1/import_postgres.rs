//! Reading V1's `decision_patterns` table straight from its PostgreSQL database.

use crate::error::Result;
use crate::store::postgres::{pg_error, Target};

/// The rows of `decision_patterns` (found through the connection's `search_path`)
/// as a JSON array, read in one read-only transaction, over TLS as the connection
/// string's `sslmode` asks (as for the store). The `embedding` column is left out
/// (its 1536 floats per row serve no purpose here).
pub(crate) fn decision_patterns_json(url: &str) -> Result<String> {
    let target = Target::parse(url, "schema of V1", "import")?;
    let on = |e| pg_error(&target.label, "import", e);
    let mut client = target.connect("import")?;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(on)?;
    let json: String = tx
        .query_one(
            "SELECT coalesce(jsonb_agg(to_jsonb(p) - 'embedding' ORDER BY p.id), '[]'::jsonb)::text
             FROM decision_patterns p",
            &[],
        )
        .map_err(on)?
        .get(0);
    tx.commit().map_err(on)?;
    Ok(json)
}
