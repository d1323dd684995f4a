//! Persistence: opening an engine on a store, and making every change durable
//! before it is visible.
//!
//! Every change to patterns runs inside [`Engine::mutate`]: the pattern book
//! journals the state of each pattern it touches; the changes go to the store in
//! one all-or-nothing commit; if the commit fails, the book rolls back, so memory
//! always equals what the store holds. Without a store the same journal makes a
//! multi-step change (a rejection plus a learned answer) atomic in memory.

use std::path::Path;
use std::sync::Arc;

use crate::book::{Changes, PatternBook, PatternEvent};
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::{Action, Decision};
use crate::error::{Error, Result};
use crate::guards::GuardChange;
use crate::pattern::PatternId;
use crate::safety::{SafetySettings, SafetyThresholds};
use crate::store::{
    Commit, DecisionRecord, ErasureCounts, ExampleVector, SendRefusal, SendVerdict, SqliteStore,
    Store, StoredState,
};
#[cfg(feature = "postgres")]
use crate::store::{PostgresOptions, PostgresStore};

use super::{Engine, EngineBuilder};

/// Keys of the settings documents in a store.
pub(super) const CONFIG_KEY: &str = "config";
pub(super) const THRESHOLDS_KEY: &str = "safety_thresholds";
pub(super) const SETTINGS_KEY: &str = "safety_settings";
/// How often a change refused for a conflict with another engine is run again.
pub(super) const CONFLICT_RETRIES: u32 = 16;
/// After how many refusals for a conflict a change runs under the store's write
/// hold ([`Store::hold_writes`]), where no other engine can commit in between.
pub(super) const CONFLICTS_BEFORE_HOLD: u32 = 2;

