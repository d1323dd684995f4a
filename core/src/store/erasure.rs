//! Erasing customer data in a store: what one commit erases ([`Erasure`]), what
//! each store counts and logs ([`ErasureCounts`], [`ErasureRecord`]), and the rules
//! every store applies alike ([`redact_decision`], [`Erasure::covers`]).
//!
//! # What an erasure does in a store
//!
//! Applied inside its commit, after the commit's patterns and before its events
//! (the engine has already taken the texts out of the patterns it upserts, and
//! their rejections and vectors are rewritten whole, [`Commit::rewritten_patterns`]):
//!
//! * **decisions** of the customer (their conversations, or naming their phone
//!   number in the message or reply), or decided before
//!   [`Erasure::decided_before`] (retention), keep their sequence number, time, id,
//!   action, reason, pattern, confidence and the numbers of their evidence; they
//!   lose the message (empty), the message id, the conversation id, the reply and,
//!   in the evidence, the nearest example and the keyword hits
//!   ([`redact_decision`]);
//! * **other decisions** that name a text the commit took out of a pattern as their
//!   nearest example forget it;
//! * **history entries** (pattern events) whose message [`Erasure::covers`] lose it,
//!   and the snapshots of a pattern they carry lose the texts taken out of that
//!   pattern ([`Erasure::removed`]), so the history still rebuilds the patterns;
//! * **conversation states** of the customer, and those listed, are deleted for
//!   good (a shared store keeps no trace of their ids);
//! * **sends** (shared stores) of those conversations and decisions lose their
//!   message id and conversation id;
//! * one entry is appended to the **erasure log** ([`Store::erasures`]): when, why
//!   and how many of each — never whom.
//!
//! [`Commit::rewritten_patterns`]: super::Commit::rewritten_patterns
//! [`Store::erasures`]: super::Store::erasures

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::DecisionRecord;
use crate::clock::Timestamp;
use crate::pattern::PatternId;
use crate::privacy::{redact, Customer};
use crate::signature::signature;

/// Why data was erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureKind {
    /// One customer's data, on request.
    Customer,
    /// Decision texts and customer fields past the retention period.
    Retention,
}

impl ErasureKind {
    /// `customer` or `retention`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureKind::Customer => "customer",
            ErasureKind::Retention => "retention",
        }
    }
}

/// Customer data one commit erases ([`Commit::erasure`](super::Commit::erasure)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erasure {
    /// Why.
    pub kind: ErasureKind,
    /// When (the engine's clock); the erasure log's time.
    pub at: Timestamp,
    /// The customer whose decisions, conversation states and sends are erased, and
    /// whose phone number is looked for in texts.
    pub customer: Option<Customer>,
    /// Decisions made before this time lose their text and customer fields.
    pub decided_before: Option<Timestamp>,
    /// Signatures of the customer's texts: history messages with one of them are
    /// erased.
    pub signatures: BTreeSet<String>,
    /// The texts the commit takes out of patterns, by pattern: the history's
    /// snapshots of that pattern lose them, and decisions that name one as their
    /// nearest example forget it.
    pub removed: Vec<(PatternId, String)>,
    /// Trigger examples the engine took out of the patterns (for the counts).
    pub examples: u64,
    /// Rejected messages the engine took out of the patterns (for the counts).
    pub rejections: u64,
    /// Conversation states deleted for good, besides the customer's.
    pub conversations: Vec<String>,
}

impl Erasure {
    /// The erasure of `customer`, whose decisions held `messages`: a text with the
    /// signature of one of them (as written, or redacted as the engine learns it)
    /// is theirs.
    pub fn of_customer(customer: Customer, messages: &[String], at: Timestamp) -> Erasure {
        let signatures = messages
            .iter()
            .flat_map(|m| [signature(m), signature(&redact(m))])
            .collect();
        Erasure {
            kind: ErasureKind::Customer,
            customer: Some(customer),
            decided_before: None,
            signatures,
            ..Erasure::retention(at, Vec::new(), at)
        }
    }

    /// Retention at `at`: decisions made before `before` lose their text and
    /// customer fields; `conversations` (not seen since) are deleted.
    pub fn retention(before: Timestamp, conversations: Vec<String>, at: Timestamp) -> Erasure {
        Erasure {
            kind: ErasureKind::Retention,
            at,
            customer: None,
            decided_before: Some(before),
            signatures: BTreeSet::new(),
            removed: Vec::new(),
            examples: 0,
            rejections: 0,
            conversations,
        }
    }

    /// Whether a message of the history (a customer's, in a feedback event) is
    /// erased: it has the signature of one of the customer's texts, or holds their
    /// phone number.
    pub fn covers(&self, text: &str) -> bool {
        (!self.signatures.is_empty() && self.signatures.contains(&signature(text)))
            || self.customer.as_ref().is_some_and(|c| c.mentions(text))
    }

    /// Whether decision `d` loses its text and customer fields.
    pub fn redacts(&self, d: &DecisionRecord) -> bool {
        self.decided_before.is_some_and(|before| d.at < before)
            || self.customer.as_ref().is_some_and(|c| is_customers(c, d))
    }

    /// Whether the state of conversation `id` is deleted.
    pub fn deletes_conversation(&self, id: &str) -> bool {
        self.conversations.iter().any(|c| c == id)
            || self
                .customer
                .as_ref()
                .is_some_and(|c| c.owns_conversation(id))
    }

