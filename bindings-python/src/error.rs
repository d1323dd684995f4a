//! The one place where core errors become Python exceptions.
//!
//! Every core error kind has its own exception class, all under
//! `PatternLearningError`. Configuration problems also subclass `ValueError`,
//! as do the other "bad value" kinds; an unknown pattern id is a `LookupError`.
//! Each exception carries the core error's fields as attributes.
//!
//! | core `Error`            | Python exception            | also a        | attributes              |
//! |-------------------------|-----------------------------|---------------|-------------------------|
//! | `InvalidConfig`         | `InvalidConfigError`        | `ValueError`  | `key`, `value`, `reason`|
//! | `ThresholdsOutOfOrder`  | `ThresholdsOutOfOrderError` | `InvalidConfigError` | `auto`, `suggest`, `queue` |
//! | `UnknownSetting`        | `UnknownSettingError`       | `InvalidConfigError` | `key`, `known`   |
//! | `InvalidRule`           | `InvalidRuleError`          | `InvalidConfigError` | `pattern`, `reason` |
//! | `UnknownPattern`        | `UnknownPatternError`       | `LookupError` | `pattern_id`            |
//! | `InvalidPattern`        | `InvalidPatternError`       | `ValueError`  |                         |
//! | `TextTooLong`           | `TextTooLongError`          | `ValueError`  | `length`, `max`         |
//! | `InvalidFeedback`       | `InvalidFeedbackError`      | `ValueError`  |                         |
//! | `InvalidEmbedding`      | `InvalidEmbeddingError`     | `ValueError`  |                         |
//! | `Parse`                 | `ParseError`                | `ValueError`  | `what`, `reason`        |
//! | `Store`                 | `StoreError`                | `OSError`     | `operation`, `reason`   |
//! | `StoreLocked`           | `StoreLockedError`          | `StoreError`  | `path`                  |
//! | `CorruptStore`          | `CorruptStoreError`         | `StoreError`  | `path`, `reason`        |
//! | `SchemaTooNew`          | `SchemaTooNewError`         | `StoreError`  | `found`, `supported`    |
//! | `InvalidModel`          | `InvalidModelError`         | `OSError`     | `path`, `reason`        |
//! | `FeatureNotEnabled`     | `FeatureNotEnabledError`    | `NotImplementedError` | `feature`       |
//! | (binding) closed engine | `EngineClosedError`         | `RuntimeError`|                         |
//! | any future kind         | `PatternLearningError`      |               |                         |

use pattern_learning::Error;
use pyo3::exceptions::{
    PyException, PyLookupError, PyNotImplementedError, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// The exception classes, created once per process.
struct Exceptions {
    base: Py<PyType>,
    invalid_config: Py<PyType>,
    thresholds_out_of_order: Py<PyType>,
    unknown_setting: Py<PyType>,
    invalid_rule: Py<PyType>,
    unknown_pattern: Py<PyType>,
    invalid_pattern: Py<PyType>,
    text_too_long: Py<PyType>,
    invalid_feedback: Py<PyType>,
    invalid_embedding: Py<PyType>,
    parse: Py<PyType>,
    store: Py<PyType>,
    store_locked: Py<PyType>,
    corrupt_store: Py<PyType>,
    schema_too_new: Py<PyType>,
    invalid_model: Py<PyType>,
    feature_not_enabled: Py<PyType>,
    engine_closed: Py<PyType>,
}

static EXCEPTIONS: PyOnceLock<Exceptions> = PyOnceLock::new();

fn new_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: &[&Bound<'py, PyType>],
    doc: &str,
) -> PyResult<Py<PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__doc__", doc)?;
    namespace.set_item("__module__", "pattern_learning")?;
    let bases = PyTuple::new(py, bases)?;
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(class.unbind())
}

