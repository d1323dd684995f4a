//! The engine: the one type most users touch.
//!
//! `mod.rs` holds the type and the path of one message; the other files add the
//! rest of its methods by concern.

mod approvals;
mod audit;
mod builder;
mod decide;
mod learning;
mod manage;
mod observe;
mod persist;
mod privacy;
mod recent;
mod settings;
mod shared;

use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};
use rayon::prelude::*;

use crate::book::PatternBook;
use crate::calibrate::Calibration;
use crate::clock::Clock;
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::{Decision, Reason};
use crate::decision_id::DecisionId;
use crate::embed::check_vector;
use crate::error::Result;
use crate::gates::Gates;
use crate::guards::Guards;
use crate::safety::{SafetyRules, SafetySettings, SafetyThresholds};

pub use approvals::PatternApproval;
pub use audit::{BulkAction, BulkChange, BulkReport, ImportOptions, Selection};
pub use builder::EngineBuilder;
use recent::{DecisionNote, RecentDecisions, SeenMessages};

#[derive(Debug)]
struct SafetyState {
    thresholds: SafetyThresholds,
    settings: SafetySettings,
    rules: Arc<SafetyRules>,
}

/// Learns replies from operators and decides what to do with each message.
///
/// `Engine` is `Send + Sync`: share it behind an `Arc` and call it from many
/// threads. There is no global state; two engines never see each other.
///
/// # Example
/// ```
/// use pattern_learning::{Action, Engine, Feedback, MessageContext};
///
/// let engine = Engine::new();
/// let ctx = MessageContext::new().conversation("c1");
///
/// // Nothing learned yet: hand the message to a human, silently.
/// let d = engine.process("Do you sell gift cards?", &ctx).unwrap();
/// assert_eq!(d.action, Action::Escalate);
/// assert!(!d.sends());
///
/// // The operator answers; the engine learns the reply.
/// engine
///     .feedback(&Feedback::answer("Do you sell gift cards?", "Yes! Buy them online."))
///     .unwrap();
///
/// // A similar message now gets the learned reply proposed to an operator.
/// let d = engine.process("do you sell gift cards", &ctx).unwrap();
/// assert_eq!(d.response.as_deref(), Some("Yes! Buy them online."));
/// assert_ne!(d.action, Action::AutoExecute); // trust must be earned first
/// ```
#[derive(Debug)]
pub struct Engine {
    config: RwLock<Arc<Config>>,
    book: RwLock<PatternBook>,
    safety: RwLock<SafetyState>,
    guards: Guards,
    recent: Mutex<RecentDecisions>,
    seen_messages: Mutex<SeenMessages>,
    seen_feedback: Mutex<SeenMessages>,
    calibration: Mutex<Calibration>,
    /// The engine's turn: guard checks with the decision commits they go with,
    /// operator takeovers, and taking in other engines' changes happen one at a
    /// time, in this lock. It holds the sequence number of the last decision
    /// written to the store. Lock order: `book` before `turn`.
    turn: Mutex<u64>,
    store: Option<Arc<dyn crate::store::Store>>,
    clock: Arc<dyn Clock>,
    observer: observe::Observer,
    approvals: approvals::Approvals,
    /// The embedder's own gates, in force when the configuration's are the defaults.
    tuned_gates: Option<Gates>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An in-memory engine with the default (`seed`) configuration.
    pub fn new() -> Engine {
        // The default configuration and safety settings are valid by construction;
        // the test `default_engine_builds` keeps it that way.
        Engine::builder()
            .build()
            .expect("the default configuration is valid")
    }

    /// An in-memory engine with this configuration.
    pub fn with_config(config: Config) -> Result<Engine> {
        Engine::builder().config(config).build()
    }

    /// A builder for a custom embedder, clock or safety settings.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The configuration in force.
    pub fn config(&self) -> Config {
        (**self.config.read()).clone()
    }

    /// Replaces the configuration after validating it. Default gates give way to
    /// the embedder's own (see [`Gates`]).
    pub fn set_config(&self, config: Config) -> Result<()> {
        self.change_settings(|| self.install_config(config.clone()))
            .map(drop)
    }

    /// Applies a partial configuration update (see [`Config::apply_partial`]);
    /// all or nothing. Returns the configuration now in force. With a shared store
    /// the patch applies to the configuration as the other engines last wrote it.
    pub fn update_config(&self, patch: &serde_json::Value) -> Result<Config> {
        self.change_settings(|| {
            let mut next = self.config();
            next.apply_partial(patch)?;
            self.install_config(next)
        })
    }

