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

use crate::config::Gates;
use crate::decision::{Evidence, GateCheck, MatchKind};
use crate::index::{Candidate, Polarity, SearchResult};
use crate::pattern::{Pattern, PatternId};

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
    /// Every auto-send gate that depends on the match passed.
    pub gates_passed: bool,
    /// Which gate failed first, for the reason.
    pub failed_gate: Option<FailedGate>,
    pub evidence: Evidence,
    pub nearest_doc: u32,
}

/// A match-dependent gate that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailedGate {
    Distant,
    Ambiguous,
    Support,
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
    let candidates = &result.candidates;
    // Patterns an operator rejected for a message this close are not proposed.
    let rejected: Vec<PatternId> = candidates
        .iter()
        .filter(|c| c.polarity == Polarity::Negative && c.similarity >= REJECTION_SIMILARITY)
        .map(|c| c.pattern)
        .collect();
    let best = candidates
        .iter()
        .find(|c| c.polarity == Polarity::Positive && !rejected.contains(&c.pattern))?;
    let pattern = pattern_of(best.pattern)?;
    // The neighbours that speak to this proposal: examples that carry a reply, and
    // rejections of the proposed one. A rejection of some other reply says nothing
    // about this one.
    let neighbours = candidates
        .iter()
        .filter(|c| c.polarity == Polarity::Positive || c.pattern == best.pattern);
    let runner_up = neighbours.clone().find(|c| is_against(c, best.pattern));
    let runner_up_similarity = runner_up.map_or(0.0, |c| c.similarity);
    let margin = best.similarity - runner_up_similarity;
    let k = gates.neighbours.max(1);
    let agreeing = neighbours
        .clone()
        .take(k)
        .filter(|c| c.pattern == best.pattern && c.polarity == Polarity::Positive)
        .count();
    // An operator rejected this reply for one of the nearest messages.
    let rejected_nearby = neighbours
        .take(k)
        .any(|c| c.pattern == best.pattern && c.polarity == Polarity::Negative);
    let support = pattern.execution_count;

    // A clear lead lets a few of the nearest examples carry other replies; never a
    // rejection of this one.
    let clear_lead = margin >= gates.clear_lead && !rejected_nearby;
    let required_agreement = if clear_lead {
        k.saturating_sub(gates.clear_lead_dissent).max(1)
    } else {
        k
    };
    let agreement_ok = agreeing >= required_agreement;
    let margin_ok = margin >= gates.min_margin;
    let similarity_ok = best.similarity >= gates.min_similarity;
    let support_ok = support >= gates.min_support;

    let ambiguity = (gates.min_margin - margin).max(0.0);
    let match_quality = if agreement_ok && margin_ok && similarity_ok {
        GATED_QUALITY + (1.0 - GATED_QUALITY) * calibrate(best.similarity)
    } else {
        calibrate(best.similarity - ambiguity)
    };
    let agreement = agreeing as f64 / k as f64;
    let trust = 0.6 + 0.4 * pattern.confidence.clamp(0.0, 1.0);
    let confidence = (match_quality * (0.7 + 0.3 * agreement) * trust).clamp(0.0, 1.0);
    let failed_gate = if !similarity_ok {
        Some(FailedGate::Distant)
    } else if !(agreement_ok && margin_ok) {
        Some(FailedGate::Ambiguous)
    } else if !support_ok {
        Some(FailedGate::Support)
    } else {
        None
    };
    let gates_checks = vec![
        gate(
            "neighbour_agreement",
            agreeing as f64,
            required_agreement as f64,
            agreement_ok,
        ),
        gate("clear_lead", margin, gates.clear_lead, clear_lead),
        gate("margin", margin, gates.min_margin, margin_ok),
        gate(
            "similarity",
            best.similarity,
            gates.min_similarity,
            similarity_ok,
        ),
        gate(
            "support",
            support as f64,
            gates.min_support as f64,
            support_ok,
        ),
    ];
    let keyword_hits: Vec<String> = pattern
        .trigger_keywords
        .iter()
        .filter(|k| {
            let words: Vec<String> = crate::text::word_list(k)
                .iter()
                .map(|w| crate::text::strip_apostrophes(w).into_owned())
                .collect();
            crate::text::contains_phrase(query_words, &words)
        })
        .cloned()
        .collect();
    let match_kind = if best.kind == MatchKind::Lexical && !keyword_hits.is_empty() {
        MatchKind::Keyword
    } else {
        best.kind
    };
    Some(Assessment {
        pattern: best.pattern,
        confidence,
        gates_passed: failed_gate.is_none(),
        failed_gate,
        nearest_doc: best.doc,
        evidence: Evidence {
            match_kind,
            similarity: best.similarity,
            lexical: best.lexical,
            semantic: best.semantic,
            nearest_example: None,
            runner_up: runner_up.map(|c| c.pattern),
            runner_up_similarity,
            margin,
            agreeing_neighbours: agreeing,
            neighbours: k,
            support,
            pattern_confidence: pattern.confidence,
            keyword_hits,
            missing_variables: Vec::new(),
            gates: gates_checks,
            auto_threshold: 0.0,
            expected_precision: None,
        },
    })
}

/// A candidate that speaks against proposing `pattern`: another reply, or a
/// rejection of this one.
fn is_against(c: &Candidate, pattern: PatternId) -> bool {
    c.pattern != pattern || c.polarity == Polarity::Negative
}

fn gate(name: &str, value: f64, required: f64, passed: bool) -> GateCheck {
    GateCheck {
        gate: name.into(),
        value,
        required,
        passed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn named_gate<'a>(a: &'a Assessment, name: &str) -> &'a GateCheck {
        let gate = a.evidence.gates.iter().find(|g| g.gate == name);
        gate.unwrap_or_else(|| panic!("the {name} gate is in the evidence"))
    }

    fn agreement_gate(a: &Assessment) -> &GateCheck {
        named_gate(a, "neighbour_agreement")
    }

    fn lead_gate(a: &Assessment) -> &GateCheck {
        named_gate(a, "clear_lead")
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
        assert!(a.gates_passed, "{:?}", a.evidence.gates);
        assert_eq!(a.evidence.agreeing_neighbours, 5);
        let gate = agreement_gate(&a);
        assert_eq!((gate.value, gate.required, gate.passed), (5.0, 5.0, true));
        assert!(lead_gate(&a).passed);
        // The same message is ambiguous when all six must agree.
        let a = assess_with(&wide, &strict);
        assert_eq!(a.failed_gate, Some(FailedGate::Ambiguous));
        assert_eq!(agreement_gate(&a).required, 6.0);
        // Lead 0.12: above the margin gate (0.10) but not clear; all six must agree.
        let narrow = one_stray_neighbour(0.78);
        let a = assess_with(&narrow, &relaxed);
        assert_eq!(a.failed_gate, Some(FailedGate::Ambiguous));
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
        assert_eq!(a.failed_gate, Some(FailedGate::Ambiguous));
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
        assert_eq!(a.failed_gate, Some(FailedGate::Ambiguous));
        // The dissent counts against the neighbours looked at, and one must agree.
        let few = Gates {
            neighbours: 3,
            ..relaxed
        };
        let a = assess_with(&wide, &few);
        assert!(a.gates_passed);
        assert_eq!(agreement_gate(&a).required, 2.0);
        let lax = Gates {
            clear_lead_dissent: 10,
            ..relaxed
        };
        assert_eq!(agreement_gate(&assess_with(&wide, &lax)).required, 1.0);
    }
}
