//! `Decision` and `FeedbackOutcome`: read-only views of the core results.
//!
//! The core value is kept as is; attributes convert on access, so `process`
//! pays only for what the caller reads.

use pattern_learning::{Decision, FeedbackOutcome};
use pyo3::prelude::*;

use crate::convert::{to_py, value_to_py};

/// What the engine decided for one message, and why.
///
/// Attributes are read-only. ``action`` is one of ``"auto_execute"``,
/// ``"suggest"``, ``"queue"``, ``"escalate"``, ``"shadow"``; send ``outbound``
/// (when not ``None``) to the customer; pass the decision back to
/// ``Engine.feedback`` with the operator's reaction.
#[pyclass(frozen, module = "pattern_learning", name = "Decision")]
pub struct PyDecision {
    pub(crate) inner: Decision,
}

#[pymethods]
impl PyDecision {
    /// Id of this decision: a UUID string, unique across engines and restarts
    /// (pass it, or the decision, back with feedback).
    #[getter]
    fn id(&self) -> String {
        self.inner.id.to_string()
    }

    /// The tier: ``auto_execute``, ``suggest``, ``queue``, ``escalate`` or ``shadow``.
    #[getter]
    fn action(&self) -> &'static str {
        self.inner.action.as_str()
    }

    /// Why, as a snake_case reason code (``confident_match``, ``no_matching_pattern``, …).
    #[getter]
    fn reason(&self) -> &'static str {
        self.inner.reason.as_str()
    }

    /// In shadow mode (or when disabled): the action that would have been taken.
    #[getter]
    fn would_action(&self) -> Option<&'static str> {
        self.inner.would_action.map(|a| a.as_str())
    }

    /// The proposed reply, rendered (also for ``suggest`` and ``queue``), or ``None``.
    #[getter]
    fn response(&self) -> Option<&str> {
        self.inner.response.as_deref()
    }

    /// Decision confidence in ``[0, 1]``.
    #[getter]
    fn confidence(&self) -> f64 {
        self.inner.confidence
    }

    /// Id of the proposed pattern, or ``None``.
    #[getter]
    fn pattern_id(&self) -> Option<u64> {
        self.inner.pattern_id.map(|p| p.0)
    }

    /// What to send to the customer now: ``{"text": str, "kind": "reply" | "escalation"}``, or ``None``.
    #[getter]
    fn outbound<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .outbound
            .as_ref()
            .map(|o| to_py(py, o))
            .transpose()
    }

    /// True when something should be sent to the customer (``outbound`` is set).
    #[getter]
    fn sends(&self) -> bool {
        self.inner.sends()
    }

    /// The evidence behind the decision, as a dict (similarity, margin, gates, …).
    #[getter]
    fn evidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.evidence)
    }

    /// Detected topic of the message (snake_case).
    #[getter]
    fn topic(&self) -> &str {
        &self.inner.topic
    }

    /// The message-safety verdict, as a dict (``safe``, ``reason``, ``triggered_keywords``, …).
    #[getter]
    fn safety<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.safety)
    }

    /// The rendered action template of the pattern, if it has one.
    #[getter]
    fn actions<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .actions
            .as_ref()
            .map(|a| value_to_py(py, a))
            .transpose()
    }

    /// The inbound message id given to ``process``, if any.
    #[getter]
    fn message_id(&self) -> Option<&str> {
        self.inner.message_id.as_deref()
    }

    /// The whole decision as a plain dict (JSON-compatible).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        let d = &self.inner;
        format!(
            "Decision(id={}, action='{}', reason='{}', confidence={:.3}, pattern_id={}, response={})",
            d.id,
            d.action.as_str(),
            d.reason.as_str(),
            d.confidence,
            d.pattern_id
                .map_or_else(|| "None".to_string(), |p| p.0.to_string()),
            d.response
                .as_deref()
                .map_or_else(|| "None".to_string(), |r| format!("{:?}", shorten(r))),
        )
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(57).collect();
        out.push('…');
        out
    }
}

/// What one feedback event changed.
#[pyclass(frozen, module = "pattern_learning", name = "FeedbackOutcome")]
pub struct PyFeedbackOutcome {
    pub(crate) inner: FeedbackOutcome,
}

#[pymethods]
impl PyFeedbackOutcome {
    /// The action applied: ``approve``, ``modify``, ``reject`` or ``answer``.
    #[getter]
    fn action(&self) -> &'static str {
        self.inner.action.as_str()
    }

    /// The pattern whose confidence changed (approve / modify / reject), or ``None``.
    #[getter]
    fn judged_pattern(&self) -> Option<u64> {
        self.inner.judged_pattern.map(|p| p.0)
    }

    /// The pattern that now carries the sent reply, if one was extended or created.
    #[getter]
    fn learned_pattern(&self) -> Option<u64> {
        self.inner.learned_pattern.map(|p| p.0)
    }

    /// Whether a new pattern was created.
    #[getter]
    fn created(&self) -> bool {
        self.inner.created
    }

    /// ``(before, after)`` confidence of the judged pattern, or ``None``.
    #[getter]
    fn confidence_change(&self) -> Option<(f64, f64)> {
        self.inner.confidence_change
    }

    /// Whether the judged pattern was promoted to auto-executable by this event.
    #[getter]
    fn promoted(&self) -> bool {
        self.inner.promoted
    }

    /// True when the event repeated an earlier ``feedback_id`` and was ignored.
    #[getter]
    fn duplicate(&self) -> bool {
        self.inner.duplicate
    }

    /// The outcome as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        let o = &self.inner;
        let id = |p: Option<pattern_learning::PatternId>| {
            p.map_or_else(|| "None".to_string(), |p| p.0.to_string())
        };
        format!(
            "FeedbackOutcome(action='{}', judged_pattern={}, learned_pattern={}, created={}, promoted={}, duplicate={})",
            o.action.as_str(),
            id(o.judged_pattern),
            id(o.learned_pattern),
            py_bool(o.created),
            py_bool(o.promoted),
            py_bool(o.duplicate),
        )
    }
}

pub(crate) fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}
