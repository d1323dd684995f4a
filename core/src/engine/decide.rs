//! The decision for one message: normalise → safety → retrieve → assess → gates →
//! tier → guards → modes. Recording it is [`persist`](super::persist)'s job.
//!
//! Each step is a function of the module that owns its concept; this file only
//! strings them together. A step that settles the matter early (an empty or unsafe
//! message, no pattern close enough) returns a [`HandOff`], which becomes a decision
//! that hands the message to a human.

use std::borrow::Cow;

use crate::book::PatternBook;
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::{Action, Decision, Evidence, Outbound, OutboundKind, Reason};
use crate::decision_id::DecisionId;
use crate::error::{Error, Result};
use crate::gates::{Gate, GateKind, GateReport};
use crate::guards::{GuardChange, Inbound};
use crate::index::{Blend, Query, SearchResult};
use crate::pattern::Pattern;
use crate::safety::{fallback, SafetyHit, SafetyVerdict};
use crate::score::{assess, Assessment};
use crate::store::SendRefusal;
use crate::template::{may_have_placeholders, render, render_json, Rendered, TemplateContext};
use crate::tier::{tier, AutoThreshold};
use crate::unexplained::unexplained_words;
use crate::v1::topic;
use crate::{privacy, text};

use super::persist::{Recorded, CONFLICT_RETRIES};
use super::Engine;

/// Longest prefix of a message read by topic detection and entity extraction.
const TOPIC_BYTES: usize = 4096;

/// The message goes to a human: why, the safety verdict, and the notice to send the
/// customer, if any.
pub(super) struct HandOff {
    reason: Reason,
    safety: Box<SafetyVerdict>,
    notice: Option<String>,
}

impl HandOff {
    fn silent(reason: Reason, safety: &SafetyVerdict) -> Self {
        HandOff {
            reason,
            safety: Box::new(safety.clone()),
            notice: None,
        }
    }
}

/// The reply a pattern proposes for one message, rendered.
struct Reply {
    rendered: Rendered,
    actions: Option<serde_json::Value>,
}

impl Engine {
    /// Decides what to do with one message and records the decision.
    pub(super) fn decide(
        &self,
        id: DecisionId,
        message: &str,
        ctx: &MessageContext,
    ) -> Result<Decision> {
        let config = self.config.read().clone();
        let mut proposal = self
            .propose(message, ctx, &config)
            .unwrap_or_else(|hand_off| hand_off_decision(message, hand_off));
        self.add_fallback_notice(&mut proposal, ctx);
        proposal.id = id;
        proposal.message_id = ctx.message_id.clone();
        self.settle(proposal, message, ctx)
    }