impl Engine {
    /// Opens (or creates) the single-file store at `path` and builds an engine
    /// on it. Configuration and safety settings stored in the file are used as
    /// they are: the library never changes them on its own at start-up.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::{Engine, Feedback};
    /// let dir = std::env::temp_dir().join(format!("pl-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("patterns.db");
    /// {
    ///     let engine = Engine::open(&path).unwrap();
    ///     engine.feedback(&Feedback::answer("wifi password?", "It is on the wall by bay 1.")).unwrap();
    /// }
    /// let reopened = Engine::open(&path).unwrap();
    /// assert_eq!(reopened.pattern_count(), 1);
    /// # drop(reopened); std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Engine> {
        Engine::builder().open(path)?.build()
    }

    /// Opens (or creates) the PostgreSQL store at `url` and builds an engine on it;
    /// any number of engines, in any number of processes, may share the store (see
    /// [`PostgresStore`](crate::store::PostgresStore)). Cargo feature `postgres`.
    #[cfg(feature = "postgres")]
    pub fn open_postgres(url: &str) -> Result<Engine> {
        Engine::builder()
            .open_postgres(url, PostgresOptions::default())?
            .build()
    }

    /// Whether this engine writes to a store.
    pub fn is_durable(&self) -> bool {
        self.store.is_some()
    }

    /// Runs `f` on the pattern book as one transaction: all of it is applied
    /// (and, with a store, durably written) or none of it.
    ///
    /// With a shared store, the book first takes in the other engines' changes;
    /// when the commit is refused because another engine changed the same
    /// pattern meanwhile ([`Error::StoreConflict`]), the transaction is rolled
    /// back, the changes are taken in and `f` runs again on the fresh state, up to
    /// [`CONFLICT_RETRIES`] times. From the [`CONFLICTS_BEFORE_HOLD`]-th refusal on,
    /// the try runs under the store's write hold, so an engine that keeps losing the
    /// race to a faster one still gets its change in.
    pub(super) fn mutate<R>(&self, mut f: impl FnMut(&mut PatternBook) -> Result<R>) -> Result<R> {
        self.mutate_with(|book| f(book).map(|r| (r, Commit::default())))
    }

    /// Like [`Engine::mutate`], for a change that also writes what `f` returns
    /// beside its result (feedback ids, judged proposals) in the same commit.
    pub(super) fn mutate_with<R>(
        &self,
        f: impl FnMut(&mut PatternBook) -> Result<(R, Commit)>,
    ) -> Result<R> {
        let commit = |store: &dyn Store, commit: &Commit| {
            store.commit(commit).map(|()| ErasureCounts::default())
        };
        self.mutate_through(f, &commit).map(|(r, _)| r)
    }

    /// Like [`Engine::mutate_with`], for a change whose commit carries an erasure:
    /// returns what the store erased too.
    pub(super) fn mutate_erasing<R>(
        &self,
        f: impl FnMut(&mut PatternBook) -> Result<(R, Commit)>,
    ) -> Result<(R, ErasureCounts)> {
        self.mutate_through(f, &|store, commit| store.commit_erasure(commit))
    }

    /// The loop of [`Engine::mutate`]: tries, takes in the changes of other engines
    /// and tries again after a conflict, commits through `commit`.
    fn mutate_through<R>(
        &self,
        mut f: impl FnMut(&mut PatternBook) -> Result<(R, Commit)>,
        commit: &dyn Fn(&dyn Store, &Commit) -> Result<ErasureCounts>,
    ) -> Result<(R, ErasureCounts)> {
        let mut retries = 0;
        loop {
            let mut book = self.book.write();
            let mut attempt = || {
                self.refresh_locked(&mut book)?;
                self.mutate_once(&mut book, &mut f, commit)
            };
            let result = if retries >= CONFLICTS_BEFORE_HOLD {
                self.under_write_hold(attempt)
            } else {
                attempt()
            };
            match result {
                Err(Error::StoreConflict { .. }) if retries < CONFLICT_RETRIES => retries += 1,
                other => return other,
            }
        }
    }

    /// Runs `run` while the store keeps every other engine's commits out. The
    /// result of `run` wins over a failure to release the hold (a committed change
    /// is reported as committed; the store ends a hold it could not release by
    /// closing its session).
    fn under_write_hold<R>(&self, run: impl FnOnce() -> Result<R>) -> Result<R> {
        let Some(store) = &self.store else {
            return run();
        };
        store.hold_writes()?;
        let result = run();
        let released = store.release_writes();
        match (result, released) {
            (Ok(r), Err(e)) => {
                tracing::warn!(error = %e, "pattern change committed, but releasing the write hold failed");
                Ok(r)
            }
            (result, _) => result,
        }
    }

    fn mutate_once<R>(
        &self,
        book: &mut PatternBook,
        f: &mut impl FnMut(&mut PatternBook) -> Result<(R, Commit)>,
        commit: &dyn Fn(&dyn Store, &Commit) -> Result<ErasureCounts>,
    ) -> Result<(R, ErasureCounts)> {
        book.begin();
        let (result, kept) = match f(book) {
            Ok(r) => r,
            Err(e) => {
                book.rollback();
                return Err(e);
            }
        };
        if let Some(store) = &self.store {
            let changes = book.changes();
            if !changes.is_empty() || !kept.is_empty() {
                let erased = match commit(store.as_ref(), &with_changes(kept, changes)) {
                    Ok(erased) => erased,
                    Err(e) => {
                        book.rollback();
                        return Err(e);
                    }
                };
                book.end();
                book.forget_history();
                return Ok((result, erased));
            }
        }
        book.end();
        Ok((result, ErasureCounts::default()))
    }

    /// Writes a guard change that goes with no decision (an operator's takeover).
    pub(super) fn commit_guard_change(&self, change: &GuardChange) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        store.commit(&Commit {
            conversations: change.documents(),
            ..Commit::default()
        })
    }

    /// Writes a settings document before it takes effect.
    pub(super) fn persist_setting(&self, key: &str, value: &impl serde::Serialize) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let json = serde_json::to_value(value).map_err(|e| Error::Parse {
            what: key.into(),
            reason: e.to_string(),
        })?;
        store.commit(&Commit {
            settings: vec![(key.to_owned(), json)],
            ..Commit::default()
        })
    }

    /// Writes a decision and its guard change to the store in one commit (nothing
    /// to do without a store). `seq` is the last decision's sequence number, held in
    /// the engine's turn.
    ///
    /// With a shared store the decision is committed with a claim the store grants
    /// or refuses in the same transaction: no other engine decided this inbound
    /// message id, and, when it auto-sends, no cap shared by all engines is reached.
    pub(super) fn record(
        &self,
        seq: &mut u64,
        d: &Decision,
        change: &GuardChange,
        message: &str,
        ctx: &MessageContext,
    ) -> Result<Recorded> {
        let Some(store) = &self.store else {
            return Ok(Recorded::Kept);
        };
        let commit = Commit {
            decisions: vec![self.decision_record(*seq + 1, d, message, ctx)],
            conversations: change.documents(),
            ..Commit::default()
        };
        let sends = d.action == Action::AutoExecute && d.outbound.is_some();
        let claim = store.is_shared() && (sends || ctx.message_id.is_some());
        if claim {
            let claim = self.send_claim(d, ctx, sends);
            if let SendVerdict::Refused(refusal) = store.commit_send(&commit, &claim)? {
                return Ok(Recorded::Refused(refusal));
            }
        } else {
            store.commit(&commit)?;
        }
        *seq += 1;
        Ok(Recorded::Kept)
    }

    fn decision_record(
        &self,
        seq: u64,
        d: &Decision,
        message: &str,
        ctx: &MessageContext,
    ) -> DecisionRecord {
        DecisionRecord {
            seq,
            at: self.clock.now(),
            decision_id: d.id,
            message_id: d.message_id.clone(),
            conversation_id: ctx.conversation_id.clone(),
            message: message.to_owned(),
            action: d.action.as_str().into(),
            reason: d.reason.as_str().into(),
            pattern_id: d.pattern_id,
            confidence: d.confidence,
            response: d.response.clone(),
            evidence: serde_json::to_value(&d.evidence).unwrap_or_default(),
        }
    }

    /// Pattern events, oldest first: from the store when there is one (complete
    /// history), else from memory.
    pub(super) fn events(&self, pattern: Option<PatternId>) -> Result<Vec<PatternEvent>> {
        match &self.store {
            Some(store) => store.events(pattern, 0, usize::MAX),
            None => Ok(self
                .book
                .read()
                .history()
                .iter()
                .filter(|e| pattern.is_none_or(|p| e.pattern_id == p))
                .cloned()
                .collect()),
        }
    }
}

