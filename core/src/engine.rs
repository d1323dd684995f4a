//! The engine: the one type most users touch.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::book::{ChangeKind, ExampleInput, PatternBook, PatternEvent};
use crate::calibrate::Calibration;
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::config::Config;
use crate::decision::{Action, Decision, Evidence, GateCheck, Outbound, OutboundKind, Reason};
use crate::embed::{check_vector, Embedder, HashedNgramEmbedder};
use crate::error::{Error, Result};
use crate::feedback::{Feedback, FeedbackAction, FeedbackOutcome};
use crate::guards::{GuardOutcome, Guards, Inbound};
use crate::index::Blend;
use crate::learn::{apply_feedback, derive_keywords};
use crate::pattern::{NewPattern, Pattern, PatternFilter, PatternId, PatternUpdate, Provenance};
use crate::safety::{SafetyHit, SafetyRules, SafetySettings, SafetyThresholds, SafetyVerdict};
use crate::score::{assess, FailedGate};
use crate::template::{extract_entities, render, TemplateContext};
use crate::{signature, text, topic};

/// What the caller knows about a message besides its text.
///
/// # Example
/// ```
/// use pattern_learning::MessageContext;
/// let ctx = MessageContext::new()
///     .conversation("conv-42")
///     .phone("+19025550100")
///     .customer_name("Sam")
///     .message_id("openphone-msg-1");
/// assert_eq!(ctx.conversation_id.as_deref(), Some("conv-42"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageContext {
    /// Conversation the message belongs to (guards are kept per conversation).
    pub conversation_id: Option<String>,
    /// Customer phone number.
    pub phone: Option<String>,
    /// Customer name, for `{{customer_name}}`.
    pub customer_name: Option<String>,
    /// Inbound message id; the same id is never answered twice.
    pub message_id: Option<String>,
    /// Caller-supplied embedding of the message (e.g. OpenAI), compared with the
    /// caller-supplied vectors of pattern examples.
    pub embedding: Option<Vec<f32>>,
    /// Extra template variables (`{{booking_link}}`, `{{customer.name}}`, …).
    #[serde(default)]
    pub variables: serde_json::Map<String, serde_json::Value>,
}

impl MessageContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the conversation id.
    pub fn conversation(mut self, id: impl Into<String>) -> Self {
        self.conversation_id = Some(id.into());
        self
    }
    /// Sets the phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// Sets the customer name.
    pub fn customer_name(mut self, name: impl Into<String>) -> Self {
        self.customer_name = Some(name.into());
        self
    }
    /// Sets the inbound message id.
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }
    /// Sets a caller-supplied embedding.
    pub fn embedding(mut self, vector: Vec<f32>) -> Self {
        self.embedding = Some(vector);
        self
    }
    /// Adds a template variable.
    pub fn variable(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.variables.insert(key.into(), value.into());
        self
    }
}

/// Builds an [`Engine`] with a custom embedder, clock or safety settings.
#[derive(Debug, Default)]
pub struct EngineBuilder {
    config: Config,
    embedder: Option<Arc<dyn Embedder>>,
    clock: Option<Arc<dyn Clock>>,
    thresholds: SafetyThresholds,
    settings: SafetySettings,
}

impl EngineBuilder {
    /// Uses this configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
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
        self.thresholds = thresholds;
        self
    }
    /// Uses these safety settings (blacklist, escalation keywords, approvals).
    pub fn safety_settings(mut self, settings: SafetySettings) -> Self {
        self.settings = settings;
        self
    }
    /// Validates everything and builds the engine.
    pub fn build(self) -> Result<Engine> {
        self.config.validate()?;
        let rules = SafetyRules::new(&self.thresholds, &self.settings)?;
        let embedder = self
            .embedder
            .unwrap_or_else(|| Arc::new(HashedNgramEmbedder::default()));
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        Ok(Engine {
            config: RwLock::new(Arc::new(self.config)),
            book: RwLock::new(PatternBook::new(embedder.clone())),
            safety: RwLock::new(SafetyState {
                thresholds: self.thresholds,
                settings: self.settings,
                rules: Arc::new(rules),
            }),
            guards: Guards::default(),
            recent: Mutex::new(RecentDecisions::default()),
            seen_messages: Mutex::new(SeenMessages::default()),
            seen_feedback: Mutex::new(SeenMessages::default()),
            calibration: Mutex::new(Calibration::default()),
            next_decision: AtomicU64::new(1),
            clock,
        })
    }
}

