//! Conversation guards: operator takeover, cool-downs, reply caps, rapid-message
//! detection, per-pattern reuse limits and the global hourly cap.
//!
//! A call first *computes* what it changes ([`GuardChange`], from the state in
//! memory, changing nothing); the engine writes that change to its store together
//! with the decision, and only then [applies](Guards::apply) it to memory. So a failed
//! write leaves memory as the store has it, and a send is counted exactly when its
//! decision is. The engine makes these calls one at a time (its *turn*), so no
//! interleaving of threads can exceed a cap (V1 never incremented its reply counter at
//! all).
//!
//! Memory is bounded: at most `max_conversations` conversations are kept; the least
//! recently seen is forgotten first (found in `O(log n)`), in memory and in the store.

mod conversation;
mod outcome;

use std::collections::{BTreeMap, HashMap, VecDeque};

use parking_lot::Mutex;

use crate::clock::Timestamp;
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::Action;
use crate::gates::Gate;
use crate::pattern::PatternId;
use crate::safety::SafetyThresholds;
use crate::v1::topic::Topic;
use conversation::Conversation;
pub(crate) use outcome::GuardOutcome;

const HOUR_MS: i64 = 3_600_000;

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
    /// (negative sentiment, or a fallback text): the conversation is locked like
    /// any escalation.
    pub escalating: bool,
    /// The notice is a fallback text on a silent hand-off: it is automatic, so it
    /// also waits out an operator's lockout.
    pub fallback: bool,
}

/// What one call changes in the guard state, computed before anything changes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GuardChange {
    /// What the guards say about the message.
    pub outcome: GuardOutcome,
    /// The conversation's state after the call.
    conversation: Option<(String, Conversation)>,
    /// An automatic send reserved in the hourly window.
    send: Option<Timestamp>,
    /// A conversation forgotten to make room for a new one.
    evict: Option<String>,
}

impl GuardChange {
    /// A change that changes nothing and lets everything through.
    pub fn none() -> Self {
        GuardChange {
            outcome: GuardOutcome::Allow,
            conversation: None,
            send: None,
            evict: None,
        }
    }

    /// The conversation documents the store writes for this change: the new state,
    /// and `null` for a forgotten conversation.
    pub fn documents(&self) -> Vec<(String, serde_json::Value)> {
        let forgotten = self
            .evict
            .iter()
            .map(|id| (id.clone(), serde_json::Value::Null));
        let state = self
            .conversation
            .iter()
            .map(|(id, c)| (id.clone(), to_document(c)));
        forgotten.chain(state).collect()
    }
}

fn to_document(c: &Conversation) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

/// One remembered conversation and where it sits in the age order.
#[derive(Debug)]
struct Entry {
    conversation: Conversation,
    age: Age,
}

/// Position in the age order: last seen (never-seen first), then arrival.
type Age = (i64, u64);

#[derive(Debug, Default)]
struct GuardState {
    conversations: HashMap<String, Entry>,
    /// Every remembered conversation by age, oldest first.
    by_age: BTreeMap<Age, String>,
    /// Arrivals, to order conversations seen at the same time.
    tick: u64,
    sends_last_hour: VecDeque<Timestamp>,
}

impl GuardState {
    fn get(&self, id: &str) -> Option<&Conversation> {
        self.conversations.get(id).map(|e| &e.conversation)
    }

    /// Remembers `conversation` under `id`, replacing what was there.
    fn put(&mut self, id: String, conversation: Conversation) {
        if let Some(old) = self.conversations.remove(&id) {
            self.by_age.remove(&old.age);
        }
        self.tick += 1;
        let age = (conversation.last_seen.map_or(i64::MIN, |t| t.0), self.tick);
        self.by_age.insert(age, id.clone());
        self.conversations.insert(id, Entry { conversation, age });
    }

    fn forget(&mut self, id: &str) {
        if let Some(old) = self.conversations.remove(id) {
            self.by_age.remove(&old.age);
        }
    }

    /// The conversation to forget before `id` is added, when the table is full.
    fn to_evict(&self, id: &str, max: usize) -> Option<String> {
        if self.conversations.contains_key(id) || self.conversations.len() < max {
            return None;
        }
        self.by_age.values().next().cloned()
    }

    /// Automatic sends within the hour before `now`.
    fn sends_within_hour(&self, now: Timestamp) -> usize {
        self.sends_last_hour
            .iter()
            .rev()
            .take_while(|t| t.0 > now.0 - HOUR_MS)
            .count()
    }
}

