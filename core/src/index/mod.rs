//! Candidate retrieval over trigger examples.
//!
//! Four sources feed one candidate list, each candidate carrying its evidence:
//! exact signature hits, trigger keywords on word boundaries (with typo-tolerant
//! lookup through the `fst` vocabulary), lexical retrieval (a BM25-style
//! accumulation over word postings, then exact TF-IDF scoring of word and
//! character n-grams), and vectors (the engine's embedder, and caller-supplied
//! vectors compared by brute force).
//!
//! Everything here is derived state: it can be rebuilt from the patterns.

mod centres;
mod features;
mod lexical;
mod screen;
mod sparse;
mod vectors;
mod vocab;

use std::collections::HashMap;

use crate::decision::MatchKind;
use crate::embed::cosine;
use crate::key_hash::KeySet;
use crate::pattern::PatternId;
use crate::signature;
use crate::text;

pub(crate) use features::{analyse, Analysed};
use lexical::{LexicalIndex, QueryVectors};
use vectors::{QuantizedVector, VectorStore};
use vocab::Vocabulary;

/// Whether an example supports its pattern or records a rejection of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polarity {
    /// A message this pattern's reply answers.
    Positive,
    /// A message for which an operator rejected this pattern's reply.
    Negative,
}

/// An example analysed ahead of insertion.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    analysed: Analysed,
    /// The example's stable signature.
    pub signature: String,
    embedding: Vec<f32>,
}

/// One indexed example.
#[derive(Debug, Clone)]
struct Example {
    signature: String,
    text: String,
    caller_vector: Option<Vec<f32>>,
}

/// Whose example a document is, and which way it counts.
#[derive(Debug, Clone, Copy)]
struct Owner {
    pattern: PatternId,
    polarity: Polarity,
}

/// The patterns that share one keyword phrase.
#[derive(Debug, Clone, Default)]
struct KeywordEntry {
    words: Vec<String>,
    patterns: Vec<PatternId>,
}

/// An analysed message, ready to search with.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    analysed: Analysed,
    vectors: QueryVectors,
    signature: String,
    embedding: QuantizedVector,
    caller_vector: Option<Vec<f32>>,
}

impl Query {
    /// The message's words (normalised, apostrophes removed).
    pub fn words(&self) -> &[String] {
        &self.analysed.words
    }
}

/// How the indexed examples use one word ([`Index::word_use`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WordUse {
    /// Live examples that contain the word (rejections included).
    pub examples: usize,
    /// Whether one of them carries the pattern asked about (then the next count
    /// is not made).
    pub with_pattern: bool,
    /// Of those, examples of the one other pattern that holds the most of them.
    pub of_top_other: usize,
}

/// A scored candidate example.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    pub pattern: PatternId,
    pub polarity: Polarity,
    pub similarity: f64,
    pub lexical: f64,
    pub semantic: Option<f64>,
    pub kind: MatchKind,
    pub doc: u32,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchResult {
    /// Candidates, most similar first.
    pub candidates: Vec<Candidate>,
}

/// How similarities are blended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blend {
    /// Weight of the engine embedder's cosine.
    pub embedder_weight: f64,
    /// Weight of the caller-vector cosine, when both sides have one.
    pub caller_weight: f64,
}

/// Lexical candidates fetched per query before exact scoring.
const LEXICAL_CANDIDATES: usize = 24;
/// Examples of a keyword-hit pattern added as candidates.
const KEYWORD_CANDIDATES: usize = 4;
/// Candidates added from keyword hits in all.
const KEYWORD_CANDIDATES_TOTAL: usize = 16;
/// Candidates added from caller vectors.
const VECTOR_CANDIDATES: usize = 16;
/// Unknown query words corrected through the vocabulary, at most.
const MAX_CORRECTED_WORDS: usize = 2;

/// Keeps the first (most specific) kind per document.
#[inline]
fn keep_first_kind(docs: &mut Vec<(u32, MatchKind)>) {
    // (Document ids are the index's own: the integer hasher suits them.)
    let mut seen = KeySet::with_capacity_and_hasher(docs.len(), Default::default());
    docs.retain(|(d, _)| seen.insert(*d));
}

