//! From retrieval evidence and pattern trust to one decision confidence.
//!
//! # What the decision confidence means
//!
//! It is an estimate, in `[0, 1]`, of the probability that the proposed reply is the one
//! an operator would send — measured, not assumed: the curves below were fitted on the
//! CLINC150 train/val replay with the default embedder and checked on Banking77. It
//! combines three things (V1's mistake of using pattern trust alone is not repeated):
//!
//! 1. **Match quality**. When the match-dependent gates pass — the `k` nearest examples
//!    all carry the proposed reply (or all but `clear_lead_dissent` of them when it
//!    leads by `clear_lead` and none is a rejection of it), it leads the best
//!    *different* reply by the margin, and the best example is at least
//!    `min_similarity` close — proposals were right 99.5% of the time at every
//!    similarity above it (99.6% on the CLINC150 replay, seeds 1–5; 99.0% of those
//!    that passed only by a clear lead), so match quality is at least 0.9:
//!    `0.9 + 0.1 × calibrate(similarity)`. Otherwise it is
//!    `calibrate(similarity − ambiguity)`, where ambiguity is how far the margin falls
//!    short, and [`calibrate`] maps similarity to the share of such proposals that were
//!    right.
//! 2. **Neighbour agreement**: the share of the `k` nearest examples that carry the
//!    proposed reply scales it by `0.7 + 0.3 × agreement`.
//! 3. **Pattern trust**: the pattern's own confidence, moved by operator feedback,
//!    scales it by `0.6 + 0.4 × trust`.
//!
//! So the seed tiers keep a meaning users can rely on: above 0.85 (auto-send, and only
//! with every gate passed and a trusted pattern) the gates held and operators trust the
//! reply; 0.60–0.85 (suggest) most such proposals were right; 0.40–0.60 (queue) about
//! half; below 0.40 (escalate) mostly wrong. A pattern at the learned starting trust
//! (0.5) reaches at most 0.8: it can be suggested, never auto-sent.

use crate::decision::{Evidence, MatchKind};
use crate::gates::{Gate, GateReport, Gates};
use crate::index::{Candidate, Polarity, SearchResult};
use crate::pattern::{Pattern, PatternId};
use crate::text;

/// Similarity to an example this pattern was rejected for, from which the
/// pattern is not proposed again for the message.
pub(crate) const REJECTION_SIMILARITY: f64 = 0.9;

/// Knots of the calibration curve from effective similarity (default embedder, lexical +
/// semantic mean) to the share of proposals that were right, fitted conservatively on the
/// CLINC150 train/val replay: proposals at similarity 0.40–0.50 were right 59–72% of the
/// time, 0.55–0.60 83%, 0.60–0.65 87%, 0.70–0.80 97%.
const CALIBRATION: [(f64, f64); 6] = [
    (0.0, 0.0),
    (0.35, 0.40),
    (0.45, 0.60),
    (0.60, 0.85),
    (0.75, 0.95),
    (1.0, 1.0),
];

/// Lowest match quality when the neighbour-agreement and margin gates both pass.
const GATED_QUALITY: f64 = 0.9;

/// Maps an effective similarity to a match quality (piecewise linear, monotone).
pub fn calibrate(similarity: f64) -> f64 {
    let s = if similarity.is_finite() {
        similarity.clamp(0.0, 1.0)
    } else {
        0.0
    };
    for pair in CALIBRATION.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if s <= x1 {
            return y0 + (s - x0) * (y1 - y0) / (x1 - x0);
        }
    }
    1.0
}

/// The proposal for one message, before tiers and guards.
#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub pattern: PatternId,
    /// Decision confidence with gates ignored.
    pub confidence: f64,
    /// The match gates, measured (the pattern gates are added by the engine).
    pub gates: GateReport,
    /// The evidence, without its gates (they are in `gates`).
    pub evidence: Evidence,
    pub nearest_doc: u32,
    /// The nearest examples that carry the proposed reply (of the `k` looked at).
    pub agreeing_docs: Vec<u32>,
}

