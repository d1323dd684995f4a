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
//! # Connection strings and TLS
//!
//! A URL (`postgres://user:password@host:5432/db?sslmode=verify-full`) or libpq's
//! `key=value` pairs. Besides the driver's options, `sslmode` takes libpq's values
//! and `sslrootcert` names a PEM file of trusted CA certificates (`system`, or
//! nothing, for the operating system's bundle; `system` also makes `verify-full` the
//! default). TLS is rustls:
//!
//! | `sslmode` | TLS | the server's certificate must |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default; `allow` reads as it) | when the server offers it | nothing (with `sslrootcert`: chain to that CA) |
//! | `require` | always | nothing (with `sslrootcert`: chain to that CA) |
//! | `verify-ca` | always | chain to a trusted CA |
//! | `verify-full` | always | chain to a trusted CA and be issued for the host |
//!
//! A connection refused for TLS reasons is [`Error::Tls`]. Neither the password nor
//! the connection string ever appears in an error, a `Debug` output or a log.
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
//! ([`DecisionId`]): feedback that names a decision finds it here,
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

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use postgres::types::Json;
use postgres::{Client, IsolationLevel, Transaction};

use super::{
    Commit, DecisionRecord, ErasureCounts, ErasureRecord, SendClaim, SendVerdict, SharedChanges,
    Store, StoredState,
};
use crate::book::PatternEvent;
use crate::clock::Timestamp;
use crate::decision_id::DecisionId;
use crate::error::{Error, Result};
use crate::pattern::PatternId;
use crate::privacy::Customer;
use checks::{check_claim, check_conflicts, Conflict, Known};
use erase::Erased;
use write::{apply, insert_send, Head};

mod checks;
mod connect;
mod conninfo;
mod erase;
mod read;
mod schema;
mod tls;
mod write;

pub(crate) use connect::{pg_error, Label, Target};
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

/// A [`Store`] in a PostgreSQL database, shared by any number of engines in any
/// number of processes (see the [module documentation](self) for how they stay
/// consistent). Built with the cargo feature `postgres`.
pub struct PostgresStore {
    target: Target,
    options: PostgresOptions,
    inner: Mutex<Inner>,
}

struct Inner {
    client: Client,
    /// The highest `rev` whose changes this store has seen.
    cursor: i64,
    /// The `rev` of each pattern, conversation and settings document as this store
    /// (and so its engine) last saw it.
    known: Known,
    /// Revisions above `cursor` written by this store.
    own: BTreeSet<i64>,
    last_poll: Option<Instant>,
}

impl Inner {
    /// Notes what a commit at revision `rev` wrote, as seen.
    fn committed(&mut self, commit: &Commit, rev: i64, erased: &Erased) {
        for id in &commit.removed_patterns {
            self.known.patterns.remove(id);
        }
        for p in &commit.patterns {
            self.known.patterns.insert(p.id, rev);
        }
        for (id, _) in &commit.conversations {
            self.known.conversations.insert(id.clone(), rev);
        }
        for (key, _) in &commit.settings {
            self.known.settings.insert(key.clone(), rev);
        }
        for id in &erased.conversations {
            self.known.conversations.remove(id);
        }
        self.own.insert(rev);
    }

    /// Notes changes read up to revision `head`.
    fn advanced(&mut self, head: i64, read: &read::Changes, now: Instant) {
        self.cursor = head;
        self.own.retain(|&r| r > head);
        for id in &read.changes.removed_patterns {
            self.known.patterns.remove(id);
        }
        for (id, rev) in &read.pattern_revs {
            self.known.patterns.insert(*id, *rev);
        }
        for (id, rev) in &read.conversation_revs {
            self.known.conversations.insert(id.clone(), *rev);
        }
        for (key, rev) in &read.setting_revs {
            self.known.settings.insert(key.clone(), *rev);
        }
        if let Some(kept) = &read.changes.kept_conversations {
            self.known.conversations.retain(|id, _| kept.contains(id));
        }
        self.last_poll = Some(now);
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.target)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or the
    /// key=value form; `sslmode` and `sslrootcert` as described in the
    /// [module documentation](self#connection-strings-and-tls)), creates or migrates
    /// the store in the default schema.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] when TLS fails as the connection string asks for it;
    /// [`Error::Store`] when the server cannot be reached or refuses;
    /// [`Error::CorruptStore`] when the schema holds another application's tables;
    /// [`Error::SchemaTooNew`] when a newer library wrote it (both leave it untouched).
    pub fn open(url: &str) -> Result<PostgresStore> {
        PostgresStore::open_with(url, PostgresOptions::default())
    }

