//! The replay protocol: measure learning quality on labelled messages.
//!
//! Implements the replay protocol (`docs/replay-protocol.md`): messages are replayed one by one in a seeded
//! order (ascending hex `sha256("<seed>:<id>")`), first the warm-up splits, then
//! the evaluation split; a simulated, perfect operator approves right proposals,
//! rejects wrong ones (sending the right reply), and answers everything else.
//! Only the evaluation phase is scored. The engine sees only the text.
//!
//! # Example
//! ```
//! use pattern_learning::replay::{Record, ReplayOptions, run};
//! let mut records = Vec::new();
//! for i in 0..40 {
//!     let split = if i < 30 { "train" } else { "val" };
//!     records.push(Record::new(format!("g{i}"), format!("do you sell gift cards {}", i % 3), "gift_cards", split));
//!     records.push(Record::new(format!("h{i}"), format!("what are your hours {}", i % 3), "hours", split));
//! }
//! let report = run(&records, &ReplayOptions::default(), |_, _| {}).unwrap();
//! assert_eq!(report.metrics.messages, 20);
//! assert!(report.metrics.auto_precision.unwrap_or(1.0) > 0.99);
//! ```

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::{ManualClock, Timestamp};
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::Action;
use crate::embed::Embedder;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::feedback::Feedback;
use crate::store::{MemoryStore, Store};

/// The intent label of out-of-scope messages.
pub const OOS: &str = "oos";

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Stable id (the line number when the file has none).
    pub id: String,
    /// Message text.
    pub text: String,
    /// Intent label; `oos` for out-of-scope.
    pub intent: String,
    /// Split name (`train`, `val`, …).
    pub split: String,
}

impl Record {
    /// A record from its parts.
    pub fn new(
        id: impl Into<String>,
        text: impl Into<String>,
        intent: impl Into<String>,
        split: impl Into<String>,
    ) -> Self {
        Record {
            id: id.into(),
            text: text.into(),
            intent: intent.into(),
            split: split.into(),
        }
    }

    /// The reply a perfect operator sends: `RESPONSE:<intent>`, or a one-off
    /// `CUSTOM:<id>` for out-of-scope messages.
    pub fn right_reply(&self) -> String {
        if self.intent == OOS {
            format!("CUSTOM:{}", self.id)
        } else {
            format!("RESPONSE:{}", self.intent)
        }
    }
}

/// Reads JSON Lines with `text`, `intent`, `split` and an optional `id`.
pub fn load_jsonl(reader: impl BufRead) -> Result<Vec<Record>> {
    #[derive(Deserialize)]
    struct Line {
        id: Option<serde_json::Value>,
        text: String,
        intent: String,
        split: String,
    }
    let mut out = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| Error::Parse {
            what: format!("line {}", n + 1),
            reason: e.to_string(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line).map_err(|e| Error::Parse {
            what: format!("line {}", n + 1),
            reason: e.to_string(),
        })?;
        let id = match parsed.id {
            Some(serde_json::Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => (n + 1).to_string(),
        };
        out.push(Record::new(id, parsed.text, parsed.intent, parsed.split));
    }
    Ok(out)
}

/// Replay settings.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Warm-up splits, replayed first (default `["train"]`).
    pub warmup: Vec<String>,
    /// The scored split (default `val`).
    pub eval: String,
    /// Order seed (default 1).
    pub seed: u64,
    /// Engine configuration (default: the library defaults).
    pub config: Config,
    /// Simulated seconds between two messages (drives time-based guards).
    pub seconds_per_message: i64,
    /// Messages per window of the learning curve.
    pub window: usize,
    /// The embedder the engine uses (default `None`: the built-in one), e.g. MiniLM.
    pub embedder: Option<Arc<dyn Embedder>>,
    /// Restart the engine between warm-up and evaluation (default `false`): the
    /// warm-up engine keeps everything in a [`MemoryStore`], and a new engine opened
    /// on that store answers the scored messages, as after a deploy.
    pub restart_after_warmup: bool,
}

