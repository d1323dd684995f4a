//! Metrics, Prometheus text and event listeners (mirrors `core/src/metrics.rs`,
//! `core/src/events.rs`, `core/src/alerts.rs`).
//!
//! A listener is a JavaScript function called on the JS thread for every decision,
//! feedback and alert. The core hands events to a bounded queue and a thread of its
//! own; that thread queues a non-blocking call into JavaScript. Nothing on the path
//! of `process` ever waits for JavaScript.

use std::collections::HashMap;

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use pattern_learning as pl;
use pl::events::Event;
use serde_json::Value;

use crate::decision::{number, Decision};
use crate::engine::PatternEngine;
use crate::error::{sync, Code};
use crate::feedback::FeedbackOutcome;

/// A histogram: `counts[i]` observations were at most `bounds[i]`; the last count is
/// above the last bound.
#[napi(object)]
pub struct Histogram {
    /// Upper bounds of the buckets.
    pub bounds: Vec<f64>,
    /// Observations per bucket (not cumulative); one more entry than `bounds`.
    pub counts: Vec<f64>,
    /// Observations in all.
    pub count: f64,
    /// Sum of the observed values.
    pub sum: f64,
}

impl From<pl::metrics::Histogram> for Histogram {
    fn from(h: pl::metrics::Histogram) -> Self {
        Histogram {
            bounds: h.bounds,
            counts: h.counts.into_iter().map(number).collect(),
            count: number(h.count),
            sum: h.sum,
        }
    }
}

/// Automatic sends in one clock hour.
#[napi(object)]
pub struct HourCount {
    /// Start of the hour, milliseconds since the epoch.
    pub hour_start: f64,
    /// Automatic sends in that hour.
    pub auto_sends: f64,
}

/// Operator feedback counts.
#[napi(object)]
pub struct FeedbackCounts {
    /// Suggestions sent as proposed.
    pub approved: f64,
    /// Suggestions sent with edits.
    pub modified: f64,
    /// Suggestions refused.
    pub rejected: f64,
    /// Messages answered by hand.
    pub answered: f64,
    /// Feedback ignored because its id was seen before.
    pub duplicate: f64,
}

/// Patterns by state.
#[napi(object)]
pub struct PatternCounts {
    /// Every pattern, deleted ones included.
    pub total: f64,
    /// Active and approved for automatic sending.
    pub auto_executable: f64,
    /// Active, proposed to operators only.
    pub suggest_only: f64,
    /// Not active, not deleted.
    pub inactive: f64,
    /// Soft-deleted.
    pub deleted: f64,
}

/// Calls that returned an error.
#[napi(object)]
pub struct ErrorCounts {
    /// `process` calls that failed (nothing may be sent).
    pub process: f64,
    /// `feedback` calls that failed.
    pub feedback: f64,
    /// Of those, store errors.
    pub store: f64,
}

/// Everything the engine counted since it was built (`engine.metrics()`).
#[napi(object, use_nullable = true)]
pub struct Metrics {
    /// Decisions returned by `process` (duplicates included).
    pub decisions: f64,
    /// Decisions per action (`auto_execute`, `suggest`, `queue`, `escalate`, `shadow`).
    pub decisions_by_action: HashMap<String, f64>,
    /// Decisions per reason (only reasons that occurred).
    pub decisions_by_reason: HashMap<String, f64>,
    /// Decisions per action, then per reason.
    pub decisions_by_action_reason: HashMap<String, HashMap<String, f64>>,
    /// Decision confidence per action.
    pub confidence: HashMap<String, Histogram>,
    /// Automatic sends in all.
    pub auto_sends: f64,
    /// Automatic sends per clock hour, oldest first (the last 24 hours with sends).
    pub auto_sends_per_hour: Vec<HourCount>,
    /// Automatic sends in the current clock hour.
    pub auto_sends_this_hour: f64,
    /// Operator feedback.
    pub feedback: FeedbackCounts,
    /// Approved + modified + rejected.
    pub judged_suggestions: f64,
    /// (approved + modified) / judged suggestions, or `null` before any judgement.
    pub suggestion_precision: Option<f64>,
    /// Guard triggers per guard.
    pub guard_triggers: HashMap<String, f64>,
    /// `process` latency, µs.
    pub process_latency_us: Histogram,
    /// `feedback` latency, µs.
    pub feedback_latency_us: Histogram,
    /// Patterns by state.
    pub patterns: PatternCounts,
    /// Calls that failed.
    pub errors: ErrorCounts,
    /// Events not delivered because a listener's queue was full.
    pub events_dropped: f64,
    /// Alerts raised.
    pub alerts: f64,
}

