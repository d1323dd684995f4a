//! Building an engine: configuration, embedder, clock, safety settings.

use std::cell::RefCell;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::book::PatternBook;
use crate::calibrate::Calibration;
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::config::Config;
use crate::embed::{Embedder, StaticEmbedder};
use crate::error::Result;
use crate::gates::Gates;
use crate::guards::{Guards, MAX_CONVERSATIONS};
use crate::safety::{SafetyRules, SafetySettings, SafetyThresholds};
use crate::store::{Acceptance, Commit, Store, StoredState};

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
    initial: Initial,
}

/// Settings for a store that holds none yet (its first boot).
#[derive(Debug, Default)]
struct Initial {
    config: Option<Config>,
    thresholds: Option<SafetyThresholds>,
    settings: Option<SafetySettings>,
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
    /// Uses `config` only when the store holds no configuration yet (its first boot)
    /// or when there is no store; it is then written to the store. A store that holds
    /// a configuration keeps it: a restart with the same builder changes nothing that
    /// an admin set (the kill switch, shadow mode, thresholds). [`config`](Self::config)
    /// wins over it.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::{Config, Engine};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("patterns.db");
    /// let shadow = Config { shadow_mode: true, ..Config::default() };
    /// let first = Engine::builder().open(&path)?.initial_config(shadow.clone()).build()?;
    /// assert!(first.config().shadow_mode);
    /// first.update_config(&serde_json::json!({"shadowMode": false}))?; // an admin's change
    /// drop(first);
    /// let again = Engine::builder().open(&path)?.initial_config(shadow).build()?;
    /// assert!(!again.config().shadow_mode, "the stored configuration wins");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn initial_config(mut self, config: Config) -> Self {
        self.initial.config = Some(config);
        self
    }
    /// Like [`initial_config`](Self::initial_config), for the safety thresholds.
    pub fn initial_safety_thresholds(mut self, thresholds: SafetyThresholds) -> Self {
        self.initial.thresholds = Some(thresholds);
        self
    }
    /// Like [`initial_config`](Self::initial_config), for the safety settings.
    pub fn initial_safety_settings(mut self, settings: SafetySettings) -> Self {
        self.initial.settings = Some(settings);
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
    /// the store), otherwise the stored ones are used unchanged; initial ones are
    /// used (and written) only where the store holds none. Then, when the
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
        // The settings in force are settled from the loaded state before the store
        // keeps anything of the load (an older file's migration): what they refuse
        // leaves the store as it was.
        let settled = RefCell::new(None);
        let accept = |s: &StoredState| {
            *settled.borrow_mut() = Some(self.settle(stored_settings(s)?, tuned_gates)?);
            Ok(())
        };
        if let Some(store) = &self.store {
            state.load(store.as_ref(), clock.now(), &accept)?;
        }
        let (in_force, rules) = match settled.into_inner() {
            Some(settled) => settled,
            None => self.settle(StoredSettings::default(), tuned_gates)?,
        };
        let InForce {
            config,
            thresholds,
            settings,
            written,
        } = in_force;
        self.write_settings(written, &config, &thresholds, &settings)?;
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

    /// The settings in force (see [`in_force`](Self::in_force)) and the safety rules
    /// they make.
    fn settle(
        &self,
        stored: StoredSettings,
        tuned_gates: Option<Gates>,
    ) -> Result<(InForce, SafetyRules)> {
        let in_force = self.in_force(stored, tuned_gates)?;
        let rules = SafetyRules::new(&in_force.thresholds, &in_force.settings)?;
        Ok((in_force, rules))
    }

    /// The settings the engine starts with: given to this builder, else stored, else
    /// initial, else the defaults; and which of them to write to the store.
    fn in_force(&self, stored: StoredSettings, tuned_gates: Option<Gates>) -> Result<InForce> {
        let initial = &self.initial;
        let written = Written {
            config: self.config.is_some() || stored.config.is_none() && initial.config.is_some(),
            thresholds: self.thresholds.is_some()
                || stored.thresholds.is_none() && initial.thresholds.is_some(),
            settings: self.settings.is_some()
                || stored.settings.is_none() && initial.settings.is_some(),
        };
        let mut config = (self.config.clone().or(stored.config))
            .or_else(|| initial.config.clone())
            .unwrap_or_default();
        config.gates = config.gates.or_tuned(tuned_gates);
        config.validate()?;
        let thresholds = (self.thresholds.clone().or(stored.thresholds))
            .or_else(|| initial.thresholds.clone())
            .unwrap_or_default();
        let settings = (self.settings.clone().or(stored.settings))
            .or_else(|| initial.settings.clone())
            .unwrap_or_default();
        Ok(InForce {
            config,
            thresholds,
            settings,
            written,
        })
    }

    /// Writes to the store the settings `written` names: those given to this builder
    /// (they replace the stored ones) and the initial ones it used (the store held
    /// none).
    fn write_settings(
        &self,
        written: Written,
        config: &Config,
        thresholds: &SafetyThresholds,
        settings: &SafetySettings,
    ) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let given = [
            (CONFIG_KEY, written.config.then(|| to_json(config))),
            (
                THRESHOLDS_KEY,
                written.thresholds.then(|| to_json(thresholds)),
            ),
            (SETTINGS_KEY, written.settings.then(|| to_json(settings))),
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

/// The settings an engine starts with.
struct InForce {
    config: Config,
    thresholds: SafetyThresholds,
    settings: SafetySettings,
    written: Written,
}

/// Which settings documents the builder writes: given ones, or initial ones where
/// the store held none.
#[derive(Debug, Clone, Copy)]
struct Written {
    config: bool,
    thresholds: bool,
    settings: bool,
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
    /// recent inbound message ids, the calibration record. `accept` judges the
    /// loaded state first (see [`Store::load_accepted`]) and takes its settings.
    fn load(&mut self, store: &dyn Store, now: Timestamp, accept: &Acceptance<'_>) -> Result<()> {
        let state = store.load_accepted(accept)?;
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
        Ok(())
    }
}

/// One hour in milliseconds: the window of the hourly cap of automatic sends.
const HOUR_MS: i64 = 3_600_000;

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}
