//! Persistent state: the [`Store`] trait and its implementations.
//!
//! The store is the source of truth. An engine reads everything once at open
//! ([`Store::load`]), rebuilds its indexes from it, and from then on sends every change
//! as one [`Commit`] that is applied atomically and durably ([`Store::commit`]).
//! Pattern events and decisions are append-only logs, read back in pages
//! ([`Store::events`], [`Store::decisions`]).
//!
//! | implementation | for | durability |
//! |---|---|---|
//! | [`MemoryStore`] | tests, replays, benchmarks | none: gone with the process |
//! | [`SqliteStore`] | the embedded default: one file, one process | every acknowledged commit survives a crash of the process and of the machine |
//! | `PostgresStore` (cargo feature `postgres`) | several engines (processes) sharing one PostgreSQL database | every acknowledged commit is committed by PostgreSQL |
//!
//! # Contract shared by every implementation
//!
//! * A commit is applied whole or not at all; when [`Store::commit`] returns an error,
//!   the store's content is what it was before the call.
//! * Within a commit, changes apply in this order: `removed_patterns`, `patterns`
//!   (upsert by id), the stored rejections and vectors of `rewritten_patterns`
//!   dropped, `erasure` (see [`Erasure`]), `rejections`, `vectors` (upsert by
//!   pattern and example index), `events`, `decisions`, `settings`,
//!   `conversations`.
//! * Rejections and vectors must belong to a pattern that exists once the commit's
//!   removals and upserts are applied. Removing a pattern removes its rejections and
//!   vectors; its events stay (history is never rewritten).
//! * Event and decision `seq` numbers are assigned by the engine: within a commit and
//!   across commits they must be strictly increasing, otherwise the whole commit is
//!   refused with [`Error::Store`](crate::Error::Store). A *shared* store
//!   ([`Store::is_shared`]) is written by several engines at once: it assigns `seq`
//!   numbers itself, in commit order, and ignores the engine's (which must still be
//!   strictly increasing within the commit).
//! * Floating-point fields of patterns, events and decisions must be finite; counters,
//!   ids and sequence numbers must fit in an `i64` (SQLite's integer).
//! * A `null` value in `settings` or `conversations` deletes that key.
//!
//! # Shared stores
//!
//! A shared store has three more duties, with default implementations that suit a
//! store owned by one engine (every engine calls them; they cost nothing there):
//!
//! * [`Store::changes`]: what *other* engines committed since this store last looked
//!   (patterns with their rejections and vectors, settings, conversation states). The
//!   engine calls it before each decision and before each change to patterns, and
//!   applies the result to its indexes.
//! * Conflict detection: a commit that upserts or removes a pattern that another
//!   engine changed after this store last saw it (or creates a pattern id another
//!   engine created first) is refused whole with
//!   [`Error::StoreConflict`](crate::Error::StoreConflict); the engine then reads the
//!   changes and runs the operation again on the fresh state, so no update is lost.
//! * [`Store::commit_send`]: the commit of a decision that sends an automatic reply,
//!   together with a [`SendClaim`] that the store grants or refuses in the same
//!   transaction (hourly cap, per-conversation caps, one send per inbound message id).
//! * [`Store::hold_writes`] / [`Store::release_writes`]: while one engine holds the
//!   writes, no other engine's commit goes through. An engine whose change was
//!   refused for a conflict twice takes the hold, reads the changes, runs the change
//!   and commits it, then releases the hold: an engine that loses the race again and
//!   again (because another one commits faster than it can read) still makes progress.
//!
//! # Example
//! ```
//! use pattern_learning::store::{Commit, MemoryStore, Store};
//! # fn main() -> pattern_learning::Result<()> {
//! let store = MemoryStore::new();
//! store.commit(&Commit {
//!     settings: vec![("config".to_owned(), serde_json::json!({"profile": "seed"}))],
//!     ..Commit::default()
//! })?;
//! let state = store.load()?;
//! assert_eq!(state.settings["config"]["profile"], "seed");
//! assert_eq!(state.last_event_seq, 0);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::book::PatternEvent;
use crate::clock::Timestamp;
use crate::decision_id::DecisionId;
use crate::error::Result;
use crate::pattern::{Pattern, PatternId};
use crate::privacy::Customer;

