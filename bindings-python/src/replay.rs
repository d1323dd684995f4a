//! The replay protocol and threshold sweeps (core `replay` and `sweep`), plus
//! `Dataset`, the labelled messages they run on.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;

use pattern_learning::replay::{
    self as core_replay, Record, ReplayOptions, ReplayReport, UnknownIntents,
};
use pattern_learning::sweep::{self as core_sweep, Sweep};
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError, PyTypeError,
    PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::Value;

use crate::config::config_from_py;
use crate::convert::{py_to_value, to_py, type_name};
use crate::error::core_err;

/// Labelled messages for the replay protocol: ``id``, ``text``, ``intent``, ``split``.
///
/// Build one with ``Dataset.from_jsonl(path)`` or ``Dataset.from_columns(...)``;
/// ``pattern_learning.replay`` and ``sweep`` also accept a path or a DataFrame.
#[pyclass(frozen, module = "pattern_learning", name = "Dataset")]
pub struct PyDataset {
    pub(crate) records: Arc<Vec<Record>>,
}

fn io_error(path: &std::path::Path, e: &std::io::Error) -> PyErr {
    let msg = format!("cannot read {}: {e}", path.display());
    match e.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(msg),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(msg),
        std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(msg),
        _ => PyOSError::new_err(msg),
    }
}

/// The records of `paths`, read in order as one data set; errors as Python
/// exceptions (made after the thread holds the interpreter again). A parse error
/// names the file when there are several.
fn read_jsonl(paths: &[PathBuf]) -> Result<Vec<Record>, ReadError> {
    let mut data = core_replay::JsonlReader::default();
    for path in paths {
        let file = File::open(path).map_err(|e| ReadError::Io(path.clone(), e))?;
        data.read(BufReader::new(file)).map_err(|e| match paths {
            [_] => ReadError::Core(e),
            _ => ReadError::Core(in_file(path, e)),
        })?;
    }
    Ok(data.into_records())
}

/// Why reading a data file failed.
enum ReadError {
    Io(PathBuf, std::io::Error),
    Core(pattern_learning::Error),
}

impl From<ReadError> for PyErr {
    fn from(e: ReadError) -> PyErr {
        match e {
            ReadError::Io(path, e) => io_error(&path, &e),
            ReadError::Core(e) => core_err(e),
        }
    }
}

/// A parse error that names the file it is in.
fn in_file(path: &std::path::Path, e: pattern_learning::Error) -> pattern_learning::Error {
    match e {
        pattern_learning::Error::Parse { what, reason } => pattern_learning::Error::Parse {
            what: format!("{}, {what}", path.display()),
            reason,
        },
        other => other,
    }
}

fn str_column(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "column `{name}` must be a sequence of str, not a single str"
        )));
    }
    let mut out = Vec::new();
    for (row, item) in obj
        .try_iter()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "column `{name}` must be a sequence of str, got {}",
                type_name(obj)
            ))
        })?
        .enumerate()
    {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "column `{name}`, row {row}: expected str, got {} ({})",
                type_name(&item),
                item.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?;
        out.push(s.to_cow().map(|c| c.into_owned()).map_err(|e| {
            PyValueError::new_err(format!(
                "column `{name}`, row {row}: not valid Unicode (lone surrogate?): {e}"
            ))
        })?);
    }
    Ok(out)
}

#[pymethods]
impl PyDataset {
    /// Dataset.from_jsonl(path, *more) -> Dataset
    ///
    /// Reads JSON Lines with ``text``, ``intent``, ``split`` and an optional
    /// ``id`` (else the line number), exactly as ``examples/replay --data`` does.
    /// Several files are read in order as one data set (``--data`` given several
    /// times): lines without an id are numbered across them.
    /// Raises ``FileNotFoundError`` / ``OSError`` or ``ParseError``.
    #[staticmethod]
    #[pyo3(signature = (path, *more))]
    fn from_jsonl(py: Python<'_>, path: PathBuf, more: Vec<PathBuf>) -> PyResult<Self> {
        let paths: Vec<PathBuf> = std::iter::once(path).chain(more).collect();
        let records = py.detach(|| read_jsonl(&paths))?;
        Ok(PyDataset {
            records: Arc::new(records),
        })
    }

