//! Erasing a customer's texts from the patterns: trigger examples (with their
//! caller vectors) and rejections that the rules of an [`Erasing`] cover are
//! removed, the pattern is reindexed, and the change is recorded as a
//! [`ChangeKind::Erased`] event that carries the pattern after it. The history kept
//! in memory (engines without a store) is scrubbed by [`scrub_event`]; a store
//! scrubs its own the same way, so the history still rebuilds the patterns.

use std::collections::{HashMap, HashSet};

use super::{event, ChangeKind, Lists, PatternBook, PatternEvent};
use crate::clock::Timestamp;
use crate::pattern::{Pattern, PatternId, Provenance};
use crate::signature;

/// Which texts an erasure takes out of the patterns.
pub(crate) struct Erasing<'a> {
    /// A trigger example of a pattern that goes.
    pub example: &'a dyn Fn(PatternId, &str) -> bool,
    /// A rejected message that goes.
    pub rejection: &'a dyn Fn(&str) -> bool,
    /// A history message that goes (it may have been learned as an example).
    pub message: &'a dyn Fn(&str) -> bool,
}

/// What an erasure removed from the patterns.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Erased {
    /// Trigger examples removed.
    pub examples: u64,
    /// Rejected messages removed.
    pub rejections: u64,
    /// Patterns changed.
    pub patterns: u64,
    /// Patterns deactivated because no trigger example was left.
    pub deactivated: u64,
    /// The texts removed, by pattern, as they were stored: taken out of the
    /// history's snapshots of that pattern, and wherever a decision named one as its
    /// nearest example.
    pub texts: Vec<(PatternId, String)>,
}

impl PatternBook {
    /// Removes every trigger example and rejection `rules` cover, from every
    /// pattern, at `at`. A pattern left without a trigger example is deactivated (it
    /// could only be found by keyword).
    pub fn erase(&mut self, rules: &Erasing<'_>, at: Timestamp) -> Erased {
        let touched: Vec<PatternId> = self
            .patterns
            .iter()
            .filter(|(id, p)| {
                p.trigger_examples.iter().any(|e| (rules.example)(**id, e))
                    || self
                        .rejections
                        .get(id)
                        .is_some_and(|r| r.iter().any(|m| (rules.rejection)(m)))
            })
            .map(|(id, _)| *id)
            .collect();
        let mut erased = Erased::default();
        for id in touched {
            self.erase_from(id, rules, at, &mut erased);
        }
        for e in &mut self.history {
            scrub_event(e, rules.message, &erased.texts);
        }
        erased
    }

    fn erase_from(
        &mut self,
        id: PatternId,
        rules: &Erasing<'_>,
        at: Timestamp,
        erased: &mut Erased,
    ) {
        self.touch(id);
        let lists = Lists {
            rejections: self.rejections.remove(&id).unwrap_or_default(),
            vectors: self.caller_vectors.remove(&id).unwrap_or_default(),
        };
        let Some(mut pattern) = self.patterns.get_mut(&id) else {
            return;
        };
        let (rejections, vectors) = erase_lists(&mut pattern, &lists, rules, erased);
        pattern.last_modified = at;
        if pattern.trigger_examples.is_empty() && pattern.is_active {
            pattern.is_active = false;
            erased.deactivated += 1;
        }
        let seq = self.history_base + self.history.len() as u64 + 1;
        let record = event(
            seq,
            ChangeKind::Erased,
            Some(pattern.confidence),
            &pattern,
            None,
            None,
        );
        drop(pattern);
        self.rejections.insert(id, rejections);
        self.caller_vectors.insert(id, vectors);
        if let Some(journal) = self.journal.as_mut() {
            journal.rewritten.entry(id).or_insert(lists);
        }
        self.reindex_pattern(id);
        self.history.push(record);
        erased.patterns += 1;
    }
}

/// The signatures of each pattern's examples as it was created by an operator
/// (made through pattern management, or imported): not a customer's texts, even
/// where a customer wrote the same words. Patterns created from an operator's
/// answer have none: their first example is the customer's message.
pub(crate) fn authored_signatures(history: &[PatternEvent]) -> HashMap<PatternId, HashSet<String>> {
    let mut authored: HashMap<PatternId, HashSet<String>> = HashMap::new();
    for e in history.iter().filter(|e| e.kind == ChangeKind::Created) {
        let Some(created) = e
            .full
            .as_ref()
            .filter(|p| p.provenance != Provenance::Learned)
        else {
            continue;
        };
        authored.entry(e.pattern_id).or_default().extend(
            created
                .trigger_examples
                .iter()
                .map(|x| signature::signature(x)),
        );
    }
    authored
}

/// Removes the covered examples (with their vector slots) from `pattern` and
/// returns the rejections and vectors to keep; a signature computed from an
/// erased text is recomputed from the first example left.
fn erase_lists(
    pattern: &mut Pattern,
    lists: &Lists,
    rules: &Erasing<'_>,
    erased: &mut Erased,
) -> (Vec<String>, Vec<Option<Vec<f32>>>) {
    let mut examples = Vec::with_capacity(pattern.trigger_examples.len());
    let mut vectors = Vec::with_capacity(lists.vectors.len());
    let mut removed_signatures = Vec::new();
    for (i, example) in std::mem::take(&mut pattern.trigger_examples)
        .into_iter()
        .enumerate()
    {
        if (rules.example)(pattern.id, &example) {
            removed_signatures.push(signature::signature(&example));
            erased.examples += 1;
            erased.texts.push((pattern.id, example));
        } else {
            examples.push(example);
            vectors.push(lists.vectors.get(i).cloned().flatten());
        }
    }
    pattern.trigger_examples = examples;
    if removed_signatures.contains(&pattern.signature) {
        let first = pattern.trigger_examples.first().map_or("", String::as_str);
        pattern.signature = signature::signature(first);
    }
    let mut rejections = Vec::with_capacity(lists.rejections.len());
    for message in &lists.rejections {
        if (rules.rejection)(message) {
            erased.rejections += 1;
            erased.texts.push((pattern.id, message.clone()));
        } else {
            rejections.push(message.clone());
        }
    }
    (rejections, vectors)
}

/// Takes erased texts out of one history entry: its message when `message`
/// covers it, and from the pattern it carries the examples `removed` took out of
/// that pattern. Returns whether anything changed.
pub(crate) fn scrub_event(
    event: &mut PatternEvent,
    message: &dyn Fn(&str) -> bool,
    removed: &[(PatternId, String)],
) -> bool {
    let mut changed = false;
    if event.message.as_deref().is_some_and(message) {
        event.message = None;
        changed = true;
    }
    if let Some(full) = &mut event.full {
        let before = full.trigger_examples.len();
        let id = event.pattern_id;
        full.trigger_examples
            .retain(|e| !removed.iter().any(|(p, text)| *p == id && text == e));
        changed |= full.trigger_examples.len() != before;
    }
    changed
}
