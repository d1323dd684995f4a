//! The engine: the one type most users touch.
//!
//! `mod.rs` holds the type and the path of one message; the other files add the
//! rest of its methods by concern.

mod approvals;
mod audit;
mod builder;
mod context;
mod learning;
mod manage;
mod observe;
mod persist;
mod recent;
mod settings;
mod shared;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};
use rayon::prelude::*;

use crate::book::{ChangeKind, ExampleInput, PatternBook, PatternEvent};
use crate::calibrate::Calibration;
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::config::Config;
use crate::decision::{Action, Decision, Evidence, GateCheck, Outbound, OutboundKind, Reason};
use crate::embed::{check_vector, Embedder, StaticEmbedder};
use crate::error::{Error, Result};
use crate::feedback::{Feedback, FeedbackAction, FeedbackOutcome};
use crate::guards::{GuardOutcome, Guards, Inbound};
use crate::index::Blend;
use crate::learn::{apply_feedback, derive_keywords};
use crate::pattern::{NewPattern, Pattern, PatternFilter, PatternId, PatternUpdate, Provenance};
use crate::safety::{SafetyHit, SafetyRules, SafetySettings, SafetyThresholds, SafetyVerdict};
use crate::score::{assess, FailedGate};
use crate::template::{may_have_placeholders, render, TemplateContext};
use crate::v1::{entities::extract_entities, topic};
use crate::{signature, text};

