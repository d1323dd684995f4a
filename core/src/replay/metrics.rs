//! What a replay measures: one [`MessageResult`] per evaluated message, the
//! learning curve ([`CurvePoint`]) and the protocol's [`Metrics`] over them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Tier counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tiers {
    /// Automatic sends.
    pub auto_execute: usize,
    /// Suggestions.
    pub suggest: usize,
    /// Queued for review.
    pub queue: usize,
    /// Handed to a human.
    pub escalate: usize,
}

/// The protocol's metrics for the evaluation phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Evaluated messages (N).
    pub messages: usize,
    /// Auto-sent / N.
    pub automation_rate: f64,
    /// Right auto-sent / auto-sent (`None` when nothing was auto-sent).
    pub auto_precision: Option<f64>,
    /// 1000 × wrong auto-sent / N.
    pub wrong_auto_per_1000: f64,
    /// Wrong automatic sends.
    pub wrong_auto_sends: usize,
    /// Out-of-scope messages among the evaluated ones (labelled `oos`, or of an
    /// unknown intent in the open-intent setting).
    pub oos_messages: usize,
    /// Automatic sends to out-of-scope messages.
    pub oos_auto_sends: usize,
    /// Out-of-scope automatic sends / out-of-scope messages (`None` when there were
    /// none).
    #[serde(default)]
    pub oos_auto_send_rate: Option<f64>,
    /// Approved / proposals shown (suggest + queue with a reply).
    pub suggestion_acceptance: Option<f64>,
    /// N − auto-sent.
    pub operator_workload: usize,
    /// Tier counts.
    pub tiers: Tiers,
    /// Median `process` time per evaluated message, µs.
    pub p50_us: f64,
    /// 99th percentile `process` time, µs.
    pub p99_us: f64,
    /// Wall time of the whole replay (warm-up included), seconds.
    pub elapsed_s: f64,
    /// Order seed.
    pub seed: u64,
    /// Warm-up messages replayed.
    pub warmup_messages: usize,
    /// Patterns at the end.
    pub patterns: usize,
    /// In-scope intents treated as unknown (the open-intent setting; 0 without it).
    #[serde(default)]
    pub unknown_intents: usize,
}

/// One evaluated message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageResult {
    /// Record id.
    pub id: String,
    /// Message text.
    pub text: String,
    /// True intent.
    pub intent: String,
    /// Whether no canned reply covers the message: labelled `oos`, or of an intent
    /// treated as unknown.
    #[serde(default)]
    pub out_of_scope: bool,
    /// Decision tier (`auto_execute`, …).
    pub action: String,
    /// Decision reason.
    pub reason: String,
    /// Decision confidence.
    pub confidence: f64,
    /// Proposed reply, if any.
    pub response: Option<String>,
    /// Whether the proposed reply was the right one.
    pub right: Option<bool>,
    /// Similarity of the nearest example of the proposed reply.
    pub similarity: f64,
    /// Margin over the best different reply.
    pub margin: f64,
    /// Agreeing nearest neighbours.
    pub agreeing_neighbours: usize,
    /// Operator support of the proposed reply.
    pub support: u64,
    /// The trigger example nearest to the message, if any.
    #[serde(default)]
    pub nearest_example: Option<String>,
    /// Words of the message the proposed reply does not explain
    /// (`evidence.unexplained_words`).
    #[serde(default)]
    pub unexplained_words: Vec<String>,
    /// Every gate of the decision with its value (`evidence.gates`).
    #[serde(default)]
    pub gates: Vec<crate::decision::GateCheck>,
    /// `process` time, µs.
    pub latency_us: f64,
}

/// Automation and wrong sends in one window of the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Phase: `warmup` or `eval`.
    pub phase: String,
    /// Index of the window's last message in the whole stream (1-based).
    pub until: usize,
    /// Messages in the window.
    pub messages: usize,
    /// Auto-sent share in the window.
    pub automation_rate: f64,
    /// Wrong automatic sends in the window.
    pub wrong_auto_sends: usize,
}

/// The learning curve as it is drawn: one point per window of the stream, and one
/// at the end of each phase.
#[derive(Debug)]
pub(crate) struct Curve {
    size: usize,
    window: Window,
    points: Vec<CurvePoint>,
}

impl Curve {
    /// A curve of windows of `size` messages.
    pub fn new(size: usize) -> Self {
        Curve {
            size,
            window: Window::default(),
            points: Vec::new(),
        }
    }

