//! Decision metrics: what the engine decided, how often, how well and how fast.
//!
//! The engine keeps lock-free counters ([`std::sync::atomic::AtomicU64`],
//! relaxed ordering) that every `process` and `feedback` call updates; only an
//! automatic send takes a short lock (the per-hour ring). [`crate::Engine::metrics`]
//! reads them into a [`MetricsSnapshot`], which serialises to JSON (the bindings'
//! objects and dicts) and renders as Prometheus text ([`MetricsSnapshot::to_prometheus`]).
//!
//! The counters are exact: in a snapshot taken while no call is running, the
//! decisions by action add up to the decisions made, and so do the decisions by
//! reason and the confidence histogram counts.
//!
//! # Example
//! ```
//! use pattern_learning::{Engine, MessageContext};
//! let engine = Engine::new();
//! engine.process("do you sell gift cards?", &MessageContext::new()).unwrap();
//! let m = engine.metrics();
//! assert_eq!(m.decisions, 1);
//! assert_eq!(m.decisions_by_action["escalate"], 1);
//! assert!(m.to_prometheus().contains("pattern_learning_decisions_total{action=\"escalate\",reason=\"no_matching_pattern\"} 1"));
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::decision::{Action, Reason};
use crate::feedback::FeedbackAction;

const HOUR_MS: i64 = 3_600_000;
/// Hours of automatic sends kept in the snapshot.
const HOURS_KEPT: usize = 24;

const ACTIONS: [Action; 5] = [
    Action::AutoExecute,
    Action::Suggest,
    Action::Queue,
    Action::Escalate,
    Action::Shadow,
];

/// Every reason (the index of each is given by `reason_index`).
const REASONS: [Reason; 25] = [
    Reason::ConfidentMatch,
    Reason::BelowAutoThreshold,
    Reason::LowConfidence,
    Reason::NoMatchingPattern,
    Reason::NotAutoExecutable,
    Reason::AmbiguousMatch,
    Reason::InsufficientSupport,
    Reason::TemplateIncomplete,
    Reason::PreviouslyRejected,
    Reason::EmptyMessage,
    Reason::MessageTooLong,
    Reason::SafetyBlacklist,
    Reason::SafetyEscalation,
    Reason::NegativeSentiment,
    Reason::OperatorActive,
    Reason::GlobalCooldown,
    Reason::AiReplyLimit,
    Reason::RapidMessages,
    Reason::RateLimited,
    Reason::PatternReuseLimit,
    Reason::ConversationLocked,
    Reason::DuplicateMessage,
    Reason::Disabled,
    Reason::DistantMatch,
    Reason::UnexplainedWords,
];

fn action_index(a: Action) -> usize {
    match a {
        Action::AutoExecute => 0,
        Action::Suggest => 1,
        Action::Queue => 2,
        Action::Escalate => 3,
        Action::Shadow => 4,
    }
}

fn reason_index(r: Reason) -> usize {
    // Exhaustive inside the crate: a new reason fails to compile here until it
    // is counted.
    match r {
        Reason::ConfidentMatch => 0,
        Reason::BelowAutoThreshold => 1,
        Reason::LowConfidence => 2,
        Reason::NoMatchingPattern => 3,
        Reason::NotAutoExecutable => 4,
        Reason::AmbiguousMatch => 5,
        Reason::InsufficientSupport => 6,
        Reason::TemplateIncomplete => 7,
        Reason::PreviouslyRejected => 8,
        Reason::EmptyMessage => 9,
        Reason::MessageTooLong => 10,
        Reason::SafetyBlacklist => 11,
        Reason::SafetyEscalation => 12,
        Reason::NegativeSentiment => 13,
        Reason::OperatorActive => 14,
        Reason::GlobalCooldown => 15,
        Reason::AiReplyLimit => 16,
        Reason::RapidMessages => 17,
        Reason::RateLimited => 18,
        Reason::PatternReuseLimit => 19,
        Reason::ConversationLocked => 20,
        Reason::DuplicateMessage => 21,
        Reason::Disabled => 22,
        Reason::DistantMatch => 23,
        Reason::UnexplainedWords => 24,
    }
}

