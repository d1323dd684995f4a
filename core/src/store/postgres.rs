//! [`PostgresStore`]: one PostgreSQL database shared by several engines (processes).
//!
//! # Layout
//!
//! Everything lives in one PostgreSQL schema (`pattern_learning` unless
//! [`PostgresOptions::schema`] says otherwise), created at open, so the store can sit
//! in the database the V1 backend already uses without touching its tables. The
//! tables are those of the embedded store plus `head` (one row that orders commits),
//! `removed_patterns` and `sends`; see `postgres/migrations/0001_initial.sql`.
//! Schema migrations run at open, in one transaction, under an advisory lock.
//!
//! # How several engines stay consistent
//!
//! * **Ordering.** Every commit first updates the single `head` row. Its row lock
//!   orders commits; the commit takes its revision number `rev` and its event and
//!   decision `seq` numbers from that row, so numbers grow in commit order and a
//!   reader that has seen revision *r* has seen every commit up to *r*.
//! * **Seeing the others' learning.** Every pattern, setting and conversation row
//!   carries the `rev` of the commit that wrote it. [`Store::changes`] returns the rows
//!   with a `rev` above the last one this store has seen, leaving out its own commits.
//!   The engine calls it before every decision and every change to patterns, so a
//!   feedback committed by one engine is used by the next decision another engine
//!   *starts* after that commit (the bound is one PostgreSQL round trip:
//!   `SELECT rev FROM head`; with [`PostgresOptions::refresh_every`] set, the engine
//!   looks at most that often and the bound becomes that interval).
//! * **No lost update.** The store remembers the `rev` at which it last saw each
//!   pattern, each conversation's guard state and each settings document. A commit
//!   that overwrites one whose row has another `rev` (another engine changed it
//!   meanwhile), creates a pattern id that already exists, or applies a feedback id
//!   another engine applied, is refused whole with [`Error::StoreConflict`]; the
//!   engine reads the changes and runs the operation again on the fresh state
//!   (feedback counters add up, a takeover is never overwritten). The check runs under
//!   the `head` row lock, so two commits cannot both pass it.
//! * **Caps and idempotency across engines.** A decision with an inbound message id,
//!   and every automatic send, is committed with [`Store::commit_send`]: under the
//!   same `head` lock and in the decision's transaction, the store refuses it when
//!   another decision has the message id, or, for a send, when the sends of the last
//!   hour reach the hourly cap, or the conversation's sends reach its reply cap or the
//!   pattern's reuse cap; otherwise it records the send and the decision together.
//! * **Progress.** An engine whose change was refused twice takes a session-level
//!   advisory lock (the *write hold*, [`Store::hold_writes`]); every commit first
//!   takes the same lock in shared mode, so while the hold lasts only the holder
//!   commits, and its next try cannot be refused.
//!
//! Commits of all engines are serialised by the `head` row: a commit costs one
//! round trip per written row plus the lock wait, which bounds the write throughput
//! of a deployment (numbers in BENCHMARKS.md). Decision ids are unique across engines
//! ([`DecisionId`](crate::DecisionId)): feedback that names a decision finds it here,
//! whichever engine made it.
//!
//! # Example
//! ```no_run
//! use pattern_learning::store::{PostgresStore, Store};
//! # fn main() -> pattern_learning::Result<()> {
//! let store = PostgresStore::open("postgres://app@127.0.0.1:5432/clubos")?;
//! assert!(store.is_shared());
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet};

use rows::{
    apply, check_claim, check_conflicts, read_judgements, read_rejections, read_revisioned,
    read_vectors, Conflict, Known,
};
use std::fmt;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use postgres::types::Json;
use postgres::{Client, IsolationLevel, NoTls};

use super::{
    Commit, DecisionRecord, SendClaim, SendVerdict, SharedChanges, Store, StoredState,
    JUDGEMENTS_KEPT,
};
use crate::book::PatternEvent;
use crate::clock::Timestamp;
use crate::decision_id::DecisionId;
use crate::error::{Error, Result};
use crate::pattern::{Pattern, PatternId};

mod rows;
mod schema;

pub use schema::POSTGRES_SCHEMA_VERSION;

const HOUR_MS: i64 = 3_600_000;

/// The key of the write hold of one store (schema): an advisory lock every commit
/// takes in shared mode and a starved engine takes exclusively.
const WRITE_HOLD_KEY: &str = "hashtextextended('pattern_learning.writes:' || $1, 0)";

