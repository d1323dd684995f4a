//! The pattern book: every pattern, the retrieval index derived from them, and the
//! append-only history of changes.
//!
//! Every change to a pattern goes through [`PatternBook::apply`] with a
//! [`Change`], which records a [`PatternEvent`] holding the state before and after.
//! The index is derived state: [`PatternBook::rebuild_index`] recreates it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::embed::Embedder;
use crate::index::{Index, Polarity};
use crate::pattern::{Pattern, PatternId};
use crate::pattern_map::PatternMap;
use crate::text;

mod erase;

pub(crate) use erase::{authored_signatures, scrub_event, Erased, Erasing};

/// Why a pattern changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// Created (manually, learned or imported).
    Created,
    /// Content edited through pattern management.
    Updated,
    /// Approved by an operator.
    Approved,
    /// Approved with edits.
    Modified,
    /// Rejected by an operator.
    Rejected,
    /// An operator answered with this reply; the message joined its examples.
    Answered,
    /// Activated or deactivated.
    ActiveChanged,
    /// Approved (or unapproved) for automatic sending explicitly.
    AutoChanged,
    /// Promoted to auto-executable by the promotion rule.
    Promoted,
    /// Soft-deleted.
    Deleted,
    /// Restored after a soft delete.
    Restored,
    /// An earlier change was undone; the event carries the restored pattern.
    Undone,
    /// A customer's texts were erased from the pattern (examples, rejections); the
    /// event carries the pattern after it and no text of the customer.
    Erased,
}

/// One entry of a pattern's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternEvent {
    /// Position in the engine-wide history (starts at 1).
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who (operator id), when known.
    pub actor: Option<String>,
    /// What kind of change.
    pub kind: ChangeKind,
    /// The pattern.
    pub pattern_id: PatternId,
    /// Confidence before (absent on creation).
    pub old_confidence: Option<f64>,
    /// Confidence after.
    pub new_confidence: f64,
    /// The customer message involved, if any (it joins the examples on
    /// approve, modify and answer).
    pub message: Option<String>,
    /// Flags, counters and reply after the change.
    pub state: PatternState,
    /// The whole pattern, on creation and on content updates.
    pub full: Option<Pattern>,
}

/// The part of a pattern that feedback changes, recorded with every event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternState {
    /// Confidence.
    pub confidence: f64,
    /// Active flag.
    pub is_active: bool,
    /// Auto-executable flag.
    pub auto_executable: bool,
    /// Soft-delete flag.
    pub is_deleted: bool,
    /// Confirmed uses.
    pub execution_count: u64,
    /// Confirmed right.
    pub success_count: u64,
    /// Confirmed wrong.
    pub failure_count: u64,
    /// Approved with edits.
    pub override_count: u64,
    /// Number of trigger examples.
    pub examples: usize,
    /// Last time the pattern was proposed or confirmed.
    pub last_used: Option<Timestamp>,
    /// Last change.
    pub last_modified: Timestamp,
}

impl PatternState {
    /// The state of `p`.
    pub fn of(p: &Pattern) -> Self {
        PatternState {
            confidence: p.confidence,
            is_active: p.is_active,
            auto_executable: p.auto_executable,
            is_deleted: p.is_deleted,
            execution_count: p.execution_count,
            success_count: p.success_count,
            failure_count: p.failure_count,
            override_count: p.override_count,
            examples: p.trigger_examples.len(),
            last_used: p.last_used,
            last_modified: p.last_modified,
        }
    }

    /// Writes these fields into `p`.
    fn apply_to(&self, p: &mut Pattern) {
        p.confidence = self.confidence;
        p.is_active = self.is_active;
        p.auto_executable = self.auto_executable;
        p.is_deleted = self.is_deleted;
        p.execution_count = self.execution_count;
        p.success_count = self.success_count;
        p.failure_count = self.failure_count;
        p.override_count = self.override_count;
        p.last_used = self.last_used;
        p.last_modified = self.last_modified;
    }
}