/// Upper bounds of the confidence histogram buckets (the last one is `+Inf`).
pub const CONFIDENCE_BOUNDS: [f64; 10] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/// Upper bounds of the latency histogram buckets, in microseconds (then `+Inf`).
pub const LATENCY_BOUNDS_US: [f64; 14] = [
    10.0,
    25.0,
    50.0,
    100.0,
    250.0,
    500.0,
    1_000.0,
    2_500.0,
    5_000.0,
    10_000.0,
    25_000.0,
    100_000.0,
    1_000_000.0,
    10_000_000.0,
];

/// A fixed-bucket histogram of atomics.
#[derive(Debug)]
struct AtomicHistogram<const N: usize> {
    /// `N` bounded buckets plus one overflow bucket.
    buckets: [AtomicU64; N],
    overflow: AtomicU64,
    /// Sum of observations, in millionths of the unit.
    sum_micro: AtomicU64,
}

impl<const N: usize> Default for AtomicHistogram<N> {
    fn default() -> Self {
        AtomicHistogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            overflow: AtomicU64::new(0),
            sum_micro: AtomicU64::new(0),
        }
    }
}

impl<const N: usize> AtomicHistogram<N> {
    fn observe(&self, bounds: &[f64; N], value: f64) {
        let value = if value.is_finite() {
            value.max(0.0)
        } else {
            0.0
        };
        match bounds.iter().position(|b| value <= *b) {
            Some(i) => self.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => self.overflow.fetch_add(1, Ordering::Relaxed),
        };
        self.sum_micro
            .fetch_add((value * 1e6).round() as u64, Ordering::Relaxed);
    }

    fn snapshot(&self, bounds: &[f64; N]) -> Histogram {
        let mut counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        counts.push(self.overflow.load(Ordering::Relaxed));
        Histogram {
            bounds: bounds.to_vec(),
            count: counts.iter().sum(),
            counts,
            sum: self.sum_micro.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

/// A histogram in a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Upper bounds of the buckets; `counts` has one more entry (above the last bound).
    pub bounds: Vec<f64>,
    /// Observations per bucket (not cumulative).
    pub counts: Vec<u64>,
    /// Observations in all.
    pub count: u64,
    /// Sum of the observed values.
    pub sum: f64,
}

impl Histogram {
    /// The mean observation (`None` when empty).
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

/// Automatic sends in one clock hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourCount {
    /// Start of the hour (engine clock, ms since the epoch).
    pub hour_start: Timestamp,
    /// Automatic sends in that hour.
    pub auto_sends: u64,
}

/// Operator feedback counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackCounts {
    /// Suggestions sent as proposed.
    pub approved: u64,
    /// Suggestions sent with edits.
    pub modified: u64,
    /// Suggestions refused.
    pub rejected: u64,
    /// Messages answered by hand.
    pub answered: u64,
    /// Feedback ignored because its id was seen before.
    pub duplicate: u64,
}

/// Patterns by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternCounts {
    /// Every pattern, deleted ones included.
    pub total: u64,
    /// Active and approved for automatic sending.
    pub auto_executable: u64,
    /// Active, proposed to operators only.
    pub suggest_only: u64,
    /// Not active (never matched), not deleted.
    pub inactive: u64,
    /// Soft-deleted.
    pub deleted: u64,
}

/// Calls that returned an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounts {
    /// `process` calls that returned an error (nothing may be sent).
    pub process: u64,
    /// `feedback` calls that returned an error.
    pub feedback: u64,
    /// Of those, errors of the store (`STORE_ERROR`).
    pub store: u64,
}