fn build(py: Python<'_>) -> PyResult<Exceptions> {
    let exception = py.get_type::<PyException>();
    let value_error = py.get_type::<PyValueError>();
    let base = new_class(
        py,
        "PatternLearningError",
        &[&exception],
        "Base class of every error raised by pattern_learning.",
    )?;
    let base_b = base.bind(py).clone();
    let invalid_config = new_class(
        py,
        "InvalidConfigError",
        &[&base_b, &value_error],
        "A configuration value is out of range, of the wrong kind or not finite.\n\n\
         Attributes: key (dotted setting name), value (as text), reason.",
    )?;
    let invalid_config_b = invalid_config.bind(py).clone();
    let sub_config = |name: &str, doc: &str| new_class(py, name, &[&invalid_config_b], doc);
    let value_kind = |name: &str, doc: &str| new_class(py, name, &[&base_b, &value_error], doc);
    let store = new_class(
        py,
        "StoreError",
        &[&base_b, &py.get_type::<PyOSError>()],
        "Reading or writing the store file failed (missing directory, read-only file, \
         disk full, I/O error); nothing of the failed call was applied, in the file or in \
         memory. Base class of the other store errors; an OSError.\n\n\
         Attributes: operation (open, commit, load, ...), reason.",
    )?;
    let store_b = store.bind(py).clone();
    let sub_store = |name: &str, doc: &str| new_class(py, name, &[&store_b], doc);
    Ok(Exceptions {
        store_locked: sub_store(
            "StoreLockedError",
            "Another engine (in this or another process) holds the store file: share one \
             Engine, or close() the other one first.\n\nAttributes: path.",
        )?,
        corrupt_store: sub_store(
            "CorruptStoreError",
            "The file is not a pattern-learning store, or it is damaged; it was not \
             changed.\n\nAttributes: path, reason.",
        )?,
        schema_too_new: sub_store(
            "SchemaTooNewError",
            "The store file was written by a newer version of pattern-learning; upgrade \
             to open it (the file was not changed).\n\nAttributes: found, supported \
             (schema versions).",
        )?,
        store,
        thresholds_out_of_order: sub_config(
            "ThresholdsOutOfOrderError",
            "Thresholds must satisfy 0 <= queue <= suggest <= auto <= 1.\n\n\
             Attributes: auto, suggest, queue.",
        )?,
        unknown_setting: sub_config(
            "UnknownSettingError",
            "A setting name this version does not know.\n\nAttributes: key, known (list of str).",
        )?,
        invalid_rule: sub_config(
            "InvalidRuleError",
            "A safety rule (regular expression) does not compile.\n\nAttributes: pattern, reason.",
        )?,
        unknown_pattern: new_class(
            py,
            "UnknownPatternError",
            &[&base_b, &py.get_type::<PyLookupError>()],
            "No pattern has this id (or it is deleted and the call needs a live one).\n\n\
             Attributes: pattern_id.",
        )?,
        invalid_pattern: value_kind(
            "InvalidPatternError",
            "A pattern needs at least one trigger example with words and a non-empty reply.",
        )?,
        text_too_long: value_kind(
            "TextTooLongError",
            "A message or reply is longer than the configured max_message_bytes.\n\n\
             Attributes: length, max (bytes).",
        )?,
        invalid_feedback: value_kind(
            "InvalidFeedbackError",
            "A feedback event is not usable as given (e.g. approve without a pattern).",
        )?,
        invalid_embedding: value_kind(
            "InvalidEmbeddingError",
            "A caller-supplied embedding has the wrong dimension or non-finite values.",
        )?,
        parse: value_kind(
            "ParseError",
            "A document (JSONL data, settings) could not be parsed, or replay data lacks a split.\n\n\
             Attributes: what, reason.",
        )?,
        invalid_model: new_class(
            py,
            "InvalidModelError",
            &[&base_b, &py.get_type::<PyOSError>()],
            "The model directory given as minilm_dir is missing, incomplete (it needs \
             config.json, model.safetensors, vocab.txt) or holds another model; an \
             OSError.\n\nAttributes: path, reason.",
        )?,
        feature_not_enabled: new_class(
            py,
            "FeatureNotEnabledError",
            &[&base_b, &py.get_type::<PyNotImplementedError>()],
            "The option needs a build of pattern-learning with a cargo feature this build \
             lacks (minilm_dir needs `minilm`); see the README.\n\nAttributes: feature.",
        )?,
        engine_closed: new_class(
            py,
            "EngineClosedError",
            &[&base_b, &py.get_type::<PyRuntimeError>()],
            "The engine was closed (close() or the end of a with block).",
        )?,
        invalid_config,
        base,
    })
}