/// The retrieval index over all examples of all patterns.
#[derive(Debug, Default, Clone)]
pub(crate) struct Index {
    lexical: LexicalIndex,
    examples: Vec<Example>,
    /// The owner of each example by document id, `None` once removed: what
    /// filtering and scoring candidates read, kept apart from the examples so that
    /// it stays small and in the caches.
    owners: Vec<Option<Owner>>,
    by_signature: HashMap<String, Vec<u32>>,
    by_pattern: HashMap<PatternId, Vec<u32>>,
    /// First word → phrase → the phrase's words and patterns.
    keywords: HashMap<String, HashMap<String, KeywordEntry>>,
    vocabulary: Vocabulary,
    vectors: VectorStore,
    caller_dimension: Option<usize>,
}

impl Index {
    /// Analyses a message, given as its [normalised](text::normalize) text, into a
    /// query.
    pub fn query(
        &self,
        normalized: &str,
        embedding: Vec<f32>,
        caller_vector: Option<Vec<f32>>,
    ) -> Query {
        let mut analysed = features::analyse_normalized(normalized);
        let signature = signature::signature_of_normalized(normalized);
        // Typo-tolerant lookup: unknown words get their near spellings added as
        // extra word features.
        let mut corrected = Vec::new();
        let unknown = analysed.words.iter().filter(|w| {
            w.len() >= 5 && !w.chars().any(|c| c.is_ascii_digit()) && !self.vocabulary.contains(w)
        });
        for word in unknown.take(MAX_CORRECTED_WORDS) {
            corrected.extend(self.vocabulary.corrections(word, 2));
        }
        analysed.add_unigrams(&corrected);
        Query {
            vectors: self.lexical.query_vectors(&analysed),
            analysed,
            signature,
            embedding: QuantizedVector::new(&embedding),
            caller_vector,
        }
    }

    /// Adds an example of `pattern`; returns its document id.
    pub fn add_example(
        &mut self,
        pattern: PatternId,
        polarity: Polarity,
        text_: &str,
        embedding: Vec<f32>,
        caller_vector: Option<Vec<f32>>,
    ) -> u32 {
        let prepared = Prepared {
            analysed: analyse(text_),
            signature: signature::signature(text_),
            embedding,
        };
        self.add_prepared(pattern, polarity, text_, prepared, caller_vector)
    }

    /// Analyses an example without touching the index (safe to run in parallel).
    pub fn prepare(text_: &str, embedder: &dyn crate::embed::Embedder) -> Prepared {
        Prepared {
            analysed: analyse(text_),
            signature: signature::signature(text_),
            embedding: embedder.embed(text_),
        }
    }

    /// Starts a bulk load (see [`LexicalIndex::begin_bulk`]).
    pub fn begin_bulk(&mut self) {
        self.lexical.begin_bulk();
        self.vocabulary.begin_bulk();
        self.vectors.begin_bulk();
    }

    /// Ends a bulk load.
    pub fn end_bulk(&mut self) {
        self.lexical.end_bulk();
        self.vocabulary.end_bulk();
        self.vectors.end_bulk();
    }

    /// Adds an already analysed example; returns its document id.
    pub fn add_prepared(
        &mut self,
        pattern: PatternId,
        polarity: Polarity,
        text_: &str,
        prepared: Prepared,
        caller_vector: Option<Vec<f32>>,
    ) -> u32 {
        let Prepared {
            mut analysed,
            signature,
            embedding,
        } = prepared;
        for w in &analysed.words {
            self.vocabulary.insert(w);
        }
        let words = std::mem::take(&mut analysed.words);
        let doc = self.lexical.add(analysed, &words);
        if let Some(v) = &caller_vector {
            self.caller_dimension.get_or_insert(v.len());
        }
        self.by_signature
            .entry(signature.clone())
            .or_default()
            .push(doc);
        self.by_pattern.entry(pattern).or_default().push(doc);
        debug_assert_eq!(doc as usize, self.examples.len());
        self.vectors.push(doc, &QuantizedVector::new(&embedding));
        self.examples.push(Example {
            signature,
            text: text_.chars().take(500).collect(),
            caller_vector,
        });
        self.owners.push(Some(Owner { pattern, polarity }));
        doc
    }

