//! The guard state of one conversation and the checks that read it, in V1's order.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::outcome::GuardOutcome;
use super::Inbound;
use crate::clock::Timestamp;
use crate::gates::Gate;
use crate::pattern::PatternId;
use crate::safety::SafetyThresholds;
use crate::v1::topic::Topic;

const HOUR_MS: i64 = 3_600_000;

/// Per-conversation state (stored as JSON by durable engines).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct Conversation {
    pub inbound: VecDeque<Timestamp>,
    pub auto_replies: u32,
    pub pattern_uses: HashMap<PatternId, u32>,
    /// Blanket lockout (V1 legacy mode) until this time.
    pub locked_until: Option<Timestamp>,
    /// Topic-aware lockout: the operator's topic and until when.
    pub topic_lockout: Option<(Topic, Timestamp)>,
    pub global_cooldown_until: Option<Timestamp>,
    /// Set by a customer-facing escalation; cleared by an operator message.
    pub escalated: bool,
    pub last_seen: Option<Timestamp>,
}

impl Conversation {
    /// A state that could not be read back: locked, the conservative choice (no
    /// automatic replies there until an operator writes).
    pub fn unreadable() -> Self {
        Conversation {
            escalated: true,
            ..Conversation::default()
        }
    }

    /// Notes an inbound message: only the latest `rapid_message_threshold` arrivals
    /// within the window are kept, enough to tell whether the window is full.
    pub fn arrive(&mut self, now: Timestamp, thresholds: &SafetyThresholds) {
        self.last_seen = Some(now);
        let window_ms = i64::from(thresholds.rapid_message_window_seconds) * 1000;
        while self
            .inbound
            .front()
            .is_some_and(|t| t.0 <= now.0 - window_ms)
        {
            self.inbound.pop_front();
        }
        self.inbound.push_back(now);
        let keep = thresholds.rapid_message_threshold.max(1) as usize;
        while self.inbound.len() > keep {
            self.inbound.pop_front();
        }
    }

    /// Clears locks and the reply counter (test numbers).
    pub fn clear_locks(&mut self) {
        self.auto_replies = 0;
        self.locked_until = None;
        self.topic_lockout = None;
        self.global_cooldown_until = None;
        self.escalated = false;
    }

    /// An operator wrote: lock automatic replies (topic-aware or blanket, per the
    /// thresholds) and start the global cool-down.
    pub fn take_over(
        &mut self,
        topic: Option<Topic>,
        thresholds: &SafetyThresholds,
        now: Timestamp,
    ) {
        let lockout_ms = i64::from(thresholds.operator_lockout_hours) * HOUR_MS;
        if thresholds.topic_lockout_enabled {
            self.topic_lockout =
                Some((topic.unwrap_or(Topic::General), now.plus_millis(lockout_ms)));
            self.global_cooldown_until =
                Some(now.plus_millis(i64::from(thresholds.global_cooldown_minutes) * 60_000));
        } else {
            self.locked_until = Some(now.plus_millis(lockout_ms));
        }
        self.escalated = false;
        self.last_seen = Some(now);
    }

    /// A message that hands the customer over with a notice: once per lock; a
    /// fallback text also not while an operator's lockout or cool-down holds.
    pub fn escalation_outcome(
        &mut self,
        inbound: &Inbound<'_>,
        thresholds: &SafetyThresholds,
        now: Timestamp,
    ) -> GuardOutcome {
        if self.escalated {
            return GuardOutcome::Block(Gate::ConversationLocked);
        }
        if inbound.fallback {
            if let Some(gate) = self.lockout(inbound.topic, thresholds, now) {
                return GuardOutcome::Block(gate);
            }
        }
        self.escalated = inbound.ctx.conversation_id.is_some();
        GuardOutcome::Allow
    }

    /// The conversation-level checks, in V1's order: lock after escalation,
    /// lockout / cool-down, rapid messages, reply cap.
    pub fn outcome(
        &mut self,
        inbound: &Inbound<'_>,
        thresholds: &SafetyThresholds,
        now: Timestamp,
    ) -> GuardOutcome {
        if inbound.ctx.conversation_id.is_none() {
            return GuardOutcome::Allow;
        }
        if self.escalated {
            return GuardOutcome::Block(Gate::ConversationLocked);
        }
        if let Some(gate) = self.lockout(inbound.topic, thresholds, now) {
            return GuardOutcome::Block(gate);
        }
        if thresholds.rapid_message_enabled
            && self.inbound.len() >= thresholds.rapid_message_threshold as usize
        {
            self.escalated = true;
            return GuardOutcome::Escalate {
                gate: Gate::RapidMessages,
                text: Some(thresholds.rapid_message_escalation_text.clone()),
            };
        }
        if thresholds.ai_response_limit_enabled && self.auto_replies >= thresholds.ai_response_limit
        {
            self.escalated = true;
            return GuardOutcome::Escalate {
                gate: Gate::AiReplyLimit,
                text: Some(thresholds.ai_limit_escalation_text.clone()),
            };
        }
        GuardOutcome::Allow
    }

    /// The lockout an operator's takeover left, if one holds for `topic` now.
    fn lockout(&self, topic: Topic, thresholds: &SafetyThresholds, now: Timestamp) -> Option<Gate> {
        if thresholds.topic_lockout_enabled {
            if self.global_cooldown_until.is_some_and(|t| t > now) {
                return Some(Gate::GlobalCooldown);
            }
            let locked = self
                .topic_lockout
                .is_some_and(|(locked, until)| until > now && locked == topic);
            return locked.then_some(Gate::OperatorActive);
        }
        let locked = self.locked_until.is_some_and(|t| t > now)
            || self.topic_lockout.is_some_and(|(_, t)| t > now);
        locked.then_some(Gate::OperatorActive)
    }

    /// Times `pattern` was sent automatically in this conversation.
    pub fn uses_of(&self, pattern: Option<PatternId>) -> u32 {
        pattern
            .and_then(|p| self.pattern_uses.get(&p).copied())
            .unwrap_or(0)
    }

    /// Counts an automatic send of `pattern`.
    pub fn count_send(&mut self, pattern: Option<PatternId>) {
        self.auto_replies += 1;
        if let Some(p) = pattern {
            *self.pattern_uses.entry(p).or_insert(0) += 1;
        }
    }
}
