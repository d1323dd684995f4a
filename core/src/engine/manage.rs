//! Pattern management: create, update, activate, approve, delete, restore, list.

use crate::book::{ChangeKind, ExampleInput, PatternEvent};
use crate::embed::check_vector;
use crate::error::{Error, Result};
use crate::learn::derive_keywords;
use crate::pattern::{NewPattern, Pattern, PatternFilter, PatternId, PatternUpdate, Provenance};
use crate::v1::topic;
use crate::{signature, text};

use super::Engine;

impl Engine {
    /// Creates a pattern from trigger examples, keywords and a reply template.
    pub fn create_pattern(&self, new: NewPattern) -> Result<Pattern> {
        let config = self.config.read().clone();
        let examples = checked_examples(&new, config.max_message_bytes)?;
        let confidence = new.confidence.unwrap_or(config.learning.initial_manual);
        if !(confidence.is_finite() && (0.0..=1.0).contains(&confidence)) {
            return Err(Error::InvalidPattern(format!(
                "confidence {confidence} is not in [0, 1]"
            )));
        }
        self.mutate(|book| {
            let mut dim = book.index().caller_dimension();
            for v in &new.embeddings {
                check_vector(v, dim)?;
                dim = Some(v.len());
            }
            let pattern = manual_pattern(
                &new,
                &examples,
                confidence,
                book.next_id(),
                self.clock.now(),
            )?;
            let inputs = examples
                .iter()
                .enumerate()
                .map(|(i, text)| ExampleInput {
                    text,
                    vector: new.embeddings.get(i).cloned(),
                })
                .collect();
            book.insert(pattern.clone(), inputs, None);
            Ok(pattern)
        })
    }

    /// Changes a pattern's content; `None` fields stay as they are.
    pub fn update_pattern(&self, id: PatternId, update: PatternUpdate) -> Result<Pattern> {
        if let Some(c) = update.confidence {
            if !(c.is_finite() && (0.0..=1.0).contains(&c)) {
                return Err(Error::InvalidPattern(format!(
                    "confidence {c} is not in [0, 1]"
                )));
            }
        }
        if let Some(r) = &update.response_template {
            if text::words(&text::normalize(r)).next().is_none() {
                return Err(Error::InvalidPattern("the reply template is empty".into()));
            }
        }
        if let Some(ex) = &update.trigger_examples {
            if !ex
                .iter()
                .any(|e| text::words(&text::normalize(e)).next().is_some())
            {
                return Err(Error::InvalidPattern(
                    "at least one trigger example with words is required".into(),
                ));
            }
        }
        let topic = match &update.topic {
            Some(t) => Some(t.parse::<topic::Topic>()?.as_str().to_owned()),
            None => None,
        };
        let now = self.clock.now();
        let reindex = update.trigger_examples.is_some() || update.trigger_keywords.is_some();
        self.change(id, ChangeKind::Updated, reindex, |p| {
            if let Some(r) = update.response_template.clone() {
                p.response_template = r;
            }
            if let Some(ex) = update.trigger_examples.clone() {
                p.trigger_examples = ex;
            }
            if let Some(kw) = update.trigger_keywords.clone() {
                p.trigger_keywords = kw;
            }
            if let Some(a) = update.action_template.clone() {
                p.action_template = a;
            }
            if let Some(t) = topic.clone() {
                p.topic = t;
            }
            if let Some(c) = update.confidence {
                p.confidence = c;
            }
            p.last_modified = now;
        })
    }

    /// Activates or deactivates a pattern (inactive patterns are never proposed).
    pub fn set_active(&self, id: PatternId, active: bool) -> Result<Pattern> {
        let now = self.clock.now();
        self.change(id, ChangeKind::ActiveChanged, false, |p| {
            p.is_active = active;
            p.last_modified = now;
        })
    }

    /// Approves (or withdraws approval of) a pattern for automatic sending.
    pub fn set_auto_executable(&self, id: PatternId, auto: bool) -> Result<Pattern> {
        let now = self.clock.now();
        self.change(id, ChangeKind::AutoChanged, false, |p| {
            p.auto_executable = auto;
            p.last_modified = now;
        })
    }

    /// Soft-deletes a pattern: never proposed, hidden from default listings,
    /// restorable with [`Engine::restore_pattern`].
    pub fn delete_pattern(&self, id: PatternId) -> Result<Pattern> {
        let now = self.clock.now();
        self.change(id, ChangeKind::Deleted, false, |p| {
            p.is_deleted = true;
            p.last_modified = now;
        })
    }

