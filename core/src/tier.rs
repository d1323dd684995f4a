//! Decision tiers: from the decision confidence and the gates to an action and the
//! reason for it.
//!
//! | confidence | gates | action | reason |
//! |---|---|---|---|
//! | clears the auto threshold | all pass | `auto_execute` | `confident_match` |
//! | clears the auto threshold | one fails | `suggest` | the failing gate's ([`Gate::reason`]) |
//! | clears `suggest` | — | `suggest` | `below_auto_threshold` |
//! | clears `queue` | — | `queue` | `below_auto_threshold` |
//! | below `queue` | — | `escalate` | `low_confidence` |
//!
//! "Clears" is `>` for profile `seed` and `>=` for profile `v1`
//! ([`Thresholds::inclusive`]).

use crate::config::Thresholds;
use crate::decision::{Action, Reason};
use crate::gates::{Gate, GateReport};

/// The auto threshold in force for one decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AutoThreshold {
    /// The threshold the confidence must clear.
    pub value: f64,
    /// With a target precision: the precision the engine expects at `value`.
    pub expected_precision: Option<f64>,
    /// False when a target precision is set and no threshold reaches it on the
    /// engine's record: nothing is auto-sent.
    pub allowed: bool,
}

impl AutoThreshold {
    /// The configured threshold, with no target precision.
    pub fn configured(value: f64) -> Self {
        AutoThreshold {
            value,
            expected_precision: None,
            allowed: true,
        }
    }
}

/// The tier and reason of a proposal with this `confidence` and these gates.
pub(crate) fn tier(
    confidence: f64,
    thresholds: &Thresholds,
    auto: AutoThreshold,
    gates: &GateReport,
) -> (Action, Reason) {
    if auto.allowed && thresholds.clears(confidence, auto.value) {
        return match gates.blocking() {
            Some(gate) => (Action::Suggest, blocked_reason(gate)),
            None => (Action::AutoExecute, Reason::ConfidentMatch),
        };
    }
    if thresholds.clears(confidence, thresholds.suggest) {
        (Action::Suggest, Reason::BelowAutoThreshold)
    } else if thresholds.clears(confidence, thresholds.queue) {
        (Action::Queue, Reason::BelowAutoThreshold)
    } else {
        (Action::Escalate, Reason::LowConfidence)
    }
}

/// The reason of a proposal that `gate` kept from auto-sending.
fn blocked_reason(gate: Gate) -> Reason {
    // Only gates with a reason block (GateReport::blocking); ambiguity is the safe
    // word should a gate without one ever be returned.
    gate.reason().unwrap_or(Reason::AmbiguousMatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn report(failing: Option<Gate>) -> GateReport {
        let mut r = GateReport::default();
        for gate in [
            Gate::NeighbourAgreement,
            Gate::Similarity,
            Gate::AutoExecutable,
        ] {
            r.push(gate, gate.check_flag(Some(gate) != failing));
        }
        r
    }

    #[test]
    fn tiers_follow_the_thresholds_and_gates() {
        let t = Config::default().thresholds;
        let auto = AutoThreshold::configured(t.auto);
        let all_pass = report(None);
        assert_eq!(
            tier(0.9, &t, auto, &all_pass),
            (Action::AutoExecute, Reason::ConfidentMatch)
        );
        assert_eq!(
            tier(0.9, &t, auto, &report(Some(Gate::Similarity))),
            (Action::Suggest, Reason::DistantMatch)
        );
        assert_eq!(
            tier(0.9, &t, auto, &report(Some(Gate::AutoExecutable))),
            (Action::Suggest, Reason::NotAutoExecutable)
        );
        // Seed comparisons are strict: 0.85 does not clear 0.85.
        assert_eq!(
            tier(0.85, &t, auto, &all_pass),
            (Action::Suggest, Reason::BelowAutoThreshold)
        );
        assert_eq!(
            tier(0.5, &t, auto, &all_pass),
            (Action::Queue, Reason::BelowAutoThreshold)
        );
        assert_eq!(
            tier(0.2, &t, auto, &all_pass),
            (Action::Escalate, Reason::LowConfidence)
        );
    }

    #[test]
    fn a_threshold_that_reaches_no_target_sends_nothing() {
        let t = Config::default().thresholds;
        let closed = AutoThreshold {
            value: 1.0,
            expected_precision: Some(0.9),
            allowed: false,
        };
        assert_eq!(
            tier(1.0, &t, closed, &report(None)),
            (Action::Suggest, Reason::BelowAutoThreshold)
        );
    }
}
