//! Conversation guards: operator takeover, cool-downs, reply caps, rapid-message
//! detection, per-pattern reuse limits and the global hourly cap.
//!
//! All counters live behind one lock, and a send is reserved in the same critical
//! section that checks the caps, so no interleaving of threads can exceed a cap
//! (V1 never incremented its reply counter at all).

use std::collections::{HashMap, VecDeque};

use parking_lot::Mutex;

use crate::clock::Timestamp;
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::{Action, Decision, Outbound, OutboundKind, Reason};
use crate::gates::Gate;
use crate::pattern::PatternId;
use crate::safety::SafetyThresholds;
use crate::v1::topic::Topic;

const HOUR_MS: i64 = 3_600_000;

/// What the guards say about one inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GuardOutcome {
    /// Nothing stands in the way.
    Allow,
    /// No automatic reply; the decision is shown to an operator instead.
    Block(Gate),
    /// Hand to a human now, with a customer-facing notice if `text` is set.
    Escalate { gate: Gate, text: Option<String> },
}

impl GuardOutcome {
    /// `allow`, or the name of the guard that stopped the send.
    pub fn name(&self) -> &'static str {
        match self {
            GuardOutcome::Allow => "allow",
            GuardOutcome::Block(gate) | GuardOutcome::Escalate { gate, .. } => gate.name(),
        }
    }

    /// The reason of the guard that stopped the send, if one did.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            GuardOutcome::Allow => None,
            GuardOutcome::Block(gate) | GuardOutcome::Escalate { gate, .. } => gate.reason(),
        }
    }

    /// Applies the outcome to a decision: a blocked automatic send becomes a
    /// suggestion (a blocked hand-off notice is dropped); an escalation hands the
    /// message to a human, with the guard's notice.
    pub fn apply(self, d: &mut Decision) {
        match self {
            GuardOutcome::Allow => {}
            GuardOutcome::Block(gate) => {
                if d.outbound
                    .as_ref()
                    .is_some_and(|o| o.kind == OutboundKind::Escalation)
                {
                    d.outbound = None;
                }
                if d.action == Action::AutoExecute {
                    d.action = Action::Suggest;
                    d.reason = gate.reason().unwrap_or(d.reason);
                    d.outbound = None;
                }
                d.evidence.gates.push(gate.check_failed());
            }
            GuardOutcome::Escalate { gate, text } => {
                d.action = Action::Escalate;
                d.reason = gate.reason().unwrap_or(d.reason);
                d.outbound = text.map(|text| Outbound {
                    text,
                    kind: OutboundKind::Escalation,
                });
            }
        }
    }
}

/// Per-conversation state (stored as JSON by durable engines).
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct Conversation {
    inbound: VecDeque<Timestamp>,
    auto_replies: u32,
    pattern_uses: HashMap<PatternId, u32>,
    /// Blanket lockout (V1 legacy mode) until this time.
    locked_until: Option<Timestamp>,
    /// Topic-aware lockout: the operator's topic and until when.
    topic_lockout: Option<(Topic, Timestamp)>,
    global_cooldown_until: Option<Timestamp>,
    /// Set by a customer-facing escalation; cleared by an operator message.
    escalated: bool,
    last_seen: Option<Timestamp>,
}

#[derive(Debug, Default)]
struct GuardState {
    conversations: HashMap<String, Conversation>,
    sends_last_hour: VecDeque<Timestamp>,
    /// Conversations forgotten since the last `take_evicted`: a store deletes
    /// their saved state too, so it stays as bounded as memory.
    evicted: Vec<String>,
}

/// The guard state of one engine.
#[derive(Debug)]
pub(crate) struct Guards {
    state: Mutex<GuardState>,
    /// Most conversations tracked; the least recently seen are forgotten first
    /// (in memory and, through `take_evicted`, in the store).
    max_conversations: usize,
}

impl Default for Guards {
    fn default() -> Self {
        Guards::with_max_conversations(MAX_CONVERSATIONS)
    }
}

/// Default of [`Guards::max_conversations`] (`EngineBuilder::max_conversations`).
pub(crate) const MAX_CONVERSATIONS: usize = 100_000;

/// Inputs of one guard check.
pub(crate) struct Inbound<'a> {
    pub ctx: &'a MessageContext,
    pub topic: Topic,
    pub action: Action,
    pub pattern: Option<PatternId>,
    /// The decision would send an automatic reply (enabled, not shadow).
    pub will_send: bool,
    /// Shadow mode: check only, change nothing.
    pub dry_run: bool,
    /// The decision already hands the customer to a human with a notice
    /// (negative sentiment): the conversation is locked like any escalation.
    pub escalating: bool,
}

