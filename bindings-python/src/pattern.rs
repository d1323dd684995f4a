//! `Pattern` (read-only view), pattern ids from Python, and the record lists
//! behind `Engine.patterns()` / `Engine.history()`.

use pattern_learning::clock::Timestamp;
use pattern_learning::{BulkReport, Pattern, PatternEvent, PatternId, Provenance, Selection};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString};
use serde_json::Value;

use crate::convert::{to_py, type_name, value_to_py};
use crate::decision::py_bool;

/// A pattern id from Python: a non-negative `int` (not `bool`).
pub fn pattern_id(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<PatternId> {
    if obj.is_instance_of::<PyBool>()
        || !(obj.is_instance_of::<PyInt>() || obj.hasattr("__index__")?)
    {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, got {}",
            type_name(obj)
        )));
    }
    obj.extract::<u64>().map(PatternId).map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a non-negative int below 2**64, got {}",
            obj.repr().map(|r| r.to_string()).unwrap_or_default()
        ))
    })
}

static FROM_TIMESTAMP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A timestamp (ms since the epoch) as a timezone-aware UTC `datetime`.
pub fn datetime<'py>(py: Python<'py>, t: Timestamp) -> PyResult<Bound<'py, PyAny>> {
    let from_ts = FROM_TIMESTAMP.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("datetime")?
            .getattr("datetime")?
            .getattr("fromtimestamp")?
            .unbind())
    })?;
    let utc = UTC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("datetime")?
            .getattr("timezone")?
            .getattr("utc")?
            .unbind())
    })?;
    from_ts.bind(py).call1((t.0 as f64 / 1000.0, utc.bind(py)))
}

/// A learned or authored reply with its triggers, trust and usage counters (read-only).
#[pyclass(frozen, module = "pattern_learning", name = "Pattern")]
pub struct PyPattern {
    pub(crate) inner: Pattern,
}

#[pymethods]
impl PyPattern {
    /// Unique id inside the engine.
    #[getter]
    fn id(&self) -> u64 {
        self.inner.id.0
    }
    /// Topic (snake_case).
    #[getter]
    fn topic(&self) -> &str {
        &self.inner.topic
    }
    /// Stable signature of the first trigger example.
    #[getter]
    fn signature(&self) -> &str {
        &self.inner.signature
    }
    /// Customer phrasings this reply answers.
    #[getter]
    fn trigger_examples(&self) -> Vec<String> {
        self.inner.trigger_examples.clone()
    }
    /// Keywords that select this pattern on word boundaries.
    #[getter]
    fn trigger_keywords(&self) -> Vec<String> {
        self.inner.trigger_keywords.clone()
    }
    /// Reply template (may contain ``{{variables}}``).
    #[getter]
    fn response_template(&self) -> &str {
        &self.inner.response_template
    }
    /// Optional action template (JSON-like), or ``None``.
    #[getter]
    fn action_template<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .action_template
            .as_ref()
            .map(|v| value_to_py(py, v))
            .transpose()
    }
    /// Operator trust in ``[0, 1]``.
    #[getter]
    fn confidence(&self) -> f64 {
        self.inner.confidence
    }
    /// Eligible for matching.
    #[getter]
    fn is_active(&self) -> bool {
        self.inner.is_active
    }
    /// Eligible for automatic sending.
    #[getter]
    fn auto_executable(&self) -> bool {
        self.inner.auto_executable
    }
    /// Soft-deleted (restorable).
    #[getter]
    fn is_deleted(&self) -> bool {
        self.inner.is_deleted
    }
    /// Confirmed uses (approvals, edits, operator answers).
    #[getter]
    fn execution_count(&self) -> u64 {
        self.inner.execution_count
    }
    /// Confirmed right (approvals, answers).
    #[getter]
    fn success_count(&self) -> u64 {
        self.inner.success_count
    }
    /// Confirmed wrong (rejections).
    #[getter]
    fn failure_count(&self) -> u64 {
        self.inner.failure_count
    }
    /// Approved with edits.
    #[getter]
    fn override_count(&self) -> u64 {
        self.inner.override_count
    }
    /// ``learned``, ``manual`` or ``imported``.
    #[getter]
    fn provenance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.provenance)
    }
    /// Creation time (UTC ``datetime``).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.created_at)
    }
    /// Last time the pattern was proposed or confirmed (UTC ``datetime``), or ``None``.
    #[getter]
    fn last_used<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.last_used.map(|t| datetime(py, t)).transpose()
    }
    /// Last change of content or state (UTC ``datetime``).
    #[getter]
    fn last_modified<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.last_modified)
    }
    /// The pattern as a plain dict (timestamps in ms since the epoch).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "Pattern(id={}, topic='{}', confidence={:.3}, is_active={}, auto_executable={}, is_deleted={}, examples={}, response_template={:?})",
            p.id.0,
            p.topic,
            p.confidence,
            py_bool(p.is_active),
            py_bool(p.auto_executable),
            py_bool(p.is_deleted),
            p.trigger_examples.len(),
            p.response_template
        )
    }
}

