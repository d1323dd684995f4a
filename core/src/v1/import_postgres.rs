//! Reading V1's `decision_patterns` table straight from its PostgreSQL database.

use postgres::NoTls;

use crate::error::{Error, Result};
use crate::store::postgres::{label, pg_error};

/// The rows of `decision_patterns` (found through the connection's `search_path`)
/// as a JSON array, read in one read-only transaction. The `embedding` column is
/// left out (its 1536 floats per row serve no purpose here).
pub(crate) fn decision_patterns_json(url: &str) -> Result<String> {
    let config: postgres::Config = url.parse().map_err(|e| Error::Store {
        operation: "import".to_owned(),
        reason: format!("invalid PostgreSQL connection string: {e}"),
    })?;
    let label = label(&config, "of V1");
    let on = |e| pg_error(&label, "import", e);
    let mut client = config.connect(NoTls).map_err(on)?;
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