    /// Like [`PostgresStore::open`], with options.
    pub fn open_with(url: &str, options: PostgresOptions) -> Result<PostgresStore> {
        check_schema_name(&options.schema)?;
        let target = Target::parse(url, &format!("schema {}", options.schema), "open")?;
        let mut client = connect(&target, &options.schema)?;
        let label = &target.label;
        let mut tx = client
            .transaction()
            .map_err(|e| pg_error(label, "open", e))?;
        schema::migrate(&mut tx, label)?;
        tx.commit().map_err(|e| pg_error(label, "migrate", e))?;
        Ok(PostgresStore {
            target,
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
        self.target.label.to_string()
    }

    fn error(&self, operation: &str, e: postgres::Error) -> Error {
        pg_error(&self.target.label, operation, e)
    }

    /// The connection, re-established when the server closed it.
    fn client<'a>(&self, client: &'a mut Client) -> Result<&'a mut Client> {
        if client.is_closed() {
            *client = connect(&self.target, &self.options.schema)?;
        }
        Ok(client)
    }

    /// A commit, with the claim of an automatic send when there is one: under the
    /// write hold (shared) and the `head` lock, the claim is granted or refused, the
    /// commit checked against the other engines' changes and written. Returns the
    /// verdict and what the commit's erasure erased.
    fn commit_claim(
        &self,
        commit: &Commit,
        claim: Option<&SendClaim>,
    ) -> Result<(SendVerdict, ErasureCounts)> {
        if commit.is_empty() && claim.is_none() {
            return Ok((SendVerdict::Granted, ErasureCounts::default()));
        }
        // Sequence numbers come from the database; the engine's must only be in
        // order within the commit.
        commit.check(0, 0)?;
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        let client = self.client(&mut inner.client)?;
        let on = |e| self.error("commit", e);
        // Dropping the transaction on any error below rolls everything back.
        let mut tx = client.transaction().map_err(on)?;
        let head = take_head(&mut tx, &self.options.schema).map_err(on)?;
        if let Some(claim) = claim {
            if let Some(refusal) = check_claim(&mut tx, claim).map_err(on)? {
                tx.rollback().map_err(on)?;
                return Ok((SendVerdict::Refused(refusal), ErasureCounts::default()));
            }
        }
        self.check_commit(&mut tx, commit, &inner.known)
            .inspect_err(|e| {
                if matches!(e, Error::StoreConflict { .. }) {
                    // The engine reads the changes before it tries again: look now,
                    // whatever `refresh_every` says.
                    inner.last_poll = None;
                }
            })?;
        let erased = apply(&mut tx, commit, head).map_err(on)?;
        if let Some(claim) = claim.filter(|c| c.sends) {
            insert_send(&mut tx, claim).map_err(on)?;
        }
        tx.commit().map_err(on)?;
        inner.committed(commit, head.rev, &erased);
        Ok((SendVerdict::Granted, erased.counts))
    }