    /// Removes every example and keyword of `pattern`.
    pub fn remove_pattern(&mut self, pattern: PatternId) {
        for doc in self.by_pattern.remove(&pattern).unwrap_or_default() {
            self.lexical.remove(doc);
            if let Some(ex) = self.examples.get_mut(doc as usize) {
                self.owners[doc as usize] = None;
                self.vectors.clear(doc);
                ex.caller_vector = None;
                if let Some(docs) = self.by_signature.get_mut(&ex.signature) {
                    docs.retain(|d| *d != doc);
                    if docs.is_empty() {
                        self.by_signature.remove(&ex.signature);
                    }
                }
            }
        }
        for phrases in self.keywords.values_mut() {
            for entry in phrases.values_mut() {
                entry.patterns.retain(|p| *p != pattern);
            }
            phrases.retain(|_, e| !e.patterns.is_empty());
        }
        self.keywords.retain(|_, phrases| !phrases.is_empty());
    }

    /// Registers a trigger keyword (a word or phrase) of `pattern`.
    pub fn add_keyword(&mut self, pattern: PatternId, keyword: &str) {
        let words: Vec<String> = text::word_list(keyword)
            .into_iter()
            .map(|w| text::strip_apostrophes(&w).into_owned())
            .collect();
        let Some(first) = words.first().cloned() else {
            return;
        };
        for w in &words {
            self.vocabulary.insert(w);
        }
        let entry = self
            .keywords
            .entry(first)
            .or_default()
            .entry(words.join(" "))
            .or_default();
        if entry.patterns.contains(&pattern) {
            return;
        }
        entry.words = words;
        entry.patterns.push(pattern);
    }

    /// How the live examples use `word`: in how many it occurs, whether one of
    /// them carries `pattern`, and how many belong to the one other pattern that
    /// holds the most of them. A word in more than `scan` examples is counted only.
    pub fn word_use(&self, word: &str, pattern: PatternId, scan: usize) -> WordUse {
        let postings = self.lexical.postings(features::word_key(word));
        let mut usage = WordUse {
            examples: postings.len(),
            ..WordUse::default()
        };
        if postings.len() > scan {
            return usage;
        }
        let mut others: Vec<PatternId> = Vec::with_capacity(postings.len());
        for owner in postings.iter().filter_map(|d| self.owner(*d)) {
            if owner.polarity != Polarity::Positive {
                continue;
            }
            if owner.pattern == pattern {
                usage.with_pattern = true;
                return usage;
            }
            others.push(owner.pattern);
        }
        others.sort_unstable();
        usage.of_top_other = others
            .chunk_by(|a, b| a == b)
            .map(<[PatternId]>::len)
            .max()
            .unwrap_or(0);
        usage
    }

    /// The caller-vector dimension fixed by the first supplied vector.
    pub fn caller_dimension(&self) -> Option<usize> {
        self.caller_dimension
    }

    /// The text of an example.
    pub fn example_text(&self, doc: u32) -> Option<&str> {
        self.examples.get(doc as usize).map(|e| e.text.as_str())
    }

