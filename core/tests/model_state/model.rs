//! The reference model: what the specification says must be sent, counted and
//! locked, for one trusted pattern whose reply is auto-sent to its own phrasings.
//!
//! * A message auto-sends exactly when the engine is enabled, its inbound message id
//!   is new, the pattern's confidence is above 0.625 (its decision confidence is then
//!   `0.6 + 0.4 × confidence` > 0.85), no takeover lock holds for the message's topic
//!   (global cool-down 60 min, topic lockout 4 h), the reply was not sent in the
//!   conversation before (reuse limit 1), and fewer sends than the hourly cap were
//!   made in the last hour.
//! * Approve: confidence + 0.15 (at most 1), one more execution and success; reject:
//!   − 0.20 (at least 0), one more failure; undo of the latest judgement restores the
//!   pattern as it was before it.
//! * Feedback naming a decision that was not recorded (a duplicate message) is
//!   `UNKNOWN_DECISION`; a feedback id applied before is a duplicate and changes
//!   nothing; a message id seen before is a duplicate and is not recorded.
//! * Restarts and kills change nothing acknowledged.

use std::collections::{BTreeMap, BTreeSet};

use pattern_learning::v1::topic::{detect_topic, Topic};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest_state_machine::ReferenceStateMachine;

use crate::fixture::{LOGIN, PHRASINGS, SETUP_APPROVALS, START};

const HOUR_MS: i64 = 3_600_000;
/// Conversations, inbound message ids and feedback ids are drawn from small pools,
/// so that they repeat.
const CONVERSATIONS: u8 = 6;
const MESSAGE_IDS: u8 = 12;
const FEEDBACK_IDS: u8 = 4;

/// One step of a run.
#[derive(Debug, Clone)]
pub enum Step {
    /// A customer message (one of the phrasings) after `advance_secs`.
    Process {
        engine: usize,
        phrasing: usize,
        conversation: u8,
        message_id: Option<u8>,
        advance_secs: i64,
    },
    /// Operator feedback on the pattern, named by a decision or by the pattern.
    Judge {
        engine: usize,
        approve: bool,
        decision: Option<Index>,
        feedback_id: Option<u8>,
        text: u64,
    },
    /// An operator wrote in the conversation.
    Takeover { engine: usize, conversation: u8 },
    /// Undo of the pattern's latest judgement.
    Undo { engine: usize },
    /// The kill switch.
    Enable { engine: usize, enabled: bool },
    /// The hourly cap of automatic sends.
    Cap { engine: usize, cap: u32 },
    /// The engine process ends and starts again.
    Restart { engine: usize },
    /// The engine process is killed (SIGKILL) and started again.
    Kill { engine: usize },
}

/// The pattern's confidence and counters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatternModel {
    pub confidence: f64,
    pub execution_count: u64,
    pub success_count: u64,
    pub failure_count: u64,
}

/// What the last step must have produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Nothing,
    Decision { sends: bool, duplicate: bool },
    Feedback(FeedbackResult),
}

/// The answer to a feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackResult {
    Applied,
    Duplicate,
    UnknownDecision,
}

/// A takeover's locks on one conversation.
#[derive(Debug, Clone, Copy)]
struct Lock {
    topic: Topic,
    topic_until: i64,
    cooldown_until: i64,
}

/// The reference state.
#[derive(Debug, Clone)]
pub struct Model {
    pub engines: usize,
    pub now: i64,
    pub enabled: bool,
    pub cap: u32,
    pub pattern: PatternModel,
    /// The pattern before each judgement that can still be undone (the latest).
    undoable: Option<PatternModel>,
    locks: BTreeMap<u8, Lock>,
    sent_in: BTreeSet<u8>,
    sends: Vec<i64>,
    message_ids: BTreeSet<u8>,
    feedback_ids: BTreeSet<u8>,
    /// Every decision made, by position: whether it was recorded.
    pub decisions: Vec<bool>,
    pub expected: Expected,
}

impl Model {
    fn new(engines: usize) -> Self {
        Model {
            engines,
            now: START.0,
            enabled: true,
            cap: 3,
            pattern: PatternModel {
                confidence: 1.0,
                execution_count: SETUP_APPROVALS,
                success_count: SETUP_APPROVALS,
                failure_count: 0,
            },
            undoable: None,
            locks: BTreeMap::new(),
            sent_in: BTreeSet::new(),
            sends: Vec::new(),
            message_ids: BTreeSet::new(),
            feedback_ids: BTreeSet::new(),
            decisions: Vec::new(),
            expected: Expected::Nothing,
        }
    }

    fn locked(&self, conversation: u8, topic: Topic) -> bool {
        self.locks.get(&conversation).is_some_and(|l| {
            l.cooldown_until > self.now || (l.topic == topic && l.topic_until > self.now)
        })
    }

    fn sends_in_hour(&self) -> usize {
        self.sends
            .iter()
            .filter(|t| **t > self.now - HOUR_MS)
            .count()
    }

    fn process(&mut self, phrasing: usize, conversation: u8, message_id: Option<u8>) {
        let duplicate = message_id.is_some_and(|m| !self.message_ids.insert(m));
        let topic = detect_topic(PHRASINGS[phrasing]);
        let sends = !duplicate
            && self.enabled
            && self.pattern.confidence > 0.625
            && !self.locked(conversation, topic)
            && !self.sent_in.contains(&conversation)
            && self.sends_in_hour() < self.cap as usize;
        if sends {
            self.sent_in.insert(conversation);
            self.sends.push(self.now);
        }
        self.decisions.push(!duplicate);
        self.expected = Expected::Decision { sends, duplicate };
    }