pub use audit::{BulkAction, BulkChange, BulkReport, ImportOptions, Selection};
pub use builder::EngineBuilder;
pub use context::MessageContext;
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
    next_decision: AtomicU64,
    /// Sequence number of the last decision written to the store; the lock also
    /// orders decision commits.
    decision_seq: Mutex<u64>,
    store: Option<Arc<dyn crate::store::Store>>,
    clock: Arc<dyn Clock>,
    observer: observe::Observer,
    approvals: approvals::Approvals,
    /// The embedder's own gates, in force when the configuration's are the defaults.
    tuned_gates: Option<crate::config::Gates>,
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
    /// the embedder's own (see [`Gates`](crate::config::Gates)).
    pub fn set_config(&self, config: Config) -> Result<()> {
        self.install_config(config).map(drop)
    }

    /// Applies a partial configuration update (see [`Config::apply_partial`]);
    /// all or nothing. Returns the configuration now in force.
    pub fn update_config(&self, patch: &serde_json::Value) -> Result<Config> {
        let mut next = self.config();
        next.apply_partial(patch)?;
        self.install_config(next)
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
            span.record("decision", d.id);
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

    fn process_unobserved(&self, message: &str, ctx: &MessageContext) -> Result<Decision> {
        if let Some(v) = &ctx.embedding {
            let dim = self.book.read().index().caller_dimension();
            check_vector(v, dim)?;
        }
        // With a shared store, learn what the other engines learned first.
        self.refresh()?;
        let id = self.next_decision.fetch_add(1, Ordering::Relaxed);
        if let Some(message_id) = &ctx.message_id {
            let earlier = self.seen_messages.lock().claim(message_id);
            if let Some(earlier) = earlier {
                return Ok(self.duplicate(id, message, ctx, earlier.as_deref()));
            }
        }
        let mut decision = self.decide(id, message, ctx);
        // With a store, the decision and its conversation's guard counters are
        // written before the caller may send. If that fails, nothing is sent (an
        // error), and the message id stays claimed: a retry is a duplicate.
        self.persist_decision(&mut decision, message, ctx)?;
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
        // Normalised once: the safety rules, the empty check, the analysis and the
        // signature read it.
        let normalized = text::normalize(message);
        let verdict = {
            let span = tracing::debug_span!("safety", hit = tracing::field::Empty);
            let _entered = span.enter();
            let verdict = rules.check_normalized(&normalized);
            if let Some(hit) = &verdict.kind {
                span.record("hit", tracing::field::debug(hit));
            }
            verdict
        };
        if text::words(&normalized).next().is_none() {
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
        let retrieval = tracing::debug_span!("retrieval", candidates = tracing::field::Empty);
        let retrieval_entered = retrieval.enter();
        let embedding = book.embedder().embed(message);
        let query = book
            .index()
            .query(&normalized, embedding, ctx.embedding.clone());
        let blend = Blend {
            embedder_weight: config.gates.semantic_weight,
            caller_weight: 0.5,
        };
        let result = book
            .index()
            .search(&query, blend, |id| book.is_proposable(id));
        retrieval.record("candidates", result.candidates.len());
        drop(retrieval_entered);
        let scoring = tracing::debug_span!(
            "scoring",
            pattern = tracing::field::Empty,
            confidence = tracing::field::Empty,
            similarity = tracing::field::Empty,
            margin = tracing::field::Empty,
            agreeing_neighbours = tracing::field::Empty,
            support = tracing::field::Empty,
            gates_passed = tracing::field::Empty,
        );
        let _scoring_entered = scoring.enter();
        let assessment = assess(&result, query.words(), &config.gates, |id| book.get(id));
        if let Some(a) = &assessment {
            scoring.record("pattern", a.pattern.0);
            scoring.record("confidence", a.confidence);
            scoring.record("similarity", a.evidence.similarity);
            scoring.record("margin", a.evidence.margin);
            scoring.record("agreeing_neighbours", a.evidence.agreeing_neighbours);
            scoring.record("support", a.evidence.support);
            scoring.record("gates_passed", a.gates_passed);
        }
        let Some(assessment) = assessment else {
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
        let (auto_threshold, expected_precision, auto_allowed) = self.auto_threshold(config);
        let mut evidence = assessment.evidence;
        evidence.nearest_example = book
            .index()
            .example_text(assessment.nearest_doc)
            .map(str::to_owned);
        evidence.auto_threshold = auto_threshold;
        evidence.expected_precision = expected_precision;

        // Entities are read from the message only when a template can use them.
        let template_context = if may_have_placeholders(&pattern.response_template)
            || pattern.action_template.is_some()
        {
            self.template_context(message, ctx)
        } else {
            TemplateContext::new()
        };
        let rendered = render(&pattern.response_template, &template_context);
        evidence.missing_variables = rendered.missing.clone();
        let actions = pattern
            .action_template
            .as_ref()
            .map(|a| render_json(a, &template_context));

        let t = config.thresholds;
        let confidence = assessment.confidence;
        evidence.gates.push(gate("active", pattern.is_active, true));
        evidence
            .gates
            .push(gate("auto_executable", pattern.auto_executable, true));
        evidence
            .gates
            .push(gate("template_complete", rendered.is_complete(), true));
        let approvals_needed = u64::from(config.approvals_before_auto_send);
        let approvals = if approvals_needed > 0 {
            self.operator_approvals(&book, pattern.id)
        } else {
            0
        };
        if approvals_needed > 0 {
            evidence.gates.push(GateCheck {
                gate: "operator_approvals".into(),
                value: approvals as f64,
                required: approvals_needed as f64,
                passed: approvals >= approvals_needed,
            });
        }
        let (action, reason) = if auto_allowed && t.clears(confidence, auto_threshold) {
            if !assessment.gates_passed {
                let reason = match assessment.failed_gate {
                    Some(FailedGate::Support) => Reason::InsufficientSupport,
                    Some(FailedGate::Distant) => Reason::DistantMatch,
                    _ => Reason::AmbiguousMatch,
                };
                (Action::Suggest, reason)
            } else if !pattern.auto_executable || approvals < approvals_needed {
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
        let safety = self.safety.read();
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
        let span = tracing::debug_span!("guards", outcome = tracing::field::Empty);
        let _entered = span.enter();
        let outcome = self
            .guards
            .check_inbound(inbound, &safety.thresholds, config, now);
        drop(safety);
        match &outcome {
            GuardOutcome::Allow => span.record("outcome", "allow"),
            GuardOutcome::Block(reason) | GuardOutcome::Escalate { reason, .. } => {
                self.observe_guard(*reason, config, now);
                span.record("outcome", reason.as_str())
            }
        };
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
    ///
    /// Returns `(threshold, expected precision, automatic sending allowed)`.
    /// Without a target, or before the record is large enough, the configured
    /// threshold applies. With enough judged suggestions the derived threshold
    /// replaces it; when no threshold reaches the target, nothing is auto-sent.
    fn auto_threshold(&self, config: &Config) -> (f64, Option<f64>, bool) {
        let Some(target) = config.target_precision else {
            return (config.thresholds.auto, None, true);
        };
        let cal = self.calibration.lock();
        match cal.threshold_for(target) {
            Some((t, p)) => (t, Some(p), true),
            None if cal.is_informative() => (1.0, cal.best_precision(), false),
            None => (config.thresholds.auto, None, true),
        }
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