impl ReplayOptions {
    /// Checks the options that are not the engine's configuration; the first
    /// problem is an [`Error::InvalidConfig`] naming the option. [`run`] checks
    /// them before replaying anything.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::replay::ReplayOptions;
    /// assert!(ReplayOptions::default().validate().is_ok());
    /// let zero = ReplayOptions { window: 0, ..ReplayOptions::default() };
    /// assert_eq!(zero.validate().unwrap_err().code(), "INVALID_CONFIG");
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.window == 0 {
            return Err(invalid_option("window", 0, "must be at least 1"));
        }
        if self.eval.trim().is_empty() {
            return Err(invalid_option("eval", "\"\"", "must name a split"));
        }
        if let Some(empty) = self.warmup.iter().find(|s| s.trim().is_empty()) {
            return Err(invalid_option(
                "warmup",
                format!("{empty:?}"),
                "split names must not be empty",
            ));
        }
        Ok(())
    }
}

/// The split names of a comma-separated list, as the command line and the Python
/// package take warm-up splits: `"train,val"` → `["train", "val"]`; blanks around
/// names and empty entries are dropped.
///
/// # Example
/// ```
/// use pattern_learning::replay::split_list;
/// assert_eq!(split_list(" train, val,,"), ["train", "val"]);
/// assert!(split_list("").is_empty());
/// ```
pub fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The error for a replay or sweep option out of its range.
pub(crate) fn invalid_option(key: &str, value: impl std::fmt::Display, reason: &str) -> Error {
    Error::InvalidConfig {
        key: key.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            warmup: vec!["train".into()],
            eval: "val".into(),
            seed: 1,
            config: Config::default(),
            seconds_per_message: 60,
            window: 250,
            embedder: None,
            restart_after_warmup: false,
        }
    }
}

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
    /// Out-of-scope messages in the evaluation split.
    pub oos_messages: usize,
    /// Automatic sends to out-of-scope messages.
    pub oos_auto_sends: usize,
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

/// Everything a replay produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    /// The protocol metrics.
    pub metrics: Metrics,
    /// Per evaluated message.
    pub messages: Vec<MessageResult>,
    /// The learning curve over the whole stream.
    pub curve: Vec<CurvePoint>,
}