    /// Dataset.from_columns(text, intent, split, id=None) -> Dataset
    ///
    /// Builds a dataset from equally long sequences of ``str``. ``id`` values may
    /// be ``str`` or numbers (rendered as in JSON); without ids, rows are numbered
    /// from 1, like lines of a file.
    #[staticmethod]
    #[pyo3(signature = (text, intent, split, id = None))]
    fn from_columns(
        text: &Bound<'_, PyAny>,
        intent: &Bound<'_, PyAny>,
        split: &Bound<'_, PyAny>,
        id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let text = str_column(text, "text")?;
        let intent = str_column(intent, "intent")?;
        let split = str_column(split, "split")?;
        if intent.len() != text.len() || split.len() != text.len() {
            return Err(PyValueError::new_err(format!(
                "columns differ in length: text {}, intent {}, split {}",
                text.len(),
                intent.len(),
                split.len()
            )));
        }
        let ids: Vec<String> = match id.filter(|i| !i.is_none()) {
            None => (1..=text.len()).map(|n| n.to_string()).collect(),
            Some(col) => {
                let mut ids = Vec::with_capacity(text.len());
                for (row, item) in col.try_iter()?.enumerate() {
                    let v = py_to_value(&item?, &format!("column `id`, row {row}"))?;
                    ids.push(match v {
                        Value::String(s) => s,
                        Value::Null => {
                            return Err(PyValueError::new_err(format!(
                                "column `id`, row {row}: missing id"
                            )))
                        }
                        other => other.to_string(),
                    });
                }
                if ids.len() != text.len() {
                    return Err(PyValueError::new_err(format!(
                        "column `id` has {} values for {} rows",
                        ids.len(),
                        text.len()
                    )));
                }
                ids
            }
        };
        let records = ids
            .into_iter()
            .zip(text)
            .zip(intent)
            .zip(split)
            .map(|(((id, text), intent), split)| Record::new(id, text, intent, split))
            .collect();
        Ok(PyDataset {
            records: Arc::new(records),
        })
    }

    /// Number of messages.
    fn __len__(&self) -> usize {
        self.records.len()
    }

    /// splits() -> dict[str, int]
    ///
    /// Message count per split.
    fn splits(&self) -> std::collections::BTreeMap<String, usize> {
        let mut out = std::collections::BTreeMap::new();
        for r in self.records.iter() {
            *out.entry(r.split.clone()).or_insert(0) += 1;
        }
        out
    }

    /// columns() -> dict[str, list[str]]
    ///
    /// The messages as columns ``id``, ``text``, ``intent``, ``split``.
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let col = |f: fn(&Record) -> &str| -> Vec<&str> { self.records.iter().map(f).collect() };
        d.set_item("id", col(|r| &r.id))?;
        d.set_item("text", col(|r| &r.text))?;
        d.set_item("intent", col(|r| &r.intent))?;
        d.set_item("split", col(|r| &r.split))?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let splits = self
            .splits()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("Dataset({} messages: {splits})", self.records.len())
    }
}

/// Everything one replay produced (native part; ``pattern_learning.replay``
/// wraps it with DataFrames).
#[pyclass(frozen, module = "pattern_learning._native", name = "ReplayReport")]
pub struct PyReplayReport {
    report: ReplayReport,
}

