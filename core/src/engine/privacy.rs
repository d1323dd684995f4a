//! Customer data in an engine: erasing one customer, applying the retention
//! period, and forgetting in memory what the store no longer keeps.
//!
//! What [`Engine::erase_customer`] erases is in its documentation.

use std::collections::HashSet;

use crate::book::{authored_signatures, Erased, Erasing};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::pattern::PatternId;
use crate::privacy::Customer;
use crate::signature::signature;
use crate::store::{Commit, Erasure, ErasureCounts, ErasureRecord};

use super::persist::{recent_message_ids, CONFLICT_RETRIES};
use super::recent::SEEN_IDS;
use super::Engine;

const DAY_MS: i64 = 86_400_000;

impl Engine {
    /// Erases what the engine and its store keep of one customer: their decisions'
    /// texts and identifiers, the examples and rejections learned from their
    /// messages, their conversation states; audited in the erasure log
    /// ([`Engine::erasure_log`]) without any of it. Returns what was erased.
    ///
    /// # What is erased
    ///
    /// The customer's **decisions** (of their conversations, or holding their phone
    /// number) keep what counts and lose their message, message id, conversation
    /// id, reply, nearest example and keyword hits. The texts of those decisions are
    /// the customer's: every **rejection** and every **trigger example** with the
    /// signature of one of them (as written, or as redacted when learned) is taken
    /// out of its pattern — by signature: the same words learned from another
    /// customer go too, while the examples an operator created the pattern with stay
    /// (the history tells them apart) — and so is every example or rejection holding
    /// the phone number; the pattern's caller vectors go with its examples; a pattern
    /// left without an example is deactivated; the change is an `erased` history
    /// entry, and the pattern's signature, when it was the signature of an erased
    /// text, is recomputed. The **history** loses the customer's messages and, in the
    /// snapshots of a pattern, the texts taken out of it; other decisions that named
    /// one as their nearest example forget it. The customer's **conversation
    /// states** are deleted, and shared stores' **sends** of theirs lose their
    /// message and conversation ids. One entry goes to the **erasure log**, without
    /// any identifier. All of it is one commit.
    ///
    /// In memory, the engine rewrites and reindexes the patterns, forgets the
    /// customer's conversations, and forgets the decisions it kept for duplicate
    /// message ids (ids of decisions the store still has stay claimed, so a duplicate
    /// is still never answered twice). Other engines sharing a PostgreSQL store take
    /// the rewritten patterns in with their next refresh, like any change, and on
    /// seeing the erasure log's new entry forget the conversations the store no
    /// longer keeps and the decisions they kept for duplicates.
    ///
    /// Without a store there is no decision log: only learned texts holding the
    /// phone number, and the conversations of the customer, are found; message ids
    /// already seen stay claimed (without their decisions).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCustomer`] when `customer` names nobody; a store error when
    /// the store could not be read or written (nothing was erased then).
    ///
    /// # Example
    /// ```
    /// use pattern_learning::privacy::Customer;
    /// use pattern_learning::{Engine, Feedback, MessageContext};
    /// let engine = Engine::builder().store(std::sync::Arc::new(
    ///     pattern_learning::store::MemoryStore::new(),
    /// )).build()?;
    /// let ctx = MessageContext::new().conversation("conv-7");
    /// engine.process("can I bring my dog to the bays?", &ctx)?;
    /// engine.feedback(&Feedback::answer("can I bring my dog to the bays?", "Sorry, no pets."))?;
    /// let erased = engine.erase_customer(&Customer::conversation("conv-7"))?;
    /// assert_eq!((erased.decisions, erased.examples), (1, 1));
    /// # Ok::<(), pattern_learning::Error>(())
    /// ```
    pub fn erase_customer(&self, customer: &Customer) -> Result<ErasureCounts> {
        customer.validate()?;
        let plan = self.erasure_of(customer)?;
        let (removed, mut counts) = self.erase_from_patterns(&plan)?;
        let forgotten = self
            .guards
            .forget_where(|id| customer.owns_conversation(id));
        self.forget_remembered_decisions()?;
        if self.store.is_none() {
            counts.examples = removed.examples;
            counts.rejections = removed.rejections;
            counts.conversations = forgotten;
        }
        tracing::info!(
            kind = "customer",
            decisions = counts.decisions,
            examples = counts.examples,
            conversations = counts.conversations,
            "customer data erased"
        );
        Ok(counts)
    }

    /// The erasure of `customer`: their texts are the messages of the decisions the
    /// store has of them.
    fn erasure_of(&self, customer: &Customer) -> Result<Erasure> {
        let messages: Vec<String> = match &self.store {
            Some(store) => store
                .customer_decisions(customer)?
                .into_iter()
                .map(|d| d.message)
                .collect(),
            None => Vec::new(),
        };
        Ok(Erasure::of_customer(
            customer.clone(),
            &messages,
            self.clock.now(),
        ))
    }

