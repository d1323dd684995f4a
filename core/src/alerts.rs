//! Alerts: what an operator must hear about at once.
//!
//! The engine raises an [`Alert`] when
//! - the store refuses a write (nothing was sent or learned: [`Alert::StoreError`]);
//! - one guard stops decisions repeatedly (`guard_repeat` times within
//!   `guard_window_secs`: [`Alert::GuardTripping`]), once per window and guard —
//!   the guards that protect customers (rapid messages, reply caps, reuse
//!   limit, hourly cap), not the ones that follow operators' own actions
//!   (takeover lockout, cool-down, locked conversation);
//! - the precision of suggestions as operators judged them falls under
//!   `precision_floor` after at least `precision_min_judged` judgements
//!   ([`Alert::PrecisionBelowFloor`]), once per crossing;
//! - the hourly cap of automatic sends is reached ([`Alert::HourlyCapReached`]),
//!   once per clock hour.
//!
//! Alerts go to every subscriber as [`crate::events::Event::Alert`]; to hear only
//! alerts, match on that variant (or use `Engine::on_alert`).
//!
//! # Example
//! ```
//! use pattern_learning::alerts::Alert;
//! use pattern_learning::events::Event;
//! use pattern_learning::{Config, Engine, Feedback, MessageContext};
//!
//! let mut config = Config::default();
//! config.alerts.precision_floor = Some(0.9);
//! config.alerts.precision_min_judged = 2;
//! let engine = Engine::with_config(config).unwrap();
//! let (_sub, events) = engine.subscribe_channel(64);
//! let learned = engine.feedback(&Feedback::answer("wifi password?", "On the wall.")).unwrap();
//! let id = learned.learned_pattern.unwrap();
//! engine.feedback(&Feedback::reject("wifi password?", id, None)).unwrap();
//! engine.feedback(&Feedback::reject("wifi password?", id, None)).unwrap();
//! let alert = events.try_iter().find_map(|e| match e {
//!     Event::Alert(a) => Some(a),
//!     _ => None,
//! });
//! assert!(matches!(alert.as_deref(), Some(Alert::PrecisionBelowFloor { judged: 2, .. })));
//! ```

use std::collections::HashMap;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::decision::Reason;
use crate::error::{Error, Result};

const HOUR_MS: i64 = 3_600_000;

/// When alerts are raised (part of [`crate::Config`] as `alerts`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRules {
    /// Alert when the judged precision of suggestions falls under this (`None`: never).
    pub precision_floor: Option<f64>,
    /// Judged suggestions needed before the precision alert can fire.
    pub precision_min_judged: u64,
    /// Triggers of one guard within the window that raise an alert (0: never).
    pub guard_repeat: u32,
    /// The window of `guard_repeat`, in seconds.
    pub guard_window_secs: u32,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            precision_floor: None,
            precision_min_judged: 20,
            guard_repeat: 10,
            guard_window_secs: 600,
        }
    }
}

impl AlertRules {
    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        if let Some(p) = self.precision_floor {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(Error::InvalidConfig {
                    key: "alerts.precision_floor".into(),
                    value: p.to_string(),
                    reason: "must be a finite number in [0, 1]".into(),
                });
            }
        }
        if self.guard_repeat > 0 && self.guard_window_secs == 0 {
            return Err(Error::InvalidConfig {
                key: "alerts.guard_window_secs".into(),
                value: "0".into(),
                reason: "must be at least 1 when guard_repeat is set".into(),
            });
        }
        Ok(())
    }
}

/// Something an operator must hear about at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Alert {
    /// The store refused a write; the call returned `STORE_ERROR` and nothing was
    /// sent or learned.
    StoreError {
        /// `process` or `feedback`.
        operation: String,
        /// The error's message.
        message: String,
        /// When (engine clock).
        at: Timestamp,
    },
    /// One guard stopped decisions `count` times within `window_secs`.
    GuardTripping {
        /// The guard (`rapid_messages`, `operator_active`, …).
        guard: String,
        /// Triggers within the window.
        count: u32,
        /// The window, seconds.
        window_secs: u32,
        /// When (engine clock).
        at: Timestamp,
    },
    /// The judged precision of suggestions is under the configured floor.
    PrecisionBelowFloor {
        /// Approved (with or without edits) / judged.
        precision: f64,
        /// The configured floor.
        floor: f64,
        /// Judged suggestions so far.
        judged: u64,
        /// When (engine clock).
        at: Timestamp,
    },
    /// The hourly cap of automatic sends is reached; further sends become suggestions.
    HourlyCapReached {
        /// The cap.
        cap: u32,
        /// When (engine clock).
        at: Timestamp,
    },
}