/// Rebuilds every pattern from its history alone, oldest event first.
///
/// Creations, content updates and undos carry the whole pattern; approvals, edits
/// and answers add their message as a trigger example (unless the pattern already
/// has one with the same signature, as when it was recorded); every event carries
/// the flags and counters after it. The result must equal the live state — the
/// test `state_rebuilt_from_history_equals_live_state` keeps it that way.
pub fn rebuild_from_history(
    events: &[PatternEvent],
) -> crate::Result<BTreeMap<PatternId, Pattern>> {
    let mut patterns: BTreeMap<PatternId, Pattern> = BTreeMap::new();
    for event in events {
        if let Some(full) = &event.full {
            patterns.insert(event.pattern_id, full.clone());
            continue;
        }
        let Some(p) = patterns.get_mut(&event.pattern_id) else {
            return Err(crate::Error::Store {
                operation: "rebuild from history".into(),
                reason: format!(
                    "event {} changes pattern {} before any event created it",
                    event.seq, event.pattern_id
                ),
            });
        };
        if matches!(
            event.kind,
            ChangeKind::Approved | ChangeKind::Modified | ChangeKind::Answered
        ) {
            if let Some(message) = &event.message {
                let sig = crate::signature::signature(message);
                if !p
                    .trigger_examples
                    .iter()
                    .any(|e| crate::signature::signature(e) == sig)
                {
                    p.trigger_examples.push(message.clone());
                }
            }
        }
        event.state.apply_to(p);
    }
    Ok(patterns)
}

/// Example texts and optional caller vectors to index with a pattern.
pub(crate) struct ExampleInput<'a> {
    pub text: &'a str,
    pub vector: Option<Vec<f32>>,
}

/// Patterns plus derived index and reply lookup.
#[derive(Debug)]
pub(crate) struct PatternBook {
    patterns: PatternMap,
    /// Rejected messages per pattern (kept to rebuild the index).
    rejections: HashMap<PatternId, Vec<String>>,
    caller_vectors: HashMap<PatternId, Vec<Option<Vec<f32>>>>,
    index: Index,
    by_reply: HashMap<String, PatternId>,
    /// Signatures of each pattern's examples (an example is added once).
    example_signatures: HashMap<PatternId, HashSet<String>>,
    history: Vec<PatternEvent>,
    /// Events before `history[0]` (kept by a store, not in memory).
    history_base: u64,
    next_id: u64,
    embedder: Arc<dyn Embedder>,
    /// Open transaction, if any: what to restore on rollback.
    journal: Option<Journal>,
}

/// The state a transaction started from, for each pattern it touched.
#[derive(Debug, Default)]
struct Journal {
    history_len: usize,
    next_id: u64,
    before: BTreeMap<PatternId, Option<Snapshot>>,
    /// Patterns whose rejections and caller vectors were rewritten (not only
    /// appended to), with the whole lists before.
    rewritten: BTreeMap<PatternId, Lists>,
}

/// A pattern's rejections and caller vectors (one slot per trigger example).
#[derive(Debug, Default)]
struct Lists {
    rejections: Vec<String>,
    vectors: Vec<Option<Vec<f32>>>,
}

/// A pattern before a transaction touched it.
#[derive(Debug)]
struct Snapshot {
    pattern: Pattern,
    rejections: usize,
    vectors: usize,
}

/// What a committed transaction changed, for a store.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Current rows of the patterns that changed.
    pub patterns: Vec<Pattern>,
    /// Patterns created and then removed (only on rollback paths; normally empty).
    pub removed: Vec<PatternId>,
    /// Rejected messages added.
    pub rejections: Vec<(PatternId, String)>,
    /// Caller vectors added: (pattern, example index, vector).
    pub vectors: Vec<(PatternId, u32, Vec<f32>)>,
    /// Events appended.
    pub events: Vec<PatternEvent>,
    /// Patterns whose rejections and vectors in `rejections` and `vectors` are
    /// their whole lists (they were rewritten, not only appended to).
    pub rewritten: Vec<PatternId>,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.patterns.is_empty()
    }
}