    /// Resolves the gates, validates, persists and installs `config`; returns it.
    fn install_config(&self, mut config: Config) -> Result<Config> {
        config.gates = config.gates.or_tuned(self.tuned_gates);
        config.validate()?;
        let mut current = self.config.write();
        self.persist_setting(persist::CONFIG_KEY, &config)?;
        *current = Arc::new(config.clone());
        Ok(config)
    }

    /// The engine's clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Decides what to do with one inbound customer message.
    ///
    /// Never panics on any input. Errors are returned only for an invalid
    /// caller-supplied embedding; every other input gets a [`Decision`]:
    /// empty, oversized, unsafe or unknown messages are handed to a human.
    ///
    /// Every call is counted in [`Engine::metrics`] and delivered to subscribers
    /// ([`Engine::subscribe`]); with a `tracing` subscriber installed, it runs in
    /// a `process` span with `safety`, `retrieval`, `scoring` and `guards` spans.
    pub fn process(&self, message: &str, ctx: &MessageContext) -> Result<Decision> {
        let started = Instant::now();
        let span = tracing::info_span!(
            "process",
            bytes = message.len(),
            decision = tracing::field::Empty,
            action = tracing::field::Empty,
            reason = tracing::field::Empty,
            confidence = tracing::field::Empty,
            pattern = tracing::field::Empty,
        );
        let _entered = span.enter();
        let result = self.process_unobserved(message, ctx);
        if let Ok(d) = &result {
            span.record("decision", tracing::field::display(d.id));
            span.record("action", d.action.as_str());
            span.record("reason", d.reason.as_str());
            span.record("confidence", d.confidence);
            if let Some(p) = d.pattern_id {
                span.record("pattern", p.0);
            }
        }
        self.observe_decision(&result, started);
        result
    }

    /// Claims the message id → decides → records → remembers.
    fn process_unobserved(&self, message: &str, ctx: &MessageContext) -> Result<Decision> {
        if let Some(v) = &ctx.embedding {
            let dim = self.book.read().index().caller_dimension();
            check_vector(v, dim)?;
        }
        // With a shared store, learn what the other engines learned first.
        self.refresh()?;
        let id = DecisionId::new(self.clock.now());
        if let Some(earlier) = self.claim_message_id(ctx) {
            return Ok(decide::duplicate(id, message, ctx, earlier.as_deref()));
        }
        // With a store, the decision and its conversation's guard state are written
        // before the caller may send. If that fails, nothing was written or sent
        // (an error), and the message id is free again: a retry is decided anew.
        match self.decide(id, message, ctx) {
            Ok(decision) => {
                self.remember(&decision, ctx);
                Ok(decision)
            }
            Err(e) => {
                self.release_message_id(ctx);
                Err(e)
            }
        }
    }

    /// Claims the inbound message id; returns the earlier decision's state when
    /// the id was seen before (`None` inside while it is still being decided).
    fn claim_message_id(&self, ctx: &MessageContext) -> Option<Option<Box<Decision>>> {
        let message_id = ctx.message_id.as_ref()?;
        self.seen_messages.lock().claim(message_id)
    }

    /// Forgets the claim of a message id whose decision was not recorded.
    fn release_message_id(&self, ctx: &MessageContext) {
        if let Some(message_id) = &ctx.message_id {
            self.seen_messages.lock().release(message_id);
        }
    }

    /// Remembers a decision: for its message id (duplicates) and, when it was
    /// recorded, for feedback that links to it. A duplicate the store refused
    /// (another engine decided the message) was not recorded: feedback naming its
    /// id is `UNKNOWN_DECISION`, as on every other engine.
    fn remember(&self, decision: &Decision, ctx: &MessageContext) {
        if let Some(message_id) = &ctx.message_id {
            self.seen_messages.lock().complete(message_id, decision);
        }
        if decision.reason == Reason::DuplicateMessage {
            return;
        }
        self.recent.lock().insert(
            decision.id,
            DecisionNote {
                pattern: decision.pattern_id,
                raw_confidence: decision.confidence,
                proposed: decision.response.is_some(),
            },
        );
    }

    /// Processes many messages in parallel (rayon); results keep the input order.
    pub fn process_batch(&self, messages: &[(String, MessageContext)]) -> Vec<Result<Decision>> {
        messages
            .par_iter()
            .map(|(message, ctx)| self.process(message, ctx))
            .collect()
    }
}
