//! Building an engine: configuration, embedder, clock, safety settings.

use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::book::PatternBook;
use crate::calibrate::Calibration;
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::config::Config;
use crate::embed::{Embedder, StaticEmbedder};
use crate::error::Result;
use crate::guards::{Guards, MAX_CONVERSATIONS};
use crate::safety::{SafetyRules, SafetySettings, SafetyThresholds};
use crate::store::{Commit, Store};

use super::persist::{
    recent_message_ids, stored_settings, StoredSettings, CONFIG_KEY, SETTINGS_KEY, THRESHOLDS_KEY,
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
    /// With a store, its patterns, conversation state, recent automatic sends,
    /// calibration record and settings are loaded; a configuration or safety
    /// settings given to this builder replace the stored ones (and are written to
    /// the store), otherwise the stored ones are used unchanged. Then, when the
    /// configuration sets a retention period with `retention.on_open`, it is
    /// applied ([`Engine::apply_retention`]).
    pub fn build(self) -> Result<Engine> {
        let engine = self.assemble()?;
        let expire = engine.store.is_some() && engine.config.read().retention.on_open;
        if expire {
            engine.apply_retention()?;
        }
        Ok(engine)
    }

    /// The engine, its state loaded from the store.
    fn assemble(self) -> Result<Engine> {
        let embedder = self
            .embedder
            .clone()
            .unwrap_or_else(|| Arc::new(StaticEmbedder::new()));
        let tuned_gates = embedder.tuned_gates();
        let clock = self.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
        let max = self.max_conversations.unwrap_or(MAX_CONVERSATIONS);
        let mut state = State::new(PatternBook::new(embedder), max);
        let stored = match &self.store {
            Some(store) => state.load(store.as_ref(), clock.now())?,
            None => StoredSettings::default(),
        };
        let mut config = self.config.clone().or(stored.config).unwrap_or_default();
        config.gates = config.gates.or_tuned(tuned_gates);
        config.validate()?;
        let thresholds = self
            .thresholds
            .clone()
            .or(stored.thresholds)
            .unwrap_or_default();
        let settings = self
            .settings
            .clone()
            .or(stored.settings)
            .unwrap_or_default();
        let rules = SafetyRules::new(&thresholds, &settings)?;
        self.write_given_settings(&config, &thresholds, &settings)?;
        Ok(Engine {
            config: RwLock::new(Arc::new(config)),
            book: RwLock::new(state.book),
            safety: RwLock::new(SafetyState {
                thresholds,
                settings,
                rules: Arc::new(rules),
            }),
            guards: state.guards,
            recent: Mutex::new(RecentDecisions::default()),
            seen_messages: Mutex::new(state.seen),
            seen_feedback: Mutex::new(SeenMessages::default()),
            calibration: Mutex::new(state.calibration),
            turn: Mutex::new(state.last_decision),
            store: self.store,
            clock,
            observer: Default::default(),
            approvals: Default::default(),
            tuned_gates,
        })
    }

    /// Writes the settings given to this builder to its store (they replace the
    /// stored ones).
    fn write_given_settings(
        &self,
        config: &Config,
        thresholds: &SafetyThresholds,
        settings: &SafetySettings,
    ) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let given = [
            (CONFIG_KEY, self.config.is_some().then(|| to_json(config))),
            (
                THRESHOLDS_KEY,
                self.thresholds.is_some().then(|| to_json(thresholds)),
            ),
            (
                SETTINGS_KEY,
                self.settings.is_some().then(|| to_json(settings)),
            ),
        ];
        let documents: Vec<(String, serde_json::Value)> = given
            .into_iter()
            .filter_map(|(key, value)| value.map(|v| (key.to_owned(), v)))
            .collect();
        if documents.is_empty() {
            return Ok(());
        }
        store.commit(&Commit {
            settings: documents,
            ..Commit::default()
        })
    }
}

/// The engine's state before it is built: empty, or loaded from a store.
struct State {
    book: PatternBook,
    guards: Guards,
    seen: SeenMessages,
    calibration: Calibration,
    last_decision: u64,
}

impl State {
    fn new(book: PatternBook, max_conversations: usize) -> Self {
        State {
            book,
            guards: Guards::with_max_conversations(max_conversations),
            seen: SeenMessages::default(),
            calibration: Calibration::default(),
            last_decision: 0,
        }
    }

    /// Loads everything the store keeps: patterns (the indexes are rebuilt),
    /// conversation guard state, the automatic sends of the last hour before `now`,
    /// recent inbound message ids, the calibration record; returns the settings.
    fn load(&mut self, store: &dyn Store, now: Timestamp) -> Result<StoredSettings> {
        let state = store.load()?;
        let settings = stored_settings(&state)?;
        self.last_decision = state.last_decision_seq;
        for id in recent_message_ids(store, state.last_decision_seq, SEEN_IDS)? {
            self.seen.remember(&id);
        }
        self.guards.restore(&state.conversations);
        self.guards
            .restore_sends(store.auto_sends_since(now.plus_millis(-HOUR_MS))?);
        self.calibration.record_all(&state.judgements);
        self.book.restore(
            state.patterns,
            state.rejections,
            state
                .vectors
                .into_iter()
                .map(|v| (v.pattern_id, v.example_index, v.vector))
                .collect(),
            state.last_event_seq,
        );
        Ok(settings)
    }
}

/// One hour in milliseconds: the window of the hourly cap of automatic sends.
const HOUR_MS: i64 = 3_600_000;

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}