mod commit;
mod erasure;
mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
mod shared;
mod sqlite;

pub use commit::{Commit, Judgement};
pub use erasure::{
    forget_removed_example, redact_decision, Erasure, ErasureCounts, ErasureKind, ErasureRecord,
};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore, POSTGRES_SCHEMA_VERSION};
pub use shared::{SendClaim, SendRefusal, SendVerdict, SharedChanges};
pub use sqlite::SqliteStore;

/// The newest schema version this library reads and writes.
///
/// A store written with a newer version is refused with
/// [`Error::SchemaTooNew`](crate::Error::SchemaTooNew) and left untouched.
pub const SCHEMA_VERSION: u32 = 3;

/// A judgement of a loaded state ([`Store::load_accepted`]): `Err` refuses it.
pub type Acceptance<'a> = dyn Fn(&StoredState) -> Result<()> + 'a;

/// Persistent state of one engine. Implementations are the source of truth; indexes
/// are rebuilt from [`Store::load`].
///
/// See the [module documentation](self) for the contract every implementation keeps.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Everything needed to rebuild an engine (called once at open).
    fn load(&self) -> Result<StoredState>;

    /// Like [`load`](Self::load), but `accept` judges the state before anything the
    /// load writes is kept (the migration of an older schema, for a store that
    /// migrates while loading): when `accept` refuses, its error is returned and the
    /// store is left as it was. The engine passes what it would refuse at open (a
    /// stored setting it cannot read, say).
    fn load_accepted(&self, accept: &Acceptance<'_>) -> Result<StoredState> {
        let state = self.load()?;
        accept(&state)?;
        Ok(state)
    }

    /// Applies one commit atomically and durably: all of it or nothing; when it
    /// returns `Ok` the data survives a crash (SIGKILL) of the process.
    fn commit(&self, commit: &Commit) -> Result<()>;

    /// Pattern events with `seq > after_seq`, oldest first, of one pattern or of all,
    /// at most `limit`.
    fn events(
        &self,
        pattern: Option<PatternId>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<PatternEvent>>;

    /// Decision records with `seq > after_seq`, oldest first, at most `limit`.
    fn decisions(&self, after_seq: u64, limit: usize) -> Result<Vec<DecisionRecord>>;

    /// The decision with this id, if the store has it (the most recent one, for an
    /// id that stores of schema version 1 numbered per engine).
    fn decision(&self, id: DecisionId) -> Result<Option<DecisionRecord>>;

    /// Whether a commit applied the feedback with this id
    /// ([`Commit::feedback_ids`]).
    fn feedback_applied(&self, id: &str) -> Result<bool>;

    /// When the automatic sends at or after `since` were decided (decisions with the
    /// action `auto_execute`), oldest first: the engine's hourly window after a
    /// restart.
    fn auto_sends_since(&self, since: Timestamp) -> Result<Vec<Timestamp>>;

    /// The schema version of the store.
    fn schema_version(&self) -> u32;

    /// Whether other engines write to this store at the same time (see
    /// [shared stores](self#shared-stores)). `false` by default.
    fn is_shared(&self) -> bool {
        false
    }

    /// What other engines committed since this store last looked (at
    /// [`Store::load`] or at the previous call), or `None` when nothing changed or
    /// the store is not shared (the default).
    fn changes(&self) -> Result<Option<SharedChanges>> {
        Ok(None)
    }

    /// As [`Store::changes`], but looks now even when the store otherwise limits how
    /// often it looks (`PostgresOptions::refresh_every`); used by
    /// [`Engine::refresh`](crate::Engine::refresh).
    fn changes_now(&self) -> Result<Option<SharedChanges>> {
        self.changes()
    }

    /// Commits a decision that sends an automatic reply, if `claim` is granted: the
    /// claim and the commit are one transaction. When the claim is refused nothing is
    /// written and the refusal is returned. The default (a store owned by one engine,
    /// whose in-memory guards already hold every cap) grants every claim.
    fn commit_send(&self, commit: &Commit, claim: &SendClaim) -> Result<SendVerdict> {
        let _ = claim;
        self.commit(commit)?;
        Ok(SendVerdict::Granted)
    }

    /// Keeps the commits of every other engine out until [`Store::release_writes`]
    /// (this store's own commits go through), waiting for a hold another engine has.
    /// Does nothing by default: a store owned by one engine has no one to keep out.
    fn hold_writes(&self) -> Result<()> {
        Ok(())
    }

    /// Ends a hold taken with [`Store::hold_writes`]. Does nothing by default.
    fn release_writes(&self) -> Result<()> {
        Ok(())
    }

    /// The decisions of `customer`, oldest first: those of their conversations and
    /// those whose message or reply holds their phone number (what an erasure
    /// redacts, [`Erasure::redacts`]). The engine learns from them which texts are
    /// the customer's. The default refuses: a store must implement erasure for it.
    fn customer_decisions(&self, customer: &Customer) -> Result<Vec<DecisionRecord>> {
        let _ = customer;
        Err(no_erasure())
    }

    /// Applies a commit that carries an [`Erasure`] (as [`Store::commit`] does)
    /// and returns what it erased, which it also appends to the erasure log. The
    /// default refuses: a store must implement erasure for it.
    fn commit_erasure(&self, commit: &Commit) -> Result<ErasureCounts> {
        let _ = commit;
        Err(no_erasure())
    }

    /// The erasure log, oldest first: every erasure and retention run, with its
    /// counts and no identifier of whom it erased. Empty by default.
    fn erasures(&self) -> Result<Vec<ErasureRecord>> {
        Ok(Vec::new())
    }
}