#[derive(Debug)]
struct SafetyState {
    thresholds: SafetyThresholds,
    settings: SafetySettings,
    rules: Arc<SafetyRules>,
}

/// What the engine remembers about a recent decision, for feedback.
#[derive(Debug, Clone)]
struct DecisionNote {
    pattern: Option<PatternId>,
    raw_confidence: f64,
    proposed: bool,
}

/// How many recent decisions are kept for linking feedback to them.
const RECENT_DECISIONS: usize = 100_000;
/// How many inbound message ids (and feedback ids) are remembered for idempotency.
const SEEN_IDS: usize = 200_000;

#[derive(Debug, Default)]
struct RecentDecisions {
    notes: HashMap<u64, DecisionNote>,
    order: VecDeque<u64>,
}

impl RecentDecisions {
    fn insert(&mut self, id: u64, note: DecisionNote) {
        self.notes.insert(id, note);
        self.order.push_back(id);
        while self.order.len() > RECENT_DECISIONS {
            if let Some(old) = self.order.pop_front() {
                self.notes.remove(&old);
            }
        }
    }
}

/// Remembered ids: `None` while being processed, then the decision.
#[derive(Debug, Default)]
struct SeenMessages {
    by_id: HashMap<String, Option<Box<Decision>>>,
    order: VecDeque<String>,
}