    /// Runs `read` in a snapshot of the store.
    fn read<T>(
        &self,
        operation: &str,
        read: impl FnOnce(&mut Transaction<'_>) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let on = |e| self.error(operation, e);
        let mut tx = snapshot(client).map_err(on)?;
        let value = read(&mut tx).map_err(on)?;
        tx.commit().map_err(on)?;
        Ok(value)
    }

    /// Refuses a commit that would overwrite another engine's change, or that
    /// refers to a pattern that does not exist.
    fn check_commit(&self, tx: &mut Transaction<'_>, commit: &Commit, known: &Known) -> Result<()> {
        let on = |e| self.error("commit", e);
        check_conflicts(tx, commit, known).map_err(|e| match e {
            Conflict::Db(e) => on(e),
            Conflict::Changed(reason) => Error::StoreConflict { reason },
        })?;
        commit.check_references(|id| {
            tx.query_opt("SELECT 1 FROM patterns WHERE id = $1", &[&int(id.0)])
                .map(|row| row.is_some())
                .map_err(on)
        })
    }

    /// Whether `refresh_every` says not to look yet.
    fn polled_recently(&self, inner: &Inner, now: Instant) -> bool {
        !self.options.refresh_every.is_zero()
            && inner
                .last_poll
                .is_some_and(|t| now.duration_since(t) < self.options.refresh_every)
    }
}

/// Waits while another engine holds the writes (see `hold_writes`), then takes the
/// `head` row: the commit's revision and the sequence numbers to continue from.
fn take_head(tx: &mut Transaction<'_>, schema: &str) -> std::result::Result<Head, postgres::Error> {
    tx.execute(
        &format!("SELECT pg_advisory_xact_lock_shared({WRITE_HOLD_KEY})"),
        &[&schema],
    )?;
    let row = tx.query_one(
        "UPDATE head SET rev = rev + 1 RETURNING rev, event_seq, decision_seq",
        &[],
    )?;
    Ok(Head {
        rev: row.get(0),
        event_seq: row.get(1),
        decision_seq: row.get(2),
    })
}

/// A read-only transaction that sees one snapshot throughout.
fn snapshot(client: &mut Client) -> std::result::Result<Transaction<'_>, postgres::Error> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
}

impl Store for PostgresStore {
    fn load(&self) -> Result<StoredState> {
        let mut inner = self.inner.lock();
        let client = self.client(&mut inner.client)?;
        let on = |e| self.error("load", e);
        let mut tx = snapshot(client).map_err(on)?;
        let (state, rev, known) = read::read_state(&mut tx).map_err(on)?;
        tx.commit().map_err(on)?;
        inner.cursor = rev;
        inner.known = known;
        inner.own.clear();
        inner.last_poll = Some(Instant::now());
        Ok(state)
    }

    fn commit(&self, commit: &Commit) -> Result<()> {
        self.commit_claim(commit, None).map(drop)
    }

    fn commit_send(&self, commit: &Commit, claim: &SendClaim) -> Result<SendVerdict> {
        self.commit_claim(commit, Some(claim))
            .map(|(verdict, _)| verdict)
    }

    fn commit_erasure(&self, commit: &Commit) -> Result<ErasureCounts> {
        self.commit_claim(commit, None).map(|(_, erased)| erased)
    }

    fn customer_decisions(&self, customer: &Customer) -> Result<Vec<DecisionRecord>> {
        self.read("erase", |tx| erase::customer_decisions(tx, customer))
    }

    fn erasures(&self) -> Result<Vec<ErasureRecord>> {
        self.read("erasures", erase::log)
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
            inner.client = connect(&self.target, &self.options.schema)?;
            return Err(self.error("release writes", e));
        }
        Ok(())
    }

    fn changes_now(&self) -> Result<Option<SharedChanges>> {
        self.inner.lock().last_poll = None;
        self.changes()
    }

    fn changes(&self) -> Result<Option<SharedChanges>> {
        let mut guard = self.inner.lock();
        let now = Instant::now();
        if self.polled_recently(&guard, now) {
            return Ok(None);
        }
        let inner = &mut *guard;
        let client = self.client(&mut inner.client)?;
        let on = |e| self.error("changes", e);
        let head: i64 = client
            .query_one("SELECT rev FROM head", &[])
            .map_err(on)?
            .get(0);
        if head == inner.cursor {
            inner.last_poll = Some(now);
            return Ok(None);
        }
        let mut tx = snapshot(client).map_err(on)?;
        let head: i64 = tx
            .query_one("SELECT rev FROM head", &[])
            .map_err(on)?
            .get(0);
        let read = read::read_changes(&mut tx, inner.cursor, &inner.own).map_err(on)?;
        tx.commit().map_err(on)?;
        inner.advanced(head, &read, now);
        Ok((!read.changes.is_empty()).then_some(read.changes))
    }
}

/// A connection to `target` whose `search_path` is `schema` (created when missing).
fn connect(target: &Target, schema: &str) -> Result<Client> {
    let mut client = target.connect("connect")?;
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
        .map_err(|e| pg_error(&target.label, "open", e))?;
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