/// The guard state of one engine.
#[derive(Debug)]
pub(crate) struct Guards {
    state: Mutex<GuardState>,
    /// Most conversations tracked; the least recently seen are forgotten first
    /// (in memory and in the store).
    max_conversations: usize,
}

impl Default for Guards {
    fn default() -> Self {
        Guards::with_max_conversations(MAX_CONVERSATIONS)
    }
}

impl Guards {
    /// Guards that remember at most `max` conversations (at least one).
    pub fn with_max_conversations(max: usize) -> Self {
        Guards {
            state: Mutex::default(),
            max_conversations: max.max(1),
        }
    }

    /// What an inbound message changes: the guards' outcome and, when it will
    /// auto-send and is allowed, the reserved send. Changes nothing in memory.
    pub fn check_inbound(
        &self,
        inbound: Inbound<'_>,
        thresholds: &SafetyThresholds,
        config: &Config,
        now: Timestamp,
    ) -> GuardChange {
        let state = self.state.lock();
        let id = inbound.ctx.conversation_id.as_deref();
        let mut next = id.and_then(|id| state.get(id)).cloned().unwrap_or_default();
        next.arrive(now, thresholds);
        let outcome = if is_test_phone(config, inbound.ctx.phone.as_deref()) {
            // Test numbers: clear locks and counters, skip the conversation guards.
            next.clear_locks();
            GuardOutcome::Allow
        } else if inbound.escalating {
            next.escalation_outcome(&inbound, thresholds, now)
        } else {
            next.outcome(&inbound, thresholds, now)
        };
        let wants_send = inbound.will_send && inbound.action == Action::AutoExecute;
        let outcome = match outcome {
            GuardOutcome::Allow if wants_send => send_limit(&next, &state, &inbound, config, now)
                .map_or(GuardOutcome::Allow, GuardOutcome::Block),
            other => other,
        };
        if inbound.dry_run {
            return GuardChange {
                outcome,
                ..GuardChange::none()
            };
        }
        let send = (outcome == GuardOutcome::Allow && wants_send).then_some(now);
        if send.is_some() {
            next.count_send(inbound.pattern);
        }
        GuardChange {
            outcome,
            evict: id.and_then(|id| state.to_evict(id, self.max_conversations)),
            conversation: id.map(|id| (id.to_owned(), next)),
            send,
        }
    }

    /// What an operator's message in `conversation_id` changes: automatic replies
    /// stop there for the lockout (topic-aware or blanket, per the thresholds) and
    /// the global cool-down starts.
    pub fn operator_message(
        &self,
        conversation_id: &str,
        topic: Option<Topic>,
        thresholds: &SafetyThresholds,
        now: Timestamp,
    ) -> GuardChange {
        let state = self.state.lock();
        let mut next = state.get(conversation_id).cloned().unwrap_or_default();
        next.take_over(topic, thresholds, now);
        GuardChange {
            evict: state.to_evict(conversation_id, self.max_conversations),
            conversation: Some((conversation_id.to_owned(), next)),
            ..GuardChange::none()
        }
    }

    /// Applies a change once the store has it (or at once, without a store).
    pub fn apply(&self, change: GuardChange) {
        let mut state = self.state.lock();
        if let Some(id) = &change.evict {
            state.forget(id);
        }
        if let Some((id, conversation)) = change.conversation {
            state.put(id, conversation);
        }
        if let Some(at) = change.send {
            state.sends_last_hour.push_back(at);
            while state
                .sends_last_hour
                .front()
                .is_some_and(|t| t.0 <= at.0 - HOUR_MS)
            {
                state.sends_last_hour.pop_front();
            }
        }
    }

    /// The state of one conversation as JSON (`null` when it has none).
    #[cfg(test)]
    pub fn snapshot(&self, conversation_id: &str) -> serde_json::Value {
        self.state
            .lock()
            .get(conversation_id)
            .map_or(serde_json::Value::Null, to_document)
    }

    /// Loads stored conversation states (at open, and when another engine changed
    /// them). An unreadable entry is restored as a locked conversation (no automatic
    /// replies there) — the conservative choice; a `null` one is forgotten.
    pub fn restore(&self, stored: &BTreeMap<String, serde_json::Value>) {
        let mut state = self.state.lock();
        for (id, value) in stored {
            if value.is_null() {
                state.forget(id);
                continue;
            }
            let conversation = serde_json::from_value::<Conversation>(value.clone())
                .unwrap_or_else(|_| Conversation::unreadable());
            state.put(id.clone(), conversation);
        }
    }