/// Canonical form of a reply, used to find the pattern that carries it.
pub(crate) fn reply_key(reply: &str) -> String {
    text::normalize(reply)
}

impl PatternBook {
    pub fn new(embedder: Arc<dyn Embedder>) -> Self {
        PatternBook {
            patterns: PatternMap::default(),
            rejections: HashMap::new(),
            caller_vectors: HashMap::new(),
            index: Index::default(),
            by_reply: HashMap::new(),
            example_signatures: HashMap::new(),
            history: Vec::new(),
            history_base: 0,
            next_id: 1,
            embedder,
            journal: None,
        }
    }

    /// Loads stored patterns (with their rejections and caller vectors) into an
    /// empty book and builds the index. Events before `last_event_seq` stay in
    /// the store.
    pub fn restore(
        &mut self,
        patterns: Vec<Pattern>,
        rejections: Vec<(PatternId, String)>,
        vectors: Vec<(PatternId, u32, Vec<f32>)>,
        last_event_seq: u64,
    ) {
        for p in patterns {
            self.next_id = self.next_id.max(p.id.0 + 1);
            self.by_reply
                .entry(reply_key(&p.response_template))
                .or_insert(p.id);
            self.caller_vectors
                .insert(p.id, vec![None; p.trigger_examples.len()]);
            self.patterns.insert(p.id, p);
        }
        for (id, message) in rejections {
            self.rejections.entry(id).or_default().push(message);
        }
        for (id, index, vector) in vectors {
            if let Some(slots) = self.caller_vectors.get_mut(&id) {
                if let Some(slot) = slots.get_mut(index as usize) {
                    *slot = Some(vector);
                }
            }
        }
        self.history_base = last_event_seq;
        self.rebuild_index();
    }

    /// Replaces pattern `id` with the state another engine committed to a shared
    /// store (its whole rejection list and caller vectors) and reindexes it. Called
    /// outside transactions.
    pub fn sync(
        &mut self,
        pattern: Pattern,
        rejections: Vec<String>,
        vectors: Vec<(u32, Vec<f32>)>,
    ) {
        let id = pattern.id;
        self.next_id = self.next_id.max(id.0 + 1);
        self.by_reply.retain(|_, p| *p != id);
        self.by_reply
            .entry(reply_key(&pattern.response_template))
            .or_insert(id);
        let mut slots = vec![None; pattern.trigger_examples.len()];
        for (index, vector) in vectors {
            if let Some(slot) = slots.get_mut(index as usize) {
                *slot = Some(vector);
            }
        }
        self.caller_vectors.insert(id, slots);
        self.rejections.insert(id, rejections);
        self.patterns.insert(id, pattern);
        self.reindex_pattern(id);
    }

    /// Drops pattern `id` that another engine removed from a shared store.
    pub fn drop_pattern(&mut self, id: PatternId) {
        self.patterns.remove(&id);
        self.rejections.remove(&id);
        self.caller_vectors.remove(&id);
        self.example_signatures.remove(&id);
        self.by_reply.retain(|_, p| *p != id);
        self.index.remove_pattern(id);
    }

    /// Starts a transaction: every change until [`PatternBook::finish`] or
    /// [`PatternBook::rollback`] can be undone as a whole.
    pub fn begin(&mut self) {
        self.journal = Some(Journal {
            history_len: self.history.len(),
            next_id: self.next_id,
            ..Journal::default()
        });
    }

