//! Building an engine: configuration, embedder, clock, safety settings.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::book::PatternBook;
use crate::calibrate::Calibration;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::embed::{Embedder, StaticEmbedder};
use crate::error::Result;
use crate::guards::Guards;
use crate::safety::{SafetyRules, SafetySettings, SafetyThresholds};
use crate::store::{Commit, Store};

use super::persist::{
    recent_message_ids, stored_settings, CONFIG_KEY, SETTINGS_KEY, THRESHOLDS_KEY,
};
use super::recent::{RecentDecisions, SeenMessages, SEEN_IDS};
use super::{Engine, SafetyState};

/// Builds an [`Engine`] with a custom embedder, clock or safety settings.
#[derive(Debug, Default)]
pub struct EngineBuilder {
    config: Option<Config>,
    embedder: Option<Arc<dyn Embedder>>,
    clock: Option<Arc<dyn Clock>>,
    thresholds: Option<SafetyThresholds>,
    settings: Option<SafetySettings>,
    store: Option<Arc<dyn Store>>,
    max_conversations: Option<usize>,
}

impl EngineBuilder {
    /// Uses this configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }
    /// Uses this embedder instead of the built-in one.
    pub fn embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.embedder = Some(embedder);
        self
    }
    /// Uses this clock (tests use [`crate::clock::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
    /// Uses these safety thresholds (V1 `SafetyThresholds`).
    pub fn safety_thresholds(mut self, thresholds: SafetyThresholds) -> Self {
        self.thresholds = Some(thresholds);
        self
    }
    /// Uses these safety settings (blacklist, escalation keywords, approvals).
    pub fn safety_settings(mut self, settings: SafetySettings) -> Self {
        self.settings = Some(settings);
        self
    }
    /// Remembers the guard state (lockouts, reply caps, rapid messages) of at most
    /// `max` conversations, default 100,000; the least recently seen are forgotten
    /// first, in memory and in the store. A forgotten conversation starts afresh.
    ///
    /// # Example
    /// ```
    /// let engine = pattern_learning::Engine::builder().max_conversations(10_000).build()?;
    /// # let _ = engine;
    /// # Ok::<(), pattern_learning::Error>(())
    /// ```
    pub fn max_conversations(mut self, max: usize) -> Self {
        self.max_conversations = Some(max);
        self
    }
    /// Uses this store (the source of truth; see [`crate::store`]).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Validates everything and builds the engine.
    ///
    /// With a store, its patterns, conversation state and settings are loaded;
    /// a configuration or safety settings given to this builder replace the
    /// stored ones (and are written to the store), otherwise the stored ones are
    /// used unchanged.
    pub fn build(self) -> Result<Engine> {
        let embedder = self
            .embedder
            .unwrap_or_else(|| Arc::new(StaticEmbedder::new()));
        let tuned_gates = embedder.tuned_gates();
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut book = PatternBook::new(embedder);
        let guards = Guards::with_max_conversations(
            self.max_conversations
                .unwrap_or(crate::guards::MAX_CONVERSATIONS),
        );
        let mut seen = SeenMessages::default();
        let mut last_decision = 0;
        let (mut config, mut thresholds, mut settings) = (
            self.config.clone(),
            self.thresholds.clone(),
            self.settings.clone(),
        );
        if let Some(store) = &self.store {
            let state = store.load()?;
            let stored = stored_settings(&state)?;
            config = config.or(stored.config);
            thresholds = thresholds.or(stored.thresholds);
            settings = settings.or(stored.settings);
            last_decision = state.last_decision_seq;
            for id in recent_message_ids(store.as_ref(), state.last_decision_seq, SEEN_IDS)? {
                seen.claim(&id);
            }
            guards.restore(&state.conversations);
            book.restore(
                state.patterns,
                state.rejections,
                state
                    .vectors
                    .into_iter()
                    .map(|v| (v.pattern_id, v.example_index, v.vector))
                    .collect(),
                state.last_event_seq,
            );
        }
        let mut config = config.unwrap_or_default();
        config.gates = config.gates.or_tuned(tuned_gates);
        let thresholds = thresholds.unwrap_or_default();
        let settings = settings.unwrap_or_default();
        config.validate()?;
        let rules = SafetyRules::new(&thresholds, &settings)?;
        if let Some(store) = &self.store {
            let mut documents = Vec::new();
            if self.config.is_some() {
                documents.push((CONFIG_KEY.to_owned(), to_json(&config)));
            }
            if self.thresholds.is_some() {
                documents.push((THRESHOLDS_KEY.to_owned(), to_json(&thresholds)));
            }
            if self.settings.is_some() {
                documents.push((SETTINGS_KEY.to_owned(), to_json(&settings)));
            }
            if !documents.is_empty() {
                store.commit(&Commit {
                    settings: documents,
                    ..Commit::default()
                })?;
            }
        }
        Ok(Engine {
            config: RwLock::new(Arc::new(config)),
            book: RwLock::new(book),
            safety: RwLock::new(SafetyState {
                thresholds,
                settings,
                rules: Arc::new(rules),
            }),
            guards,
            recent: Mutex::new(RecentDecisions::default()),
            seen_messages: Mutex::new(seen),
            seen_feedback: Mutex::new(SeenMessages::default()),
            calibration: Mutex::new(Calibration::default()),
            next_decision: AtomicU64::new(last_decision + 1),
            decision_seq: Mutex::new(last_decision),
            store: self.store,
            clock,
            observer: Default::default(),
            approvals: Default::default(),
            tuned_gates,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}
