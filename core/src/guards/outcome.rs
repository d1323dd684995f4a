//! [`GuardOutcome`]: what the guards say about one inbound message, and how that
//! changes the decision.

use crate::decision::{Action, Decision, Outbound, OutboundKind, Reason};
use crate::gates::Gate;

/// What the guards say about one inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GuardOutcome {
    /// Nothing stands in the way.
    Allow,
    /// No automatic reply; the decision is shown to an operator instead.
    Block(Gate),
    /// Hand to a human now, with a customer-facing notice if `text` is set.
    Escalate { gate: Gate, text: Option<String> },
}

impl GuardOutcome {
    /// `allow`, or the name of the guard that stopped the send.
    pub fn name(&self) -> &'static str {
        match self {
            GuardOutcome::Allow => "allow",
            GuardOutcome::Block(gate) | GuardOutcome::Escalate { gate, .. } => gate.name(),
        }
    }

    /// The reason of the guard that stopped the send, if one did.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            GuardOutcome::Allow => None,
            GuardOutcome::Block(gate) | GuardOutcome::Escalate { gate, .. } => gate.reason(),
        }
    }

    /// Applies the outcome to a decision: a blocked automatic send becomes a
    /// suggestion (a blocked hand-off notice is dropped); an escalation hands the
    /// message to a human, with the guard's notice.
    pub fn apply(&self, d: &mut Decision) {
        match self {
            GuardOutcome::Allow => {}
            GuardOutcome::Block(gate) => {
                if d.outbound
                    .as_ref()
                    .is_some_and(|o| o.kind == OutboundKind::Escalation)
                {
                    d.outbound = None;
                }
                if d.action == Action::AutoExecute {
                    d.action = Action::Suggest;
                    d.reason = gate.reason().unwrap_or(d.reason);
                    d.outbound = None;
                }
                d.evidence.gates.push(gate.check_failed());
            }
            GuardOutcome::Escalate { gate, text } => {
                d.action = Action::Escalate;
                d.reason = gate.reason().unwrap_or(d.reason);
                d.outbound = text.clone().map(|text| Outbound {
                    text,
                    kind: OutboundKind::Escalation,
                });
            }
        }
    }
}
