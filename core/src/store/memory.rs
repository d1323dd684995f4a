//! [`MemoryStore`]: a [`Store`] that keeps everything in memory.

use std::collections::{BTreeMap, HashSet, VecDeque};

use parking_lot::Mutex;

use super::erasure::is_customers;
use super::{
    forget_removed_example, redact_decision, Commit, DecisionRecord, Erasure, ErasureCounts,
    ErasureRecord, ExampleVector, Judgement, Store, StoredState, JUDGEMENTS_KEPT, SCHEMA_VERSION,
};
use crate::book::{scrub_event, PatternEvent};
use crate::clock::Timestamp;
use crate::decision_id::DecisionId;
use crate::error::Result;
use crate::pattern::{Pattern, PatternId};
use crate::privacy::Customer;

/// A [`Store`] that keeps everything in memory, for tests, replays and benchmarks.
///
/// It applies exactly the checks of [`SqliteStore`](super::SqliteStore), so code
/// tested against it behaves the same on disk. Nothing survives the process.
///
/// Memory grows without bound: the event and decision logs are append-only, as in
/// every store, and every conversation state is kept until it is deleted (upserted as
/// `null`). A long replay holds its whole history; budget roughly the size of the
/// messages and replies it logged, plus about 200 bytes per event or decision.
///
/// # Example
/// ```
/// use pattern_learning::store::{Commit, MemoryStore, Store};
/// # fn main() -> pattern_learning::Result<()> {
/// let store = MemoryStore::new();
/// store.commit(&Commit::default())?;
/// assert!(store.load()?.patterns.is_empty());
/// assert!(store.events(None, 0, 10)?.is_empty());
/// # Ok(())
/// # }
/// ```
///
/// # Bounded decision log
///
/// The decision log is an audit trail; a long-running in-memory engine would grow
/// it without end, so a `MemoryStore` keeps only the newest decisions
/// ([`MemoryStore::DEFAULT_DECISION_LIMIT`] unless set with
/// [`MemoryStore::with_decision_limit`]). Sequence numbers keep counting; older
/// decisions are no longer returned by [`Store::decisions`]. Patterns, their
/// events and rejections are state and are never dropped.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    decision_limit: usize,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_decision_limit(Self::DEFAULT_DECISION_LIMIT)
    }
}

#[derive(Debug, Default)]
struct Inner {
    patterns: BTreeMap<PatternId, Pattern>,
    /// Rejected messages, in insertion order.
    rejections: Vec<(PatternId, String)>,
    vectors: BTreeMap<(PatternId, u32), Vec<f32>>,
    events: Vec<PatternEvent>,
    /// The newest decisions, at most `MemoryStore::decision_limit` of them.
    decisions: VecDeque<DecisionRecord>,
    /// Sequence number of the last decision ever committed (kept when it is dropped).
    last_decision_seq: u64,
    settings: BTreeMap<String, serde_json::Value>,
    conversations: BTreeMap<String, serde_json::Value>,
    feedback_ids: HashSet<String>,
    /// The newest judged proposals, at most [`JUDGEMENTS_KEPT`].
    judgements: VecDeque<Judgement>,
    /// The erasure log.
    erasures: Vec<ErasureRecord>,
}

impl MemoryStore {
    /// How many decisions [`MemoryStore::new`] keeps in its decision log.
    pub const DEFAULT_DECISION_LIMIT: usize = 10_000;

    /// An empty store that keeps the newest
    /// [`DEFAULT_DECISION_LIMIT`](Self::DEFAULT_DECISION_LIMIT) decisions.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that keeps the newest `limit` decisions (at least one).
    ///
    /// # Example
    /// ```
    /// use pattern_learning::store::MemoryStore;
    /// let store = MemoryStore::with_decision_limit(1_000);
    /// # let _ = store;
    /// ```
    pub fn with_decision_limit(limit: usize) -> Self {
        MemoryStore {
            inner: Mutex::new(Inner::default()),
            decision_limit: limit.max(1),
        }
    }
}

impl Inner {
    fn last_event_seq(&self) -> u64 {
        self.events.last().map_or(0, |e| e.seq)
    }

    fn last_decision_seq(&self) -> u64 {
        self.last_decision_seq
    }

    /// Applies a commit that passed every check; cannot fail. Returns what its
    /// erasure erased.
    fn apply(&mut self, commit: &Commit, decision_limit: usize) -> ErasureCounts {
        for id in &commit.removed_patterns {
            self.drop_lists(*id);
            self.patterns.remove(id);
        }
        for p in &commit.patterns {
            self.patterns.insert(p.id, p.clone());
        }
        for id in &commit.rewritten_patterns {
            self.drop_lists(*id);
        }
        let erased = commit.erasure.as_ref().map(|e| self.erase(e));
        self.rejections.extend(commit.rejections.iter().cloned());
        for v in &commit.vectors {
            self.vectors
                .insert((v.pattern_id, v.example_index), v.vector.clone());
        }
        self.events.extend(commit.events.iter().cloned());
        self.decisions.extend(commit.decisions.iter().cloned());
        if let Some(last) = self.decisions.back() {
            self.last_decision_seq = last.seq;
        }
        let excess = self.decisions.len().saturating_sub(decision_limit);
        self.decisions.drain(..excess);
        upsert_documents(&mut self.settings, &commit.settings);
        upsert_documents(&mut self.conversations, &commit.conversations);
        self.feedback_ids
            .extend(commit.feedback_ids.iter().cloned());
        self.judgements.extend(commit.judgements.iter().copied());
        let excess = self.judgements.len().saturating_sub(JUDGEMENTS_KEPT);
        self.judgements.drain(..excess);
        erased.unwrap_or_default()
    }

