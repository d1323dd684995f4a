//! The replay protocol: measure learning quality on labelled messages.
//!
//! Implements the replay protocol (`docs/replay-protocol.md`): messages are
//! replayed one by one in a seeded order (ascending hex `sha256("<seed>:<id>")`),
//! first the warm-up splits, then the evaluation splits; a simulated, perfect
//! operator approves right proposals, rejects wrong ones (sending the right reply),
//! and answers everything else. Only the evaluation phase is scored. The engine sees
//! only the text.
//!
//! The parts: [`Record`]s and reading them ([`JsonlReader`]), the
//! [`ReplayOptions`] (with the open-intent setting, [`UnknownIntents`]), [`run`]
//! (the stream, the engine under replay and the operator), and what is measured
//! ([`Metrics`], [`MessageResult`], [`CurvePoint`]).
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

mod data;
mod metrics;
mod options;
mod scope;

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::{ManualClock, Timestamp};
use crate::context::MessageContext;
use crate::decision::{Action, Decision};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::feedback::Feedback;
use crate::store::{MemoryStore, Store};

pub use data::{load_jsonl, JsonlReader, Record, OOS};
pub use metrics::{by_intent, CurvePoint, MessageResult, Metrics, Tiers};
pub use options::{split_list, ReplayOptions, UnknownIntents};

pub(crate) use options::invalid_option;

use metrics::{Curve, RunFacts};
use scope::Scope;

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

impl ReplayReport {
    /// The metrics as one JSON object (the `--json` line of `examples/replay`).
    pub fn metrics_json(&self) -> String {
        serde_json::to_string(&self.metrics).unwrap_or_else(|_| "{}".into())
    }
}

/// The engine clock type used by replays, re-exported for callers that drive
/// their own loop.
pub type ReplayClock = ManualClock;

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
    let stream = Stream::new(records, options)?;
    let scope = Scope::new(records, options.unknown_intents.as_ref());
    let mut session = Session::open(options)?;
    let mut recorder = Recorder::new(&stream, options.window);
    let started = Instant::now();
    for (i, (record, scored)) in stream.messages().enumerate() {
        if i == stream.warmup.len() {
            session = session.restart_if_asked()?;
        }
        let out_of_scope = scope.is_out_of_scope(record);
        let step = session.step(record, out_of_scope)?;
        recorder.add(i, record, scored, out_of_scope, step);
        progress(i + 1, stream.len());
    }
    let facts = RunFacts {
        seed: options.seed,
        elapsed_s: started.elapsed().as_secs_f64(),
        warmup_messages: stream.warmup.len(),
        patterns: session.engine.pattern_count(),
        unknown_intents: scope.unknown_intents(),
    };
    Ok(recorder.finish(facts))
}

/// The two phases of the stream, each in the seeded order.
struct Stream<'a> {
    warmup: Vec<&'a Record>,
    eval: Vec<&'a Record>,
}

impl<'a> Stream<'a> {
    /// The warm-up and evaluation messages; a split named in the options that no
    /// record has is an [`Error::Parse`] listing the splits present.
    fn new(records: &'a [Record], options: &ReplayOptions) -> Result<Self> {
        for split in options.warmup.iter().chain(&options.eval) {
            if !records.iter().any(|r| &r.split == split) {
                return Err(missing_split(records, split));
            }
        }
        Ok(Stream {
            warmup: phase(records, &options.warmup, options.seed),
            eval: phase(records, &options.eval, options.seed),
        })
    }

    fn len(&self) -> usize {
        self.warmup.len() + self.eval.len()
    }

    /// Every message in stream order, with whether it is scored.
    fn messages(&self) -> impl Iterator<Item = (&'a Record, bool)> + '_ {
        let warmup = self.warmup.iter().map(|r| (*r, false));
        warmup.chain(self.eval.iter().map(|r| (*r, true)))
    }
}

/// The records of `splits`, in the seeded order.
fn phase<'a>(records: &'a [Record], splits: &[String], seed: u64) -> Vec<&'a Record> {
    let mut keyed: Vec<(String, &Record)> = records
        .iter()
        .filter(|r| splits.contains(&r.split))
        .map(|r| (order_key(seed, &r.id), r))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, r)| r).collect()
}

