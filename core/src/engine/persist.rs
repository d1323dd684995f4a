//! Persistence: opening an engine on a store, and making every change durable
//! before it is visible.
//!
//! Every change to patterns runs inside [`Engine::mutate`]: the pattern book
//! journals the state of each pattern it touches; the changes go to the store in
//! one all-or-nothing commit; if the commit fails, the book rolls back, so memory
//! always equals what the store holds. Without a store the same journal makes a
//! multi-step change (a rejection plus a learned answer) atomic in memory.

use std::path::Path;

use super::*;
use crate::book::PatternBook;
use crate::store::{Commit, DecisionRecord, ExampleVector, SqliteStore, Store, StoredState};

/// Keys of the settings documents in a store.
pub(super) const CONFIG_KEY: &str = "config";
pub(super) const THRESHOLDS_KEY: &str = "safety_thresholds";
pub(super) const SETTINGS_KEY: &str = "safety_settings";

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

    /// Whether this engine writes to a store.
    pub fn is_durable(&self) -> bool {
        self.store.is_some()
    }

    /// Runs `f` on the pattern book as one transaction: all of it is applied
    /// (and, with a store, durably written) or none of it.
    pub(super) fn mutate<R>(&self, f: impl FnOnce(&mut PatternBook) -> Result<R>) -> Result<R> {
        let mut book = self.book.write();
        book.begin();
        let result = match f(&mut book) {
            Ok(r) => r,
            Err(e) => {
                book.rollback();
                return Err(e);
            }
        };
        if let Some(store) = &self.store {
            let changes = book.changes();
            if !changes.is_empty() {
                let commit = Commit {
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
                    ..Commit::default()
                };
                if let Err(e) = store.commit(&commit) {
                    book.rollback();
                    return Err(e);
                }
                book.end();
                book.forget_history();
                return Ok(result);
            }
        }
        book.end();
        Ok(result)
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

    /// Appends a decision (and its conversation's guard state) to the store.
    pub(super) fn persist_decision(
        &self,
        d: &Decision,
        message: &str,
        ctx: &MessageContext,
    ) -> Result<()> {
        // Conversations the guards forgot are deleted from the store as well, so
        // its conversation table stays as bounded as memory.
        let evicted = self.guards.take_evicted();
        let Some(store) = &self.store else {
            return Ok(());
        };
        let conversations = evicted
            .into_iter()
            .filter(|id| ctx.conversation_id.as_ref() != Some(id))
            .map(|id| (id, serde_json::Value::Null))
            .chain(
                ctx.conversation_id
                    .as_ref()
                    .map(|id| (id.clone(), self.guards.snapshot(id))),
            )
            .collect();
        let mut seq = self.decision_seq.lock();
        let record = DecisionRecord {
            seq: *seq + 1,
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
        };
        store.commit(&Commit {
            decisions: vec![record],
            conversations,
            ..Commit::default()
        })?;
        *seq += 1;
        Ok(())
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

impl EngineBuilder {
    /// Uses the single-file store at `path` (created when missing).
    pub fn open(self, path: impl AsRef<Path>) -> Result<Self> {
        let store = SqliteStore::open(path.as_ref())?;
        Ok(self.store(Arc::new(store)))
    }
}

/// Settings found in a store, parsed.
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