impl Guards {
    /// Guards that remember at most `max` conversations (at least one).
    pub fn with_max_conversations(max: usize) -> Self {
        Guards {
            state: Mutex::default(),
            max_conversations: max.max(1),
        }
    }

    /// Checks an inbound message and, when it will auto-send and is allowed,
    /// reserves the send (counters change atomically with the decision).
    pub fn check_inbound(
        &self,
        inbound: Inbound<'_>,
        thresholds: &SafetyThresholds,
        config: &Config,
        now: Timestamp,
    ) -> GuardOutcome {
        let mut state = self.state.lock();
        let GuardState {
            conversations,
            sends_last_hour,
            evicted,
        } = &mut *state;
        while sends_last_hour
            .front()
            .is_some_and(|t| t.0 <= now.0 - HOUR_MS)
        {
            sends_last_hour.pop_front();
        }
        let mut scratch = Conversation::default();
        let conv = match &inbound.ctx.conversation_id {
            Some(id) => self.conversation(conversations, evicted, id),
            None => &mut scratch,
        };
        let bypass = is_test_phone(config, inbound.ctx.phone.as_deref());
        let mut next = conv.clone();
        next.arrive(now, thresholds);
        let outcome = if bypass {
            // Test numbers: clear locks and counters, skip the conversation guards.
            next.clear_locks();
            GuardOutcome::Allow
        } else if inbound.escalating {
            escalation_outcome(&mut next, &inbound)
        } else {
            conversation_outcome(&mut next, &inbound, thresholds, now)
        };
        let outcome = match outcome {
            GuardOutcome::Allow if inbound.will_send && inbound.action == Action::AutoExecute => {
                reserve_send(&mut next, sends_last_hour, &inbound, config, now)
            }
            other => other,
        };
        if !inbound.dry_run {
            *conv = next;
        }
        outcome
    }