    /// guards → modes → record, in the engine's turn: the guard change is applied
    /// to memory only once the store has the decision with it. A conflict with
    /// another engine (it changed this conversation meanwhile) takes in its changes
    /// and checks the guards again; a send the store refuses becomes a decision that
    /// sends nothing, checked and recorded as such.
    fn settle(
        &self,
        mut proposal: Decision,
        message: &str,
        ctx: &MessageContext,
    ) -> Result<Decision> {
        let mut conflicts = 0;
        loop {
            let mut turn = self.turn.lock();
            let config = self.config.read().clone();
            let mut d = proposal.clone();
            let change = self.guard_change(&d, ctx, &config);
            change.outcome.apply(&mut d);
            apply_modes(&mut d, &config);
            match self.record(&mut turn, &d, &change, message, ctx) {
                Ok(Recorded::Kept) => {
                    self.guards.apply(change.clone());
                    drop(turn);
                    if let Some(reason) = change.outcome.reason() {
                        self.observe_guard(reason, &config, self.clock.now());
                    }
                    return Ok(d);
                }
                Ok(Recorded::Refused(SendRefusal::DuplicateMessage)) => {
                    return Ok(duplicate(d.id, message, ctx, None));
                }
                Ok(Recorded::Refused(refusal)) => refuse_send(&mut proposal, refusal),
                Err(Error::StoreConflict { .. }) if conflicts < CONFLICT_RETRIES => {
                    conflicts += 1;
                    drop(turn);
                    self.refresh()?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// What the conversation guards say and change for decision `d` (nothing when
    /// the engine is disabled).
    fn guard_change(&self, d: &Decision, ctx: &MessageContext, config: &Config) -> GuardChange {
        if !config.enabled {
            return GuardChange::none();
        }
        let escalating = d
            .outbound
            .as_ref()
            .is_some_and(|o| o.kind == OutboundKind::Escalation);
        let inbound = Inbound {
            ctx,
            topic: d.topic.parse().unwrap_or(topic::Topic::General),
            action: d.action,
            pattern: d.pattern_id,
            will_send: d.outbound.is_some() && !config.shadow_mode,
            dry_run: config.shadow_mode,
            escalating,
            fallback: escalating && fallback::is_silent_hand_off(d.reason),
        };
        let span = tracing::debug_span!("guards", outcome = tracing::field::Empty);
        let _entered = span.enter();
        let change = {
            let safety = self.safety.read();
            self.guards
                .check_inbound(inbound, &safety.thresholds, config, self.clock.now())
        };
        span.record("outcome", change.outcome.name());
        change
    }

    /// normalise → safety → retrieve → assess → gates → tier.
    fn propose(
        &self,
        message: &str,
        ctx: &MessageContext,
        config: &Config,
    ) -> Result<Decision, HandOff> {
        let normalized = normalise(message, config)?;
        let verdict = self.check_safety(&normalized);
        require_words(&normalized, &verdict)?;
        safety_hand_off(&verdict)?;
        let book = self.book.read();
        let (query, found) = self.retrieve(&book, message, &normalized, ctx, config);
        let no_match = || HandOff::silent(Reason::NoMatchingPattern, &verdict);
        let mut assessment = score(&book, &found, &query, config).ok_or_else(no_match)?;
        let pattern = book.get(assessment.pattern).ok_or_else(no_match)?;
        check_words(&book, &query, &mut assessment, config);
        let reply = render_reply(pattern, message, ctx);
        let gates = self.pattern_gates(assessment.gates.clone(), pattern, &reply, config, &book);
        let auto = self.auto_threshold(config);
        let (action, reason) = tier(assessment.confidence, &config.thresholds, auto, &gates);
        let evidence = evidence(&book, &assessment, &reply, auto, gates);
        Ok(proposal(
            message,
            pattern,
            assessment.confidence,
            (action, reason),
            reply,
            verdict,
            evidence,
        ))
    }

    /// The safety rules on the normalised message.
    fn check_safety(&self, normalized: &str) -> SafetyVerdict {
        let rules = self.safety.read().rules.clone();
        let span = tracing::debug_span!("safety", hit = tracing::field::Empty);
        let _entered = span.enter();
        let verdict = rules.check_normalized(normalized);
        if let Some(hit) = &verdict.kind {
            span.record("hit", tracing::field::debug(hit));
        }
        verdict
    }

    /// The analysed message and its nearest trigger examples, by the blended lexical
    /// and semantic similarity.
    fn retrieve(
        &self,
        book: &PatternBook,
        message: &str,
        normalized: &str,
        ctx: &MessageContext,
        config: &Config,
    ) -> (Query, SearchResult) {
        let span = tracing::debug_span!("retrieval", candidates = tracing::field::Empty);
        let _entered = span.enter();
        // Matched as learned examples are stored: identifiers redacted.
        let redacted = privacy::redact(message);
        let normalized = match &redacted {
            Cow::Borrowed(_) => Cow::Borrowed(normalized),
            Cow::Owned(text) => Cow::Owned(text::normalize(text)),
        };
        let embedding = book.embedder().embed(&redacted);
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
        span.record("candidates", result.candidates.len());
        (query, result)
    }

    /// A silent hand-off gets the fallback notice an admin switched on, if one
    /// applies (see [`fallback`]). Only in a conversation: the notice is sent at most
    /// once per conversation lock, and without a conversation there is no lock.
    fn add_fallback_notice(&self, d: &mut Decision, ctx: &MessageContext) {
        if d.action != Action::Escalate || d.outbound.is_some() || ctx.conversation_id.is_none() {
            return;
        }
        let topic = d.topic.parse().unwrap_or(topic::Topic::General);
        let safety = self.safety.read();
        if let Some(text) = fallback::notice(&safety.settings, &safety.thresholds, topic, d.reason)
        {
            d.outbound = Some(Outbound {
                text,
                kind: OutboundKind::Escalation,
            });
        }
    }

    /// The match gates (from the assessment) followed by the pattern gates.
    fn pattern_gates(
        &self,
        mut gates: GateReport,
        pattern: &Pattern,
        reply: &Reply,
        config: &Config,
        book: &PatternBook,
    ) -> GateReport {
        let flag = |gate: Gate, passed: bool| (gate, gate.check_flag(passed));
        for (gate, check) in [
            flag(Gate::Active, pattern.is_active),
            flag(Gate::AutoExecutable, pattern.auto_executable),
            flag(Gate::TemplateComplete, reply.rendered.is_complete()),
        ] {
            gates.push(gate, check);
        }
        let min_examples = self.safety.read().settings.min_examples_required;
        let examples = pattern.trigger_examples.len();
        let check = Gate::MinExamples.check(
            examples as f64,
            f64::from(min_examples),
            examples >= min_examples as usize,
        );
        gates.push(Gate::MinExamples, check);
        let rule = self.approval_rule(config);
        if rule.required > 0 {
            let needed = f64::from(rule.required);
            let approvals = self.operator_approvals(book, pattern.id, &rule);
            let check = Gate::OperatorApprovals.check(approvals, needed, approvals >= needed);
            gates.push(Gate::OperatorApprovals, check);
        }
        if reply.rendered.is_complete() && reply.rendered.text.contains("{{") {
            // A filled value brought `{{` in: it never reaches a customer.
            gates.push(Gate::NoPlaceholder, Gate::NoPlaceholder.check_flag(false));
        }
        gates
    }

    /// The auto threshold in force: the configured one, or with `target_precision`
    /// the one derived from the engine's record of judged proposals.
    fn auto_threshold(&self, config: &Config) -> AutoThreshold {
        match config.target_precision {
            None => AutoThreshold::configured(config.thresholds.auto),
            Some(target) => self
                .calibration
                .lock()
                .auto_threshold(target, config.thresholds.auto),
        }
    }
}

/// Too long a message is not read: it goes to a human. Otherwise its normal form.
fn normalise(message: &str, config: &Config) -> Result<String, HandOff> {
    if message.len() > config.max_message_bytes {
        return Err(HandOff::silent(
            Reason::MessageTooLong,
            &SafetyVerdict::safe(),
        ));
    }
    Ok(text::normalize(message))
}

/// A message without a word goes to a human.
fn require_words(normalized: &str, verdict: &SafetyVerdict) -> Result<(), HandOff> {
    match text::words(normalized).next() {
        Some(_) => Ok(()),
        None => Err(HandOff::silent(Reason::EmptyMessage, verdict)),
    }
}

/// A safety hit hands the message to a human; only negative sentiment tells the
/// customer (V1's notice).
fn safety_hand_off(verdict: &SafetyVerdict) -> Result<(), HandOff> {
    let reason = match verdict.kind {
        Some(SafetyHit::Blacklist) => Reason::SafetyBlacklist,
        Some(SafetyHit::Escalation) => Reason::SafetyEscalation,
        Some(SafetyHit::NegativeSentiment { .. }) => Reason::NegativeSentiment,
        _ => return Ok(()),
    };
    Err(HandOff {
        reason,
        safety: Box::new(verdict.clone()),
        notice: verdict.suggested_response.clone(),
    })
}

/// Assesses the search result, in the `scoring` span.
fn score(
    book: &PatternBook,
    found: &SearchResult,
    query: &Query,
    config: &Config,
) -> Option<Assessment> {
    let span = tracing::debug_span!(
        "scoring",
        pattern = tracing::field::Empty,
        confidence = tracing::field::Empty,
        similarity = tracing::field::Empty,
        margin = tracing::field::Empty,
        agreeing_neighbours = tracing::field::Empty,
        support = tracing::field::Empty,
        gates_passed = tracing::field::Empty,
    );
    let _entered = span.enter();
    let a = assess(found, query.words(), &config.gates, |id| book.get(id))?;
    span.record("pattern", a.pattern.0);
    span.record("confidence", a.confidence);
    span.record("similarity", a.evidence.similarity);
    span.record("margin", a.evidence.margin);
    span.record("agreeing_neighbours", a.evidence.agreeing_neighbours);
    span.record("support", a.evidence.support);
    span.record("gates_passed", a.gates.passed(GateKind::Match));
    Some(a)
}

/// The gate `unexplained_words`, once the other match gates passed (before, the
/// proposal cannot be sent anyway): the words of the message the proposed reply
/// does not explain, in the evidence and measured against the gate.
fn check_words(book: &PatternBook, query: &Query, a: &mut Assessment, config: &Config) {
    if !a.gates.passed(GateKind::Match) {
        return;
    }
    let gates = &config.gates;
    let found = unexplained_words(
        book.index(),
        query.words(),
        a.pattern,
        &a.agreeing_docs,
        gates,
    );
    let count = found.len();
    let check = Gate::UnexplainedWords.check(
        count as f64,
        gates.max_unexplained_words as f64,
        count <= gates.max_unexplained_words,
    );
    a.gates.push(Gate::UnexplainedWords, check);
    a.evidence.unexplained_words = found;
}

/// The pattern's reply and actions, rendered for this message.
fn render_reply(pattern: &Pattern, message: &str, ctx: &MessageContext) -> Reply {
    // Entities are read from the message only when a template can use them.
    let needs_context =
        may_have_placeholders(&pattern.response_template) || pattern.action_template.is_some();
    let context = if needs_context {
        TemplateContext::for_message(text::prefix(message, TOPIC_BYTES), ctx)
    } else {
        TemplateContext::new()
    };
    Reply {
        rendered: render(&pattern.response_template, &context),
        actions: pattern
            .action_template
            .as_ref()
            .map(|a| render_json(a, &context)),
    }
}

/// The evidence of a proposal: the assessment's, with the gates and threshold.
fn evidence(
    book: &PatternBook,
    assessment: &Assessment,
    reply: &Reply,
    auto: AutoThreshold,
    gates: GateReport,
) -> Evidence {
    let mut evidence = assessment.evidence.clone();
    evidence.nearest_example = book
        .index()
        .example_text(assessment.nearest_doc)
        .map(str::to_owned);
    evidence.auto_threshold = auto.value;
    evidence.expected_precision = auto.expected_precision;
    evidence.missing_variables = reply.rendered.missing.clone();
    evidence.gates = gates.into_checks();
    evidence
}

/// The decision proposing `pattern`'s reply. Only an automatic send carries an
/// outbound message, and never one with a placeholder left in it.
fn proposal(
    message: &str,
    pattern: &Pattern,
    confidence: f64,
    (action, reason): (Action, Reason),
    reply: Reply,
    safety: SafetyVerdict,
    evidence: Evidence,
) -> Decision {
    let text = reply.rendered.text;
    let outbound = (action == Action::AutoExecute).then(|| Outbound {
        text: text.clone(),
        kind: OutboundKind::Reply,
    });
    Decision {
        pattern_id: Some(pattern.id),
        // Unfilled variables stay visible to the operator (who can fill them),
        // never to the customer.
        response: (action != Action::Escalate).then_some(text),
        actions: reply.actions,
        confidence,
        outbound,
        evidence,
        ..bare(message, action, reason, safety)
    }
}

/// A decision that proposes nothing.
pub(super) fn bare(
    message: &str,
    action: Action,
    reason: Reason,
    safety: SafetyVerdict,
) -> Decision {
    Decision {
        id: DecisionId::from_u128(0),
        action,
        reason,
        would_action: None,
        pattern_id: None,
        response: None,
        actions: None,
        confidence: 0.0,
        outbound: None,
        topic: topic::detect_topic(text::prefix(message, TOPIC_BYTES))
            .as_str()
            .to_owned(),
        safety,
        evidence: Evidence::default(),
        message_id: None,
    }
}

/// The answer to an inbound message id seen before: the earlier decision (or a bare
/// hand-off while the earlier one is still being made), never a second send — a
/// caller that looks only at `action` must not act on it again.
pub(super) fn duplicate(
    id: DecisionId,
    message: &str,
    ctx: &MessageContext,
    earlier: Option<&Decision>,
) -> Decision {
    let mut d = match earlier {
        Some(prev) => prev.clone(),
        None => bare(
            message,
            Action::Escalate,
            Reason::DuplicateMessage,
            SafetyVerdict::safe(),
        ),
    };
    d.id = id;
    d.would_action = Some(d.action);
    d.action = Action::Escalate;
    d.outbound = None;
    d.reason = Reason::DuplicateMessage;
    d.message_id = ctx.message_id.clone();
    d
}

/// A decision whose send the store refused (a cap shared by every engine is
/// reached): shown to an operator instead.
fn refuse_send(d: &mut Decision, refusal: SendRefusal) {
    d.would_action = Some(d.action);
    d.outbound = None;
    d.reason = refusal.reason();
    d.action = Action::Suggest;
    if let Some(gate) = Gate::stopping(d.reason) {
        d.evidence.gates.push(gate.check_failed());
    }
}

/// The decision for a message handed to a human.
fn hand_off_decision(message: &str, hand_off: HandOff) -> Decision {
    let mut d = bare(message, Action::Escalate, hand_off.reason, *hand_off.safety);
    d.outbound = hand_off.notice.map(|text| Outbound {
        text,
        kind: OutboundKind::Escalation,
    });
    d
}

/// The kill switch and shadow mode: disabled sends nothing and hands over; shadow
/// records what would have happened and sends nothing.
fn apply_modes(d: &mut Decision, config: &Config) {
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
}