fn exceptions(py: Python<'_>) -> PyResult<&'static Exceptions> {
    EXCEPTIONS.get_or_try_init(py, || build(py))
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let e = exceptions(py)?;
    for class in [
        &e.base,
        &e.invalid_config,
        &e.thresholds_out_of_order,
        &e.unknown_setting,
        &e.invalid_rule,
        &e.unknown_pattern,
        &e.invalid_pattern,
        &e.text_too_long,
        &e.invalid_feedback,
        &e.invalid_embedding,
        &e.parse,
        &e.store,
        &e.store_locked,
        &e.corrupt_store,
        &e.schema_too_new,
        &e.invalid_model,
        &e.feature_not_enabled,
        &e.engine_closed,
    ] {
        let class = class.bind(py);
        m.add(class.name()?, class)?;
    }
    Ok(())
}

fn raise(
    py: Python<'_>,
    class: &Py<PyType>,
    message: String,
    attrs: &[(&str, Bound<'_, PyAny>)],
) -> PyResult<PyErr> {
    let exc = class.bind(py).call1((message,))?;
    for (name, value) in attrs {
        exc.setattr(*name, value)?;
    }
    Ok(PyErr::from_value(exc))
}

fn map(py: Python<'_>, err: Error) -> PyResult<PyErr> {
    let e = exceptions(py)?;
    let message = err.to_string();
    macro_rules! attrs {
        ($($k:literal => $v:expr),* $(,)?) => {
            &[$(($k, $v.into_pyobject(py)?.into_any())),*]
        };
    }
    match err {
        Error::InvalidConfig { key, value, reason } => raise(
            py,
            &e.invalid_config,
            message,
            attrs!("key" => key, "value" => value, "reason" => reason),
        ),
        Error::ThresholdsOutOfOrder {
            auto,
            suggest,
            queue,
        } => raise(
            py,
            &e.thresholds_out_of_order,
            message,
            attrs!("key" => "thresholds", "auto" => auto, "suggest" => suggest, "queue" => queue),
        ),
        Error::UnknownSetting { key, known } => {
            let known: Vec<String> = known
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            raise(
                py,
                &e.unknown_setting,
                message,
                attrs!("key" => key, "known" => known),
            )
        }
        Error::InvalidRule { pattern, reason } => raise(
            py,
            &e.invalid_rule,
            message,
            attrs!("key" => "negative_sentiment_patterns", "pattern" => pattern, "reason" => reason),
        ),
        Error::UnknownPattern(id) => raise(
            py,
            &e.unknown_pattern,
            message,
            attrs!("pattern_id" => id.0),
        ),
        Error::InvalidPattern(_) => raise(py, &e.invalid_pattern, message, &[]),
        Error::TextTooLong { len, max } => raise(
            py,
            &e.text_too_long,
            message,
            attrs!("length" => len, "max" => max),
        ),
        Error::InvalidFeedback(_) => raise(py, &e.invalid_feedback, message, &[]),
        Error::InvalidEmbedding(_) => raise(py, &e.invalid_embedding, message, &[]),
        Error::Parse { what, reason } => raise(
            py,
            &e.parse,
            message,
            attrs!("what" => what, "reason" => reason),
        ),
        // `path` rather than OSError's `filename`: setting `filename` would change
        // `str(error)` to OSError's "[Errno None] None: 'path'" form.
        Error::StoreLocked { path } => raise(py, &e.store_locked, message, attrs!("path" => path)),
        Error::CorruptStore { path, reason } => raise(
            py,
            &e.corrupt_store,
            message,
            attrs!("path" => path, "reason" => reason),
        ),
        Error::SchemaTooNew { found, supported } => raise(
            py,
            &e.schema_too_new,
            message,
            attrs!("found" => found, "supported" => supported),
        ),
        Error::Store { operation, reason } => raise(
            py,
            &e.store,
            message,
            attrs!("operation" => operation, "reason" => reason),
        ),
        Error::InvalidModel { path, reason } => raise(
            py,
            &e.invalid_model,
            message,
            attrs!("path" => path, "reason" => reason),
        ),
        Error::FeatureNotEnabled { feature } => raise(
            py,
            &e.feature_not_enabled,
            message,
            attrs!("feature" => feature),
        ),
        _ => raise(py, &e.base, message, &[]),
    }
}

/// A core error as its Python exception.
pub fn core_err(err: Error) -> PyErr {
    Python::attach(|py| map(py, err).unwrap_or_else(|e| e))
}

/// An `InvalidConfigError` raised by the binding itself (e.g. a NaN it cannot pass on).
pub fn invalid_config(_py: Python<'_>, key: &str, value: &str, reason: &str) -> PyErr {
    core_err(Error::InvalidConfig {
        key: key.into(),
        value: value.into(),
        reason: reason.into(),
    })
}

/// The error for any call on a closed engine.
pub fn engine_closed() -> PyErr {
    Python::attach(|py| match exceptions(py) {
        Ok(e) => raise(
            py,
            &e.engine_closed,
            "the engine is closed (close() was called or its with block ended)".into(),
            &[],
        )
        .unwrap_or_else(|err| err),
        Err(err) => err,
    })
}