/// What the nearest examples say about proposing one reply.
#[derive(Debug, Clone)]
struct Neighbourhood {
    /// How many nearest examples were looked at (`gates.neighbours`).
    k: usize,
    /// Of those, how many carry the proposed reply.
    agreeing: usize,
    /// Those that carry it, nearest first.
    agreeing_docs: Vec<u32>,
    /// Whether an operator rejected the proposed reply for one of them.
    rejected_nearby: bool,
    /// The best candidate against the proposal: another reply, or a rejection of it.
    runner_up: Option<(PatternId, f64)>,
    /// Similarity lead of the proposal over the runner-up.
    margin: f64,
}

/// Builds the assessment, or `None` when no pattern can be proposed.
///
/// `pattern_of` looks up live pattern state; candidates of unknown patterns are
/// ignored.
pub(crate) fn assess<'a>(
    result: &SearchResult,
    query_words: &[String],
    gates: &Gates,
    pattern_of: impl Fn(PatternId) -> Option<&'a Pattern>,
) -> Option<Assessment> {
    let best = best_candidate(&result.candidates)?;
    let pattern = pattern_of(best.pattern)?;
    let hood = neighbourhood(&result.candidates, best, gates.neighbours.max(1));
    let (report, match_ok) = match_gates(best, &hood, pattern.execution_count, gates);
    let confidence = confidence(best.similarity, &hood, match_ok, pattern.confidence, gates);
    Some(Assessment {
        pattern: best.pattern,
        confidence,
        gates: report,
        evidence: evidence(best, &hood, pattern, query_words),
        nearest_doc: best.doc,
        agreeing_docs: hood.agreeing_docs,
    })
}

/// The nearest example that carries a reply an operator did not reject for a
/// message this close.
fn best_candidate(candidates: &[Candidate]) -> Option<&Candidate> {
    let rejected: Vec<PatternId> = candidates
        .iter()
        .filter(|c| c.polarity == Polarity::Negative && c.similarity >= REJECTION_SIMILARITY)
        .map(|c| c.pattern)
        .collect();
    candidates
        .iter()
        .find(|c| c.polarity == Polarity::Positive && !rejected.contains(&c.pattern))
}

/// Agreement and lead among the `k` nearest examples that speak to proposing
/// `best`: examples that carry a reply, and rejections of the proposed one (a
/// rejection of some other reply says nothing about this one).
fn neighbourhood(candidates: &[Candidate], best: &Candidate, k: usize) -> Neighbourhood {
    let neighbours = candidates
        .iter()
        .filter(|c| c.polarity == Polarity::Positive || c.pattern == best.pattern);
    let runner_up = neighbours
        .clone()
        .find(|c| is_against(c, best.pattern))
        .map(|c| (c.pattern, c.similarity));
    let agreeing_docs: Vec<u32> = neighbours
        .clone()
        .take(k)
        .filter(|c| c.pattern == best.pattern && c.polarity == Polarity::Positive)
        .map(|c| c.doc)
        .collect();
    let rejected_nearby = neighbours
        .take(k)
        .any(|c| c.pattern == best.pattern && c.polarity == Polarity::Negative);
    Neighbourhood {
        k,
        agreeing: agreeing_docs.len(),
        agreeing_docs,
        rejected_nearby,
        runner_up,
        margin: best.similarity - runner_up.map_or(0.0, |(_, s)| s),
    }
}

/// The match gates of the proposal, and whether the three that decide match
/// quality (agreement, margin, similarity) passed.
fn match_gates(
    best: &Candidate,
    hood: &Neighbourhood,
    support: u64,
    gates: &Gates,
) -> (GateReport, bool) {
    // A clear lead lets a few of the nearest examples carry other replies; never a
    // rejection of this one.
    let clear_lead = hood.margin >= gates.clear_lead && !hood.rejected_nearby;
    let required = gates.required_agreement(clear_lead);
    let agreement_ok = hood.agreeing >= required;
    let margin_ok = hood.margin >= gates.min_margin;
    let similarity_ok = best.similarity >= gates.min_similarity;
    let support_ok = support >= gates.min_support;
    let mut report = GateReport::default();
    let mut push = |gate: Gate, value: f64, required: f64, passed: bool| {
        report.push(gate, gate.check(value, required, passed));
    };
    push(
        Gate::NeighbourAgreement,
        hood.agreeing as f64,
        required as f64,
        agreement_ok,
    );
    push(Gate::ClearLead, hood.margin, gates.clear_lead, clear_lead);
    push(Gate::Margin, hood.margin, gates.min_margin, margin_ok);
    push(
        Gate::Similarity,
        best.similarity,
        gates.min_similarity,
        similarity_ok,
    );
    push(
        Gate::Support,
        support as f64,
        gates.min_support as f64,
        support_ok,
    );
    (report, agreement_ok && margin_ok && similarity_ok)
}