    /// Restores a soft-deleted pattern (its active and auto flags are unchanged).
    pub fn restore_pattern(&self, id: PatternId) -> Result<Pattern> {
        let now = self.clock.now();
        self.mutate(|book| {
            match book.get(id) {
                Some(p) if p.is_deleted => {}
                Some(_) => {
                    return Err(Error::InvalidPattern(format!(
                        "pattern {id} is not deleted"
                    )))
                }
                None => return Err(Error::UnknownPattern(id)),
            }
            book.apply(id, ChangeKind::Restored, None, None, false, |p| {
                p.is_deleted = false;
                p.last_modified = now;
            })
            .cloned()
            .ok_or(Error::UnknownPattern(id))
        })
    }

    fn change(
        &self,
        id: PatternId,
        kind: ChangeKind,
        reindex: bool,
        f: impl Fn(&mut Pattern),
    ) -> Result<Pattern> {
        self.mutate(|book| {
            match book.get(id) {
                Some(p) if !p.is_deleted => {}
                _ => return Err(Error::UnknownPattern(id)),
            }
            book.apply(id, kind, None, None, reindex, &f)
                .cloned()
                .ok_or(Error::UnknownPattern(id))
        })
    }

    /// One pattern, deleted ones included.
    pub fn pattern(&self, id: PatternId) -> Option<Pattern> {
        self.book.read().get(id).cloned()
    }

    /// Patterns selected by `filter`, in id order.
    pub fn patterns(&self, filter: PatternFilter) -> Vec<Pattern> {
        self.book
            .read()
            .patterns()
            .filter(|p| {
                (filter.include_deleted || !p.is_deleted)
                    && (filter.include_inactive || p.is_active)
            })
            .cloned()
            .collect()
    }

    /// Number of patterns (deleted ones included).
    pub fn pattern_count(&self) -> usize {
        self.book.read().len()
    }

    /// The change history of one pattern, oldest first.
    pub fn history(&self, id: PatternId) -> Result<Vec<PatternEvent>> {
        self.events(Some(id))
    }

    /// The change history of every pattern, oldest first.
    pub fn full_history(&self) -> Result<Vec<PatternEvent>> {
        self.events(None)
    }

    /// Approximate heap bytes of patterns and indexes.
    pub fn memory_bytes(&self) -> usize {
        self.book.read().heap_bytes()
    }
}

/// The trigger examples of a new pattern, trimmed, those without words left out;
/// refused when none is left, when the reply has no words, when a text is longer
/// than `max_bytes`, or when caller vectors do not go one per example.
fn checked_examples(new: &NewPattern, max_bytes: usize) -> Result<Vec<String>> {
    let has_words = |s: &str| text::words(&text::normalize(s)).next().is_some();
    let examples: Vec<String> = new
        .trigger_examples
        .iter()
        .map(|e| e.trim().to_owned())
        .filter(|e| has_words(e))
        .collect();
    if examples.is_empty() {
        return Err(Error::InvalidPattern(
            "at least one trigger example with words is required".into(),
        ));
    }
    if !has_words(&new.response_template) {
        return Err(Error::InvalidPattern("the reply template is empty".into()));
    }
    let longest = examples
        .iter()
        .chain(std::iter::once(&new.response_template))
        .find(|e| e.len() > max_bytes);
    if let Some(e) = longest {
        return Err(Error::TextTooLong {
            len: e.len(),
            max: max_bytes,
        });
    }
    if !new.embeddings.is_empty() && new.embeddings.len() != new.trigger_examples.len() {
        return Err(Error::InvalidEmbedding(format!(
            "{} embeddings for {} trigger examples",
            new.embeddings.len(),
            new.trigger_examples.len()
        )));
    }
    Ok(examples)
}

/// A pattern written by hand: topic as given (else detected from the first
/// example), keywords as given (else derived from the examples), signatures of the
/// first example.
fn manual_pattern(
    new: &NewPattern,
    examples: &[String],
    confidence: f64,
    id: PatternId,
    now: crate::clock::Timestamp,
) -> Result<Pattern> {
    let topic = match &new.topic {
        Some(t) => t.parse::<topic::Topic>()?.as_str().to_owned(),
        None => topic::detect_topic(&examples[0]).as_str().to_owned(),
    };
    let keywords = if new.trigger_keywords.is_empty() {
        derive_keywords(examples)
    } else {
        new.trigger_keywords
            .iter()
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect()
    };
    Ok(Pattern {
        id,
        topic,
        signature: signature::signature(&examples[0]),
        trigger_examples: examples.to_vec(),
        trigger_keywords: keywords,
        response_template: new.response_template.clone(),
        action_template: new.action_template.clone(),
        confidence,
        is_active: new.is_active,
        auto_executable: new.auto_executable,
        is_deleted: false,
        execution_count: 0,
        success_count: 0,
        failure_count: 0,
        override_count: 0,
        provenance: Provenance::Manual,
        v1_signature: Some(signature::v1_signature(&examples[0])),
        created_at: now,
        last_used: None,
        last_modified: now,
    })
}
