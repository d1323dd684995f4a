//! Conversions between Python objects and the JSON values the core speaks
//! (template variables, action templates, evidence, configuration overrides).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted from Python (guards against self-referencing containers).
const MAX_DEPTH: usize = 64;

/// A Python object as JSON: `None`, `bool`, `int`, `float` (finite), `str`,
/// `list` / `tuple`, and `dict` with `str` keys; numbers that support
/// `__float__` / `__index__` (NumPy scalars) too.
pub fn py_to_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    to_value(obj, what, 0)
}

fn to_value(obj: &Bound<'_, PyAny>, what: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "{what}: nested deeper than {MAX_DEPTH} levels"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return int_value(obj, what);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return float_value(f.value(), what);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{what}: dictionary keys must be str, got {}",
                    type_name(&k)
                ))
            })?;
            let key = key.to_cow()?.into_owned();
            let item = to_value(&v, &format!("{what}[{key:?}]"), depth + 1)?;
            map.insert(key, item);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(to_value(&item?, &format!("{what}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    // NumPy and other numeric scalars: ints first (exact), then floats.
    if obj.hasattr("__index__")? {
        return int_value(obj, what);
    }
    if obj.hasattr("__float__")? && !obj.is_instance_of::<PyString>() {
        let f: f64 = obj.extract()?;
        return float_value(f, what);
    }
    Err(PyTypeError::new_err(format!(
        "{what}: expected None, bool, int, float, str, list or dict, got {}",
        type_name(obj)
    )))
}

fn int_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::Number(i.into()));
    }
    if let Ok(u) = obj.extract::<u64>() {
        return Ok(Value::Number(u.into()));
    }
    Err(PyValueError::new_err(format!(
        "{what}: integer {} does not fit in 64 bits",
        obj.repr()?
    )))
}

fn float_value(f: f64, what: &str) -> PyResult<Value> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| PyValueError::new_err(format!("{what}: {f} is not a finite number")))
}

/// A JSON value as a Python object.
pub fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, value_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Any serialisable core value as a Python object (through JSON).
pub fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| PyValueError::new_err(format!("cannot convert to Python: {e}")))?;
    value_to_py(py, &json)
}

/// The Python type name of `obj`, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// Text from Python for a customer message: lone surrogates (which UTF-8 cannot
/// hold) become U+FFFD so that every `str` gets a decision.
pub fn message_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be str, got {}", type_name(obj))))?;
    Ok(s.to_string_lossy().into_owned())
}

/// Text from Python that is stored as given (replies, templates, ids): must be
/// `str` and valid Unicode (no lone surrogates).
pub fn strict_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be str, got {}", type_name(obj))))?;
    s.to_cow().map(|c| c.into_owned()).map_err(|e| {
        PyValueError::new_err(format!(
            "{what} is not valid Unicode (lone surrogate?): {e}"
        ))
    })
}

/// Optional strict text.
pub fn opt_strict_text(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<String>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => strict_text(o, what).map(Some),
    }
}

/// A list of strings (a single `str` is refused: it is almost always a mistake).
pub fn text_list(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not a single str"
        )));
    }
    let iter = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a list of str, got {}",
            type_name(obj)
        ))
    })?;
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        out.push(strict_text(&item?, &format!("{what}[{i}]"))?);
    }
    Ok(out)
}

/// An embedding: a sequence of numbers (list, tuple, NumPy array) as `f32`.
pub fn embedding(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f32>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a sequence of floats, got str"
        )));
    }
    let iter = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a sequence of floats, got {}",
            type_name(obj)
        ))
    })?;
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        if item.is_instance_of::<PyBool>() || item.is_instance_of::<PyString>() {
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
        // Out-of-range values become ±inf and are refused by the core, as NaN is.
        out.push(x as f32);
    }
    Ok(out)
}