fn counts(m: std::collections::BTreeMap<String, u64>) -> HashMap<String, f64> {
    m.into_iter().map(|(k, v)| (k, number(v))).collect()
}

impl From<pl::MetricsSnapshot> for Metrics {
    fn from(m: pl::MetricsSnapshot) -> Self {
        Metrics {
            decisions: number(m.decisions),
            decisions_by_action: counts(m.decisions_by_action),
            decisions_by_reason: counts(m.decisions_by_reason),
            decisions_by_action_reason: m
                .decisions_by_action_reason
                .into_iter()
                .map(|(k, v)| (k, counts(v)))
                .collect(),
            confidence: m
                .confidence
                .into_iter()
                .map(|(k, v)| (k, v.into()))
                .collect(),
            auto_sends: number(m.auto_sends),
            auto_sends_per_hour: m
                .auto_sends_per_hour
                .into_iter()
                .map(|h| HourCount {
                    hour_start: h.hour_start.0 as f64,
                    auto_sends: number(h.auto_sends),
                })
                .collect(),
            auto_sends_this_hour: number(m.auto_sends_this_hour),
            feedback: FeedbackCounts {
                approved: number(m.feedback.approved),
                modified: number(m.feedback.modified),
                rejected: number(m.feedback.rejected),
                answered: number(m.feedback.answered),
                duplicate: number(m.feedback.duplicate),
            },
            judged_suggestions: number(m.judged_suggestions),
            suggestion_precision: m.suggestion_precision,
            guard_triggers: counts(m.guard_triggers),
            process_latency_us: m.process_latency_us.into(),
            feedback_latency_us: m.feedback_latency_us.into(),
            patterns: PatternCounts {
                total: number(m.patterns.total),
                auto_executable: number(m.patterns.auto_executable),
                suggest_only: number(m.patterns.suggest_only),
                inactive: number(m.patterns.inactive),
                deleted: number(m.patterns.deleted),
            },
            errors: ErrorCounts {
                process: number(m.errors.process),
                feedback: number(m.errors.feedback),
                store: number(m.errors.store),
            },
            events_dropped: number(m.events_dropped),
            alerts: number(m.alerts),
        }
    }
}

/// A feedback call as a listener sees it (output only).
#[napi(object, object_from_js = false)]
pub struct FeedbackEvent {
    /// `approve`, `modify`, `reject` or `answer` (`null` when unreadable).
    pub action: Option<String>,
    /// The pattern judged or learned.
    pub pattern_id: Option<f64>,
    /// The decision the feedback refers to.
    pub decision_id: Option<String>,
    /// What the feedback changed (`null` when it failed).
    pub outcome: Option<FeedbackOutcome>,
    /// The error code when it failed.
    pub error: Option<String>,
}

/// One event: a decision, a feedback call or an alert (output only).
#[napi(object, object_from_js = false)]
pub struct EngineEvent {
    /// `decision`, `feedback` or `alert`.
    #[napi(js_name = "type", ts_type = "'decision' | 'feedback' | 'alert'")]
    pub kind: String,
    /// The decision (for `decision` events), as `process` returned it.
    pub decision: Option<Decision>,
    /// The feedback call (for `feedback` events).
    pub feedback: Option<FeedbackEvent>,
    /// The alert (for `alert` events): `{ kind: 'store_error' | 'guard_tripping' |
    /// 'precision_below_floor' | 'hourly_cap_reached', at, … }`.
    #[napi(
        ts_type = "{ kind: 'store_error' | 'guard_tripping' | 'precision_below_floor' | 'hourly_cap_reached'; at: number; [key: string]: unknown }"
    )]
    pub alert: Option<Value>,
    /// Time spent in `process` / `feedback`, µs (0 for alerts).
    pub latency_us: f64,
    /// When it happened (engine clock, ms since the epoch).
    pub at: f64,
}