    /// Drops a pattern's rejections and vectors.
    fn drop_lists(&mut self, id: PatternId) {
        self.rejections.retain(|(p, _)| *p != id);
        self.vectors.retain(|(p, _), _| *p != id);
    }

    /// Applies an erasure (see [`Erasure`]) and logs it.
    fn erase(&mut self, e: &Erasure) -> ErasureCounts {
        let mut counts = ErasureCounts {
            examples: e.examples,
            rejections: e.rejections,
            ..ErasureCounts::default()
        };
        for d in &mut self.decisions {
            if e.redacts(d) {
                counts.decisions += u64::from(redact_decision(d));
            } else {
                counts.nearest_examples += u64::from(forget_removed_example(d, &e.removed));
            }
        }
        for event in &mut self.events {
            counts.events += u64::from(scrub_event(event, &|t| e.covers(t), &e.removed));
        }
        let before = self.conversations.len();
        self.conversations
            .retain(|id, _| !e.deletes_conversation(id));
        counts.conversations = (before - self.conversations.len()) as u64;
        self.erasures.push(ErasureRecord {
            seq: self.erasures.len() as u64 + 1,
            at: e.at,
            kind: e.kind,
            counts,
        });
        counts
    }
}

fn upsert_documents(
    into: &mut BTreeMap<String, serde_json::Value>,
    documents: &[(String, serde_json::Value)],
) {
    for (key, value) in documents {
        if value.is_null() {
            into.remove(key);
        } else {
            into.insert(key.clone(), value.clone());
        }
    }
}

impl Store for MemoryStore {
    fn load(&self) -> Result<StoredState> {
        let inner = self.inner.lock();
        Ok(StoredState {
            patterns: inner.patterns.values().cloned().collect(),
            rejections: inner.rejections.clone(),
            vectors: inner
                .vectors
                .iter()
                .map(|(&(pattern_id, example_index), vector)| ExampleVector {
                    pattern_id,
                    example_index,
                    vector: vector.clone(),
                })
                .collect(),
            settings: inner.settings.clone(),
            conversations: inner.conversations.clone(),
            last_event_seq: inner.last_event_seq(),
            last_decision_seq: inner.last_decision_seq(),
            judgements: inner.judgements.iter().copied().collect(),
        })
    }

    fn commit(&self, commit: &Commit) -> Result<()> {
        self.commit_erasure(commit).map(drop)
    }

    fn commit_erasure(&self, commit: &Commit) -> Result<ErasureCounts> {
        let mut inner = self.inner.lock();
        commit.check(inner.last_event_seq(), inner.last_decision_seq())?;
        commit.check_references(|id| Ok(inner.patterns.contains_key(&id)))?;
        Ok(inner.apply(commit, self.decision_limit))
    }

    fn customer_decisions(&self, customer: &Customer) -> Result<Vec<DecisionRecord>> {
        let inner = self.inner.lock();
        Ok(inner
            .decisions
            .iter()
            .filter(|d| is_customers(customer, d))
            .cloned()
            .collect())
    }

    fn erasures(&self) -> Result<Vec<ErasureRecord>> {
        Ok(self.inner.lock().erasures.clone())
    }

    fn events(
        &self,
        pattern: Option<PatternId>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<PatternEvent>> {
        let inner = self.inner.lock();
        let start = inner.events.partition_point(|e| e.seq <= after_seq);
        Ok(inner.events[start..]
            .iter()
            .filter(|e| pattern.is_none_or(|id| e.pattern_id == id))
            .take(limit)
            .cloned()
            .collect())
    }

    fn decisions(&self, after_seq: u64, limit: usize) -> Result<Vec<DecisionRecord>> {
        let inner = self.inner.lock();
        let start = inner.decisions.partition_point(|d| d.seq <= after_seq);
        Ok(inner
            .decisions
            .range(start..)
            .take(limit)
            .cloned()
            .collect())
    }

    fn decision(&self, id: DecisionId) -> Result<Option<DecisionRecord>> {
        let inner = self.inner.lock();
        Ok(inner
            .decisions
            .iter()
            .rev()
            .find(|d| d.decision_id == id)
            .cloned())
    }

    fn feedback_applied(&self, id: &str) -> Result<bool> {
        Ok(self.inner.lock().feedback_ids.contains(id))
    }

    fn auto_sends_since(&self, since: Timestamp) -> Result<Vec<Timestamp>> {
        let inner = self.inner.lock();
        let mut sends: Vec<Timestamp> = inner
            .decisions
            .iter()
            .filter(|d| d.at >= since && d.action == "auto_execute")
            .map(|d| d.at)
            .collect();
        sends.sort();
        Ok(sends)
    }

    fn schema_version(&self) -> u32 {
        SCHEMA_VERSION
    }
}