#[pymethods]
impl PyReplayReport {
    /// The protocol metrics as a dict: the same keys and values as the ``--json``
    /// line of ``examples/replay`` (rates are fractions).
    #[getter]
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.report.metrics)
    }

    /// metrics_json() -> str
    ///
    /// The metrics as the exact JSON line ``examples/replay --json`` prints.
    fn metrics_json(&self) -> String {
        self.report.metrics_json()
    }

    /// message_columns() -> dict[str, list]
    ///
    /// Per evaluated message, as columns (id, text, intent, out_of_scope, action,
    /// reason, confidence, response, right, similarity, margin,
    /// agreeing_neighbours, support, latency_us).
    fn message_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = &self.report.messages;
        let d = PyDict::new(py);
        d.set_item("id", m.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())?;
        d.set_item(
            "text",
            m.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
        )?;
        d.set_item(
            "intent",
            m.iter().map(|r| r.intent.as_str()).collect::<Vec<_>>(),
        )?;
        d.set_item(
            "out_of_scope",
            m.iter().map(|r| r.out_of_scope).collect::<Vec<_>>(),
        )?;
        d.set_item(
            "action",
            m.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        )?;
        d.set_item(
            "reason",
            m.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>(),
        )?;
        d.set_item(
            "confidence",
            m.iter().map(|r| r.confidence).collect::<Vec<_>>(),
        )?;
        d.set_item(
            "response",
            m.iter().map(|r| r.response.as_deref()).collect::<Vec<_>>(),
        )?;
        d.set_item("right", m.iter().map(|r| r.right).collect::<Vec<_>>())?;
        d.set_item(
            "similarity",
            m.iter().map(|r| r.similarity).collect::<Vec<_>>(),
        )?;
        d.set_item("margin", m.iter().map(|r| r.margin).collect::<Vec<_>>())?;
        d.set_item(
            "agreeing_neighbours",
            m.iter().map(|r| r.agreeing_neighbours).collect::<Vec<_>>(),
        )?;
        d.set_item("support", m.iter().map(|r| r.support).collect::<Vec<_>>())?;
        d.set_item(
            "latency_us",
            m.iter().map(|r| r.latency_us).collect::<Vec<_>>(),
        )?;
        Ok(d)
    }

    /// curve_columns() -> dict[str, list]
    ///
    /// The learning curve over the whole stream, as columns (phase, until,
    /// messages, automation_rate, wrong_auto_sends).
    fn curve_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.report.curve;
        let d = PyDict::new(py);
        d.set_item(
            "phase",
            c.iter().map(|p| p.phase.as_str()).collect::<Vec<_>>(),
        )?;
        d.set_item("until", c.iter().map(|p| p.until).collect::<Vec<_>>())?;
        d.set_item("messages", c.iter().map(|p| p.messages).collect::<Vec<_>>())?;
        d.set_item(
            "automation_rate",
            c.iter().map(|p| p.automation_rate).collect::<Vec<_>>(),
        )?;
        d.set_item(
            "wrong_auto_sends",
            c.iter().map(|p| p.wrong_auto_sends).collect::<Vec<_>>(),
        )?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let m = &self.report.metrics;
        format!(
            "ReplayReport(messages={}, automation_rate={:.4}, auto_precision={}, wrong_auto_per_1000={:.2}, oos_auto_sends={})",
            m.messages,
            m.automation_rate,
            m.auto_precision
                .map_or_else(|| "None".to_string(), |p| format!("{p:.4}")),
            m.wrong_auto_per_1000,
            m.oos_auto_sends
        )
    }
}

/// Split names given as one comma-separated string (as on the command line) or a
/// sequence of them.
fn split_names(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    match obj.cast::<PyString>() {
        // "train,val" as on the command line.
        Ok(list) => Ok(core_replay::split_list(&list.to_cow()?)),
        Err(_) => str_column(obj, what),
    }
}

/// The options both `replay` and `sweep` take (warm-up `("train",)`, evaluation
/// `("val",)` when not given), as the core's type; the core checks them when the
/// replay starts ([`ReplayOptions::validate`]).
#[allow(clippy::too_many_arguments)]
fn options(
    warmup: Option<&Bound<'_, PyAny>>,
    eval: Option<&Bound<'_, PyAny>>,
    seed: u64,
    profile: &str,
    config: Option<&Bound<'_, PyAny>>,
    window: usize,
    seconds_per_message: i64,
    unknown_intents: Option<f64>,
    unknown_seed: u64,
) -> PyResult<ReplayOptions> {
    let splits = |obj: Option<&Bound<'_, PyAny>>, what: &str, default: &str| match obj {
        Some(o) => split_names(o, what),
        None => Ok(vec![default.to_owned()]),
    };
    Ok(ReplayOptions {
        warmup: splits(warmup, "warmup", "train")?,
        eval: splits(eval, "eval", "val")?,
        seed,
        config: config_from_py(profile, config)?,
        seconds_per_message,
        window,
        embedder: None,
        restart_after_warmup: false,
        unknown_intents: unknown_intents.map(|share| UnknownIntents {
            share,
            seed: unknown_seed,
        }),
    })
}

/// replay(dataset, *, warmup=("train",), eval=("val",), seed=1, profile="seed",
/// config=None, window=250, seconds_per_message=60, restart=False,
/// unknown_intents=None, unknown_seed=1) -> ReplayReport
///
/// Runs the replay protocol (``docs/replay-protocol.md``) through the core; the same
/// numbers as ``cargo run --release --example replay -- --data FILE --json``
/// (``restart=True``: ``--restart``; ``unknown_intents=F``: ``--unknown-intents F``).
#[pyfunction]
#[pyo3(signature = (dataset, *, warmup = None, eval = None, seed = 1, profile = "seed", config = None, window = 250, seconds_per_message = 60, restart = false, unknown_intents = None, unknown_seed = 1))]
#[allow(clippy::too_many_arguments)]
pub fn replay(
    py: Python<'_>,
    dataset: &Bound<'_, PyDataset>,
    warmup: Option<&Bound<'_, PyAny>>,
    eval: Option<&Bound<'_, PyAny>>,
    seed: u64,
    profile: &str,
    config: Option<&Bound<'_, PyAny>>,
    window: usize,
    seconds_per_message: i64,
    restart: bool,
    unknown_intents: Option<f64>,
    unknown_seed: u64,
) -> PyResult<PyReplayReport> {
    let opts = ReplayOptions {
        restart_after_warmup: restart,
        ..options(
            warmup,
            eval,
            seed,
            profile,
            config,
            window,
            seconds_per_message,
            unknown_intents,
            unknown_seed,
        )?
    };
    let records = dataset.get().records.clone();
    let report = py
        .detach(|| core_replay::run(&records, &opts, |_, _| {}))
        .map_err(core_err)?;
    Ok(PyReplayReport { report })
}