/// Options of a [`PostgresStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The PostgreSQL schema (namespace) that holds the store's tables; created when
    /// missing. Letters, digits and `_`, not starting with a digit, at most 63 bytes.
    /// Default `pattern_learning`.
    pub schema: String,
    /// How often the engine looks for other engines' changes at most. Zero (the
    /// default) looks before every decision and every change: one round trip each.
    pub refresh_every: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "pattern_learning".to_owned(),
            refresh_every: Duration::ZERO,
        }
    }
}

/// Where a store is, for messages: host, port, database and schema, never the
/// password.
#[derive(Debug, Clone)]
pub(crate) struct Label(String);

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A [`Store`] in a PostgreSQL database, shared by any number of engines in any
/// number of processes (see the [module documentation](self) for how they stay
/// consistent). Built with the cargo feature `postgres`.
pub struct PostgresStore {
    label: Label,
    config: postgres::Config,
    options: PostgresOptions,
    inner: Mutex<Inner>,
}

struct Inner {
    client: Client,
    /// The highest `rev` whose changes this store has seen.
    cursor: i64,
    /// The `rev` of each pattern and conversation as this store (and so its engine)
    /// last saw it.
    known: Known,
    /// Revisions above `cursor` written by this store.
    own: BTreeSet<i64>,
    last_poll: Option<Instant>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.label.0)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or the
    /// key=value form), creates or migrates the store in the default schema.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the server cannot be reached or refuses;
    /// [`Error::CorruptStore`] when the schema holds another application's tables;
    /// [`Error::SchemaTooNew`] when a newer library wrote it (both leave it untouched).
    pub fn open(url: &str) -> Result<PostgresStore> {
        PostgresStore::open_with(url, PostgresOptions::default())
    }

    /// Like [`PostgresStore::open`], with options.
    pub fn open_with(url: &str, options: PostgresOptions) -> Result<PostgresStore> {
        check_schema_name(&options.schema)?;
        let config: postgres::Config = url.parse().map_err(|e| Error::Store {
            operation: "open".to_owned(),
            reason: format!("invalid PostgreSQL connection string: {e}"),
        })?;
        let label = label(&config, &options.schema);
        let mut client = connect(&config, &label, &options.schema)?;
        let mut tx = client
            .transaction()
            .map_err(|e| pg_error(&label, "open", e))?;
        schema::migrate(&mut tx, &label)?;
        tx.commit().map_err(|e| pg_error(&label, "migrate", e))?;
        Ok(PostgresStore {
            label,
            config,
            options,
            inner: Mutex::new(Inner {
                client,
                cursor: 0,
                known: Known::default(),
                own: BTreeSet::new(),
                last_poll: None,
            }),
        })
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &PostgresOptions {
        &self.options
    }

    /// Where the store is (host, port, database, schema; no password).
    pub fn location(&self) -> String {
        self.label.to_string()
    }

    fn error(&self, operation: &str, e: postgres::Error) -> Error {
        pg_error(&self.label, operation, e)
    }

    /// The connection, re-established when the server closed it.
    fn client<'a>(&self, client: &'a mut Client) -> Result<&'a mut Client> {
        if client.is_closed() {
            *client = connect(&self.config, &self.label, &self.options.schema)?;
        }
        Ok(client)
    }

    fn commit_claim(&self, commit: &Commit, claim: Option<&SendClaim>) -> Result<SendVerdict> {
        if commit.is_empty() && claim.is_none() {
            return Ok(SendVerdict::Granted);
        }
        // Sequence numbers come from the database; the engine's must only be in
        // order within the commit.
        commit.check(0, 0)?;
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        let client = self.client(&mut inner.client)?;
        let on = |e| pg_error(&self.label, "commit", e);
        // Dropping the transaction on any error below rolls everything back.
        let mut tx = client.transaction().map_err(on)?;
        // Waits while another engine holds the writes (see `hold_writes`).
        tx.execute(
            &format!("SELECT pg_advisory_xact_lock_shared({WRITE_HOLD_KEY})"),
            &[&self.options.schema],
        )
        .map_err(on)?;
        let head = tx
            .query_one(
                "UPDATE head SET rev = rev + 1 RETURNING rev, event_seq, decision_seq",
                &[],
            )
            .map_err(on)?;
        let (rev, event_seq, decision_seq): (i64, i64, i64) =
            (head.get(0), head.get(1), head.get(2));
        if let Some(claim) = claim {
            if let Some(refusal) = check_claim(&mut tx, claim).map_err(on)? {
                tx.rollback().map_err(on)?;
                return Ok(SendVerdict::Refused(refusal));
            }
        }
        if let Err(e) = check_conflicts(&mut tx, commit, &inner.known) {
            return Err(match e {
                Conflict::Db(e) => on(e),
                Conflict::Changed(reason) => {
                    // The engine reads the changes before it tries again: look now,
                    // whatever `refresh_every` says.
                    inner.last_poll = None;
                    Error::StoreConflict { reason }
                }
            });
        }
        commit.check_references(|id| {
            tx.query_opt("SELECT 1 FROM patterns WHERE id = $1", &[&int(id.0)])
                .map(|row| row.is_some())
                .map_err(on)
        })?;
        apply(&mut tx, commit, rev, event_seq, decision_seq).map_err(on)?;
        if let Some(claim) = claim.filter(|c| c.sends) {
            tx.execute(
                "INSERT INTO sends (at, message_id, conversation_id, pattern_id)
                 VALUES ($1, $2, $3, $4)",
                &[
                    &claim.at.0,
                    &claim.message_id,
                    &claim.conversation_id,
                    &claim.pattern_id.map(|p| int(p.0)),
                ],
            )
            .map_err(on)?;
        }
        tx.commit().map_err(on)?;
        for id in &commit.removed_patterns {
            inner.known.patterns.remove(id);
        }
        for p in &commit.patterns {
            inner.known.patterns.insert(p.id, rev);
        }
        for (id, _) in &commit.conversations {
            inner.known.conversations.insert(id.clone(), rev);
        }
        for (key, _) in &commit.settings {
            inner.known.settings.insert(key.clone(), rev);
        }
        inner.own.insert(rev);
        Ok(SendVerdict::Granted)
    }
}