/// The commit of a transaction: what the book changed, plus what the change
/// writes beside it (`kept`: feedback ids, judgements, an erasure).
fn with_changes(kept: Commit, changes: Changes) -> Commit {
    Commit {
        patterns: changes.patterns,
        removed_patterns: changes.removed,
        rejections: changes.rejections,
        vectors: changes
            .vectors
            .into_iter()
            .map(|(pattern_id, example_index, vector)| ExampleVector {
                pattern_id,
                example_index,
                vector,
            })
            .collect(),
        events: changes.events,
        rewritten_patterns: changes.rewritten,
        ..kept
    }
}

/// What became of a decision sent to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Recorded {
    /// Written (or nothing to write).
    Kept,
    /// A shared store refused the claim; nothing was written.
    Refused(SendRefusal),
}

impl EngineBuilder {
    /// Uses the single-file store at `path` (created when missing).
    pub fn open(self, path: impl AsRef<Path>) -> Result<Self> {
        let store = SqliteStore::open(path.as_ref())?;
        Ok(self.store(Arc::new(store)))
    }

    /// Uses the PostgreSQL store at `url` (created or migrated at open), shared with
    /// every other engine that opens it (cargo feature `postgres`).
    #[cfg(feature = "postgres")]
    pub fn open_postgres(self, url: &str, options: PostgresOptions) -> Result<Self> {
        let store = PostgresStore::open_with(url, options)?;
        Ok(self.store(Arc::new(store)))
    }