fn missing_split(records: &[Record], split: &str) -> Error {
    let known: std::collections::BTreeSet<&str> =
        records.iter().map(|r| r.split.as_str()).collect();
    Error::Parse {
        what: "replay data".into(),
        reason: format!(
            "no message has split `{split}`; splits present: {}",
            known.into_iter().collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The engine under replay, its simulated clock and, for a restart, its store.
struct Session<'o> {
    options: &'o ReplayOptions,
    clock: ManualClock,
    store: Option<Arc<dyn Store>>,
    engine: Engine,
    ctx: MessageContext,
}

/// What happened to one message.
struct Step {
    decision: Decision,
    latency_us: f64,
    /// Whether the proposed reply was the right one (`None`: nothing proposed).
    right: Option<bool>,
    auto_sent: bool,
}

impl<'o> Session<'o> {
    fn open(options: &'o ReplayOptions) -> Result<Self> {
        let clock = ManualClock::new(Timestamp(1_767_225_600_000));
        let store = options
            .restart_after_warmup
            .then(|| Arc::new(MemoryStore::new()) as Arc<dyn Store>);
        let engine = open_engine(options, &clock, store.as_ref())?;
        Ok(Session {
            options,
            clock,
            store,
            engine,
            ctx: MessageContext::new(),
        })
    }

    /// A restart, when the options ask for one: the warm-up engine goes, then a
    /// new one opens its store, as in a deploy.
    fn restart_if_asked(self) -> Result<Self> {
        let Some(store) = self.store else {
            return Ok(self);
        };
        drop(self.engine);
        let engine = open_engine(self.options, &self.clock, Some(&store))?;
        Ok(Session {
            engine,
            store: Some(store),
            ..self
        })
    }

    /// Processes one message and gives the simulated operator's feedback.
    fn step(&mut self, record: &Record, out_of_scope: bool) -> Result<Step> {
        self.clock.advance_secs(self.options.seconds_per_message);
        let t0 = Instant::now();
        let decision = self.engine.process(&record.text, &self.ctx)?;
        let latency_us = t0.elapsed().as_secs_f64() * 1e6;
        let right_reply = record.reply(out_of_scope);
        let right = decision.response.as_ref().map(|r| *r == right_reply);
        let auto_sent = decision.action == Action::AutoExecute && decision.outbound.is_some();
        if !auto_sent {
            let feedback = operator_feedback(record, &decision, right, right_reply);
            match self.engine.feedback(&feedback) {
                Ok(_) | Err(Error::InvalidFeedback(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Step {
            decision,
            latency_us,
            right,
            auto_sent,
        })
    }
}

/// A new engine with the replay's configuration, clock, embedder and store.
fn open_engine(
    options: &ReplayOptions,
    clock: &ManualClock,
    store: Option<&Arc<dyn Store>>,
) -> Result<Engine> {
    let mut builder = Engine::builder().clock(Arc::new(clock.clone()));
    if let Some(store) = store {
        builder = builder.store(Arc::clone(store));
    }
    if let Some(embedder) = &options.embedder {
        builder = builder.embedder(Arc::clone(embedder));
    }
    builder.config(options.config.clone()).build()
}

/// The perfect operator's reaction to a decision it sees: a right proposal is
/// approved, a wrong one rejected with the right reply; anything else is answered.
fn operator_feedback(
    record: &Record,
    decision: &Decision,
    right: Option<bool>,
    right_reply: String,
) -> Feedback {
    let mut feedback = match (decision.action, &decision.response, decision.pattern_id) {
        (Action::Suggest | Action::Queue, Some(_), Some(pid)) => {
            if right == Some(true) {
                Feedback::approve(&record.text, pid)
            } else {
                Feedback::reject(&record.text, pid, Some(right_reply))
            }
        }
        _ => Feedback::answer(&record.text, right_reply),
    };
    feedback.decision_id = Some(decision.id);
    feedback
}

/// The learning curve and the evaluated messages' results, as the stream goes.
struct Recorder {
    warmup: usize,
    total: usize,
    curve: Curve,
    results: Vec<MessageResult>,
}

impl Recorder {
    fn new(stream: &Stream<'_>, window: usize) -> Self {
        Recorder {
            warmup: stream.warmup.len(),
            total: stream.len(),
            curve: Curve::new(window),
            results: Vec::with_capacity(stream.eval.len()),
        }
    }

    /// Records message `i` (0-based, in the whole stream).
    fn add(&mut self, i: usize, record: &Record, scored: bool, out_of_scope: bool, step: Step) {
        let wrong_auto = step.auto_sent && step.right != Some(true);
        let phase_ends = i + 1 == self.warmup || i + 1 == self.total;
        let phase = if scored { "eval" } else { "warmup" };
        self.curve
            .add(i + 1, phase, phase_ends, step.auto_sent, wrong_auto);
        if scored {
            self.results.push(result(record, out_of_scope, step));
        }
    }

    fn finish(self, facts: RunFacts) -> ReplayReport {
        ReplayReport {
            metrics: metrics::metrics(&self.results, facts),
            messages: self.results,
            curve: self.curve.into_points(),
        }
    }
}

/// The record of one evaluated message.
fn result(record: &Record, out_of_scope: bool, step: Step) -> MessageResult {
    let Step {
        decision: d,
        latency_us,
        right,
        ..
    } = step;
    MessageResult {
        id: record.id.clone(),
        text: record.text.clone(),
        intent: record.intent.clone(),
        out_of_scope,
        action: d.action.as_str().into(),
        reason: d.reason.as_str().into(),
        confidence: d.confidence,
        response: d.response,
        right,
        similarity: d.evidence.similarity,
        margin: d.evidence.margin,
        agreeing_neighbours: d.evidence.agreeing_neighbours,
        support: d.evidence.support,
        nearest_example: d.evidence.nearest_example,
        unexplained_words: d.evidence.unexplained_words,
        gates: d.evidence.gates,
        latency_us,
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
                    eval: vec!["val".into(), " ".into()],
                    ..ReplayOptions::default()
                },
                "eval",
            ),
            (
                ReplayOptions {
                    eval: Vec::new(),
                    ..ReplayOptions::default()
                },
                "eval",
            ),
            (
                ReplayOptions {
                    unknown_intents: Some(UnknownIntents::new(f64::NAN)),
                    ..ReplayOptions::default()
                },
                "unknown_intents",
            ),
            (
                ReplayOptions {
                    unknown_intents: Some(UnknownIntents::new(-0.1)),
                    ..ReplayOptions::default()
                },
                "unknown_intents",
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

    /// Several evaluation splits are one phase: the same messages as the splits
    /// relabelled as one, in the same order, with the same decisions.
    #[test]
    fn several_eval_splits_are_scored_as_one_phase() {
        let mut records = test_records();
        for r in records.iter_mut().filter(|r| r.split == "val") {
            if r.intent == OOS || r.id.ends_with('7') {
                r.split = "extra".into();
            }
        }
        let options = ReplayOptions {
            eval: split_list("val,extra"),
            ..ReplayOptions::default()
        };
        let both = run(&records, &options, |_, _| {}).unwrap();
        for r in records.iter_mut().filter(|r| r.split == "extra") {
            r.split = "val".into();
        }
        let one = run(&records, &ReplayOptions::default(), |_, _| {}).unwrap();
        assert_eq!(both.metrics.messages, 75);
        assert_eq!(both.metrics.oos_messages, 15);
        let decided = |r: &ReplayReport| -> Vec<(String, String, Option<bool>)> {
            r.messages
                .iter()
                .map(|m| (m.id.clone(), m.action.clone(), m.right))
                .collect()
        };
        assert_eq!(decided(&both), decided(&one));
        let missing = ReplayOptions {
            eval: split_list("val,nowhere"),
            ..ReplayOptions::default()
        };
        let err = run(&records, &missing, |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("nowhere"), "{err}");
    }

    /// In the open-intent setting the unknown intents' messages are answered with
    /// one-off replies, so nothing learns their reply and none is sent; they count
    /// as out of scope, with their own label kept.
    #[test]
    fn unknown_intents_count_as_out_of_scope() {
        let records = test_records();
        let options = ReplayOptions {
            unknown_intents: Some(UnknownIntents {
                share: 0.5,
                seed: 3,
            }),
            ..ReplayOptions::default()
        };
        let open = run(&records, &options, |_, _| {}).unwrap();
        let m = &open.metrics;
        assert_eq!(m.unknown_intents, 2, "half of the four intents");
        assert_eq!(m.oos_messages, 15 + 2 * 15, "{m:?}");
        let unknown: std::collections::BTreeSet<&str> = open
            .messages
            .iter()
            .filter(|r| r.out_of_scope && r.intent != OOS)
            .map(|r| r.intent.as_str())
            .collect();
        assert_eq!(unknown.len(), 2);
        assert_eq!(m.oos_auto_sends, 0, "{m:?}");
        assert_eq!(m.oos_auto_send_rate, Some(0.0));
        assert!(
            m.automation_rate > 0.1,
            "the known intents still automate: {m:?}"
        );
        let closed = run(&records, &ReplayOptions::default(), |_, _| {}).unwrap();
        assert_eq!(closed.metrics.unknown_intents, 0);
        assert_eq!(closed.metrics.oos_messages, 15);
        assert!(closed.metrics.automation_rate > m.automation_rate);
    }

    /// The out-of-scope send rate is per out-of-scope message, and absent
    /// without any.
    #[test]
    fn the_oos_send_rate_is_per_out_of_scope_message() {
        let mut report = run(&test_records(), &ReplayOptions::default(), |_, _| {}).unwrap();
        for m in report
            .messages
            .iter_mut()
            .filter(|m| m.out_of_scope)
            .take(3)
        {
            m.action = "auto_execute".into();
        }
        let facts = RunFacts {
            seed: 1,
            elapsed_s: 0.0,
            warmup_messages: 0,
            patterns: 0,
            unknown_intents: 0,
        };
        let m = metrics::metrics(&report.messages, facts);
        assert_eq!((m.oos_messages, m.oos_auto_sends), (15, 3));
        assert_eq!(m.oos_auto_send_rate, Some(0.2));
        report.messages.retain(|m| !m.out_of_scope);
        assert_eq!(
            metrics::metrics(&report.messages, facts).oos_auto_send_rate,
            None
        );
    }

    /// Several sources read as one data set: ids numbered across them, and a bad
    /// line named by its line in its own source.
    #[test]
    fn several_sources_are_one_data_set() {
        let line = |intent: &str| {
            format!("{{\"text\": \"t\", \"intent\": \"{intent}\", \"split\": \"val\"}}\n")
        };
        let mut data = JsonlReader::default();
        data.read(format!("{}\n{}", line("a"), line("b")).as_bytes())
            .unwrap();
        data.read(line("oos").as_bytes()).unwrap();
        let err = data
            .read(format!("{}{{oops", line("c")).as_bytes())
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let ids: Vec<String> = data.into_records().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["1", "3", "4", "5"]);
    }
}