/// Patterns as a list of flat dicts (one per pattern), for a DataFrame.
pub fn pattern_records<'py>(py: Python<'py>, patterns: &[Pattern]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for p in patterns {
        let dict = to_py(py, p)?.cast_into::<PyDict>()?;
        dict.set_item("examples", p.trigger_examples.len())?;
        list.append(dict)?;
    }
    Ok(list)
}

/// History events as flat dicts: the event fields plus its `state` fields; the
/// full pattern snapshot is left out.
pub fn history_records<'py>(
    py: Python<'py>,
    events: &[PatternEvent],
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for e in events {
        let mut json = serde_json::to_value(e)
            .map_err(|err| PyValueError::new_err(format!("cannot convert history: {err}")))?;
        if let Value::Object(map) = &mut json {
            map.remove("full");
            if let Some(Value::Object(state)) = map.remove("state") {
                for (k, v) in state {
                    if k != "confidence" {
                        map.insert(k, v);
                    }
                }
            }
        }
        list.append(value_to_py(py, &json)?)?;
    }
    Ok(list)
}

/// The selection of `Engine.bulk`: a dict and/or keyword arguments, merged; a
/// field given in both is refused, as is an unknown one (both `TypeError`, as for
/// an unexpected keyword argument). `None` values mean "not given".
pub fn selection<'py>(
    dict: Option<&Bound<'py, PyAny>>,
    fields: Option<&Bound<'py, PyDict>>,
) -> PyResult<Selection> {
    const KNOWN: &str = "ids, max_confidence, unused_since, topic, provenance";
    let mut given: Vec<(String, Bound<'py, PyAny>)> = Vec::new();
    let mut add = |source: &Bound<'py, PyDict>| -> PyResult<()> {
        for (k, v) in source.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "selection keys must be str, got {}",
                        type_name(&k)
                    ))
                })?
                .to_cow()?
                .into_owned();
            if given.iter().any(|(g, _)| *g == key) {
                return Err(PyTypeError::new_err(format!(
                    "selection field {key:?} given twice (in the selection dict and as a keyword)"
                )));
            }
            given.push((key, v));
        }
        Ok(())
    };
    if let Some(d) = dict.filter(|d| !d.is_none()) {
        let d = d.cast::<PyDict>().map_err(|_| {
            PyTypeError::new_err(format!(
                "selection must be a dict or None, got {}",
                type_name(d)
            ))
        })?;
        add(d)?;
    }
    if let Some(f) = fields {
        add(f)?;
    }
    let mut s = Selection::default();
    for (key, value) in given {
        if value.is_none() {
            continue;
        }
        match key.as_str() {
            "ids" => {
                if value.is_instance_of::<PyString>() {
                    return Err(PyTypeError::new_err("ids must be a list of int, got str"));
                }
                let iter = value.try_iter().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "ids must be a list of int, got {}",
                        type_name(&value)
                    ))
                })?;
                let mut ids = Vec::new();
                for (i, item) in iter.enumerate() {
                    ids.push(pattern_id(&item?, &format!("ids[{i}]"))?);
                }
                s.ids = Some(ids);
            }
            "max_confidence" => s.max_confidence = Some(finite(&value, "max_confidence")?),
            "unused_since" => s.unused_since = Some(timestamp(&value, "unused_since")?),
            "topic" => s.topic = Some(crate::convert::strict_text(&value, "topic")?),
            "provenance" => {
                let text = crate::convert::strict_text(&value, "provenance")?;
                s.provenance = Some(match text.as_str() {
                    "learned" => Provenance::Learned,
                    "manual" => Provenance::Manual,
                    "imported" => Provenance::Imported,
                    other => {
                        return Err(PyValueError::new_err(format!(
                            "provenance must be 'learned', 'manual' or 'imported', got {other:?}"
                        )))
                    }
                });
            }
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unknown selection field {other:?}; known: {KNOWN}"
                )))
            }
        }
    }
    Ok(s)
}