fn float_list(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Option<f64>>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of numbers"
        )));
    }
    let iter = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a list of numbers, got {}",
            type_name(obj)
        ))
    })?;
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        if item.is_none() {
            out.push(None);
            continue;
        }
        if item.is_instance_of::<pyo3::types::PyBool>() || item.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(format!(
                "{what}[{i}] must be a number, got {}",
                type_name(&item)
            )));
        }
        let x: f64 = item.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}[{i}] must be a number, got {}",
                type_name(&item)
            ))
        })?;
        out.push(Some(x));
    }
    Ok(out)
}

/// sweep(dataset, *, auto_thresholds=None, target_precisions=None, warmup=("train",),
/// eval=("val",), seed=1, profile="seed", config=None, window=250,
/// seconds_per_message=60, threads=None, unknown_intents=None, unknown_seed=1)
/// -> list[dict]
///
/// Replays once per grid point (every auto threshold with every target
/// precision; ``None`` = no target), in parallel; one flat dict per point, in
/// grid order. Invalid grid values (NaN, outside ``[0, 1]``) raise
/// ``InvalidConfigError`` before anything runs.
#[pyfunction]
#[pyo3(signature = (dataset, *, auto_thresholds = None, target_precisions = None, warmup = None, eval = None, seed = 1, profile = "seed", config = None, window = 250, seconds_per_message = 60, threads = None, unknown_intents = None, unknown_seed = 1))]
#[allow(clippy::too_many_arguments)]
pub fn sweep<'py>(
    py: Python<'py>,
    dataset: &Bound<'py, PyDataset>,
    auto_thresholds: Option<&Bound<'py, PyAny>>,
    target_precisions: Option<&Bound<'py, PyAny>>,
    warmup: Option<&Bound<'py, PyAny>>,
    eval: Option<&Bound<'py, PyAny>>,
    seed: u64,
    profile: &str,
    config: Option<&Bound<'py, PyAny>>,
    window: usize,
    seconds_per_message: i64,
    threads: Option<usize>,
    unknown_intents: Option<f64>,
    unknown_seed: u64,
) -> PyResult<Bound<'py, PyList>> {
    let opts = options(
        warmup,
        eval,
        seed,
        profile,
        config,
        window,
        seconds_per_message,
        unknown_intents,
        unknown_seed,
    )?;
    let autos = match auto_thresholds.filter(|a| !a.is_none()) {
        None => Vec::new(),
        Some(a) => float_list(a, "auto_thresholds")?
            .into_iter()
            .enumerate()
            .map(|(i, x)| {
                x.ok_or_else(|| {
                    PyTypeError::new_err(format!("auto_thresholds[{i}] must be a number, got None"))
                })
            })
            .collect::<PyResult<_>>()?,
    };
    let targets = match target_precisions.filter(|t| !t.is_none()) {
        None => Vec::new(),
        Some(t) => float_list(t, "target_precisions")?,
    };
    let grid = Sweep {
        auto_thresholds: autos,
        target_precisions: targets,
        threads,
    };
    let records = dataset.get().records.clone();
    let rows = py
        .detach(|| core_sweep::run(&records, &opts, &grid))
        .map_err(core_err)?;
    let out = PyList::empty(py);
    for row in &rows {
        let d = PyDict::new(py);
        d.set_item("auto_threshold", row.auto_threshold)?;
        d.set_item("target_precision", row.target_precision)?;
        d.set_item("suggest_threshold", row.suggest_threshold)?;
        d.set_item("queue_threshold", row.queue_threshold)?;
        let metrics = to_py(py, &row.metrics)?.cast_into::<PyDict>()?;
        for (k, v) in metrics.iter() {
            if k.cast::<PyString>()
                .is_ok_and(|s| s.to_cow().is_ok_and(|c| c == "tiers"))
            {
                if let Ok(tiers) = v.cast::<PyDict>() {
                    for (tk, tv) in tiers.iter() {
                        d.set_item(format!("tier_{}", tk.cast::<PyString>()?.to_cow()?), tv)?;
                    }
                }
            } else {
                d.set_item(k, v)?;
            }
        }
        out.append(d)?;
    }
    Ok(out)
}