    /// Takes the texts `plan` covers out of the patterns and commits `plan` with
    /// them, as one change; returns what left the patterns and what the store erased.
    fn erase_from_patterns(&self, plan: &Erasure) -> Result<(Erased, ErasureCounts)> {
        let customer = plan.customer.clone().unwrap_or_default();
        let authored = authored_signatures(&self.events(None)?);
        let covered = |text: &str| plan.covers(text);
        // An operator's own example stays, unless it holds the phone number.
        let example = |pattern: PatternId, text: &str| {
            customer.mentions(text)
                || (plan.covers(text)
                    && !authored
                        .get(&pattern)
                        .is_some_and(|a| a.contains(&signature(text))))
        };
        let rules = Erasing {
            example: &example,
            rejection: &covered,
            message: &covered,
        };
        self.mutate_erasing(|book| {
            let erased = book.erase(&rules, plan.at);
            let erasure = Erasure {
                removed: erased.texts.clone(),
                examples: erased.examples,
                rejections: erased.rejections,
                ..plan.clone()
            };
            let commit = Commit {
                erasure: Some(erasure),
                ..Commit::default()
            };
            Ok((erased, commit))
        })
    }

    /// Applies the retention period of the configuration (`retention.decision_days`):
    /// decisions older than it keep what counts and lose their message, message id,
    /// conversation id, reply, nearest example and keyword hits; conversation states
    /// not seen for as long are deleted, in the store and in memory. Logged in the
    /// erasure log. Schedule it (daily, say); with `retention.on_open` it also runs
    /// when an engine opens its store. Returns `None` when no period is set.
    ///
    /// # Errors
    ///
    /// A store error when the store could not be written (nothing changed then).
    pub fn apply_retention(&self) -> Result<Option<ErasureCounts>> {
        let Some(days) = self.config.read().retention.decision_days else {
            return Ok(None);
        };
        self.refresh()?;
        let at = self.clock.now();
        let before = at.plus_millis(-i64::from(days) * DAY_MS);
        let counts = self.expire(before, at)?;
        tracing::info!(
            kind = "retention",
            before = before.0,
            decisions = counts.decisions,
            conversations = counts.conversations,
            "retention applied"
        );
        Ok(Some(counts))
    }

    /// The erasure log of the store, oldest first: every erasure and retention run,
    /// with its counts and without any identifier (empty without a store).
    pub fn erasure_log(&self) -> Result<Vec<ErasureRecord>> {
        match &self.store {
            Some(store) => store.erasures(),
            None => Ok(Vec::new()),
        }
    }

    /// Retention before `before`, in the engine's turn (conversation states are
    /// guard state); a conflict with another engine that saw one of the
    /// conversations since takes its changes in and tries again.
    fn expire(&self, before: Timestamp, at: Timestamp) -> Result<ErasureCounts> {
        let mut conflicts = 0;
        loop {
            let turn = self.turn.lock();
            let stale = self.guards.seen_before(before);
            let commit = Commit {
                erasure: Some(Erasure::retention(before, stale.clone(), at)),
                ..Commit::default()
            };
            let result = match &self.store {
                Some(store) => store.commit_erasure(&commit),
                None => Ok(ErasureCounts {
                    conversations: stale.len() as u64,
                    ..ErasureCounts::default()
                }),
            };
            match result {
                Ok(counts) => {
                    let stale: HashSet<String> = stale.into_iter().collect();
                    self.guards.forget_where(|id| stale.contains(id));
                    drop(turn);
                    self.forget_remembered_decisions()?;
                    return Ok(counts);
                }
                Err(Error::StoreConflict { .. }) if conflicts < CONFLICT_RETRIES => {
                    conflicts += 1;
                    drop(turn);
                    self.refresh()?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// After an erasure or a retention run: forgets the decisions kept for
    /// duplicate message ids. An engine that alone writes its store keeps the ids
    /// the store still has (the only guard against a duplicate answered twice); one
    /// sharing its store keeps none (the store refuses duplicates itself); one
    /// without a store keeps them all.
    pub(super) fn forget_remembered_decisions(&self) -> Result<()> {
        let still: Option<HashSet<String>> = match &self.store {
            Some(store) if !store.is_shared() => {
                let last = *self.turn.lock();
                Some(
                    recent_message_ids(store.as_ref(), last, SEEN_IDS)?
                        .into_iter()
                        .collect(),
                )
            }
            Some(_) => Some(HashSet::new()),
            None => None,
        };
        self.seen_messages.lock().forget_decisions(still.as_ref());
        Ok(())
    }
}