/// A finite float (not `bool`, not `str`).
fn finite(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<f64> {
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a float, got {}",
            type_name(obj)
        )));
    }
    let x: f64 = obj.extract().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a float, got {}", type_name(obj)))
    })?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(PyValueError::new_err(format!(
            "{what} must be a finite number, got {x}"
        )))
    }
}

/// A point in time: a `datetime` (anything with `.timestamp()`, e.g. a pandas
/// `Timestamp`; a naive one is local time, as for `datetime.timestamp()`) or an int
/// of milliseconds since the epoch.
fn timestamp(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Timestamp> {
    let expected = || {
        PyTypeError::new_err(format!(
            "{what} must be a datetime or int milliseconds since the epoch, got {}",
            type_name(obj)
        ))
    };
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyString>() {
        return Err(expected());
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map(Timestamp).map_err(|_| {
            PyValueError::new_err(format!(
                "{what}: {} is out of range",
                obj.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        });
    }
    if obj.hasattr("timestamp")? {
        let secs: f64 = obj.call_method0("timestamp")?.extract()?;
        if !secs.is_finite() {
            return Err(PyValueError::new_err(format!("{what} is not a valid time")));
        }
        return Ok(Timestamp((secs * 1000.0).round() as i64));
    }
    Err(expected())
}

/// The state fields of a bulk change, in the order of their columns.
pub const BULK_FIELDS: [&str; 11] = [
    "confidence",
    "is_active",
    "auto_executable",
    "is_deleted",
    "execution_count",
    "success_count",
    "failure_count",
    "override_count",
    "examples",
    "last_used",
    "last_modified",
];

/// The changes of a bulk report as flat dicts: `pattern_id`, then `before_<field>`
/// and `after_<field>` side by side for each state field (timestamps in ms since
/// the epoch).
pub fn bulk_records<'py>(py: Python<'py>, report: &BulkReport) -> PyResult<Bound<'py, PyList>> {
    let json = |state| {
        serde_json::to_value(state)
            .map_err(|err| PyValueError::new_err(format!("cannot convert a change: {err}")))
    };
    let list = PyList::empty(py);
    for change in &report.changes {
        let (before, after) = (json(&change.before)?, json(&change.after)?);
        let row = PyDict::new(py);
        row.set_item("pattern_id", change.pattern_id.0)?;
        for field in BULK_FIELDS {
            for (prefix, state) in [("before", &before), ("after", &after)] {
                let value = state.get(field).unwrap_or(&Value::Null);
                row.set_item(format!("{prefix}_{field}"), value_to_py(py, value)?)?;
            }
        }
        list.append(row)?;
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_columns_cover_the_pattern_state() -> serde_json::Result<()> {
        let state = pattern_learning::PatternState {
            confidence: 0.5,
            is_active: true,
            auto_executable: false,
            is_deleted: false,
            execution_count: 1,
            success_count: 1,
            failure_count: 0,
            override_count: 0,
            examples: 1,
            last_used: None,
            last_modified: Timestamp(1),
        };
        // Reading the value as a map fails unless the state serialises to an object.
        let fields: serde_json::Map<String, Value> =
            serde_json::from_value(serde_json::to_value(state)?)?;
        let mut columns: Vec<&str> = BULK_FIELDS.to_vec();
        columns.sort_unstable();
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(columns, keys);
        Ok(())
    }
}