/// Everything the engine counted, read at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsSnapshot {
    /// Decisions returned by `process` (duplicates included).
    pub decisions: u64,
    /// Decisions per action (`auto_execute`, `suggest`, …); every action is present.
    pub decisions_by_action: BTreeMap<String, u64>,
    /// Decisions per reason; only reasons that occurred.
    pub decisions_by_reason: BTreeMap<String, u64>,
    /// Decisions per action, then per reason; only pairs that occurred.
    pub decisions_by_action_reason: BTreeMap<String, BTreeMap<String, u64>>,
    /// Decision confidence per action (bounds [`CONFIDENCE_BOUNDS`]).
    pub confidence: BTreeMap<String, Histogram>,
    /// Automatic sends (decisions with an outbound reply) in all.
    pub auto_sends: u64,
    /// Automatic sends per clock hour, oldest first, the last 24 hours with sends.
    pub auto_sends_per_hour: Vec<HourCount>,
    /// Automatic sends in the current clock hour.
    pub auto_sends_this_hour: u64,
    /// Operator feedback.
    pub feedback: FeedbackCounts,
    /// Judged suggestions: approved + modified + rejected.
    pub judged_suggestions: u64,
    /// (approved + modified) / judged suggestions: the precision of the engine's
    /// proposals as operators judged them, the best live estimate of what
    /// auto-send precision would be. `None` before any judgement.
    pub suggestion_precision: Option<f64>,
    /// Guard triggers per guard (`operator_active`, `rate_limited`, …).
    pub guard_triggers: BTreeMap<String, u64>,
    /// `process` latency, µs (bounds [`LATENCY_BOUNDS_US`]).
    pub process_latency_us: Histogram,
    /// `feedback` latency, µs.
    pub feedback_latency_us: Histogram,
    /// Patterns by state.
    pub patterns: PatternCounts,
    /// Calls that failed.
    pub errors: ErrorCounts,
    /// Events not delivered because a subscriber's queue was full.
    pub events_dropped: u64,
    /// Alerts raised.
    pub alerts: u64,
}

/// The engine's live counters (public so that benchmarks can measure what one
/// recorded decision costs; an engine owns one and callers never need another).
#[derive(Debug)]
pub struct Recorder {
    decisions: [AtomicU64; ACTIONS.len() * REASONS.len()],
    confidence: [AtomicHistogram<10>; ACTIONS.len()],
    auto_sends: AtomicU64,
    hours: Mutex<VecDeque<HourCount>>,
    feedback: [AtomicU64; 4],
    duplicate_feedback: AtomicU64,
    guards: [AtomicU64; REASONS.len()],
    process_latency: AtomicHistogram<14>,
    feedback_latency: AtomicHistogram<14>,
    process_errors: AtomicU64,
    feedback_errors: AtomicU64,
    store_errors: AtomicU64,
    pub(crate) alerts: AtomicU64,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            decisions: std::array::from_fn(|_| AtomicU64::new(0)),
            confidence: std::array::from_fn(|_| AtomicHistogram::default()),
            auto_sends: AtomicU64::new(0),
            hours: Mutex::new(VecDeque::new()),
            feedback: std::array::from_fn(|_| AtomicU64::new(0)),
            duplicate_feedback: AtomicU64::new(0),
            guards: std::array::from_fn(|_| AtomicU64::new(0)),
            process_latency: AtomicHistogram::default(),
            feedback_latency: AtomicHistogram::default(),
            process_errors: AtomicU64::new(0),
            feedback_errors: AtomicU64::new(0),
            store_errors: AtomicU64::new(0),
            alerts: AtomicU64::new(0),
        }
    }
}

impl Recorder {
    /// Counts one decision. `sent`: an automatic reply went out.
    #[inline]
    pub fn decision(
        &self,
        action: Action,
        reason: Reason,
        confidence: f64,
        sent: bool,
        now: Timestamp,
        elapsed: Duration,
    ) {
        let a = action_index(action);
        self.decisions[a * REASONS.len() + reason_index(reason)].fetch_add(1, Ordering::Relaxed);
        self.confidence[a].observe(&CONFIDENCE_BOUNDS, confidence);
        self.process_latency
            .observe(&LATENCY_BOUNDS_US, elapsed.as_secs_f64() * 1e6);
        if sent {
            self.auto_sends.fetch_add(1, Ordering::Relaxed);
            let hour = Timestamp(now.0.div_euclid(HOUR_MS) * HOUR_MS);
            let mut hours = self.hours.lock();
            match hours.back_mut() {
                Some(h) if h.hour_start == hour => h.auto_sends += 1,
                // A clock that went back (tests) counts in the newest hour.
                Some(h) if h.hour_start > hour => h.auto_sends += 1,
                _ => {
                    hours.push_back(HourCount {
                        hour_start: hour,
                        auto_sends: 1,
                    });
                    while hours.len() > HOURS_KEPT {
                        hours.pop_front();
                    }
                }
            }
        }
    }