fn to_js(event: &Event) -> Option<EngineEvent> {
    Some(match event {
        Event::Decision(d) => EngineEvent {
            kind: "decision".into(),
            decision: Some(d.decision.clone().into()),
            feedback: None,
            alert: None,
            latency_us: d.latency_us,
            at: d.at.0 as f64,
        },
        Event::Feedback(f) => EngineEvent {
            kind: "feedback".into(),
            decision: None,
            feedback: Some(FeedbackEvent {
                action: f.action.map(|a| a.as_str().to_owned()),
                pattern_id: f.pattern_id.map(|p| number(p.0)),
                decision_id: f.decision_id.map(|d| d.to_string()),
                outcome: f.outcome.clone().map(Into::into),
                error: f.error.clone(),
            }),
            alert: None,
            latency_us: f.latency_us,
            at: f.at.0 as f64,
        },
        Event::Alert(a) => {
            let at = match &**a {
                pl::alerts::Alert::StoreError { at, .. }
                | pl::alerts::Alert::GuardTripping { at, .. }
                | pl::alerts::Alert::PrecisionBelowFloor { at, .. }
                | pl::alerts::Alert::HourlyCapReached { at, .. } => at.0 as f64,
                _ => 0.0,
            };
            EngineEvent {
                kind: "alert".into(),
                decision: None,
                feedback: None,
                alert: serde_json::to_value(&**a).ok(),
                latency_us: 0.0,
                at,
            }
        }
        _ => return None,
    })
}

/// A listener's subscription (`engine.subscribe(listener)`).
#[napi]
pub struct EventSubscription {
    inner: pl::events::Subscription,
}

#[napi]
impl EventSubscription {
    /// Stops deliveries (events already queued are still delivered).
    #[napi]
    pub fn unsubscribe(&self) {
        self.inner.unsubscribe();
    }

    /// Events handed to JavaScript.
    #[napi(getter)]
    pub fn delivered(&self) -> f64 {
        number(self.inner.delivered())
    }

    /// Events dropped because the queue was full (the listener was too slow).
    #[napi(getter)]
    pub fn dropped(&self) -> f64 {
        number(self.inner.dropped())
    }

    /// Listener calls that threw (counted by the JavaScript layer, which catches
    /// them; 0 here).
    #[napi(getter)]
    pub fn failed(&self) -> f64 {
        number(self.inner.failed())
    }
}

/// The JavaScript listener: called with one event, never blocks the caller, does
/// not keep the process alive.
type Listener = ThreadsafeFunction<EngineEvent, (), EngineEvent, Status, false, true>;

#[napi]
impl PatternEngine {
    /// Everything counted since the engine was built: decisions per action and
    /// reason, confidence histograms, automatic sends per hour, feedback, the judged
    /// precision of suggestions, guard triggers, latencies, patterns by state.
    #[napi]
    pub fn metrics(&self) -> napi::Result<Metrics, Code> {
        sync(|| Ok(self.engine()?.metrics().into()))
    }

    /// `metrics()` in the Prometheus text exposition format.
    #[napi]
    pub fn prometheus(&self) -> napi::Result<String, Code> {
        sync(|| Ok(self.engine()?.prometheus()))
    }

    /// The configuration in force, one `key  value  source` line per setting, the
    /// source being `profile seed`, `environment production` or `explicit`.
    #[napi]
    pub fn explain_config(&self) -> napi::Result<String, Code> {
        sync(|| Ok(self.engine()?.config().explain()))
    }

    /// Calls `listener` with every decision, feedback and alert, on the JS thread,
    /// through a queue of `capacity` events (default 1024; full: dropped and counted).
    #[napi(ts_args_type = "listener: (event: EngineEvent) => void, capacity?: number")]
    pub fn subscribe(
        &self,
        listener: Listener,
        capacity: Option<u32>,
    ) -> napi::Result<EventSubscription, Code> {
        sync(|| {
            let engine = self.engine()?;
            let capacity = capacity.map_or(1024, |c| c.clamp(1, 1 << 20) as usize);
            let inner = engine.subscribe(capacity, move |event| {
                if let Some(js) = to_js(event) {
                    listener.call(js, ThreadsafeFunctionCallMode::NonBlocking);
                }
            });
            Ok(EventSubscription { inner })
        })
    }
}