    /// Strings one of which every row this erasure redacts by customer contains
    /// (see [`Customer::needles`]); empty without a customer.
    pub fn needles(&self) -> Vec<String> {
        self.customer
            .as_ref()
            .map(Customer::needles)
            .unwrap_or_default()
    }
}

/// Whether decision `d` is `customer`'s: made in one of their conversations, or
/// holding their phone number in its message or reply.
pub(crate) fn is_customers(customer: &Customer, d: &DecisionRecord) -> bool {
    d.conversation_id
        .as_deref()
        .is_some_and(|id| customer.owns_conversation(id))
        || customer.mentions(&d.message)
        || d.response.as_deref().is_some_and(|r| customer.mentions(r))
}

/// Clears what a decision holds of the customer: the message (left empty), the
/// message id, the conversation id, the reply, and in the evidence the nearest
/// example and the keyword hits. Returns whether anything was left to clear.
pub fn redact_decision(d: &mut DecisionRecord) -> bool {
    let mut changed = !d.message.is_empty();
    d.message.clear();
    for field in [&mut d.message_id, &mut d.conversation_id, &mut d.response] {
        changed |= field.take().is_some();
    }
    if let Some(evidence) = d.evidence.as_object_mut() {
        if evidence
            .get("nearest_example")
            .is_some_and(|v| !v.is_null())
        {
            evidence.insert("nearest_example".into(), serde_json::Value::Null);
            changed = true;
        }
        let hits = evidence.get("keyword_hits").and_then(|v| v.as_array());
        if hits.is_some_and(|h| !h.is_empty()) {
            evidence.insert("keyword_hits".into(), serde_json::json!([]));
            changed = true;
        }
    }
    changed
}

/// Forgets the nearest example of a decision when it is one of the `removed`
/// texts (of any pattern).
pub fn forget_removed_example(d: &mut DecisionRecord, removed: &[(PatternId, String)]) -> bool {
    let Some(evidence) = d.evidence.as_object_mut() else {
        return false;
    };
    let named = evidence.get("nearest_example").and_then(|v| v.as_str());
    if named.is_some_and(|text| removed.iter().any(|(_, r)| r == text)) {
        evidence.insert("nearest_example".into(), serde_json::Value::Null);
        return true;
    }
    false
}

/// What one erasure erased, by kind of row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErasureCounts {
    /// Decisions that lost their text and customer fields.
    pub decisions: u64,
    /// Trigger examples taken out of patterns.
    pub examples: u64,
    /// Rejected messages taken out of patterns.
    pub rejections: u64,
    /// History entries that lost a message or examples.
    pub events: u64,
    /// Conversation states deleted.
    pub conversations: u64,
    /// Automatic sends that lost their message and conversation ids (shared stores).
    pub sends: u64,
    /// Other decisions that forgot a removed text named as their nearest example.
    pub nearest_examples: u64,
}

/// One entry of the erasure log: when, why and how many — never whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRecord {
    /// Position in the log (starts at 1; 0 for an engine without a store).
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub kind: ErasureKind,
    /// What was erased.
    pub counts: ErasureCounts,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision_id::DecisionId;

    fn decision(message: &str, conversation: Option<&str>, at: i64) -> DecisionRecord {
        DecisionRecord {
            seq: 1,
            at: Timestamp(at),
            decision_id: DecisionId::from_legacy(1),
            message_id: Some("m-1".into()),
            conversation_id: conversation.map(str::to_owned),
            message: message.into(),
            action: "suggest".into(),
            reason: "low_confidence".into(),
            pattern_id: None,
            confidence: 0.5,
            response: Some("Hi Sam!".into()),
            evidence: serde_json::json!({"similarity": 0.5, "nearest_example": "x", "keyword_hits": ["gift"]}),
        }
    }

    #[test]
    fn a_redacted_decision_keeps_what_counts() {
        let mut d = decision("hello, this is Sam", Some("c-1"), 5);
        assert!(redact_decision(&mut d));
        assert_eq!(d.message, "");
        assert!(d.message_id.is_none() && d.conversation_id.is_none() && d.response.is_none());
        assert_eq!(
            d.evidence,
            serde_json::json!({"similarity": 0.5, "nearest_example": null, "keyword_hits": []})
        );
        assert_eq!((d.action.as_str(), d.confidence), ("suggest", 0.5));
        assert!(!redact_decision(&mut d), "nothing left to clear");
    }

    #[test]
    fn which_decisions_an_erasure_redacts() {
        let at = Timestamp(100);
        let by_phone = Erasure::of_customer(Customer::phone("902-555-0100"), &[], at);
        assert!(by_phone.redacts(&decision("hi", Some("+19025550100"), 5)));
        assert!(by_phone.redacts(&decision("call 902 555 0100", Some("c-9"), 5)));
        assert!(!by_phone.redacts(&decision("hi", Some("c-9"), 5)));
        let retention = Erasure::retention(Timestamp(10), Vec::new(), at);
        assert!(retention.redacts(&decision("hi", None, 9)));
        assert!(!retention.redacts(&decision("hi", None, 10)));
    }

    #[test]
    fn an_erasure_covers_the_customer_texts_as_written_and_as_learned() {
        let e = Erasure::of_customer(
            Customer::conversation("c-1"),
            &["This is Sam, can I book bay 3?".to_owned()],
            Timestamp(1),
        );
        assert!(e.covers("this is sam, can i book bay 3?"));
        assert!(e.covers("This is [name], can I book bay 3?"));
        assert!(!e.covers("can I book bay 4?"));
    }
}