/// The seeded order key of a record id.
pub fn order_key(seed: u64, id: &str) -> String {
    let digest = Sha256::digest(format!("{seed}:{id}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs the protocol. `progress(done, total)` is called after every message.
/// Options are checked first ([`ReplayOptions::validate`]).
pub fn run(
    records: &[Record],
    options: &ReplayOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<ReplayReport> {
    options.validate()?;
    let phase = |splits: &[String]| -> Vec<&Record> {
        let mut rs: Vec<(String, &Record)> = records
            .iter()
            .filter(|r| splits.contains(&r.split))
            .map(|r| (order_key(options.seed, &r.id), r))
            .collect();
        rs.sort_by(|a, b| a.0.cmp(&b.0));
        rs.into_iter().map(|(_, r)| r).collect()
    };
    let warmup = phase(&options.warmup);
    let eval = phase(std::slice::from_ref(&options.eval));
    for split in options.warmup.iter().chain(std::iter::once(&options.eval)) {
        if !records.iter().any(|r| &r.split == split) {
            let known: std::collections::BTreeSet<&str> =
                records.iter().map(|r| r.split.as_str()).collect();
            return Err(Error::Parse {
                what: "replay data".into(),
                reason: format!(
                    "no message has split `{split}`; splits present: {}",
                    known.into_iter().collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    let clock = ManualClock::new(Timestamp(1_767_225_600_000));
    let store = options
        .restart_after_warmup
        .then(|| Arc::new(MemoryStore::new()) as Arc<dyn Store>);
    let open = || {
        let mut builder = Engine::builder().clock(Arc::new(clock.clone()));
        if let Some(store) = &store {
            builder = builder.store(Arc::clone(store));
        }
        if let Some(embedder) = &options.embedder {
            builder = builder.embedder(Arc::clone(embedder));
        }
        builder.config(options.config.clone()).build()
    };
    let mut engine = open()?;
    let started = Instant::now();
    let total = warmup.len() + eval.len();
    let ctx = MessageContext::new();
    let mut results = Vec::with_capacity(eval.len());
    let mut curve = Vec::new();
    let mut window = Window::default();
    let window_size = options.window;
    for (i, (record, scored)) in warmup
        .iter()
        .map(|r| (*r, false))
        .chain(eval.iter().map(|r| (*r, true)))
        .enumerate()
    {
        if store.is_some() && i == warmup.len() {
            // A restart: the warm-up engine goes, a new one opens its store.
            drop(engine);
            engine = open()?;
        }
        clock.advance_secs(options.seconds_per_message);
        let t0 = Instant::now();
        let decision = engine.process(&record.text, &ctx)?;
        let latency_us = t0.elapsed().as_secs_f64() * 1e6;
        let right_reply = record.right_reply();
        let right = decision.response.as_ref().map(|r| *r == right_reply);
        let auto_sent = decision.action == Action::AutoExecute && decision.outbound.is_some();
        if !auto_sent {
            let feedback = match (decision.action, &decision.response, decision.pattern_id) {
                (Action::Suggest | Action::Queue, Some(_), Some(pid)) => {
                    if right == Some(true) {
                        Feedback::approve(&record.text, pid)
                    } else {
                        Feedback::reject(&record.text, pid, Some(right_reply.clone()))
                    }
                }
                _ => Feedback::answer(&record.text, right_reply.clone()),
            };
            let mut feedback = feedback;
            feedback.decision_id = Some(decision.id);
            match engine.feedback(&feedback) {
                Ok(_) | Err(Error::InvalidFeedback(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let wrong_auto = auto_sent && right != Some(true);
        window.add(auto_sent, wrong_auto);
        if window.messages == window_size || i + 1 == warmup.len() || i + 1 == total {
            curve.push(window.point(if scored { "eval" } else { "warmup" }, i + 1));
            window = Window::default();
        }
        if scored {
            results.push(MessageResult {
                id: record.id.clone(),
                text: record.text.clone(),
                intent: record.intent.clone(),
                action: decision.action.as_str().into(),
                reason: decision.reason.as_str().into(),
                confidence: decision.confidence,
                response: decision.response.clone(),
                right,
                similarity: decision.evidence.similarity,
                margin: decision.evidence.margin,
                agreeing_neighbours: decision.evidence.agreeing_neighbours,
                support: decision.evidence.support,
                nearest_example: decision.evidence.nearest_example.clone(),
                latency_us,
            });
        }
        progress(i + 1, total);
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    let metrics = metrics(
        &results,
        options.seed,
        elapsed_s,
        warmup.len(),
        engine.pattern_count(),
    );
    Ok(ReplayReport {
        metrics,
        messages: results,
        curve,
    })
}

#[derive(Default)]
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

fn metrics(
    results: &[MessageResult],
    seed: u64,
    elapsed_s: f64,
    warmup_messages: usize,
    patterns: usize,
) -> Metrics {
    let n = results.len();
    let mut tiers = Tiers::default();
    let (mut auto, mut right_auto, mut oos, mut oos_auto, mut proposed, mut approved) =
        (0, 0, 0, 0, 0, 0);
    for r in results {
        let is_auto = r.action == "auto_execute";
        match r.action.as_str() {
            "auto_execute" => tiers.auto_execute += 1,
            "suggest" => tiers.suggest += 1,
            "queue" => tiers.queue += 1,
            _ => tiers.escalate += 1,
        }
        if r.intent == OOS {
            oos += 1;
            oos_auto += usize::from(is_auto);
        }
        if is_auto {
            auto += 1;
            right_auto += usize::from(r.right == Some(true));
        } else if (r.action == "suggest" || r.action == "queue") && r.response.is_some() {
            proposed += 1;
            approved += usize::from(r.right == Some(true));
        }
    }
    let mut latencies: Vec<f64> = results.iter().map(|r| r.latency_us).collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let idx = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[idx.min(latencies.len() - 1)]
    };
    let wrong = auto - right_auto;
    Metrics {
        messages: n,
        automation_rate: ratio(auto, n).unwrap_or(0.0),
        auto_precision: ratio(right_auto, auto),
        wrong_auto_per_1000: ratio(wrong * 1000, n).unwrap_or(0.0),
        wrong_auto_sends: wrong,
        oos_messages: oos,
        oos_auto_sends: oos_auto,
        suggestion_acceptance: ratio(approved, proposed),
        operator_workload: n - auto,
        tiers,
        p50_us: pct(0.5),
        p99_us: pct(0.99),
        elapsed_s,
        seed,
        warmup_messages,
        patterns,
    }
}

/// Summary statistics by intent are handy in notebooks; this groups results.
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

/// The engine clock type used by replays, re-exported for callers that drive
/// their own loop.
pub type ReplayClock = ManualClock;

impl ReplayReport {
    /// The metrics as one JSON object (the `--json` line of `examples/replay`).
    pub fn metrics_json(&self) -> String {
        serde_json::to_string(&self.metrics).unwrap_or_else(|_| "{}".into())
    }
}

/// Labelled messages for tests: four intents, each asked two ways with a few tails
/// (45 train and 15 val messages each), and out-of-scope questions.
#[cfg(test)]
pub(crate) fn test_records() -> Vec<Record> {
    let topics = [
        ("gift", ["do you sell gift cards", "can i buy a gift card"]),
        ("hours", ["what are your opening hours", "when do you open"]),
        ("parking", ["where can i park my car", "is there parking"]),
        (
            "wifi",
            ["what is the wifi password", "how do i get on the wifi"],
        ),
    ];
    let mut out = Vec::new();
    for i in 0..60 {
        let split = if i < 45 { "train" } else { "val" };
        for (intent, texts) in topics {
            let tail = ["", "please", "thanks", "today", "now"][i % 5];
            out.push(Record::new(
                format!("{intent}{i}"),
                format!("{} {tail}", texts[i % 2]),
                intent,
                split,
            ));
        }
        out.push(Record::new(
            format!("oos{i}"),
            format!("random question number {i} about llamas"),
            "oos",
            split,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options out of range are typed errors before anything runs; `window` was
    /// silently raised to 1 before.
    #[test]
    fn bad_options_are_refused_naming_the_option() {
        let records = test_records();
        for (options, key) in [
            (
                ReplayOptions {
                    window: 0,
                    ..ReplayOptions::default()
                },
                "window",
            ),
            (
                ReplayOptions {
                    eval: " ".into(),
                    ..ReplayOptions::default()
                },
                "eval",
            ),
            (
                ReplayOptions {
                    warmup: vec!["train".into(), String::new()],
                    ..ReplayOptions::default()
                },
                "warmup",
            ),
        ] {
            let mut calls = 0;
            let err = run(&records, &options, |_, _| calls += 1).err();
            assert!(
                matches!(&err, Some(Error::InvalidConfig { key: k, .. }) if k == key),
                "{key}: {err:?}"
            );
            assert_eq!(calls, 0, "{key}: nothing was replayed");
        }
    }

    #[test]
    fn split_lists_are_comma_separated_names() {
        assert_eq!(split_list("train,val"), ["train", "val"]);
        assert_eq!(split_list(" train , ,val "), ["train", "val"]);
        assert!(split_list(" , ").is_empty());
        let options = ReplayOptions {
            warmup: split_list("train,val"),
            ..ReplayOptions::default()
        };
        let report = run(&test_records(), &options, |_, _| {});
        assert!(report.is_ok_and(|r| r.metrics.warmup_messages == test_records().len()));
    }

    /// A restart between warm-up and evaluation keeps what the warm-up learned: the
    /// new engine opened on the store has every pattern and automates the scored
    /// messages about as much (an engine that lost its learning automates none).
    #[test]
    fn a_restart_keeps_what_the_warm_up_learned() {
        let records = test_records();
        let live = run(&records, &ReplayOptions::default(), |_, _| {}).unwrap();
        let restarted = run(
            &records,
            &ReplayOptions {
                restart_after_warmup: true,
                ..ReplayOptions::default()
            },
            |_, _| {},
        )
        .unwrap();
        assert!(live.metrics.patterns >= 4, "{:?}", live.metrics);
        assert!(live.metrics.automation_rate > 0.3, "{:?}", live.metrics);
        assert_eq!(restarted.metrics.messages, live.metrics.messages);
        assert_eq!(restarted.metrics.patterns, live.metrics.patterns);
        assert!(
            restarted.metrics.automation_rate >= 0.9 * live.metrics.automation_rate,
            "live {:?}, restarted {:?}",
            live.metrics,
            restarted.metrics
        );
    }
}