    /// Opens the store at `location`: a PostgreSQL connection string — a
    /// `postgres://` or `postgresql://` URL, or libpq's `key=value` pairs naming a
    /// `host`, `hostaddr`, `port`, `dbname`, `user` or `password` — is a
    /// `store::PostgresStore` with default options (cargo feature `postgres`; without
    /// it one is refused), another `scheme://…` is refused, anything else is the path
    /// of a single-file store. A refusal never repeats the location: it may hold a
    /// password.
    pub fn open_location(self, location: &str) -> Result<Self> {
        let refuse = |reason: String| Error::Store {
            operation: "open".to_owned(),
            reason,
        };
        match Location::of(location) {
            Location::File => self.open(location),
            #[cfg(feature = "postgres")]
            Location::Postgres => self.open_postgres(location, PostgresOptions::default()),
            #[cfg(not(feature = "postgres"))]
            Location::Postgres => Err(refuse(
                "a PostgreSQL connection string needs the library built with the cargo feature `postgres`"
                    .to_owned(),
            )),
            Location::OtherUrl(scheme) => Err(refuse(format!(
                "`{scheme}://…` is not a store location: give a file path or a postgres:// URL"
            ))),
        }
    }
}

/// What a store location names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Location<'a> {
    /// The path of a single-file store.
    File,
    /// A PostgreSQL connection string.
    Postgres,
    /// A URL of another kind (a typo of `postgres`, say), by its scheme when that is
    /// a plain one.
    OtherUrl(&'a str),
}

impl<'a> Location<'a> {
    fn of(location: &'a str) -> Location<'a> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            return Location::Postgres;
        }
        const KEYS: [&str; 6] = [
            "host=",
            "hostaddr=",
            "port=",
            "dbname=",
            "user=",
            "password=",
        ];
        if location
            .split_whitespace()
            .any(|token| KEYS.iter().any(|k| token.starts_with(k)))
        {
            return Location::Postgres;
        }
        match location.split_once("://") {
            Some((scheme, _)) => {
                let plain = scheme.len() <= 20
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
                Location::OtherUrl(if plain { scheme } else { "(not shown)" })
            }
            None => Location::File,
        }
    }
}

/// Settings found in a store, parsed.
#[derive(Default)]
pub(super) struct StoredSettings {
    pub config: Option<Config>,
    pub thresholds: Option<SafetyThresholds>,
    pub settings: Option<SafetySettings>,
}

/// Parses the settings documents of a loaded store.
pub(super) fn stored_settings(state: &StoredState) -> Result<StoredSettings> {
    fn parse<T: serde::de::DeserializeOwned>(state: &StoredState, key: &str) -> Result<Option<T>> {
        state
            .settings
            .get(key)
            .map(|v| {
                serde_json::from_value(v.clone()).map_err(|e| Error::Parse {
                    what: format!("stored `{key}`"),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }
    Ok(StoredSettings {
        config: parse(state, CONFIG_KEY)?,
        thresholds: parse(state, THRESHOLDS_KEY)?,
        settings: parse(state, SETTINGS_KEY)?,
    })
}

/// Ids of inbound messages decided before, so duplicates across a restart are
/// still caught.
pub(super) fn recent_message_ids(
    store: &dyn Store,
    last_seq: u64,
    limit: usize,
) -> Result<Vec<String>> {
    let after = last_seq.saturating_sub(limit as u64);
    Ok(store
        .decisions(after, limit)?
        .into_iter()
        .filter_map(|d| d.message_id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn locations_are_files_urls_or_connection_strings() {
        assert_eq!(Location::of("data/patterns.db"), Location::File);
        assert_eq!(Location::of("data/host-1.db"), Location::File);
        assert_eq!(Location::of("postgresql://h/db"), Location::Postgres);
        assert_eq!(
            Location::of("host=db.internal dbname=clubos"),
            Location::Postgres
        );
        assert_eq!(
            Location::of("postgress://u:pw@h/db"),
            Location::OtherUrl("postgress")
        );
        assert_eq!(
            Location::of("secret pw://x"),
            Location::OtherUrl("(not shown)")
        );
    }
}