/// Match quality × neighbour agreement × pattern trust (see the module docs).
fn confidence(
    similarity: f64,
    hood: &Neighbourhood,
    match_ok: bool,
    trust: f64,
    gates: &Gates,
) -> f64 {
    let ambiguity = (gates.min_margin - hood.margin).max(0.0);
    let match_quality = if match_ok {
        GATED_QUALITY + (1.0 - GATED_QUALITY) * calibrate(similarity)
    } else {
        calibrate(similarity - ambiguity)
    };
    let agreement = hood.agreeing as f64 / hood.k as f64;
    let trust = 0.6 + 0.4 * trust.clamp(0.0, 1.0);
    (match_quality * (0.7 + 0.3 * agreement) * trust).clamp(0.0, 1.0)
}

/// The evidence behind the proposal (gates are added when the decision is made).
fn evidence(
    best: &Candidate,
    hood: &Neighbourhood,
    pattern: &Pattern,
    query_words: &[String],
) -> Evidence {
    let keyword_hits = keyword_hits(pattern, query_words);
    let match_kind = if best.kind == MatchKind::Lexical && !keyword_hits.is_empty() {
        MatchKind::Keyword
    } else {
        best.kind
    };
    Evidence {
        match_kind,
        similarity: best.similarity,
        lexical: best.lexical,
        semantic: best.semantic,
        nearest_example: None,
        runner_up: hood.runner_up.map(|(p, _)| p),
        runner_up_similarity: hood.runner_up.map_or(0.0, |(_, s)| s),
        margin: hood.margin,
        agreeing_neighbours: hood.agreeing,
        neighbours: hood.k,
        support: pattern.execution_count,
        pattern_confidence: pattern.confidence,
        keyword_hits,
        unexplained_words: Vec::new(),
        missing_variables: Vec::new(),
        gates: Vec::new(),
        auto_threshold: 0.0,
        expected_precision: None,
    }
}

/// The pattern's keywords that occur, as whole words, in the message.
fn keyword_hits(pattern: &Pattern, query_words: &[String]) -> Vec<String> {
    pattern
        .trigger_keywords
        .iter()
        .filter(|k| {
            let words: Vec<String> = text::word_list(k)
                .iter()
                .map(|w| text::strip_apostrophes(w).into_owned())
                .collect();
            text::contains_phrase(query_words, &words)
        })
        .cloned()
        .collect()
}