    /// Forgets every conversation `erased` says is erased; returns how many.
    pub fn forget_where(&self, erased: impl Fn(&str) -> bool) -> u64 {
        let mut state = self.state.lock();
        let ids: Vec<String> = state
            .conversations
            .keys()
            .filter(|id| erased(id))
            .cloned()
            .collect();
        for id in &ids {
            state.forget(id);
        }
        ids.len() as u64
    }

    /// Conversations last seen before `before` (a state never seen, as restored
    /// from an unreadable one, is kept: it holds a lock).
    pub fn seen_before(&self, before: Timestamp) -> Vec<String> {
        let state = self.state.lock();
        state
            .by_age
            .range(..(before.0, 0))
            .filter(|((seen, _), _)| *seen != i64::MIN)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Loads the automatic sends of the last hour (at open), oldest first.
    pub fn restore_sends(&self, sends: impl IntoIterator<Item = Timestamp>) {
        let mut state = self.state.lock();
        state.sends_last_hour.extend(sends);
    }

    /// How many conversations are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state.lock().conversations.len()
    }
}

/// The per-conversation reuse limit and the hourly cap, for an automatic send:
/// the gate that stops it, if one does.
fn send_limit(
    conv: &Conversation,
    state: &GuardState,
    inbound: &Inbound<'_>,
    config: &Config,
    now: Timestamp,
) -> Option<Gate> {
    if inbound.ctx.conversation_id.is_some()
        && conv.uses_of(inbound.pattern) >= config.guards.max_pattern_uses_per_conversation
    {
        return Some(Gate::PatternReuseLimit);
    }
    let hourly_full = config
        .guards
        .max_auto_sends_per_hour
        .is_some_and(|cap| state.sends_within_hour(now) >= cap as usize);
    hourly_full.then_some(Gate::RateLimited)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(id: &str) -> MessageContext {
        MessageContext::new().conversation(id)
    }

    fn inbound(ctx: &MessageContext) -> Inbound<'_> {
        Inbound {
            ctx,
            topic: Topic::General,
            action: Action::AutoExecute,
            pattern: Some(PatternId(1)),
            will_send: true,
            dry_run: false,
            escalating: false,
            fallback: false,
        }
    }

    #[test]
    fn nothing_changes_until_the_change_is_applied() {
        let guards = Guards::default();
        let (t, c) = (SafetyThresholds::default(), Config::default());
        let conv = ctx("c1");
        let change = guards.check_inbound(inbound(&conv), &t, &c, Timestamp(1_000));
        assert_eq!(change.outcome, GuardOutcome::Allow);
        assert_eq!(guards.snapshot("c1"), serde_json::Value::Null);
        // Not applied (the write failed): the same send is allowed again.
        let again = guards.check_inbound(inbound(&conv), &t, &c, Timestamp(2_000));
        assert_eq!(again.outcome, GuardOutcome::Allow);
        guards.apply(again);
        // Applied: the pattern was used once in this conversation.
        let third = guards.check_inbound(inbound(&conv), &t, &c, Timestamp(3_000));
        assert_eq!(third.outcome, GuardOutcome::Block(Gate::PatternReuseLimit));
    }

    #[test]
    fn the_least_recently_seen_conversation_is_forgotten_first() {
        let guards = Guards::with_max_conversations(2);
        let (t, c) = (SafetyThresholds::default(), Config::default());
        for (i, id) in ["a", "b", "a", "c"].iter().enumerate() {
            let conv = ctx(id);
            let change = guards.check_inbound(inbound(&conv), &t, &c, Timestamp(i as i64 * 1000));
            if *id == "c" {
                assert_eq!(
                    change.documents()[0],
                    ("b".to_owned(), serde_json::Value::Null)
                );
            }
            guards.apply(change);
        }
        assert_eq!(guards.len(), 2);
        assert_eq!(guards.snapshot("b"), serde_json::Value::Null);
        assert_ne!(guards.snapshot("a"), serde_json::Value::Null);
    }

    #[test]
    fn the_hourly_window_counts_only_the_last_hour() {
        let guards = Guards::default();
        let t = SafetyThresholds::default();
        let mut c = Config::default();
        c.guards.max_auto_sends_per_hour = Some(1);
        guards.restore_sends([Timestamp(0)]);
        let conv = ctx("x");
        let blocked = guards.check_inbound(inbound(&conv), &t, &c, Timestamp(HOUR_MS - 1));
        assert_eq!(blocked.outcome, GuardOutcome::Block(Gate::RateLimited));
        let allowed = guards.check_inbound(inbound(&conv), &t, &c, Timestamp(HOUR_MS));
        assert_eq!(allowed.outcome, GuardOutcome::Allow);
    }
}