/// The error of a store that cannot erase.
fn no_erasure() -> crate::Error {
    crate::Error::Store {
        operation: "erase".to_owned(),
        reason: "this store does not implement erasure".to_owned(),
    }
}

/// Everything an engine needs at open, as returned by [`Store::load`].
///
/// Events and decisions are not part of it: they are read in pages with
/// [`Store::events`] and [`Store::decisions`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredState {
    /// Every pattern (deleted and inactive ones included), by ascending id.
    pub patterns: Vec<Pattern>,
    /// Rejected messages, in the order they were committed.
    pub rejections: Vec<(PatternId, String)>,
    /// Caller-supplied vectors, by pattern id and example index.
    pub vectors: Vec<ExampleVector>,
    /// Settings documents by key (`config`, `safety_thresholds`, `safety_settings`, …).
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Per-conversation guard state by conversation id (opaque to the store).
    pub conversations: BTreeMap<String, serde_json::Value>,
    /// The highest pattern event `seq` stored, 0 when there is none.
    pub last_event_seq: u64,
    /// The highest decision `seq` stored, 0 when there is none.
    pub last_decision_seq: u64,
    /// The most recent judged proposals (at most [`JUDGEMENTS_KEPT`]), oldest first.
    #[serde(default)]
    pub judgements: Vec<Judgement>,
}

/// How many judged proposals an engine keeps for calibration (the most recent).
pub const JUDGEMENTS_KEPT: usize = 20_000;

/// A caller-supplied vector of one trigger example of a pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleVector {
    /// The pattern.
    pub pattern_id: PatternId,
    /// Position of the example in [`Pattern::trigger_examples`].
    pub example_index: u32,
    /// The vector (stored as little-endian `f32`s).
    pub vector: Vec<f32>,
}

/// One entry of the decision log: what the engine decided for one message, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Position in the engine-wide decision log (starts at 1).
    pub seq: u64,
    /// When the decision was made.
    pub at: Timestamp,
    /// The decision's id, as returned to the caller.
    pub decision_id: DecisionId,
    /// The caller's id of the inbound message, if given.
    pub message_id: Option<String>,
    /// The conversation, if given.
    pub conversation_id: Option<String>,
    /// The customer message.
    pub message: String,
    /// The action taken (`auto_execute`, `suggest`, `queue`, `escalate`, `shadow`).
    pub action: String,
    /// The reason for it (`low_confidence`, `safety_blacklist`, …).
    pub reason: String,
    /// The pattern proposed, if any.
    pub pattern_id: Option<PatternId>,
    /// The decision confidence.
    pub confidence: f64,
    /// The rendered reply, if any.
    pub response: Option<String>,
    /// The evidence behind the decision (opaque to the store).
    pub evidence: serde_json::Value,
}