    /// Records the state of `id` before the open transaction's first change to it.
    fn touch(&mut self, id: PatternId) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        journal.before.entry(id).or_insert_with(|| {
            self.patterns.get(&id).map(|p| Snapshot {
                pattern: p.clone(),
                rejections: self.rejections.get(&id).map_or(0, Vec::len),
                vectors: self.caller_vectors.get(&id).map_or(0, Vec::len),
            })
        });
    }

    /// What the open transaction has changed so far.
    pub fn changes(&self) -> Changes {
        let Some(journal) = self.journal.as_ref() else {
            return Changes::default();
        };
        let mut changes = Changes {
            events: self.history[journal.history_len..].to_vec(),
            ..Changes::default()
        };
        for (id, before) in &journal.before {
            let Some(p) = self.patterns.get(id) else {
                changes.removed.push(*id);
                continue;
            };
            changes.patterns.push(p.clone());
            let (rejections_before, vectors_before) = if journal.rewritten.contains_key(id) {
                changes.rewritten.push(*id);
                (0, 0)
            } else {
                before
                    .as_ref()
                    .map_or((0, 0), |s| (s.rejections, s.vectors))
            };
            for r in self
                .rejections
                .get(id)
                .into_iter()
                .flatten()
                .skip(rejections_before)
            {
                changes.rejections.push((*id, r.clone()));
            }
            let vectors = self
                .caller_vectors
                .get(id)
                .into_iter()
                .flatten()
                .enumerate();
            for (i, v) in vectors.skip(vectors_before) {
                if let Some(v) = v {
                    changes.vectors.push((*id, i as u32, v.clone()));
                }
            }
        }
        changes
    }

    /// Ends the open transaction, keeping its changes.
    pub fn end(&mut self) {
        self.journal = None;
    }

    /// Undoes everything the open transaction changed.
    pub fn rollback(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        for (id, before) in journal.before {
            self.by_reply.retain(|_, p| *p != id);
            match before {
                None => {
                    self.patterns.remove(&id);
                    self.rejections.remove(&id);
                    self.caller_vectors.remove(&id);
                    self.example_signatures.remove(&id);
                    self.index.remove_pattern(id);
                }
                Some(snapshot) => {
                    if let Some(lists) = journal.rewritten.get(&id) {
                        self.rejections.insert(id, lists.rejections.clone());
                        self.caller_vectors.insert(id, lists.vectors.clone());
                    }
                    if let Some(r) = self.rejections.get_mut(&id) {
                        r.truncate(snapshot.rejections);
                    }
                    if let Some(v) = self.caller_vectors.get_mut(&id) {
                        v.truncate(snapshot.vectors);
                    }
                    self.by_reply
                        .entry(reply_key(&snapshot.pattern.response_template))
                        .or_insert(id);
                    self.patterns.insert(id, snapshot.pattern);
                    self.reindex_pattern(id);
                }
            }
        }
        self.history.truncate(journal.history_len);
        self.next_id = journal.next_id;
    }

    /// Drops events a store now holds (keeps memory flat for stored engines).
    pub fn forget_history(&mut self) {
        self.history_base += self.history.len() as u64;
        self.history.clear();
    }

    /// Sequence number the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.history_base + self.history.len() as u64 + 1
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn embedder(&self) -> &dyn Embedder {
        self.embedder.as_ref()
    }

    pub fn get(&self, id: PatternId) -> Option<&Pattern> {
        self.patterns.get(&id)
    }

    /// Whether pattern `id` exists, is active and is not deleted (without reading
    /// its record: see [`PatternMap`]).
    pub fn is_proposable(&self, id: PatternId) -> bool {
        self.patterns.is_proposable(&id)
    }

    pub fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.patterns.values()
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn history(&self) -> &[PatternEvent] {
        &self.history
    }

    /// The live pattern that carries `reply`, if any.
    pub fn find_by_reply(&self, reply: &str) -> Option<PatternId> {
        let id = *self.by_reply.get(&reply_key(reply))?;
        self.patterns
            .get(&id)
            .filter(|p| !p.is_deleted)
            .map(|p| p.id)
    }

    pub fn next_id(&mut self) -> PatternId {
        let id = PatternId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Inserts a new pattern and indexes its examples and keywords.
    pub fn insert(
        &mut self,
        pattern: Pattern,
        examples: Vec<ExampleInput<'_>>,
        actor: Option<String>,
    ) {
        self.touch(pattern.id);
        let id = pattern.id;
        self.next_id = self.next_id.max(id.0 + 1);
        let mut vectors = Vec::with_capacity(examples.len());
        for ex in examples {
            self.example_signatures
                .entry(id)
                .or_default()
                .insert(crate::signature::signature(ex.text));
            vectors.push(ex.vector.clone());
            let embedding = self.embedder.embed(ex.text);
            self.index
                .add_example(id, Polarity::Positive, ex.text, embedding, ex.vector);
        }
        for kw in &pattern.trigger_keywords {
            self.index.add_keyword(id, kw);
        }
        self.caller_vectors.insert(id, vectors);
        self.by_reply
            .entry(reply_key(&pattern.response_template))
            .or_insert(id);
        self.record(ChangeKind::Created, None, &pattern, None, actor);
        self.patterns.insert(id, pattern);
    }

    /// Adds a positive example to an existing pattern, unless it already has one
    /// with the same signature (repeats add support through counters, not index
    /// size). Returns whether it was added.
    pub fn add_example(&mut self, id: PatternId, message: &str, vector: Option<Vec<f32>>) -> bool {
        self.touch(id);
        let Some(mut p) = self.patterns.get_mut(&id) else {
            return false;
        };
        if !self
            .example_signatures
            .entry(id)
            .or_default()
            .insert(crate::signature::signature(message))
        {
            return false;
        }
        p.trigger_examples.push(message.to_owned());
        self.caller_vectors
            .entry(id)
            .or_default()
            .push(vector.clone());
        let embedding = self.embedder.embed(message);
        self.index
            .add_example(id, Polarity::Positive, message, embedding, vector);
        true
    }

    /// Remembers that `id`'s reply was rejected for `message`. A message with the
    /// same signature as one already remembered for `id` adds nothing (repeated
    /// rejections of one message must not grow memory or the index).
    pub fn add_rejection(&mut self, id: PatternId, message: &str) {
        self.touch(id);
        if !self.patterns.contains_key(&id) {
            return;
        }
        let remembered = self.rejections.entry(id).or_default();
        let sig = crate::signature::signature(message);
        if remembered
            .iter()
            .any(|m| crate::signature::signature(m) == sig)
        {
            return;
        }
        remembered.push(message.to_owned());
        let embedding = self.embedder.embed(message);
        self.index
            .add_example(id, Polarity::Negative, message, embedding, None);
    }

    /// Applies a change to pattern `id` through `change` and records it.
    /// Reindexes the pattern when `reindex` is true (examples/keywords changed).
    pub fn apply(
        &mut self,
        id: PatternId,
        kind: ChangeKind,
        actor: Option<String>,
        message: Option<&str>,
        reindex: bool,
        change: impl FnOnce(&mut Pattern),
    ) -> Option<&Pattern> {
        self.touch(id);
        let mut pattern = self.patterns.get_mut(&id)?;
        let old_confidence = pattern.confidence;
        let old_reply = reply_key(&pattern.response_template);
        change(&mut pattern);
        pattern.confidence = sanitize_confidence(pattern.confidence);
        let new_reply = reply_key(&pattern.response_template);
        let seq = self.history_base + self.history.len() as u64 + 1;
        let event = event(seq, kind, Some(old_confidence), &pattern, message, actor);
        // The change is noted (whether the pattern may be proposed) here.
        drop(pattern);
        if old_reply != new_reply {
            if self.by_reply.get(&old_reply) == Some(&id) {
                self.by_reply.remove(&old_reply);
            }
            self.by_reply.entry(new_reply).or_insert(id);
        }
        if reindex {
            self.reindex_pattern(id);
        }
        self.history.push(event);
        self.patterns.get(&id)
    }

    fn reindex_pattern(&mut self, id: PatternId) {
        self.index.remove_pattern(id);
        let Some(p) = self.patterns.get(&id) else {
            return;
        };
        let vectors = self.caller_vectors.get(&id);
        self.example_signatures.remove(&id);
        for (i, ex) in p.trigger_examples.iter().enumerate() {
            self.example_signatures
                .entry(id)
                .or_default()
                .insert(crate::signature::signature(ex));
            let vector = vectors.and_then(|v| v.get(i).cloned().flatten());
            let embedding = self.embedder.embed(ex);
            self.index
                .add_example(id, Polarity::Positive, ex, embedding, vector);
        }
        for msg in self.rejections.get(&id).into_iter().flatten() {
            let embedding = self.embedder.embed(msg);
            self.index
                .add_example(id, Polarity::Negative, msg, embedding, None);
        }
        for kw in &p.trigger_keywords {
            self.index.add_keyword(id, kw);
        }
    }

    /// Recreates the whole index from the patterns (used when a store is opened):
    /// examples are analysed in parallel, added without weighting, and weighed
    /// once at the end.
    pub fn rebuild_index(&mut self) {
        use rayon::prelude::*;
        self.index = Index::default();
        self.example_signatures.clear();
        let mut items: Vec<(PatternId, Polarity, &str, Option<Vec<f32>>)> = Vec::new();
        for (id, p) in self.patterns.iter() {
            let vectors = self.caller_vectors.get(id);
            for (i, ex) in p.trigger_examples.iter().enumerate() {
                let vector = vectors.and_then(|v| v.get(i).cloned().flatten());
                items.push((*id, Polarity::Positive, ex, vector));
            }
            for msg in self.rejections.get(id).into_iter().flatten() {
                items.push((*id, Polarity::Negative, msg, None));
            }
        }
        let embedder = self.embedder.as_ref();
        let prepared: Vec<crate::index::Prepared> = items
            .par_iter()
            .map(|(_, _, text, _)| Index::prepare(text, embedder))
            .collect();
        let mut index = Index::default();
        index.begin_bulk();
        for ((id, polarity, text, vector), prepared) in items.into_iter().zip(prepared) {
            if polarity == Polarity::Positive {
                self.example_signatures
                    .entry(id)
                    .or_default()
                    .insert(prepared.signature.clone());
            }
            index.add_prepared(id, polarity, text, prepared, vector);
        }
        index.end_bulk();
        for p in self.patterns.values() {
            for kw in &p.trigger_keywords {
                index.add_keyword(p.id, kw);
            }
        }
        self.index = index;
    }

    fn record(
        &mut self,
        kind: ChangeKind,
        old_confidence: Option<f64>,
        after: &Pattern,
        message: Option<&str>,
        actor: Option<String>,
    ) {
        let seq = self.next_seq();
        self.history
            .push(event(seq, kind, old_confidence, after, message, actor));
    }

    /// Approximate heap bytes of patterns, index and history.
    pub fn heap_bytes(&self) -> usize {
        let patterns: usize = self
            .patterns
            .values()
            .map(|p| {
                std::mem::size_of::<Pattern>()
                    + p.trigger_examples
                        .iter()
                        .map(|e| e.capacity() + 24)
                        .sum::<usize>()
                    + p.response_template.capacity()
            })
            .sum();
        patterns + self.index.heap_bytes()
    }
}

/// The history entry for a change; the whole pattern is kept only on creation and
/// content updates (feedback events carry the compact state and the message).
fn event(
    seq: u64,
    kind: ChangeKind,
    old_confidence: Option<f64>,
    after: &Pattern,
    message: Option<&str>,
    actor: Option<String>,
) -> PatternEvent {
    PatternEvent {
        seq,
        at: after.last_modified,
        actor,
        kind,
        pattern_id: after.id,
        old_confidence,
        new_confidence: after.confidence,
        message: message.map(str::to_owned),
        state: PatternState::of(after),
        full: matches!(
            kind,
            ChangeKind::Created | ChangeKind::Updated | ChangeKind::Undone | ChangeKind::Erased
        )
        .then(|| after.clone()),
    }
}

/// Clamps a confidence into `[0, 1]`; NaN becomes 0.
pub(crate) fn sanitize_confidence(c: f64) -> f64 {
    if c.is_nan() {
        0.0
    } else {
        c.clamp(0.0, 1.0)
    }
}