/// A candidate that speaks against proposing `pattern`: another reply, or a
/// rejection of this one.
fn is_against(c: &Candidate, pattern: PatternId) -> bool {
    c.pattern != pattern || c.polarity == Polarity::Negative
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{GateCheck, Reason};

    #[test]
    fn calibration_is_monotone_and_hits_the_knots() {
        let mut last = -1.0;
        for i in 0..=100 {
            let y = calibrate(f64::from(i) / 100.0);
            assert!(y >= last);
            last = y;
        }
        assert!((calibrate(0.60) - 0.85).abs() < 1e-9);
        assert!((calibrate(0.45) - 0.60).abs() < 1e-9);
        assert!((calibrate(0.35) - 0.40).abs() < 1e-9);
        assert_eq!(calibrate(f64::NAN), 0.0);
        assert_eq!(calibrate(7.0), 1.0);
    }

    fn candidate(pattern: u64, similarity: f64) -> Candidate {
        Candidate {
            pattern: PatternId(pattern),
            polarity: Polarity::Positive,
            similarity,
            lexical: similarity,
            semantic: Some(similarity),
            kind: MatchKind::Lexical,
            doc: 0,
        }
    }

    /// Five of the six nearest examples carry reply 1, one (fifth nearest) reply 2.
    fn one_stray_neighbour(runner_up: f64) -> SearchResult {
        let sims = [0.90, 0.86, 0.85, 0.84];
        let mut candidates: Vec<Candidate> = sims.iter().map(|&s| candidate(1, s)).collect();
        candidates.push(candidate(2, runner_up));
        candidates.push(candidate(1, runner_up - 0.01));
        SearchResult { candidates }
    }

    fn assess_with(result: &SearchResult, gates: &Gates) -> Assessment {
        let mut pattern = Pattern::sample(1);
        pattern.execution_count = 10;
        pattern.confidence = 1.0;
        assess(result, &[], gates, |_| Some(&pattern)).expect("a proposal")
    }

    fn named_gate(a: &Assessment, gate: Gate) -> &GateCheck {
        let check = a.gates.get(gate);
        check.unwrap_or_else(|| panic!("the {} gate is in the report", gate.name()))
    }

    fn agreement_gate(a: &Assessment) -> &GateCheck {
        named_gate(a, Gate::NeighbourAgreement)
    }

    fn lead_gate(a: &Assessment) -> &GateCheck {
        named_gate(a, Gate::ClearLead)
    }

    /// The reason a failed match gate gives, `None` when they all passed.
    fn blocked(a: &Assessment) -> Option<Reason> {
        a.gates.blocking().and_then(Gate::reason)
    }

    #[test]
    fn a_clear_lead_lets_one_stray_neighbour_pass_and_only_then() {
        let strict = Gates {
            clear_lead: 1.0,
            clear_lead_dissent: 0,
            ..Gates::default()
        };
        let relaxed = Gates {
            clear_lead: 0.15,
            clear_lead_dissent: 1,
            ..Gates::default()
        };
        // Lead 0.20 ≥ 0.15: five agreeing neighbours suffice.
        let wide = one_stray_neighbour(0.70);
        let a = assess_with(&wide, &relaxed);
        assert_eq!(blocked(&a), None, "{:?}", a.gates);
        assert_eq!(a.evidence.agreeing_neighbours, 5);
        let gate = agreement_gate(&a);
        assert_eq!((gate.value, gate.required, gate.passed), (5.0, 5.0, true));
        assert!(lead_gate(&a).passed);
        // The same message is ambiguous when all six must agree.
        let a = assess_with(&wide, &strict);
        assert_eq!(blocked(&a), Some(Reason::AmbiguousMatch));
        assert_eq!(agreement_gate(&a).required, 6.0);
        // Lead 0.12: above the margin gate (0.10) but not clear; all six must agree.
        let narrow = one_stray_neighbour(0.78);
        let a = assess_with(&narrow, &relaxed);
        assert_eq!(blocked(&a), Some(Reason::AmbiguousMatch));
        assert_eq!(agreement_gate(&a).required, 6.0);
        let lead = lead_gate(&a);
        assert!(!lead.passed && (lead.value - 0.12).abs() < 1e-9 && lead.required == 0.15);
        // A rejection of this reply among the nearest is not a dissent to overlook.
        let mut rejected = wide.clone();
        rejected.candidates[4] = Candidate {
            polarity: Polarity::Negative,
            ..candidate(1, 0.70)
        };
        let a = assess_with(&rejected, &relaxed);
        assert_eq!(a.evidence.agreeing_neighbours, 5);
        assert_eq!(blocked(&a), Some(Reason::AmbiguousMatch));
        assert_eq!(agreement_gate(&a).required, 6.0);
        assert!(
            !lead_gate(&a).passed,
            "the lead is wide, but a rejection is near"
        );
        // Never fewer than asked: four agreeing fail a requirement of five.
        let two_strays = SearchResult {
            candidates: vec![
                candidate(1, 0.90),
                candidate(1, 0.86),
                candidate(1, 0.85),
                candidate(2, 0.70),
                candidate(3, 0.69),
                candidate(1, 0.68),
            ],
        };
        let a = assess_with(&two_strays, &relaxed);
        assert_eq!(a.evidence.agreeing_neighbours, 4);
        assert_eq!(blocked(&a), Some(Reason::AmbiguousMatch));
        // The dissent counts against the neighbours looked at, and one must agree.
        let few = Gates {
            neighbours: 3,
            ..relaxed
        };
        let a = assess_with(&wide, &few);
        assert_eq!(blocked(&a), None);
        assert_eq!(agreement_gate(&a).required, 2.0);
        let lax = Gates {
            clear_lead_dissent: 10,
            ..relaxed
        };
        assert_eq!(agreement_gate(&assess_with(&wide, &lax)).required, 1.0);
    }
}
