//! What a store shared by several engines exchanges with them: the changes other
//! engines made ([`SharedChanges`]) and the claim of an automatic send
//! ([`SendClaim`], [`SendVerdict`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{ExampleVector, Judgement};
use crate::clock::Timestamp;
use crate::decision::Reason;
use crate::pattern::{Pattern, PatternId};

/// What other engines committed to a shared store since this store last looked
/// (returned by [`Store::changes`](super::Store::changes)).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedChanges {
    /// Current rows of the patterns that changed (created or updated).
    pub patterns: Vec<Pattern>,
    /// Every rejected message of the patterns in `patterns`, in commit order
    /// (the whole list, not only the new ones).
    pub rejections: Vec<(PatternId, String)>,
    /// Every caller-supplied vector of the patterns in `patterns`.
    pub vectors: Vec<ExampleVector>,
    /// Patterns removed for good (rolled-back creations).
    pub removed_patterns: Vec<PatternId>,
    /// Settings documents that changed; `null` when the key was deleted.
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Conversation guard states that changed; `null` when deleted.
    pub conversations: BTreeMap<String, serde_json::Value>,
    /// Proposals operators judged through other engines, oldest first.
    #[serde(default)]
    pub judgements: Vec<Judgement>,
    /// Set when another engine erased a customer's data or applied retention: the
    /// id of every conversation state the store still keeps. The engine forgets the
    /// others, and the decisions it remembered for duplicate message ids.
    #[serde(default)]
    pub kept_conversations: Option<BTreeSet<String>>,
}

impl SharedChanges {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
            && self.removed_patterns.is_empty()
            && self.settings.is_empty()
            && self.conversations.is_empty()
            && self.judgements.is_empty()
            && self.kept_conversations.is_none()
    }
}

/// An automatic send an engine wants to make, with the caps it must stay under
/// across every engine sharing the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendClaim {
    /// When the send happens (the engine's clock).
    pub at: Timestamp,
    /// The inbound message's id: a message id is granted at most one send, ever.
    pub message_id: Option<String>,
    /// The conversation, for the per-conversation caps.
    pub conversation_id: Option<String>,
    /// The pattern whose reply is sent.
    pub pattern_id: Option<PatternId>,
    /// Whether the decision sends an automatic reply: only then do the caps below
    /// apply. A decision that sends nothing claims its message id only (so two
    /// engines never both decide one inbound message).
    pub sends: bool,
    /// Most automatic sends in any hour, across all engines (`None`: no cap).
    pub max_sends_per_hour: Option<u32>,
    /// Most automatic replies in one conversation (`None`: no cap).
    pub max_replies_per_conversation: Option<u32>,
    /// Most automatic sends of one pattern in one conversation (`None`: no cap).
    pub max_pattern_uses_per_conversation: Option<u32>,
}

/// Why a shared store refused a [`SendClaim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendRefusal {
    /// Another decision was already made (or a reply sent) for this inbound message
    /// id.
    DuplicateMessage,
    /// The hourly cap of automatic sends is reached.
    RateLimited,
    /// The conversation's cap of automatic replies is reached.
    ReplyLimit,
    /// This pattern was sent its allowed number of times in the conversation.
    PatternReuseLimit,
}

impl SendRefusal {
    /// The decision reason that reports this refusal.
    pub fn reason(self) -> Reason {
        match self {
            SendRefusal::DuplicateMessage => Reason::DuplicateMessage,
            SendRefusal::RateLimited => Reason::RateLimited,
            SendRefusal::ReplyLimit => Reason::AiReplyLimit,
            SendRefusal::PatternReuseLimit => Reason::PatternReuseLimit,
        }
    }
}

/// The answer of a store to a [`SendClaim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendVerdict {
    /// The send is reserved and the decision committed with it.
    Granted,
    /// Nothing was written; the engine must not send.
    Refused(SendRefusal),
}