    /// The state of conversation `id`, created (forgetting the least recently seen
    /// one when the table is full) when it has none.
    fn conversation<'a>(
        &self,
        conversations: &'a mut HashMap<String, Conversation>,
        evicted: &mut Vec<String>,
        id: &str,
    ) -> &'a mut Conversation {
        if !conversations.contains_key(id) && conversations.len() >= self.max_conversations {
            evicted.extend(evict_oldest(conversations));
        }
        conversations.entry(id.to_owned()).or_default()
    }

    /// Ids of the conversations forgotten since the last call (their stored state
    /// should be deleted: a `null` document).
    pub fn take_evicted(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().evicted)
    }

    /// The state of one conversation as JSON (`null` when it has none).
    pub fn snapshot(&self, conversation_id: &str) -> serde_json::Value {
        let state = self.state.lock();
        state
            .conversations
            .get(conversation_id)
            .and_then(|c| serde_json::to_value(c).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// Loads stored conversation states. An unreadable entry is restored as a
    /// locked conversation (no automatic replies there) — the conservative choice.
    pub fn restore(&self, stored: &std::collections::BTreeMap<String, serde_json::Value>) {
        let mut state = self.state.lock();
        for (id, value) in stored {
            let conversation =
                serde_json::from_value::<Conversation>(value.clone()).unwrap_or(Conversation {
                    escalated: true,
                    ..Conversation::default()
                });
            state.conversations.insert(id.clone(), conversation);
        }
    }

    /// An operator wrote in `conversation_id`: lock automatic replies (topic-aware
    /// or blanket, per the thresholds) and start the global cool-down.
    pub fn operator_message(
        &self,
        conversation_id: &str,
        topic: Option<Topic>,
        thresholds: &SafetyThresholds,
        now: Timestamp,
    ) {
        let mut state = self.state.lock();
        if !state.conversations.contains_key(conversation_id)
            && state.conversations.len() >= self.max_conversations
        {
            let gone = evict_oldest(&mut state.conversations);
            state.evicted.extend(gone);
        }
        let conv = state
            .conversations
            .entry(conversation_id.to_owned())
            .or_default();
        let lockout_ms = i64::from(thresholds.operator_lockout_hours) * HOUR_MS;
        if thresholds.topic_lockout_enabled {
            conv.topic_lockout =
                Some((topic.unwrap_or(Topic::General), now.plus_millis(lockout_ms)));
            conv.global_cooldown_until =
                Some(now.plus_millis(i64::from(thresholds.global_cooldown_minutes) * 60_000));
        } else {
            conv.locked_until = Some(now.plus_millis(lockout_ms));
        }
        conv.escalated = false;
        conv.last_seen = Some(now);
    }
}

impl Conversation {
    /// Notes an inbound message: only the latest `rapid_message_threshold` arrivals
    /// within the window are kept, enough to tell whether the window is full.
    fn arrive(&mut self, now: Timestamp, thresholds: &SafetyThresholds) {
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
    fn clear_locks(&mut self) {
        self.auto_replies = 0;
        self.locked_until = None;
        self.topic_lockout = None;
        self.global_cooldown_until = None;
        self.escalated = false;
    }
}

/// A message that hands the customer over with a notice: once per lock.
fn escalation_outcome(conv: &mut Conversation, inbound: &Inbound<'_>) -> GuardOutcome {
    if conv.escalated {
        return GuardOutcome::Block(Gate::ConversationLocked);
    }
    conv.escalated = inbound.ctx.conversation_id.is_some();
    GuardOutcome::Allow
}

/// Reserves an automatic send within the per-conversation reuse limit and the
/// hourly cap, or says which of them stops it.
fn reserve_send(
    conv: &mut Conversation,
    sends_last_hour: &mut VecDeque<Timestamp>,
    inbound: &Inbound<'_>,
    config: &Config,
    now: Timestamp,
) -> GuardOutcome {
    let reuse = inbound
        .pattern
        .and_then(|p| conv.pattern_uses.get(&p).copied())
        .unwrap_or(0);
    if inbound.ctx.conversation_id.is_some()
        && reuse >= config.guards.max_pattern_uses_per_conversation
    {
        return GuardOutcome::Block(Gate::PatternReuseLimit);
    }
    if config
        .guards
        .max_auto_sends_per_hour
        .is_some_and(|cap| sends_last_hour.len() >= cap as usize)
    {
        return GuardOutcome::Block(Gate::RateLimited);
    }
    if !inbound.dry_run {
        sends_last_hour.push_back(now);
        conv.auto_replies += 1;
        if let Some(p) = inbound.pattern {
            *conv.pattern_uses.entry(p).or_insert(0) += 1;
        }
    }
    GuardOutcome::Allow
}

/// The conversation-level checks, in V1's order: lock after escalation,
/// lockout / cool-down, rapid messages, reply cap.
fn conversation_outcome(
    conv: &mut Conversation,
    inbound: &Inbound<'_>,
    thresholds: &SafetyThresholds,
    now: Timestamp,
) -> GuardOutcome {
    if inbound.ctx.conversation_id.is_none() {
        return GuardOutcome::Allow;
    }
    if conv.escalated {
        return GuardOutcome::Block(Gate::ConversationLocked);
    }
    if thresholds.topic_lockout_enabled {
        if conv.global_cooldown_until.is_some_and(|t| t > now) {
            return GuardOutcome::Block(Gate::GlobalCooldown);
        }
        if let Some((topic, until)) = conv.topic_lockout {
            if until > now && topic == inbound.topic {
                return GuardOutcome::Block(Gate::OperatorActive);
            }
        }
    } else if conv.locked_until.is_some_and(|t| t > now)
        || conv.topic_lockout.is_some_and(|(_, t)| t > now)
    {
        return GuardOutcome::Block(Gate::OperatorActive);
    }
    if thresholds.rapid_message_enabled
        && conv.inbound.len() >= thresholds.rapid_message_threshold as usize
    {
        conv.escalated = true;
        return GuardOutcome::Escalate {
            gate: Gate::RapidMessages,
            text: Some(thresholds.rapid_message_escalation_text.clone()),
        };
    }
    if thresholds.ai_response_limit_enabled && conv.auto_replies >= thresholds.ai_response_limit {
        conv.escalated = true;
        return GuardOutcome::Escalate {
            gate: Gate::AiReplyLimit,
            text: Some(thresholds.ai_limit_escalation_text.clone()),
        };
    }
    GuardOutcome::Allow
}

/// Forgets the least recently seen conversation; returns its id.
fn evict_oldest(conversations: &mut HashMap<String, Conversation>) -> Option<String> {
    let oldest = conversations
        .iter()
        .min_by_key(|(_, c)| c.last_seen.map_or(i64::MIN, |t| t.0))
        .map(|(k, _)| k.clone())?;
    conversations.remove(&oldest);
    Some(oldest)
}

/// Whether `phone` is one of the configured test numbers (guards bypassed).
pub(crate) fn is_test_phone(config: &Config, phone: Option<&str>) -> bool {
    phone.is_some_and(|p| config.guards.test_phones.iter().any(|t| same_phone(t, p)))
}

/// Phone numbers compare on their digits (`+1 (902) 555-0100` = `19025550100`).
fn same_phone(a: &str, b: &str) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let (a, b) = (digits(a), digits(b));
    !a.is_empty() && a == b
}