    /// Counts a `process` call that failed.
    pub(crate) fn process_error(&self, store: bool, elapsed: Duration) {
        self.process_errors.fetch_add(1, Ordering::Relaxed);
        if store {
            self.store_errors.fetch_add(1, Ordering::Relaxed);
        }
        self.process_latency
            .observe(&LATENCY_BOUNDS_US, elapsed.as_secs_f64() * 1e6);
    }

    /// Counts one applied feedback (or a duplicate, or an error).
    pub(crate) fn feedback(
        &self,
        action: Option<FeedbackAction>,
        duplicate: bool,
        error: Option<bool>,
        elapsed: Duration,
    ) {
        self.feedback_latency
            .observe(&LATENCY_BOUNDS_US, elapsed.as_secs_f64() * 1e6);
        if let Some(store) = error {
            self.feedback_errors.fetch_add(1, Ordering::Relaxed);
            if store {
                self.store_errors.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        if duplicate {
            self.duplicate_feedback.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let i = match action {
            Some(FeedbackAction::Approve) => 0,
            Some(FeedbackAction::Modify) => 1,
            Some(FeedbackAction::Reject) => 2,
            Some(FeedbackAction::Answer) => 3,
            None => return,
        };
        self.feedback[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a guard that stopped or changed a decision.
    pub(crate) fn guard(&self, reason: Reason) {
        self.guards[reason_index(reason)].fetch_add(1, Ordering::Relaxed);
    }

    /// (right, judged) of operator-judged suggestions.
    pub(crate) fn judged(&self) -> (u64, u64) {
        let [a, m, r, _] = self.feedback_counts();
        (a + m, a + m + r)
    }

    fn feedback_counts(&self) -> [u64; 4] {
        std::array::from_fn(|i| self.feedback[i].load(Ordering::Relaxed))
    }

    /// Reads every counter.
    pub fn snapshot(
        &self,
        now: Timestamp,
        patterns: PatternCounts,
        events_dropped: u64,
    ) -> MetricsSnapshot {
        let mut s = MetricsSnapshot {
            patterns,
            events_dropped,
            ..MetricsSnapshot::default()
        };
        for (a, action) in ACTIONS.iter().enumerate() {
            let mut by_action = 0;
            for (r, reason) in REASONS.iter().enumerate() {
                let n = self.decisions[a * REASONS.len() + r].load(Ordering::Relaxed);
                if n > 0 {
                    by_action += n;
                    *s.decisions_by_reason
                        .entry(reason.as_str().to_owned())
                        .or_default() += n;
                    s.decisions_by_action_reason
                        .entry(action.as_str().to_owned())
                        .or_default()
                        .insert(reason.as_str().to_owned(), n);
                }
            }
            s.decisions += by_action;
            s.decisions_by_action
                .insert(action.as_str().to_owned(), by_action);
            s.confidence.insert(
                action.as_str().to_owned(),
                self.confidence[a].snapshot(&CONFIDENCE_BOUNDS),
            );
        }
        s.auto_sends = self.auto_sends.load(Ordering::Relaxed);
        s.auto_sends_per_hour = self.hours.lock().iter().copied().collect();
        let this_hour = Timestamp(now.0.div_euclid(HOUR_MS) * HOUR_MS);
        s.auto_sends_this_hour = s
            .auto_sends_per_hour
            .iter()
            .filter(|h| h.hour_start == this_hour)
            .map(|h| h.auto_sends)
            .sum();
        let [approved, modified, rejected, answered] = self.feedback_counts();
        s.feedback = FeedbackCounts {
            approved,
            modified,
            rejected,
            answered,
            duplicate: self.duplicate_feedback.load(Ordering::Relaxed),
        };
        s.judged_suggestions = approved + modified + rejected;
        s.suggestion_precision = (s.judged_suggestions > 0)
            .then(|| (approved + modified) as f64 / s.judged_suggestions as f64);
        for (r, reason) in REASONS.iter().enumerate() {
            let n = self.guards[r].load(Ordering::Relaxed);
            if n > 0 {
                s.guard_triggers.insert(reason.as_str().to_owned(), n);
            }
        }
        s.process_latency_us = self.process_latency.snapshot(&LATENCY_BOUNDS_US);
        s.feedback_latency_us = self.feedback_latency.snapshot(&LATENCY_BOUNDS_US);
        s.errors = ErrorCounts {
            process: self.process_errors.load(Ordering::Relaxed),
            feedback: self.feedback_errors.load(Ordering::Relaxed),
            store: self.store_errors.load(Ordering::Relaxed),
        };
        s.alerts = self.alerts.load(Ordering::Relaxed);
        s
    }
}

impl MetricsSnapshot {
    /// The snapshot in the Prometheus text exposition format (version 0.0.4).
    ///
    /// Names follow Prometheus' conventions: the prefix `pattern_learning_`, base units
    /// (seconds; a 0–1 fraction is a `_ratio`), `_total` on counters, and labels whose
    /// values add up (the sum over a label is a meaningful total). The families:
    ///
    /// | name | type | labels |
    /// |---|---|---|
    /// | `decisions_total` | counter | `action`, `reason` |
    /// | `decision_confidence` | histogram (0–1, `le` 0.1 … 1.0) | `action` |
    /// | `auto_sends_total` | counter | |
    /// | `auto_sends_this_hour` | gauge | |
    /// | `feedback_total` | counter | `action` (`approve`, `modify`, `reject`, `answer`, `duplicate`) |
    /// | `suggestion_precision_ratio` | gauge (only once a suggestion was judged) | |
    /// | `guard_triggers_total` | counter | `guard` |
    /// | `process_duration_seconds`, `feedback_duration_seconds` | histogram | |
    /// | `patterns` | gauge | `state` (`auto_executable`, `suggest_only`, `inactive`, `deleted`) |
    /// | `errors_total` | counter | `kind` (`process`, `feedback`) |
    /// | `store_errors_total` | counter (of those errors, the store's) | |
    /// | `events_dropped_total`, `alerts_total` | counter | |
    pub fn to_prometheus(&self) -> String {
        let mut out = Exposition::default();
        self.write_decisions(&mut out);
        self.write_sends(&mut out);
        self.write_feedback(&mut out);
        self.write_guards(&mut out);
        self.write_latencies(&mut out);
        self.write_patterns_and_errors(&mut out);
        out.text
    }

    fn write_decisions(&self, out: &mut Exposition) {
        out.family(
            "decisions_total",
            "counter",
            "Decisions returned by process, by action and reason.",
        );
        for (action, reasons) in &self.decisions_by_action_reason {
            for (reason, n) in reasons {
                let labels = format!("action=\"{action}\",reason=\"{reason}\"");
                out.sample("decisions_total", &labels, n);
            }
        }
        out.family(
            "decision_confidence",
            "histogram",
            "Decision confidence by action.",
        );
        for (action, h) in &self.confidence {
            let labels = format!("action=\"{action}\",");
            histogram(&mut out.text, "decision_confidence", &labels, h, 1.0);
        }
    }

    fn write_sends(&self, out: &mut Exposition) {
        out.family("auto_sends_total", "counter", "Automatic replies sent.");
        out.sample("auto_sends_total", "", self.auto_sends);
        out.family(
            "auto_sends_this_hour",
            "gauge",
            "Automatic replies sent in the current clock hour.",
        );
        out.sample("auto_sends_this_hour", "", self.auto_sends_this_hour);
    }

    fn write_guards(&self, out: &mut Exposition) {
        out.family(
            "guard_triggers_total",
            "counter",
            "Guards that stopped or changed a decision, by guard.",
        );
        for (guard, n) in &self.guard_triggers {
            out.sample("guard_triggers_total", &format!("guard=\"{guard}\""), n);
        }
    }

    fn write_feedback(&self, out: &mut Exposition) {
        out.family("feedback_total", "counter", "Operator feedback by action.");
        let f = &self.feedback;
        for (name, n) in [
            ("approve", f.approved),
            ("modify", f.modified),
            ("reject", f.rejected),
            ("answer", f.answered),
            ("duplicate", f.duplicate),
        ] {
            out.sample("feedback_total", &format!("action=\"{name}\""), n);
        }
        if let Some(p) = self.suggestion_precision {
            out.family(
                "suggestion_precision_ratio",
                "gauge",
                "Share of judged suggestions that operators approved (with or without edits).",
            );
            out.sample("suggestion_precision_ratio", "", p);
        }
    }

    fn write_latencies(&self, out: &mut Exposition) {
        for (name, help, h) in [
            (
                "process_duration_seconds",
                "Time spent in process.",
                &self.process_latency_us,
            ),
            (
                "feedback_duration_seconds",
                "Time spent in feedback.",
                &self.feedback_latency_us,
            ),
        ] {
            out.family(name, "histogram", help);
            histogram(&mut out.text, name, "", h, 1e6);
        }
    }

    fn write_patterns_and_errors(&self, out: &mut Exposition) {
        out.family("patterns", "gauge", "Patterns by state.");
        let p = &self.patterns;
        for (state, n) in [
            ("auto_executable", p.auto_executable),
            ("suggest_only", p.suggest_only),
            ("inactive", p.inactive),
            ("deleted", p.deleted),
        ] {
            out.sample("patterns", &format!("state=\"{state}\""), n);
        }
        out.family("errors_total", "counter", "Calls that returned an error.");
        for (kind, n) in [
            ("process", self.errors.process),
            ("feedback", self.errors.feedback),
        ] {
            out.sample("errors_total", &format!("kind=\"{kind}\""), n);
        }
        // Not a third `kind`: store errors are some of the calls above, and the sum
        // over a label must not count a call twice.
        out.family(
            "store_errors_total",
            "counter",
            "Calls that returned an error of the store (STORE_ERROR).",
        );
        out.sample("store_errors_total", "", self.errors.store);
        out.family(
            "events_dropped_total",
            "counter",
            "Events not delivered because a subscriber's queue was full.",
        );
        out.sample("events_dropped_total", "", self.events_dropped);
        out.family("alerts_total", "counter", "Alerts raised.");
        out.sample("alerts_total", "", self.alerts);
    }
}

/// Prometheus text being written: metric families and their samples, every name
/// prefixed with `pattern_learning_`.
#[derive(Default)]
struct Exposition {
    text: String,
}

impl Exposition {
    /// The `# HELP` and `# TYPE` lines of a metric family.
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP pattern_learning_{name} {help}");
        let _ = writeln!(self.text, "# TYPE pattern_learning_{name} {kind}");
    }

    /// One sample; `labels` without braces, empty for none.
    fn sample(&mut self, name: &str, labels: &str, value: impl std::fmt::Display) {
        let _ = if labels.is_empty() {
            writeln!(self.text, "pattern_learning_{name} {value}")
        } else {
            writeln!(self.text, "pattern_learning_{name}{{{labels}}} {value}")
        };
    }
}

/// Writes one Prometheus histogram (cumulative buckets, `_sum`, `_count`),
/// dividing bounds and sum by `divisor` (µs → s: 1e6).
fn histogram(out: &mut String, name: &str, labels: &str, h: &Histogram, divisor: f64) {
    let mut cumulative = 0;
    for (i, n) in h.counts.iter().enumerate() {
        cumulative += n;
        let le = h
            .bounds
            .get(i)
            .map_or_else(|| "+Inf".to_owned(), |b| format!("{}", b / divisor));
        let _ = writeln!(
            out,
            "pattern_learning_{name}_bucket{{{labels}le=\"{le}\"}} {cumulative}"
        );
    }
    let plain = labels.trim_end_matches(',');
    let braces = if plain.is_empty() {
        String::new()
    } else {
        format!("{{{plain}}}")
    };
    let _ = writeln!(
        out,
        "pattern_learning_{name}_sum{braces} {}",
        h.sum / divisor
    );
    let _ = writeln!(out, "pattern_learning_{name}_count{braces} {}", h.count);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_slot() {
        let mut seen = std::collections::HashSet::new();
        for r in REASONS {
            assert!(seen.insert(reason_index(r)), "{r:?}");
            assert!(reason_index(r) < REASONS.len());
        }
    }

    #[test]
    fn histogram_buckets_and_sum() {
        let h = AtomicHistogram::<10>::default();
        for v in [0.05, 0.1, 0.95, 1.0, f64::NAN] {
            h.observe(&CONFIDENCE_BOUNDS, v);
        }
        let s = h.snapshot(&CONFIDENCE_BOUNDS);
        assert_eq!(s.count, 5);
        assert_eq!(
            s.counts[0], 3,
            "0.05, 0.1 and NaN (as 0) in the first bucket"
        );
        assert_eq!(s.counts[9], 2);
        assert!((s.sum - 2.1).abs() < 1e-9);
    }

    #[test]
    fn auto_sends_are_counted_per_clock_hour() {
        let r = Recorder::default();
        let d = Duration::from_micros(5);
        for t in [0, 1_000, HOUR_MS + 5, HOUR_MS * 30] {
            r.decision(
                Action::AutoExecute,
                Reason::ConfidentMatch,
                0.9,
                true,
                Timestamp(t),
                d,
            );
        }
        let s = r.snapshot(Timestamp(HOUR_MS * 30 + 1), PatternCounts::default(), 0);
        let hours: Vec<u64> = s.auto_sends_per_hour.iter().map(|h| h.auto_sends).collect();
        assert_eq!(hours, [2, 1, 1]);
        assert_eq!(s.auto_sends_this_hour, 1);
        assert_eq!(s.auto_sends, 4);
    }

    /// A snapshot in which every metric family has samples.
    fn busy_snapshot() -> MetricsSnapshot {
        let r = Recorder::default();
        let d = Duration::from_micros(40);
        let t = Timestamp(0);
        r.decision(
            Action::AutoExecute,
            Reason::ConfidentMatch,
            0.95,
            true,
            t,
            d,
        );
        r.decision(
            Action::Suggest,
            Reason::BelowAutoThreshold,
            0.7,
            false,
            t,
            d,
        );
        r.feedback(Some(FeedbackAction::Approve), false, None, d);
        r.feedback(Some(FeedbackAction::Reject), false, None, d);
        r.feedback(None, false, Some(true), d);
        r.process_error(false, d);
        r.guard(Reason::RateLimited);
        let patterns = PatternCounts {
            total: 2,
            auto_executable: 1,
            suggest_only: 1,
            ..PatternCounts::default()
        };
        r.snapshot(t, patterns, 0)
    }

    /// `name{labels} value` → (name, labels without braces, value).
    fn sample(line: &str) -> (&str, &str, f64) {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        (name, labels, value.parse().unwrap())
    }

    /// The family a sample belongs to (histograms add `_bucket`, `_sum`, `_count`).
    fn family_of<'a>(name: &str, kinds: &BTreeMap<&'a str, &'a str>) -> Option<&'a str> {
        kinds.iter().find_map(|(family, kind)| {
            let histogram_part = ["_bucket", "_sum", "_count"]
                .iter()
                .any(|suffix| name.strip_suffix(suffix) == Some(*family));
            (name == *family || (*kind == "histogram" && histogram_part)).then_some(*family)
        })
    }

    #[test]
    fn prometheus_names_follow_the_conventions() {
        let text = busy_snapshot().to_prometheus();
        let mut kinds = BTreeMap::new();
        let mut helps = std::collections::HashSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(kinds.insert(name, kind).is_none(), "{name} declared twice");
            } else if let Some(rest) = line.strip_prefix("# HELP ") {
                helps.insert(rest.split_once(' ').unwrap().0);
            }
        }
        assert_eq!(kinds.len(), 14, "every family is declared in this snapshot");
        for (name, kind) in &kinds {
            assert!(helps.contains(name), "{name} has no HELP");
            let snake = name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            assert!(name.starts_with("pattern_learning_") && snake, "{name}");
            assert_eq!(
                name.ends_with("_total"),
                *kind == "counter",
                "{name}: {kind}"
            );
            for not_base in [
                "_us", "_ms", "micro", "milli", "percent", "hours", "minutes",
            ] {
                assert!(!name.contains(not_base), "{name}: base units only");
            }
        }
        for name in ["process_duration_seconds", "feedback_duration_seconds"] {
            let name = format!("pattern_learning_{name}");
            assert_eq!(kinds.get(name.as_str()), Some(&"histogram"), "{name}");
        }
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, _, _) = sample(line);
            assert!(
                family_of(name, &kinds).is_some(),
                "undeclared sample: {line}"
            );
        }
        let errors: f64 = text
            .lines()
            .filter(|l| l.starts_with("pattern_learning_errors_total{"))
            .map(|l| sample(l).2)
            .sum();
        assert_eq!(
            errors, 2.0,
            "errors over all kinds: one process, one feedback call"
        );
        assert!(text.contains("pattern_learning_store_errors_total 1\n"));
        assert!(text.contains("pattern_learning_suggestion_precision_ratio 0.5\n"));
    }