    /// Finds and scores candidates. `accept` says which patterns may be proposed.
    pub fn search(
        &self,
        query: &Query,
        blend: Blend,
        accept: impl Fn(PatternId) -> bool,
    ) -> SearchResult {
        let accept_doc = |doc: u32| self.owner(doc).is_some_and(|o| accept(o.pattern));
        let mut docs: Vec<(u32, MatchKind)> = Vec::with_capacity(LEXICAL_CANDIDATES + 16);
        // Every live example with the query's signature (whatever source finds it).
        let same_signature: &[u32] = self
            .by_signature
            .get(&query.signature)
            .map_or(&[], Vec::as_slice);
        docs.extend(
            same_signature
                .iter()
                .filter(|d| accept_doc(**d))
                .map(|d| (*d, MatchKind::ExactSignature)),
        );
        self.keyword_candidates(query, &accept, &mut docs);
        self.lexical_candidates(query, &accept_doc, &mut docs);
        self.vector_candidates(query, blend, &accept_doc, &mut docs);
        keep_first_kind(&mut docs);
        SearchResult {
            candidates: self.score_candidates(query, docs, same_signature, blend),
        }
    }

    /// Adds examples of the patterns whose keyword phrases the message contains: at
    /// most [`KEYWORD_CANDIDATES`] per pattern and [`KEYWORD_CANDIDATES_TOTAL`] in
    /// all (a common keyword may belong to many patterns).
    #[inline]
    fn keyword_candidates(
        &self,
        query: &Query,
        accept: &impl Fn(PatternId) -> bool,
        docs: &mut Vec<(u32, MatchKind)>,
    ) {
        let words = &query.analysed.words;
        let mut added = 0usize;
        for word in words {
            for entry in self.keywords.get(word).into_iter().flat_map(|m| m.values()) {
                if !text::contains_phrase(words, &entry.words) {
                    continue;
                }
                for pattern in entry.patterns.iter().filter(|p| accept(**p)) {
                    let room = KEYWORD_CANDIDATES_TOTAL.saturating_sub(added);
                    if room == 0 {
                        return;
                    }
                    added +=
                        self.add_keyword_examples(*pattern, KEYWORD_CANDIDATES.min(room), docs);
                }
            }
        }
    }

    /// Adds the first `n` live positive examples of `pattern` as keyword candidates;
    /// returns how many it added.
    #[inline]
    fn add_keyword_examples(
        &self,
        pattern: PatternId,
        n: usize,
        docs: &mut Vec<(u32, MatchKind)>,
    ) -> usize {
        let before = docs.len();
        docs.extend(
            self.by_pattern
                .get(&pattern)
                .into_iter()
                .flatten()
                .filter(|d| {
                    self.owner(**d)
                        .is_some_and(|o| o.polarity == Polarity::Positive)
                })
                .take(n)
                .map(|d| (*d, MatchKind::Keyword)),
        );
        docs.len() - before
    }

    /// Adds the best lexical candidates: documents sharing the query's most
    /// informative indexed words.
    #[inline]
    fn lexical_candidates(
        &self,
        query: &Query,
        accept_doc: &impl Fn(u32) -> bool,
        docs: &mut Vec<(u32, MatchKind)>,
    ) {
        let unigram_keys: Vec<u32> = query
            .analysed
            .word_terms
            .keys
            .iter()
            .copied()
            .filter(|k| self.lexical.word_df(*k) > 0)
            .collect();
        docs.extend(
            self.lexical
                .retrieve(&unigram_keys, LEXICAL_CANDIDATES, accept_doc)
                .into_iter()
                .map(|d| (d, MatchKind::Lexical)),
        );
    }

    /// Adds the nearest examples by the caller's vector when the query has one, else
    /// by the engine embedder's when it counts in the blend.
    #[inline]
    fn vector_candidates(
        &self,
        query: &Query,
        blend: Blend,
        accept_doc: &impl Fn(u32) -> bool,
        docs: &mut Vec<(u32, MatchKind)>,
    ) {
        if let Some(qv) = &query.caller_vector {
            docs.extend(self.nearest_by_caller_vector(qv, accept_doc));
        } else if blend.embedder_weight > 0.0 {
            docs.extend(
                self.vectors
                    .nearest(&query.embedding, VECTOR_CANDIDATES, accept_doc)
                    .into_iter()
                    .map(|(_, d)| (d, MatchKind::Vector)),
            );
        }
    }