impl Store for PostgresStore {
    fn load(&self) -> Result<StoredState> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let on = |e| pg_error(&self.label, "load", e);
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(on)?;
        let head = tx
            .query_one("SELECT rev, event_seq, decision_seq FROM head", &[])
            .map_err(on)?;
        let (rev, last_event, last_decision): (i64, i64, i64) =
            (head.get(0), head.get(1), head.get(2));
        let mut known = Known::default();
        let mut patterns = Vec::new();
        for row in tx
            .query("SELECT rev, pattern FROM patterns ORDER BY id", &[])
            .map_err(on)?
        {
            let Json(p): Json<Pattern> = row.try_get(1).map_err(on)?;
            known.patterns.insert(p.id, row.get::<_, i64>(0));
            patterns.push(p);
        }
        let rejections = read_rejections(&mut tx, None).map_err(on)?;
        let vectors = read_vectors(&mut tx, None).map_err(on)?;
        let mut settings = BTreeMap::new();
        for (key, rev, value) in
            read_revisioned(&mut tx, "settings", "key", "value", None).map_err(on)?
        {
            known.settings.insert(key.clone(), rev);
            if !value.is_null() {
                settings.insert(key, value);
            }
        }
        let mut conversations = BTreeMap::new();
        for (id, rev, state) in
            read_revisioned(&mut tx, "conversations", "conversation_id", "state", None)
                .map_err(on)?
        {
            known.conversations.insert(id.clone(), rev);
            if !state.is_null() {
                conversations.insert(id, state);
            }
        }
        let judgements =
            read_judgements(&mut tx, None, &BTreeSet::new(), JUDGEMENTS_KEPT).map_err(on)?;
        tx.commit().map_err(on)?;
        inner.cursor = rev;
        inner.known = known;
        inner.own.clear();
        inner.last_poll = Some(Instant::now());
        Ok(StoredState {
            patterns,
            rejections,
            vectors,
            settings,
            conversations,
            last_event_seq: to_u64(last_event),
            last_decision_seq: to_u64(last_decision),
            judgements,
        })
    }

    fn commit(&self, commit: &Commit) -> Result<()> {
        self.commit_claim(commit, None).map(drop)
    }

    fn commit_send(&self, commit: &Commit, claim: &SendClaim) -> Result<SendVerdict> {
        self.commit_claim(commit, Some(claim))
    }

    fn events(
        &self,
        pattern: Option<PatternId>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<PatternEvent>> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let rows = client
            .query(
                "SELECT seq, event FROM events
                 WHERE seq > $1 AND ($2::bigint IS NULL OR pattern_id = $2)
                 ORDER BY seq LIMIT $3",
                &[
                    &clamp(after_seq),
                    &pattern.map(|p| int(p.0)),
                    &clamp(limit as u64),
                ],
            )
            .map_err(|e| self.error("events", e))?;
        rows.iter()
            .map(|row| {
                let Json(mut event): Json<PatternEvent> =
                    row.try_get(1).map_err(|e| self.error("events", e))?;
                event.seq = to_u64(row.get(0));
                Ok(event)
            })
            .collect()
    }

    fn decisions(&self, after_seq: u64, limit: usize) -> Result<Vec<DecisionRecord>> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let rows = client
            .query(
                "SELECT seq, decision FROM decisions WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&clamp(after_seq), &clamp(limit as u64)],
            )
            .map_err(|e| self.error("decisions", e))?;
        rows.iter()
            .map(|row| {
                let Json(mut d): Json<DecisionRecord> =
                    row.try_get(1).map_err(|e| self.error("decisions", e))?;
                d.seq = to_u64(row.get(0));
                Ok(d)
            })
            .collect()
    }

    fn decision(&self, id: DecisionId) -> Result<Option<DecisionRecord>> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let row = client
            .query_opt(
                "SELECT seq, decision FROM decisions WHERE decision_id = $1
                 ORDER BY seq DESC LIMIT 1",
                &[&id.to_string()],
            )
            .map_err(|e| self.error("decision", e))?;
        row.map(|row| {
            let Json(mut d): Json<DecisionRecord> =
                row.try_get(1).map_err(|e| self.error("decision", e))?;
            d.seq = to_u64(row.get(0));
            Ok(d)
        })
        .transpose()
    }

    fn feedback_applied(&self, id: &str) -> Result<bool> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let row = client
            .query_opt("SELECT 1 FROM feedback WHERE id = $1", &[&id])
            .map_err(|e| self.error("feedback", e))?;
        Ok(row.is_some())
    }

    fn auto_sends_since(&self, since: Timestamp) -> Result<Vec<Timestamp>> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let rows = client
            .query(
                "SELECT at FROM sends WHERE at >= $1 ORDER BY at",
                &[&since.0],
            )
            .map_err(|e| self.error("sends", e))?;
        Ok(rows.iter().map(|r| Timestamp(r.get(0))).collect())
    }

    fn schema_version(&self) -> u32 {
        POSTGRES_SCHEMA_VERSION
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn hold_writes(&self) -> Result<()> {
        let mut inner = self.inner.lock();
        // What is read under the hold must be current.
        inner.last_poll = None;
        let client = self.client(&mut inner.client)?;
        client
            .execute(
                &format!("SELECT pg_advisory_lock({WRITE_HOLD_KEY})"),
                &[&self.options.schema],
            )
            .map_err(|e| self.error("hold writes", e))?;
        Ok(())
    }

    fn release_writes(&self) -> Result<()> {
        let mut inner = self.inner.lock();
        let released = inner.client.execute(
            &format!("SELECT pg_advisory_unlock({WRITE_HOLD_KEY})"),
            &[&self.options.schema],
        );
        if let Err(e) = released {
            // A hold must never outlive its use: closing the session ends it.
            inner.client = connect(&self.config, &self.label, &self.options.schema)?;
            return Err(self.error("release writes", e));
        }
        Ok(())
    }

    fn changes_now(&self) -> Result<Option<SharedChanges>> {
        self.inner.lock().last_poll = None;
        self.changes()
    }

    fn changes(&self) -> Result<Option<SharedChanges>> {
        let mut inner = self.inner.lock();
        let now = Instant::now();
        if !self.options.refresh_every.is_zero()
            && inner
                .last_poll
                .is_some_and(|t| now.duration_since(t) < self.options.refresh_every)
        {
            return Ok(None);
        }
        let inner = &mut *inner;
        let cursor = inner.cursor;
        let own = &inner.own;
        let client = self.client(&mut inner.client)?;
        let on = |e| pg_error(&self.label, "changes", e);
        let head: i64 = client
            .query_one("SELECT rev FROM head", &[])
            .map_err(on)?
            .get(0);
        if head == cursor {
            inner.last_poll = Some(now);
            return Ok(None);
        }
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(on)?;
        let head: i64 = tx
            .query_one("SELECT rev FROM head", &[])
            .map_err(on)?
            .get(0);
        let foreign = |rev: i64| !own.contains(&rev);
        let mut changes = SharedChanges::default();
        let mut revs = Vec::new();
        for row in tx
            .query(
                "SELECT rev, pattern FROM patterns WHERE rev > $1 ORDER BY id",
                &[&cursor],
            )
            .map_err(on)?
        {
            let rev: i64 = row.get(0);
            if foreign(rev) {
                let Json(p): Json<Pattern> = row.try_get(1).map_err(on)?;
                revs.push((p.id, rev));
                changes.patterns.push(p);
            }
        }
        let ids: Vec<i64> = changes.patterns.iter().map(|p| int(p.id.0)).collect();
        if !ids.is_empty() {
            changes.rejections = read_rejections(&mut tx, Some(&ids)).map_err(on)?;
            changes.vectors = read_vectors(&mut tx, Some(&ids)).map_err(on)?;
        }
        for row in tx
            .query(
                "SELECT pattern_id, rev FROM removed_patterns WHERE rev > $1 ORDER BY rev",
                &[&cursor],
            )
            .map_err(on)?
        {
            if foreign(row.get(1)) {
                changes.removed_patterns.push(PatternId(to_u64(row.get(0))));
            }
        }
        // Documents this store wrote itself are left out.
        let mut setting_revs = Vec::new();
        for (key, rev, value) in
            read_revisioned(&mut tx, "settings", "key", "value", Some(cursor)).map_err(on)?
        {
            if foreign(rev) {
                setting_revs.push((key.clone(), rev));
                changes.settings.insert(key, value);
            }
        }
        let mut conversation_revs = Vec::new();
        for (id, rev, state) in read_revisioned(
            &mut tx,
            "conversations",
            "conversation_id",
            "state",
            Some(cursor),
        )
        .map_err(on)?
        {
            if foreign(rev) {
                conversation_revs.push((id.clone(), rev));
                changes.conversations.insert(id, state);
            }
        }
        changes.judgements = read_judgements(&mut tx, Some(cursor), own, usize::MAX).map_err(on)?;
        tx.commit().map_err(on)?;
        inner.cursor = head;
        inner.own.retain(|&r| r > head);
        for id in &changes.removed_patterns {
            inner.known.patterns.remove(id);
        }
        for (id, rev) in revs {
            inner.known.patterns.insert(id, rev);
        }
        for (id, rev) in conversation_revs {
            inner.known.conversations.insert(id, rev);
        }
        for (key, rev) in setting_revs {
            inner.known.settings.insert(key, rev);
        }
        inner.last_poll = Some(now);
        Ok((!changes.is_empty()).then_some(changes))
    }
}

