//! Observability: metrics, events and alerts of one engine.
//!
//! Counting happens after a call has decided, never inside its locks; events
//! are handed to subscribers' queues without blocking (see [`crate::events`]).

use std::sync::Arc;
use std::time::Instant;

use crate::alerts::{Alert, AlertState};
use crate::clock::Timestamp;
use crate::config::Config;
use crate::decision::{Decision, OutboundKind, Reason};
use crate::error::{Error, Result};
use crate::events::{DecisionEvent, Event, EventBus, FeedbackEvent, Subscription};
use crate::feedback::{Feedback, FeedbackAction, FeedbackOutcome};
use crate::metrics::{MetricsSnapshot, PatternCounts, Recorder};

use super::Engine;

/// The engine's counters, subscribers and alert state.
#[derive(Debug, Default)]
pub(super) struct Observer {
    pub recorder: Recorder,
    pub bus: EventBus,
    pub alerts: AlertState,
}

impl Engine {
    /// Everything counted so far: decisions per action and reason, confidence
    /// histograms, automatic sends per hour, feedback, the judged precision of
    /// suggestions, guard triggers, latencies and patterns by state.
    ///
    /// Counters start at zero when the engine is built (they are not stored).
    pub fn metrics(&self) -> MetricsSnapshot {
        let mut patterns = PatternCounts::default();
        for p in self.book.read().patterns() {
            patterns.total += 1;
            if p.is_deleted {
                patterns.deleted += 1;
            } else if !p.is_active {
                patterns.inactive += 1;
            } else if p.auto_executable {
                patterns.auto_executable += 1;
            } else {
                patterns.suggest_only += 1;
            }
        }
        self.observer
            .recorder
            .snapshot(self.clock.now(), patterns, self.observer.bus.dropped())
    }

    /// [`Engine::metrics`] in the Prometheus text format.
    pub fn prometheus(&self) -> String {
        self.metrics().to_prometheus()
    }

    /// Delivers every decision, feedback and alert to `callback`, on a thread of
    /// its own, through a queue of `capacity` events. A full queue drops (and
    /// counts) events; a panicking callback is caught and counted. `process` and
    /// `feedback` never wait for a subscriber.
    pub fn subscribe<F>(&self, capacity: usize, callback: F) -> Subscription
    where
        F: FnMut(&Event) + Send + 'static,
    {
        self.observer.bus.subscribe(capacity, callback)
    }

    /// Delivers every decision, feedback and alert into a bounded channel of
    /// `capacity` events (full: dropped and counted; receiver dropped: the
    /// subscription ends).
    pub fn subscribe_channel(
        &self,
        capacity: usize,
    ) -> (Subscription, std::sync::mpsc::Receiver<Event>) {
        self.observer.bus.subscribe_channel(capacity)
    }

    /// Delivers only alerts to `callback` (see [`Engine::subscribe`]).
    pub fn on_alert<F>(&self, mut callback: F) -> Subscription
    where
        F: FnMut(&Alert) + Send + 'static,
    {
        self.subscribe(256, move |event| {
            if let Event::Alert(alert) = event {
                callback(alert);
            }
        })
    }

    pub(super) fn observe_decision(&self, result: &Result<Decision>, started: Instant) {
        let elapsed = started.elapsed();
        let now = self.clock.now();
        match result {
            Ok(d) => {
                let sent = d
                    .outbound
                    .as_ref()
                    .is_some_and(|o| o.kind == OutboundKind::Reply);
                self.observer.recorder.decision(
                    d.action,
                    d.reason,
                    d.confidence,
                    sent,
                    now,
                    elapsed,
                );
                if self.observer.bus.is_active() {
                    self.observer
                        .bus
                        .publish(Event::Decision(Arc::new(DecisionEvent {
                            decision: d.clone(),
                            latency_us: elapsed.as_secs_f64() * 1e6,
                            at: now,
                        })));
                }
            }
            Err(e) => {
                let store = matches!(e, Error::Store { .. });
                self.observer.recorder.process_error(store, elapsed);
                if store {
                    self.alert(Alert::StoreError {
                        operation: "process".into(),
                        message: e.to_string(),
                        at: now,
                    });
                }
            }
        }
    }

    pub(super) fn observe_feedback(
        &self,
        feedback: &Feedback,
        result: &Result<FeedbackOutcome>,
        started: Instant,
    ) {
        let elapsed = started.elapsed();
        let now = self.clock.now();
        let recorder = &self.observer.recorder;
        let action = feedback.resolved_action().ok();
        match result {
            Ok(outcome) => {
                for id in [outcome.judged_pattern, outcome.learned_pattern]
                    .into_iter()
                    .flatten()
                {
                    self.approvals.invalidate(id);
                }
                recorder.feedback(Some(outcome.action), outcome.duplicate, None, elapsed);
                let judges = matches!(
                    outcome.action,
                    FeedbackAction::Approve | FeedbackAction::Modify | FeedbackAction::Reject
                );
                if judges && !outcome.duplicate {
                    let (right, judged) = recorder.judged();
                    let rules = self.config.read().alerts;
                    if let Some(alert) = self.observer.alerts.judged(&rules, right, judged, now) {
                        self.alert(alert);
                    }
                }
            }
            Err(e) => {
                let store = matches!(e, Error::Store { .. });
                recorder.feedback(action, false, Some(store), elapsed);
                if store {
                    self.alert(Alert::StoreError {
                        operation: "feedback".into(),
                        message: e.to_string(),
                        at: now,
                    });
                }
            }
        }
        if self.observer.bus.is_active() {
            let ok = result.as_ref().ok();
            self.observer
                .bus
                .publish(Event::Feedback(Arc::new(FeedbackEvent {
                    action,
                    pattern_id: ok
                        .and_then(|o| o.judged_pattern.or(o.learned_pattern))
                        .or(feedback.pattern_id),
                    decision_id: feedback.decision_id,
                    outcome: ok.cloned(),
                    error: result.as_ref().err().map(|e| e.code().to_owned()),
                    latency_us: elapsed.as_secs_f64() * 1e6,
                    at: now,
                })));
        }
    }

    /// A guard stopped or changed a decision.
    pub(super) fn observe_guard(&self, reason: Reason, config: &Config, now: Timestamp) {
        self.observer.recorder.guard(reason);
        for alert in self.observer.alerts.guard(
            &config.alerts,
            reason,
            config.guards.max_auto_sends_per_hour,
            now,
        ) {
            self.alert(alert);
        }
    }

    fn alert(&self, alert: Alert) {
        self.observer
            .recorder
            .alerts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::warn!(kind = alert.kind(), alert = ?alert, "pattern-learning alert");
        self.observer.bus.publish(Event::Alert(Arc::new(alert)));
    }
}