    fn judge(&mut self, approve: bool, decision: Option<&Index>, feedback_id: Option<u8>) {
        let recorded = decision.is_none_or(|i| self.decisions[i.index(self.decisions.len())]);
        let result = if !recorded {
            FeedbackResult::UnknownDecision
        } else if feedback_id.is_some_and(|f| self.feedback_ids.contains(&f)) {
            FeedbackResult::Duplicate
        } else {
            self.feedback_ids.extend(feedback_id);
            self.undoable = Some(self.pattern);
            let p = &mut self.pattern;
            if approve {
                p.confidence = (p.confidence + 0.15).clamp(0.0, 1.0);
                p.execution_count += 1;
                p.success_count += 1;
            } else {
                p.confidence = (p.confidence - 0.20).clamp(0.0, 1.0);
                p.failure_count += 1;
            }
            FeedbackResult::Applied
        };
        self.expected = Expected::Feedback(result);
    }

    fn take_over(&mut self, conversation: u8) {
        let lock = Lock {
            topic: detect_topic(LOGIN),
            topic_until: self.now + 4 * HOUR_MS,
            cooldown_until: self.now + HOUR_MS,
        };
        self.locks.insert(conversation, lock);
    }
}

/// The reference state machine for `ENGINES` engines on one store.
pub struct Reference<const ENGINES: usize>;

impl<const ENGINES: usize> ReferenceStateMachine for Reference<ENGINES> {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::new(ENGINES)).boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        let engine = 0..state.engines;
        // Mostly conversations the reply was not sent in yet: there a send, a lock
        // or a cap decides, which is what the model is about.
        let unsent: Vec<u8> = (0..CONVERSATIONS)
            .filter(|c| !state.sent_in.contains(c))
            .collect();
        let conversation = if unsent.is_empty() {
            (0..CONVERSATIONS).boxed()
        } else {
            prop_oneof![3 => proptest::sample::select(unsent), 1 => 0..CONVERSATIONS].boxed()
        };
        let process = (
            engine.clone(),
            0..PHRASINGS.len(),
            conversation.clone(),
            proptest::option::weighted(0.8, 0..MESSAGE_IDS),
            prop_oneof![
                3 => Just(0i64),
                2 => Just(30),
                1 => Just(1_800),
                1 => Just(3_600),
                1 => Just(5_400),
                1 => Just(14_400)
            ],
        )
            .prop_map(
                |(engine, phrasing, conversation, message_id, advance_secs)| Step::Process {
                    engine,
                    phrasing,
                    conversation,
                    message_id,
                    advance_secs,
                },
            );
        // Naming a decision needs one; `preconditions` drops such steps before any.
        let judge = (
            engine.clone(),
            any::<bool>(),
            proptest::option::weighted(0.6, any::<Index>()),
            proptest::option::weighted(0.5, 0..FEEDBACK_IDS),
            0..10_000u64,
        )
            .prop_map(
                |(engine, approve, decision, feedback_id, text)| Step::Judge {
                    engine,
                    approve,
                    decision,
                    feedback_id,
                    text,
                },
            );
        prop_oneof![
            8 => process,
            4 => judge,
            2 => (engine.clone(), conversation)
                .prop_map(|(engine, conversation)| Step::Takeover { engine, conversation }),
            1 => engine.clone().prop_map(|engine| Step::Undo { engine }),
            1 => (engine.clone(), proptest::bool::weighted(0.7))
                .prop_map(|(engine, enabled)| Step::Enable { engine, enabled }),
            1 => (engine.clone(), prop_oneof![Just(1u32), Just(3)])
                .prop_map(|(engine, cap)| Step::Cap { engine, cap }),
            2 => engine.clone().prop_map(|engine| Step::Restart { engine }),
            2 => engine.prop_map(|engine| Step::Kill { engine }),
        ]
        .boxed()
    }

    fn preconditions(state: &Model, step: &Step) -> bool {
        match step {
            Step::Undo { .. } => state.undoable.is_some(),
            Step::Judge { decision, .. } => decision.is_none() || !state.decisions.is_empty(),
            _ => true,
        }
    }

    fn apply(mut state: Model, step: &Step) -> Model {
        state.expected = Expected::Nothing;
        match step {
            Step::Process {
                phrasing,
                conversation,
                message_id,
                advance_secs,
                ..
            } => {
                state.now += advance_secs * 1000;
                state.process(*phrasing, *conversation, *message_id);
            }
            Step::Judge {
                approve,
                decision,
                feedback_id,
                ..
            } => {
                state.judge(*approve, decision.as_ref(), *feedback_id);
            }
            Step::Takeover { conversation, .. } => state.take_over(*conversation),
            Step::Undo { .. } => {
                if let Some(before) = state.undoable.take() {
                    state.pattern = before;
                }
            }
            Step::Enable { enabled, .. } => state.enabled = *enabled,
            Step::Cap { cap, .. } => state.cap = *cap,
            Step::Restart { .. } | Step::Kill { .. } => {}
        }
        state
    }
}