    /// Counts message `until` (1-based, in the whole stream); `phase_ends` closes
    /// the window early.
    pub fn add(&mut self, until: usize, phase: &str, phase_ends: bool, auto: bool, wrong: bool) {
        self.window.add(auto, wrong);
        if self.window.messages == self.size || phase_ends {
            self.points.push(self.window.point(phase, until));
            self.window = Window::default();
        }
    }

    /// The points drawn.
    pub fn into_points(self) -> Vec<CurvePoint> {
        self.points
    }
}

#[derive(Debug, Default)]
struct Window {
    messages: usize,
    auto: usize,
    wrong: usize,
}

impl Window {
    fn add(&mut self, auto: bool, wrong: bool) {
        self.messages += 1;
        self.auto += usize::from(auto);
        self.wrong += usize::from(wrong);
    }

    fn point(&self, phase: &str, until: usize) -> CurvePoint {
        CurvePoint {
            phase: phase.into(),
            until,
            messages: self.messages,
            automation_rate: ratio(self.auto, self.messages).unwrap_or(0.0),
            wrong_auto_sends: self.wrong,
        }
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// What a replay knows besides its per-message results.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunFacts {
    pub seed: u64,
    pub elapsed_s: f64,
    pub warmup_messages: usize,
    pub patterns: usize,
    pub unknown_intents: usize,
}

/// Counts over the evaluated messages.
#[derive(Debug, Default)]
struct Counts {
    tiers: Tiers,
    auto: usize,
    right_auto: usize,
    oos: usize,
    oos_auto: usize,
    proposed: usize,
    approved: usize,
}

impl Counts {
    fn of(results: &[MessageResult]) -> Counts {
        let mut c = Counts::default();
        for r in results {
            let is_auto = r.action == "auto_execute";
            match r.action.as_str() {
                "auto_execute" => c.tiers.auto_execute += 1,
                "suggest" => c.tiers.suggest += 1,
                "queue" => c.tiers.queue += 1,
                _ => c.tiers.escalate += 1,
            }
            if r.out_of_scope {
                c.oos += 1;
                c.oos_auto += usize::from(is_auto);
            }
            if is_auto {
                c.auto += 1;
                c.right_auto += usize::from(r.right == Some(true));
            } else if (r.action == "suggest" || r.action == "queue") && r.response.is_some() {
                c.proposed += 1;
                c.approved += usize::from(r.right == Some(true));
            }
        }
        c
    }
}

/// The `p`-quantile (nearest rank) of sorted values; 0 when there are none.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// The protocol's metrics over the evaluated messages.
pub(crate) fn metrics(results: &[MessageResult], facts: RunFacts) -> Metrics {
    let n = results.len();
    let c = Counts::of(results);
    let mut latencies: Vec<f64> = results.iter().map(|r| r.latency_us).collect();
    latencies.sort_by(f64::total_cmp);
    let wrong = c.auto - c.right_auto;
    Metrics {
        messages: n,
        automation_rate: ratio(c.auto, n).unwrap_or(0.0),
        auto_precision: ratio(c.right_auto, c.auto),
        wrong_auto_per_1000: ratio(wrong * 1000, n).unwrap_or(0.0),
        wrong_auto_sends: wrong,
        oos_messages: c.oos,
        oos_auto_sends: c.oos_auto,
        oos_auto_send_rate: ratio(c.oos_auto, c.oos),
        suggestion_acceptance: ratio(c.approved, c.proposed),
        operator_workload: n - c.auto,
        tiers: c.tiers,
        p50_us: quantile(&latencies, 0.5),
        p99_us: quantile(&latencies, 0.99),
        elapsed_s: facts.elapsed_s,
        seed: facts.seed,
        warmup_messages: facts.warmup_messages,
        patterns: facts.patterns,
        unknown_intents: facts.unknown_intents,
    }
}

/// Summary statistics by intent are handy in notebooks; this groups results:
/// intent → (messages, automatic sends, wrong automatic sends).
pub fn by_intent(results: &[MessageResult]) -> BTreeMap<String, (usize, usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for r in results {
        let e = out.entry(r.intent.clone()).or_default();
        e.0 += 1;
        if r.action == "auto_execute" {
            e.1 += 1;
            e.2 += usize::from(r.right != Some(true));
        }
    }
    out
}