    /// Scores the candidate documents, most similar first (then by document id). A
    /// document with the query's signature (`same_signature`, sorted) is an exact
    /// signature match whichever source found it.
    #[inline]
    fn score_candidates(
        &self,
        query: &Query,
        docs: Vec<(u32, MatchKind)>,
        same_signature: &[u32],
        blend: Blend,
    ) -> Vec<Candidate> {
        self.prefetch(&docs);
        let mut candidates: Vec<Candidate> = docs
            .into_iter()
            .filter_map(|(doc, kind)| {
                // Document ids are added in increasing order: the list is sorted.
                let kind = if same_signature.binary_search(&doc).is_ok() {
                    MatchKind::ExactSignature
                } else {
                    kind
                };
                self.score(query, doc, kind, blend)
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.similarity
                .total_cmp(&a.similarity)
                .then(a.doc.cmp(&b.doc))
        });
        candidates
    }

    /// Reads the candidates' vectors, scattered over the whole index, in one pass of
    /// independent loads, so that their cache misses overlap instead of each
    /// waiting in turn during scoring.
    #[inline]
    fn prefetch(&self, docs: &[(u32, MatchKind)]) {
        let ids: Vec<u32> = docs.iter().map(|(d, _)| *d).collect();
        std::hint::black_box(self.lexical.touch(&ids));
        std::hint::black_box(self.vectors.touch(ids.iter().copied()));
    }

    fn nearest_by_caller_vector(
        &self,
        qv: &[f32],
        accept_doc: &impl Fn(u32) -> bool,
    ) -> Vec<(u32, MatchKind)> {
        let mut scored: Vec<(f64, u32)> = self
            .examples
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let v = e.caller_vector.as_ref()?;
                accept_doc(i as u32).then(|| (cosine(qv, v), i as u32))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored
            .into_iter()
            .take(VECTOR_CANDIDATES)
            .map(|(_, d)| (d, MatchKind::Vector))
            .collect()
    }

    /// The owner of a live document.
    fn owner(&self, doc: u32) -> Option<Owner> {
        self.owners.get(doc as usize).copied().flatten()
    }

    /// Scores a live document (`None` for a removed one).
    fn score(&self, query: &Query, doc: u32, kind: MatchKind, blend: Blend) -> Option<Candidate> {
        let owner = self.owner(doc)?;
        let lexical = self.lexical.similarity(&query.vectors, doc);
        // The example record is read only when the query has a caller vector.
        let caller = query.caller_vector.as_ref().and_then(|q| {
            let e = self.examples.get(doc as usize)?.caller_vector.as_ref()?;
            Some(cosine(q, e).max(0.0))
        });
        let (similarity, semantic) = if let Some(c) = caller {
            (
                lexical * (1.0 - blend.caller_weight) + c * blend.caller_weight,
                Some(c),
            )
        } else if blend.embedder_weight > 0.0 && !query.embedding.is_empty() {
            let e = self.vectors.cosine(doc, &query.embedding).max(0.0);
            (
                lexical * (1.0 - blend.embedder_weight) + e * blend.embedder_weight,
                Some(e),
            )
        } else {
            (lexical, None)
        };
        Some(Candidate {
            pattern: owner.pattern,
            polarity: owner.polarity,
            similarity: if similarity.is_finite() {
                similarity.clamp(0.0, 1.0)
            } else {
                0.0
            },
            lexical,
            semantic,
            kind,
            doc,
        })
    }

    /// Approximate heap bytes of the index.
    pub fn heap_bytes(&self) -> usize {
        let examples: usize = self
            .examples
            .iter()
            .map(|e| {
                std::mem::size_of::<Example>()
                    + e.text.capacity()
                    + e.signature.capacity()
                    + e.caller_vector.as_ref().map_or(0, |v| v.capacity() * 4)
            })
            .sum();
        examples
            + self.owners.capacity() * std::mem::size_of::<Option<Owner>>()
            + self.lexical.heap_bytes()
            + self.vectors.heap_bytes()
            + self.by_signature.len() * 64
            + self.vocabulary.len() * 16
    }
}
