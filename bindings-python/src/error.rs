//! The one place where core errors become Python exceptions.
//!
//! The exception classes are built from the core's error table
//! ([`pattern_learning::error::ERROR_KINDS`]): one class per error kind, named and
//! derived as the table says, all under `PatternLearningError` (invalid values are
//! also `ValueError`s, store failures `OSError`s, an unknown pattern id a
//! `LookupError`). `docs/errors.md` lists them. Each class has the kind's stable
//! `code` (the same as the Node binding's `error.code`), and each exception carries
//! the core error's fields as attributes ([`attributes`] names them per kind).

use pattern_learning::error::{ErrorKind, ERROR_KINDS};
use pattern_learning::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// The exception classes, created once per process, in table order.
struct Exceptions {
    classes: Vec<(ErrorKind, Py<PyType>)>,
    /// `PatternLearningError`, for a code the table does not know.
    base: Py<PyType>,
}

impl Exceptions {
    /// The class of the kind with this code; the base class for a code this
    /// table does not know.
    fn class(&self, code: &str) -> &Py<PyType> {
        self.classes
            .iter()
            .find(|(kind, _)| kind.code == code)
            .map_or(&self.base, |(_, class)| class)
    }
}

static EXCEPTIONS: PyOnceLock<Exceptions> = PyOnceLock::new();

fn new_class<'py>(
    py: Python<'py>,
    kind: &ErrorKind,
    name: &str,
    bases: &[Bound<'py, PyAny>],
    doc: &str,
) -> PyResult<Py<PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__doc__", doc)?;
    namespace.set_item("code", kind.code)?;
    namespace.set_item("__module__", "pattern_learning")?;
    let bases = PyTuple::new(py, bases)?;
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(class.unbind())
}

/// The attributes each kind's exception carries (set by [`map`]).
fn attributes(kind: &ErrorKind) -> &'static str {
    match kind.code {
        "INVALID_CONFIG" => "key (dotted setting name), value (as text), reason",
        "THRESHOLDS_OUT_OF_ORDER" => "key, auto, suggest, queue",
        "UNKNOWN_SETTING" => "key, known (list of str)",
        "INVALID_RULE" => "key, pattern, reason",
        "UNKNOWN_PATTERN" => "pattern_id",
        "UNKNOWN_DECISION" => "decision_id (str)",
        "TEXT_TOO_LONG" => "length, max (bytes)",
        "PARSE_ERROR" => "what, reason",
        "STORE_ERROR" => "operation (open, commit, load, ...), reason",
        "STORE_LOCKED" => "path",
        "CORRUPT_STORE" | "INVALID_MODEL" => "path, reason",
        "SCHEMA_TOO_NEW" => "found, supported (schema versions)",
        "STORE_CONFLICT" => "reason",
        "TLS_ERROR" => "location (host, port, database; never the password), reason",
        "FEATURE_NOT_ENABLED" => "feature",
        "IMPORT_ERROR" => "rows (list of (row number, reason))",
        _ => "",
    }
}

fn build(py: Python<'_>) -> PyResult<Exceptions> {
    let builtins = py.import("builtins")?;
    let mut classes: Vec<(ErrorKind, Py<PyType>)> = Vec::new();
    for kind in ERROR_KINDS {
        let Some(name) = kind.python_class else {
            continue;
        };
        let bases = kind
            .python_bases
            .iter()
            .map(
                |base| match classes.iter().find(|(k, _)| k.python_class == Some(*base)) {
                    Some((_, class)) => Ok(class.bind(py).clone().into_any()),
                    None => builtins.getattr(*base),
                },
            )
            .collect::<PyResult<Vec<_>>>()?;
        let doc = match attributes(kind) {
            "" => kind.meaning.to_owned(),
            attrs => format!("{}\n\nAttributes: {attrs}.", kind.meaning),
        };
        classes.push((*kind, new_class(py, kind, name, &bases, &doc)?));
    }
    let base = classes
        .iter()
        .find(|(kind, _)| *kind == ErrorKind::PATTERN_LEARNING_ERROR)
        .map(|(_, class)| class.clone_ref(py))
        .ok_or_else(|| PyRuntimeError::new_err("the error table has no base class"))?;
    Ok(Exceptions { classes, base })
}