    #[test]
    fn prometheus_histograms_have_cumulative_buckets_sum_and_count() {
        let text = busy_snapshot().to_prometheus();
        // (family, labels without `le`) → bucket counts in order, last `le`, sum, count.
        type Series = (Vec<f64>, String, Option<f64>, Option<f64>);
        let mut series: BTreeMap<(String, String), Series> = BTreeMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, labels, value) = sample(line);
            let (family, part) = match name.rsplit_once('_') {
                Some((family, part @ ("bucket" | "sum" | "count"))) => (family, part),
                _ => continue,
            };
            if !text.contains(&format!("# TYPE {family} histogram")) {
                continue;
            }
            let (rest, le) = match labels.rsplit_once("le=") {
                Some((rest, le)) => (rest.trim_end_matches(','), le.trim_matches('"')),
                None => (labels, ""),
            };
            let entry = series
                .entry((family.to_owned(), rest.to_owned()))
                .or_default();
            match part {
                "bucket" => {
                    entry.0.push(value);
                    entry.1 = le.to_owned();
                }
                "sum" => entry.2 = Some(value),
                _ => entry.3 = Some(value),
            }
        }
        assert_eq!(
            series.len(),
            ACTIONS.len() + 2,
            "confidence per action, two latencies"
        );
        for ((family, labels), (buckets, last_le, sum, count)) in &series {
            let at = format!("{family}{{{labels}}}");
            assert!(
                buckets.windows(2).all(|w| w[0] <= w[1]),
                "{at}: not cumulative"
            );
            assert_eq!(last_le, "+Inf", "{at}");
            assert_eq!(
                buckets.last().copied(),
                *count,
                "{at}: +Inf bucket = _count"
            );
            assert!(sum.is_some_and(|s| s >= 0.0), "{at}: no _sum");
        }
    }

    #[test]
    fn prometheus_histograms_are_cumulative() {
        let r = Recorder::default();
        r.decision(
            Action::Suggest,
            Reason::BelowAutoThreshold,
            0.65,
            false,
            Timestamp(0),
            Duration::from_micros(30),
        );
        let text = r
            .snapshot(Timestamp(0), PatternCounts::default(), 0)
            .to_prometheus();
        assert!(text.contains(
            "pattern_learning_decision_confidence_bucket{action=\"suggest\",le=\"0.7\"} 1"
        ));
        assert!(text.contains(
            "pattern_learning_decision_confidence_bucket{action=\"suggest\",le=\"+Inf\"} 1"
        ));
        assert!(text.contains("pattern_learning_process_duration_seconds_count 1"));
        assert!(text.contains("pattern_learning_process_duration_seconds_bucket{le=\"0.00005\"} 1"));
    }
}