fn connect(config: &postgres::Config, label: &Label, schema: &str) -> Result<Client> {
    let mut client = config
        .connect(NoTls)
        .map_err(|e| pg_error(label, "connect", e))?;
    let on = |e| pg_error(label, "open", e);
    // The schema name was checked: letters, digits and underscores only. Engines
    // starting together (replicas of one deploy) create it one at a time: two
    // concurrent `CREATE SCHEMA IF NOT EXISTS` can both try to insert it, and the
    // second fails (found by the model test, tests/model_state).
    client
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({}); CREATE SCHEMA IF NOT EXISTS {schema}; \
             COMMIT; SET search_path TO {schema}",
            schema::MIGRATION_LOCK
        ))
        .map_err(on)?;
    Ok(client)
}

fn check_schema_name(schema: &str) -> Result<()> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidConfig {
            key: "schema".to_owned(),
            value: format!("{schema:?}"),
            reason: "a PostgreSQL schema name of lowercase ASCII letters, digits and `_`, not starting with a digit, at most 63 bytes".to_owned(),
        })
    }
}

pub(crate) fn label(config: &postgres::Config, schema: &str) -> Label {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    Label(format!("postgres://{host}:{port}/{db} (schema {schema})"))
}

/// Maps a PostgreSQL error to [`Error::Store`], naming the server's message.
pub(crate) fn pg_error(label: &Label, operation: &str, e: postgres::Error) -> Error {
    let reason = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    Error::Store {
        operation: operation.to_owned(),
        reason: format!("{label}: {reason}"),
    }
}

/// Ids and counters were checked to fit in an `i64` ([`Commit::check`]).
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