fn exceptions(py: Python<'_>) -> PyResult<&'static Exceptions> {
    EXCEPTIONS.get_or_try_init(py, || build(py))
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for (_, class) in &exceptions(py)?.classes {
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
    let class = exceptions(py)?.class(err.code());
    let message = err.to_string();
    macro_rules! attrs {
        ($($k:literal => $v:expr),* $(,)?) => {
            &[$(($k, $v.into_pyobject(py)?.into_any())),*]
        };
    }
    match err {
        Error::InvalidConfig { key, value, reason } => raise(
            py,
            class,
            message,
            attrs!("key" => key, "value" => value, "reason" => reason),
        ),
        Error::ThresholdsOutOfOrder {
            auto,
            suggest,
            queue,
        } => raise(
            py,
            class,
            message,
            attrs!("key" => "thresholds", "auto" => auto, "suggest" => suggest, "queue" => queue),
        ),
        Error::UnknownSetting { key, known } => {
            let known: Vec<String> = known
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            raise(py, class, message, attrs!("key" => key, "known" => known))
        }
        Error::InvalidRule { pattern, reason } => raise(
            py,
            class,
            message,
            attrs!("key" => "negative_sentiment_patterns", "pattern" => pattern, "reason" => reason),
        ),
        Error::UnknownPattern(id) => raise(py, class, message, attrs!("pattern_id" => id.0)),
        Error::UnknownDecision(id) => {
            raise(py, class, message, attrs!("decision_id" => id.to_string()))
        }
        Error::InvalidPattern(_) => raise(py, class, message, &[]),
        Error::TextTooLong { len, max } => {
            raise(py, class, message, attrs!("length" => len, "max" => max))
        }
        Error::InvalidFeedback(_) => raise(py, class, message, &[]),
        Error::InvalidEmbedding(_) => raise(py, class, message, &[]),
        Error::Parse { what, reason } => raise(
            py,
            class,
            message,
            attrs!("what" => what, "reason" => reason),
        ),
        // `path` rather than OSError's `filename`: setting `filename` would change
        // `str(error)` to OSError's "[Errno None] None: 'path'" form.
        Error::StoreLocked { path } => raise(py, class, message, attrs!("path" => path)),
        Error::CorruptStore { path, reason } => raise(
            py,
            class,
            message,
            attrs!("path" => path, "reason" => reason),
        ),
        Error::SchemaTooNew { found, supported } => raise(
            py,
            class,
            message,
            attrs!("found" => found, "supported" => supported),
        ),
        Error::Store { operation, reason } => raise(
            py,
            class,
            message,
            attrs!("operation" => operation, "reason" => reason),
        ),
        Error::InvalidModel { path, reason } => raise(
            py,
            class,
            message,
            attrs!("path" => path, "reason" => reason),
        ),
        Error::FeatureNotEnabled { feature } => {
            raise(py, class, message, attrs!("feature" => feature))
        }
        Error::StoreConflict { reason } => raise(py, class, message, attrs!("reason" => reason)),
        Error::Tls { location, reason } => raise(
            py,
            class,
            message,
            attrs!("location" => location, "reason" => reason),
        ),
        Error::Import(rows) => {
            let rows: Vec<(usize, String)> = rows.into_iter().map(|r| (r.row, r.reason)).collect();
            raise(py, class, message, attrs!("rows" => rows))
        }
        // A kind added to the core after this mapping: its own class, no attributes.
        _ => raise(py, class, message, &[]),
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
            e.class(ErrorKind::ENGINE_CLOSED.code),
            "the engine is closed (close() was called or its with block ended)".into(),
            &[],
        )
        .unwrap_or_else(|err| err),
        Err(err) => err,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn package_file(name: &str) -> std::io::Result<String> {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("python/pattern_learning")
                .join(name),
        )
    }

    /// The classes of the error table, with their bases as Python writes them.
    fn classes() -> impl Iterator<Item = (&'static str, String)> {
        ERROR_KINDS
            .iter()
            .filter_map(|k| k.python_class.map(|c| (c, k.python_bases.join(", "))))
    }

    #[test]
    fn the_stubs_declare_every_exception_class_with_its_bases() -> std::io::Result<()> {
        let stubs = package_file("_native.pyi")?;
        for (class, bases) in classes() {
            let declaration = format!("\nclass {class}({bases}):\n");
            assert!(
                stubs.contains(&declaration),
                "_native.pyi lacks `{}`",
                declaration.trim()
            );
        }
        Ok(())
    }

    #[test]
    fn the_package_exports_every_exception_class() -> std::io::Result<()> {
        let init = package_file("__init__.py")?;
        for (class, _) in classes() {
            assert!(
                init.contains(&format!("\n    {class},\n")),
                "__init__.py does not import {class} from _native"
            );
            assert!(
                init.contains(&format!("\n    \"{class}\",\n")),
                "__init__.py does not list {class} in __all__"
            );
        }
        Ok(())
    }

    #[test]
    fn every_kind_with_fields_documents_its_attributes() {
        for kind in ERROR_KINDS.iter().filter(|k| k.python_class.is_some()) {
            let bare = matches!(
                kind.code,
                "PATTERN_LEARNING_ERROR"
                    | "INVALID_PATTERN"
                    | "INVALID_FEEDBACK"
                    | "INVALID_EMBEDDING"
                    | "INVALID_CUSTOMER"
                    | "ENGINE_CLOSED"
            );
            assert_eq!(attributes(kind).is_empty(), bare, "{}", kind.code);
        }
    }
}