impl Alert {
    /// `store_error`, `guard_tripping`, `precision_below_floor`, `hourly_cap_reached`.
    pub fn kind(&self) -> &'static str {
        match self {
            Alert::StoreError { .. } => "store_error",
            Alert::GuardTripping { .. } => "guard_tripping",
            Alert::PrecisionBelowFloor { .. } => "precision_below_floor",
            Alert::HourlyCapReached { .. } => "hourly_cap_reached",
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// Per guard: start of the current window, triggers in it, alerted in it.
    guards: HashMap<Reason, (Timestamp, u32, bool)>,
    /// The clock hour whose cap was reported.
    cap_hour: Option<i64>,
    /// The precision alert fired and has not recovered yet.
    precision_low: bool,
}

/// Decides when an alert is due (raising it is the engine's job).
#[derive(Debug, Default)]
pub(crate) struct AlertState {
    state: Mutex<State>,
}

impl AlertState {
    /// A guard stopped a decision: the alerts this makes due.
    pub fn guard(
        &self,
        rules: &AlertRules,
        reason: Reason,
        cap: Option<u32>,
        now: Timestamp,
    ) -> Vec<Alert> {
        let mut out = Vec::new();
        let mut state = self.state.lock();
        if reason == Reason::RateLimited {
            let hour = now.0.div_euclid(HOUR_MS);
            if state.cap_hour != Some(hour) {
                state.cap_hour = Some(hour);
                out.push(Alert::HourlyCapReached {
                    cap: cap.unwrap_or(0),
                    at: now,
                });
            }
        }
        let operator_driven = matches!(
            reason,
            Reason::OperatorActive | Reason::GlobalCooldown | Reason::ConversationLocked
        );
        if rules.guard_repeat > 0 && !operator_driven {
            let window_ms = i64::from(rules.guard_window_secs) * 1000;
            let entry = state.guards.entry(reason).or_insert((now, 0, false));
            if now.0 - entry.0 .0 >= window_ms || now.0 < entry.0 .0 {
                *entry = (now, 0, false);
            }
            entry.1 += 1;
            if entry.1 >= rules.guard_repeat && !entry.2 {
                entry.2 = true;
                out.push(Alert::GuardTripping {
                    guard: reason.as_str().to_owned(),
                    count: entry.1,
                    window_secs: rules.guard_window_secs,
                    at: now,
                });
            }
        }
        out
    }

    /// A suggestion was judged: the precision alert if it is due.
    pub fn judged(
        &self,
        rules: &AlertRules,
        right: u64,
        judged: u64,
        now: Timestamp,
    ) -> Option<Alert> {
        let floor = rules.precision_floor?;
        if judged < rules.precision_min_judged.max(1) {
            return None;
        }
        let precision = right as f64 / judged as f64;
        let mut state = self.state.lock();
        if precision < floor {
            if !state.precision_low {
                state.precision_low = true;
                return Some(Alert::PrecisionBelowFloor {
                    precision,
                    floor,
                    judged,
                    at: now,
                });
            }
        } else {
            state.precision_low = false;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_alert_fires_once_per_window() {
        let rules = AlertRules {
            guard_repeat: 3,
            guard_window_secs: 60,
            ..AlertRules::default()
        };
        let s = AlertState::default();
        let mut fired = 0;
        for i in 0..10 {
            fired += s
                .guard(&rules, Reason::RapidMessages, None, Timestamp(i * 1000))
                .len();
        }
        assert_eq!(fired, 1);
        // A new window can fire again.
        assert_eq!(
            s.guard(&rules, Reason::RapidMessages, None, Timestamp(61_000))
                .len(),
            0
        );
        s.guard(&rules, Reason::RapidMessages, None, Timestamp(62_000));
        let again = s.guard(&rules, Reason::RapidMessages, None, Timestamp(63_000));
        assert!(matches!(
            again.as_slice(),
            [Alert::GuardTripping { count: 3, .. }]
        ));
    }

    #[test]
    fn cap_alert_once_per_hour() {
        let rules = AlertRules {
            guard_repeat: 0,
            ..AlertRules::default()
        };
        let s = AlertState::default();
        let n = |t| {
            s.guard(&rules, Reason::RateLimited, Some(5), Timestamp(t))
                .len()
        };
        assert_eq!(n(10), 1);
        assert_eq!(n(20), 0);
        assert_eq!(n(HOUR_MS + 1), 1);
    }

    #[test]
    fn precision_alert_rearms_after_recovery() {
        let rules = AlertRules {
            precision_floor: Some(0.8),
            precision_min_judged: 4,
            ..AlertRules::default()
        };
        let s = AlertState::default();
        assert!(s.judged(&rules, 0, 3, Timestamp(0)).is_none(), "too few");
        assert!(s.judged(&rules, 2, 4, Timestamp(0)).is_some());
        assert!(s.judged(&rules, 2, 5, Timestamp(0)).is_none(), "once");
        assert!(s.judged(&rules, 9, 10, Timestamp(0)).is_none(), "recovered");
        assert!(s.judged(&rules, 9, 12, Timestamp(0)).is_some(), "again");
    }
}