impl SeenMessages {
    /// Claims `id`; returns the earlier state when it was seen already.
    fn claim(&mut self, id: &str) -> Option<Option<Box<Decision>>> {
        if let Some(prev) = self.by_id.get(id) {
            return Some(prev.clone());
        }
        self.by_id.insert(id.to_owned(), None);
        self.order.push_back(id.to_owned());
        while self.order.len() > SEEN_IDS {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
        None
    }

    fn complete(&mut self, id: &str, decision: &Decision) {
        if let Some(slot) = self.by_id.get_mut(id) {
            *slot = Some(Box::new(decision.clone()));
        }
    }
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
    next_decision: AtomicU64,
    clock: Arc<dyn Clock>,
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

    /// Replaces the configuration after validating it.
    pub fn set_config(&self, config: Config) -> Result<()> {
        config.validate()?;
        *self.config.write() = Arc::new(config);
        Ok(())
    }

    /// Applies a partial configuration update (see [`Config::apply_partial`]);
    /// all or nothing. Returns the configuration now in force.
    pub fn update_config(&self, patch: &serde_json::Value) -> Result<Config> {
        let mut next = self.config();
        next.apply_partial(patch)?;
        self.set_config(next.clone())?;
        Ok(next)
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
    pub fn process(&self, message: &str, ctx: &MessageContext) -> Result<Decision> {
        if let Some(v) = &ctx.embedding {
            let dim = self.book.read().index().caller_dimension();
            check_vector(v, dim)?;
        }
        let id = self.next_decision.fetch_add(1, Ordering::Relaxed);
        if let Some(message_id) = &ctx.message_id {
            let earlier = self.seen_messages.lock().claim(message_id);
            if let Some(earlier) = earlier {
                return Ok(self.duplicate(id, message, ctx, earlier.as_deref()));
            }
        }
        let decision = self.decide(id, message, ctx);
        if let Some(message_id) = &ctx.message_id {
            self.seen_messages.lock().complete(message_id, &decision);
        }
        self.recent.lock().insert(
            id,
            DecisionNote {
                pattern: decision.pattern_id,
                raw_confidence: decision.confidence,
                proposed: decision.response.is_some(),
            },
        );
        Ok(decision)
    }

    /// Processes many messages in parallel (rayon); results keep the input order.
    pub fn process_batch(&self, messages: &[(String, MessageContext)]) -> Vec<Result<Decision>> {
        messages
            .par_iter()
            .map(|(message, ctx)| self.process(message, ctx))
            .collect()
    }

    fn duplicate(
        &self,
        id: u64,
        message: &str,
        ctx: &MessageContext,
        earlier: Option<&Decision>,
    ) -> Decision {
        let mut d = match earlier {
            Some(prev) => prev.clone(),
            None => self.bare(
                message,
                Action::Escalate,
                Reason::DuplicateMessage,
                SafetyVerdict::safe(),
            ),
        };
        d.id = id;
        // The same decision, but never a second send: a caller that looks only at
        // `action` must not act on it again.
        d.would_action = Some(d.action);
        d.action = Action::Escalate;
        d.outbound = None;
        d.reason = Reason::DuplicateMessage;
        d.message_id = ctx.message_id.clone();
        d
    }

    fn bare(
        &self,
        message: &str,
        action: Action,
        reason: Reason,
        safety: SafetyVerdict,
    ) -> Decision {
        Decision {
            id: 0,
            action,
            reason,
            would_action: None,
            pattern_id: None,
            response: None,
            actions: None,
            confidence: 0.0,
            outbound: None,
            topic: topic::detect_topic(truncate(message, 4096))
                .as_str()
                .to_owned(),
            safety,
            evidence: Evidence::default(),
            message_id: None,
        }
    }

    fn decide(&self, id: u64, message: &str, ctx: &MessageContext) -> Decision {
        let config = self.config.read().clone();
        let now = self.clock.now();
        let mut d = self.match_message(message, ctx, &config);
        d.id = id;
        d.message_id = ctx.message_id.clone();
        if config.enabled {
            self.apply_guards(&mut d, ctx, &config, now);
        }
        if !config.enabled {
            d.would_action = Some(d.action);
            d.action = Action::Escalate;
            d.reason = Reason::Disabled;
            d.outbound = None;
        } else if config.shadow_mode {
            d.would_action = Some(d.action);
            d.action = Action::Shadow;
            d.outbound = None;
        }
        d
    }

    /// Safety, retrieval, scoring and tiers (no conversation guards).
    fn match_message(&self, message: &str, ctx: &MessageContext, config: &Config) -> Decision {
        if message.len() > config.max_message_bytes {
            return self.bare(
                message,
                Action::Escalate,
                Reason::MessageTooLong,
                SafetyVerdict::safe(),
            );
        }
        let rules = self.safety.read().rules.clone();
        let verdict = rules.check(message);
        if text::words(&text::normalize(message)).next().is_none() {
            return self.bare(message, Action::Escalate, Reason::EmptyMessage, verdict);
        }
        match verdict.kind {
            Some(SafetyHit::Blacklist) => {
                return self.bare(message, Action::Escalate, Reason::SafetyBlacklist, verdict);
            }
            Some(SafetyHit::Escalation) => {
                return self.bare(message, Action::Escalate, Reason::SafetyEscalation, verdict);
            }
            Some(SafetyHit::NegativeSentiment { .. }) => {
                let text = verdict.suggested_response.clone();
                let mut d = self.bare(
                    message,
                    Action::Escalate,
                    Reason::NegativeSentiment,
                    verdict,
                );
                d.outbound = text.map(|text| Outbound {
                    text,
                    kind: OutboundKind::Escalation,
                });
                return d;
            }
            _ => {}
        }
        let book = self.book.read();
        let embedding = book.embedder().embed(message);
        let query = book
            .index()
            .query(message, embedding, ctx.embedding.clone());
        let blend = Blend {
            embedder_weight: config.gates.semantic_weight,
            caller_weight: 0.5,
        };
        let result = book.index().search(&query, blend, |id| {
            book.get(id).is_some_and(|p| p.is_active && !p.is_deleted)
        });
        let Some(assessment) = assess(&result, query.words(), &config.gates, |id| book.get(id))
        else {
            return self.bare(
                message,
                Action::Escalate,
                Reason::NoMatchingPattern,
                verdict,
            );
        };
        let Some(pattern) = book.get(assessment.pattern) else {
            return self.bare(
                message,
                Action::Escalate,
                Reason::NoMatchingPattern,
                verdict,
            );
        };
        let (auto_threshold, expected_precision) = self.auto_threshold(config);
        let mut evidence = assessment.evidence;
        evidence.nearest_example = book
            .index()
            .example_text(assessment.nearest_doc)
            .map(str::to_owned);
        evidence.auto_threshold = auto_threshold;
        evidence.expected_precision = expected_precision;

        let rendered = render(
            &pattern.response_template,
            &self.template_context(message, ctx),
        );
        evidence.missing_variables = rendered.missing.clone();
        let actions = pattern
            .action_template
            .as_ref()
            .map(|a| render_json(a, &self.template_context(message, ctx)));

        let t = config.thresholds;
        let confidence = assessment.confidence;
        evidence.gates.push(gate("active", pattern.is_active, true));
        evidence
            .gates
            .push(gate("auto_executable", pattern.auto_executable, true));
        evidence
            .gates
            .push(gate("template_complete", rendered.is_complete(), true));
        let (action, reason) = if t.clears(confidence, auto_threshold) {
            if !assessment.gates_passed {
                let reason = match assessment.failed_gate {
                    Some(FailedGate::Support) => Reason::InsufficientSupport,
                    _ => Reason::AmbiguousMatch,
                };
                (Action::Suggest, reason)
            } else if !pattern.auto_executable {
                (Action::Suggest, Reason::NotAutoExecutable)
            } else if !rendered.is_complete() {
                (Action::Suggest, Reason::TemplateIncomplete)
            } else {
                (Action::AutoExecute, Reason::ConfidentMatch)
            }
        } else if t.clears(confidence, t.suggest) {
            (Action::Suggest, Reason::BelowAutoThreshold)
        } else if t.clears(confidence, t.queue) {
            (Action::Queue, Reason::BelowAutoThreshold)
        } else {
            (Action::Escalate, Reason::LowConfidence)
        };
        // A suggestion must never show a reply the engine could not auto-send
        // because of a shown-to-customer defect; unfilled variables stay visible to
        // the operator (who can fill them), never to the customer.
        let response = (action != Action::Escalate).then(|| rendered.text.clone());
        let outbound = (action == Action::AutoExecute)
            .then(|| rendered.text.clone())
            .filter(|text| !text.contains("{{"))
            .map(|text| Outbound {
                text,
                kind: OutboundKind::Reply,
            });
        let action = if action == Action::AutoExecute && outbound.is_none() {
            Action::Suggest
        } else {
            action
        };
        Decision {
            id: 0,
            action,
            reason,
            would_action: None,
            pattern_id: Some(pattern.id),
            response,
            actions,
            confidence,
            outbound,
            topic: topic::detect_topic(truncate(message, 4096))
                .as_str()
                .to_owned(),
            safety: verdict,
            evidence,
            message_id: None,
        }
    }

    fn apply_guards(
        &self,
        d: &mut Decision,
        ctx: &MessageContext,
        config: &Config,
        now: Timestamp,
    ) {
        let thresholds = self.safety.read().thresholds.clone();
        let inbound = Inbound {
            ctx,
            topic: d.topic.parse().unwrap_or(topic::Topic::General),
            action: d.action,
            pattern: d.pattern_id,
            will_send: d.outbound.is_some() && !config.shadow_mode,
            dry_run: config.shadow_mode,
            escalating: d
                .outbound
                .as_ref()
                .is_some_and(|o| o.kind == OutboundKind::Escalation),
        };
        let outcome = self.guards.check_inbound(inbound, &thresholds, config, now);
        match outcome {
            GuardOutcome::Allow => {}
            GuardOutcome::Block(reason) => {
                if d.outbound
                    .as_ref()
                    .is_some_and(|o| o.kind == OutboundKind::Escalation)
                {
                    d.outbound = None;
                }
                if d.action == Action::AutoExecute {
                    d.action = Action::Suggest;
                    d.reason = reason;
                    d.outbound = None;
                }
                d.evidence.gates.push(GateCheck {
                    gate: reason.as_str().into(),
                    value: 0.0,
                    required: 1.0,
                    passed: false,
                });
            }
            GuardOutcome::Escalate { reason, text } => {
                d.action = Action::Escalate;
                d.reason = reason;
                d.outbound = text.map(|text| Outbound {
                    text,
                    kind: OutboundKind::Escalation,
                });
            }
        }
    }

    fn template_context(&self, message: &str, ctx: &MessageContext) -> TemplateContext {
        let mut tc = TemplateContext::new();
        if let Some(name) = &ctx.customer_name {
            tc.insert("customer_name", name.clone());
        }
        if let Some(phone) = &ctx.phone {
            tc.insert("phone_number", phone.clone());
        }
        if let Some(conv) = &ctx.conversation_id {
            tc.insert("conversation_id", conv.clone());
        }
        extract_entities(truncate(message, 4096)).into_context(&mut tc);
        for (k, v) in &ctx.variables {
            tc.insert(k.clone(), v.clone());
        }
        tc
    }

    /// The auto threshold in force and, with `target_precision`, the precision
    /// the engine expects at it.
    fn auto_threshold(&self, config: &Config) -> (f64, Option<f64>) {
        match config.target_precision {
            Some(target) => {
                let cal = self.calibration.lock();
                match cal.threshold_for(target) {
                    Some((t, p)) => (t.max(config.thresholds.auto.min(t)), Some(p)),
                    None => (config.thresholds.auto, None),
                }
            }
            None => (config.thresholds.auto, None),
        }
    }

    /// Records operator feedback: approve / modify / reject / answer.
    ///
    /// Feedback with an `id` seen before is ignored (reported as `duplicate`).
    pub fn feedback(&self, feedback: &Feedback) -> Result<FeedbackOutcome> {
        self.feedback_with_vector(feedback, None)
    }

    /// Like [`Engine::feedback`], with a caller-supplied embedding of the message.
    pub fn feedback_with_vector(
        &self,
        feedback: &Feedback,
        vector: Option<Vec<f32>>,
    ) -> Result<FeedbackOutcome> {
        let config = self.config.read().clone();
        if feedback.query.len() > config.max_message_bytes {
            return Err(Error::TextTooLong {
                len: feedback.query.len(),
                max: config.max_message_bytes,
            });
        }
        if let Some(reply) = feedback.reply_sent() {
            if reply.len() > config.max_message_bytes {
                return Err(Error::TextTooLong {
                    len: reply.len(),
                    max: config.max_message_bytes,
                });
            }
        }
        let action = feedback.resolved_action()?;
        let note = feedback
            .decision_id
            .and_then(|id| self.recent.lock().notes.get(&id).cloned());
        let judged = feedback
            .pattern_id
            .or(note.as_ref().and_then(|n| n.pattern));
        if let Some(v) = &vector {
            let dim = self.book.read().index().caller_dimension();
            check_vector(v, dim)?;
        }
        if let Some(fid) = &feedback.id {
            if self.seen_feedback.lock().claim(fid).is_some() {
                return Ok(FeedbackOutcome {
                    action,
                    judged_pattern: judged,
                    learned_pattern: None,
                    created: false,
                    confidence_change: None,
                    promoted: false,
                    duplicate: true,
                });
            }
        }
        let now = feedback.timestamp.unwrap_or_else(|| self.clock.now());
        let outcome = {
            let mut book = self.book.write();
            apply_feedback(&mut book, &config, feedback, judged, vector, now)
        };
        if outcome.is_err() {
            if let Some(fid) = &feedback.id {
                self.seen_feedback.lock().by_id.remove(fid);
            }
        }
        let outcome = outcome?;
        if let Some(note) = note.filter(|n| n.proposed) {
            let right = matches!(action, FeedbackAction::Approve | FeedbackAction::Modify);
            self.calibration.lock().record(note.raw_confidence, right);
        }
        if let Some(conv) = &feedback.context.session_id {
            let _ = conv;
        }
        Ok(outcome)
    }

    /// Tells the engine that an operator wrote in a conversation (takeover):
    /// automatic replies stop there for the configured lockout.
    pub fn record_operator_message(
        &self,
        conversation_id: &str,
        last_customer_message: Option<&str>,
    ) {
        let thresholds = self.safety.read().thresholds.clone();
        let topic = last_customer_message.map(topic::detect_topic);
        self.guards
            .operator_message(conversation_id, topic, &thresholds, self.clock.now());
    }

    /// Creates a pattern from trigger examples, keywords and a reply template.
    pub fn create_pattern(&self, new: NewPattern) -> Result<Pattern> {
        let config = self.config.read().clone();
        let examples: Vec<String> = new
            .trigger_examples
            .iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| text::words(&text::normalize(e)).next().is_some())
            .collect();
        if examples.is_empty() {
            return Err(Error::InvalidPattern(
                "at least one trigger example with words is required".into(),
            ));
        }
        if text::words(&text::normalize(&new.response_template))
            .next()
            .is_none()
        {
            return Err(Error::InvalidPattern("the reply template is empty".into()));
        }
        for e in examples
            .iter()
            .chain(std::iter::once(&new.response_template))
        {
            if e.len() > config.max_message_bytes {
                return Err(Error::TextTooLong {
                    len: e.len(),
                    max: config.max_message_bytes,
                });
            }
        }
        let confidence = new.confidence.unwrap_or(config.learning.initial_manual);
        if !(confidence.is_finite() && (0.0..=1.0).contains(&confidence)) {
            return Err(Error::InvalidPattern(format!(
                "confidence {confidence} is not in [0, 1]"
            )));
        }
        if !new.embeddings.is_empty() && new.embeddings.len() != new.trigger_examples.len() {
            return Err(Error::InvalidEmbedding(format!(
                "{} embeddings for {} trigger examples",
                new.embeddings.len(),
                new.trigger_examples.len()
            )));
        }
        let mut book = self.book.write();
        let mut dim = book.index().caller_dimension();
        for v in &new.embeddings {
            check_vector(v, dim)?;
            dim = Some(v.len());
        }
        let topic = match &new.topic {
            Some(t) => t.parse::<topic::Topic>()?.as_str().to_owned(),
            None => topic::detect_topic(&examples[0]).as_str().to_owned(),
        };
        let keywords = if new.trigger_keywords.is_empty() {
            derive_keywords(&examples)
        } else {
            new.trigger_keywords
                .iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect()
        };
        let now = self.clock.now();
        let id = book.next_id();
        let pattern = Pattern {
            id,
            topic,
            signature: signature::signature(&examples[0]),
            trigger_examples: examples.clone(),
            trigger_keywords: keywords,
            response_template: new.response_template.clone(),
            action_template: new.action_template.clone(),
            confidence,
            is_active: new.is_active,
            auto_executable: new.auto_executable,
            is_deleted: false,
            execution_count: 0,
            success_count: 0,
            failure_count: 0,
            override_count: 0,
            provenance: Provenance::Manual,
            v1_signature: Some(signature::v1_signature(&examples[0])),
            created_at: now,
            last_used: None,
            last_modified: now,
        };
        let inputs = examples
            .iter()
            .enumerate()
            .map(|(i, text)| ExampleInput {
                text,
                vector: new.embeddings.get(i).cloned(),
            })
            .collect();
        book.insert(pattern.clone(), inputs, None);
        Ok(pattern)
    }

    /// Changes a pattern's content; `None` fields stay as they are.
    pub fn update_pattern(&self, id: PatternId, update: PatternUpdate) -> Result<Pattern> {
        if let Some(c) = update.confidence {
            if !(c.is_finite() && (0.0..=1.0).contains(&c)) {
                return Err(Error::InvalidPattern(format!(
                    "confidence {c} is not in [0, 1]"
                )));
            }
        }
        if let Some(r) = &update.response_template {
            if text::words(&text::normalize(r)).next().is_none() {
                return Err(Error::InvalidPattern("the reply template is empty".into()));
            }
        }
        if let Some(ex) = &update.trigger_examples {
            if !ex
                .iter()
                .any(|e| text::words(&text::normalize(e)).next().is_some())
            {
                return Err(Error::InvalidPattern(
                    "at least one trigger example with words is required".into(),
                ));
            }
        }
        let topic = match &update.topic {
            Some(t) => Some(t.parse::<topic::Topic>()?.as_str().to_owned()),
            None => None,
        };
        let now = self.clock.now();
        let reindex = update.trigger_examples.is_some() || update.trigger_keywords.is_some();
        self.change(id, ChangeKind::Updated, reindex, |p| {
            if let Some(r) = update.response_template {
                p.response_template = r;
            }
            if let Some(ex) = update.trigger_examples {
                p.trigger_examples = ex;
            }
            if let Some(kw) = update.trigger_keywords {
                p.trigger_keywords = kw;
            }
            if let Some(a) = update.action_template {
                p.action_template = a;
            }
            if let Some(t) = topic {
                p.topic = t;
            }
            if let Some(c) = update.confidence {
                p.confidence = c;
            }
            p.last_modified = now;
        })
    }

    /// Activates or deactivates a pattern (inactive patterns are never proposed).
    pub fn set_active(&self, id: PatternId, active: bool) -> Result<Pattern> {
        let now = self.clock.now();
        self.change(id, ChangeKind::ActiveChanged, false, |p| {
            p.is_active = active;
            p.last_modified = now;
        })
    }

    /// Approves (or withdraws approval of) a pattern for automatic sending.
    pub fn set_auto_executable(&self, id: PatternId, auto: bool) -> Result<Pattern> {
        let now = self.clock.now();
        self.change(id, ChangeKind::AutoChanged, false, |p| {
            p.auto_executable = auto;
            p.last_modified = now;
        })
    }

    /// Soft-deletes a pattern: never proposed, hidden from default listings,
    /// restorable with [`Engine::restore_pattern`].
    pub fn delete_pattern(&self, id: PatternId) -> Result<Pattern> {
        let now = self.clock.now();
        self.change(id, ChangeKind::Deleted, false, |p| {
            p.is_deleted = true;
            p.last_modified = now;
        })
    }

    /// Restores a soft-deleted pattern (its active and auto flags are unchanged).
    pub fn restore_pattern(&self, id: PatternId) -> Result<Pattern> {
        let now = self.clock.now();
        let mut book = self.book.write();
        match book.get(id) {
            Some(p) if p.is_deleted => {}
            Some(_) => {
                return Err(Error::InvalidPattern(format!(
                    "pattern {id} is not deleted"
                )))
            }
            None => return Err(Error::UnknownPattern(id)),
        }
        book.apply(id, ChangeKind::Restored, None, None, false, |p| {
            p.is_deleted = false;
            p.last_modified = now;
        })
        .cloned()
        .ok_or(Error::UnknownPattern(id))
    }

    fn change(
        &self,
        id: PatternId,
        kind: ChangeKind,
        reindex: bool,
        f: impl FnOnce(&mut Pattern),
    ) -> Result<Pattern> {
        let mut book = self.book.write();
        match book.get(id) {
            Some(p) if !p.is_deleted => {}
            _ => return Err(Error::UnknownPattern(id)),
        }
        book.apply(id, kind, None, None, reindex, f)
            .cloned()
            .ok_or(Error::UnknownPattern(id))
    }

    /// One pattern, deleted ones included.
    pub fn pattern(&self, id: PatternId) -> Option<Pattern> {
        self.book.read().get(id).cloned()
    }

    /// Patterns selected by `filter`, in id order.
    pub fn patterns(&self, filter: PatternFilter) -> Vec<Pattern> {
        self.book
            .read()
            .patterns()
            .filter(|p| {
                (filter.include_deleted || !p.is_deleted)
                    && (filter.include_inactive || p.is_active)
            })
            .cloned()
            .collect()
    }

    /// Number of patterns (deleted ones included).
    pub fn pattern_count(&self) -> usize {
        self.book.read().len()
    }

    /// The change history of one pattern, oldest first.
    pub fn history(&self, id: PatternId) -> Vec<PatternEvent> {
        self.book
            .read()
            .history()
            .iter()
            .filter(|e| e.pattern_id == id)
            .cloned()
            .collect()
    }

    /// The change history of every pattern, oldest first.
    pub fn full_history(&self) -> Vec<PatternEvent> {
        self.book.read().history().to_vec()
    }

    /// Approximate heap bytes of patterns and indexes.
    pub fn memory_bytes(&self) -> usize {
        self.book.read().heap_bytes()
    }

    /// Checks a message against the safety rules alone (V1 `checkMessageSafety`).
    pub fn check_message_safety(&self, message: &str) -> SafetyVerdict {
        self.safety.read().rules.check(message)
    }

    /// The safety thresholds in force (what `get` returns is what the engine uses).
    pub fn safety_thresholds(&self) -> SafetyThresholds {
        self.safety.read().thresholds.clone()
    }

    /// Applies a partial update of the safety thresholds (camelCase or snake_case
    /// keys); all or nothing.
    pub fn update_safety_thresholds(&self, patch: &serde_json::Value) -> Result<SafetyThresholds> {
        let mut safety = self.safety.write();
        let mut next = safety.thresholds.clone();
        next.apply_partial(patch)?;
        let rules = SafetyRules::new(&next, &safety.settings)?;
        safety.thresholds = next;
        safety.rules = Arc::new(rules);
        Ok(safety.thresholds.clone())
    }

    /// Restores the default negative-sentiment rules.
    pub fn reset_sentiment_rules(&self) -> Result<SafetyThresholds> {
        let rules = crate::safety::default_sentiment_rules();
        let patch = serde_json::json!({ "negativeSentimentPatterns": rules });
        self.update_safety_thresholds(&patch)
    }

    /// The safety settings in force (blacklist, escalation keywords, approvals).
    pub fn safety_settings(&self) -> SafetySettings {
        self.safety.read().settings.clone()
    }

    /// Applies a partial update of the safety settings; all or nothing.
    pub fn update_safety_settings(&self, patch: &serde_json::Value) -> Result<SafetySettings> {
        let mut safety = self.safety.write();
        let mut next = safety.settings.clone();
        next.apply_partial(patch)?;
        let rules = SafetyRules::new(&safety.thresholds, &next)?;
        safety.settings = next;
        safety.rules = Arc::new(rules);
        Ok(safety.settings.clone())
    }
}

fn gate(name: &str, passed: bool, required: bool) -> GateCheck {
    GateCheck {
        gate: name.into(),
        value: f64::from(u8::from(passed)),
        required: f64::from(u8::from(required)),
        passed: passed == required,
    }
}

/// Renders the string fields of an action template (one level deep, as V1).
fn render_json(value: &serde_json::Value, ctx: &TemplateContext) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(render(s, ctx).text),
        Value::Array(items) => Value::Array(items.iter().map(|v| render_json(v, ctx)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render_json(v, ctx)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The first `max` bytes of `s`, cut on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl FeedbackAction {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackAction::Approve => "approve",
            FeedbackAction::Modify => "modify",
            FeedbackAction::Reject => "reject",
            FeedbackAction::Answer => "answer",
        }
    }
}
