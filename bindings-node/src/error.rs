//! The one place where errors cross into JavaScript.
//!
//! Every error gets the stable string `code` of its row in the core's error table
//! ([`pattern_learning::error::ERROR_KINDS`]): a core error its own code
//! (`INVALID_CONFIG`, `UNKNOWN_PATTERN`, …); arguments this binding cannot convert
//! `INVALID_ARGUMENT`; a call on a closed engine `ENGINE_CLOSED`; a panic caught at
//! the boundary `INTERNAL`. The JavaScript layer (`lib/errors.js`) takes its list of
//! codes from [`error_kinds`] and turns every error carrying one of them into a
//! `PatternLearningError`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::JsError;
use napi::Env;
use napi_derive::napi;
use pattern_learning as pl;
use pl::error::{ErrorKind, ERROR_KINDS};

/// An error on its way to JavaScript.
#[derive(Debug, Clone)]
pub enum BindingError {
    /// An error of the core library.
    Core(pl::Error),
    /// A JavaScript argument that has the right type but not a usable value
    /// (NaN as a pattern id, a non-integer decision id, …).
    InvalidArgument(String),
    /// A call on an engine after `close()`.
    EngineClosed,
    /// A panic caught at the boundary; never expected, always a bug.
    Internal(String),
}

impl BindingError {
    /// The stable `code` of the JavaScript error.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            BindingError::Core(e) => e.code(),
            BindingError::InvalidArgument(_) => ErrorKind::INVALID_ARGUMENT.code,
            BindingError::EngineClosed => ErrorKind::ENGINE_CLOSED.code,
            BindingError::Internal(_) => ErrorKind::INTERNAL.code,
        }
    }

    fn message(&self) -> String {
        match self {
            BindingError::Core(e) => e.to_string(),
            BindingError::InvalidArgument(m) => m.clone(),
            BindingError::EngineClosed => {
                "the engine is closed (close() was called); open or create a new one".into()
            }
            BindingError::Internal(m) => {
                format!("internal error (a bug in pattern-learning, please report it): {m}")
            }
        }
    }
}

/// One row of the error table, as JavaScript sees it.
#[napi(object)]
pub struct ErrorKindInfo {
    /// The stable code (`error.code`).
    pub code: String,
    /// What went wrong, in one line.
    pub meaning: String,
}

/// Every code a `PatternLearningError` can carry, with its meaning: the core's error
/// table (`docs/errors.md`). `lib/errors.js` builds `ErrorCode` from it.
#[napi]
pub fn error_kinds() -> Vec<ErrorKindInfo> {
    ERROR_KINDS
        .iter()
        .map(|k| ErrorKindInfo {
            code: k.code.to_owned(),
            meaning: k.meaning.to_owned(),
        })
        .collect()
}

impl std::fmt::Display for BindingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for BindingError {}

impl From<pl::Error> for BindingError {
    fn from(e: pl::Error) -> Self {
        BindingError::Core(e)
    }
}

/// The `status` of a [`napi::Error`] thrown by a synchronous function: becomes the
/// JavaScript error's `code`.
#[derive(Debug, Clone, Copy)]
pub struct Code(&'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Result of a synchronous exported function.
pub type JsResult<T> = napi::Result<T, Code>;

impl From<BindingError> for napi::Error<Code> {
    fn from(e: BindingError) -> Self {
        napi::Error::new(Code(e.code()), e.message())
    }
}

/// Runs `f`, turning a panic into [`BindingError::Internal`]. Every call into the core
/// goes through here (synchronous calls through [`sync`], tasks through
/// [`crate::task::Job`]): a panic must never unwind into Node.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, BindingError>) -> Result<T, BindingError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        Err(BindingError::Internal(what))
    })
}

/// [`guard`] for a synchronous exported function.
pub(crate) fn sync<T>(f: impl FnOnce() -> Result<T, BindingError>) -> JsResult<T> {
    guard(f).map_err(Into::into)
}

/// The JavaScript error for a failed task: an `Error` with `code`, created on the JS
/// thread and handed to napi by reference, so the promise rejects with exactly it.
pub(crate) fn rejection(env: &Env, e: BindingError) -> napi::Error {
    let error = napi::Error::new(Code(e.code()), e.message());
    napi::Error::from(JsError::from(error).into_unknown(*env))
}

/// Converts a JavaScript number to an id (pattern id, decision id).
pub(crate) fn id_from_js(what: &str, value: f64) -> Result<u64, BindingError> {
    // 2^53: the largest integer a JavaScript number holds exactly.
    const MAX_SAFE: f64 = 9_007_199_254_740_992.0;
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE {
        Ok(value as u64)
    } else {
        Err(BindingError::InvalidArgument(format!(
            "{what} must be a non-negative integer, got {value}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes of the `ErrorCode` union in `index.d.ts`.
    fn declared_codes() -> std::io::Result<Vec<String>> {
        let dts = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("index.d.ts"),
        )?;
        let union = dts
            .split("export type ErrorCode =")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap_or_default();
        Ok(union
            .lines()
            .filter_map(|l| l.trim().strip_prefix("| '"))
            .filter_map(|l| l.strip_suffix('\''))
            .map(str::to_owned)
            .collect())
    }

    #[test]
    fn index_d_ts_declares_exactly_the_codes_of_the_table() -> std::io::Result<()> {
        let declared = declared_codes()?;
        let table: Vec<String> = error_kinds().into_iter().map(|k| k.code).collect();
        for code in &table {
            assert!(
                declared.contains(code),
                "index.d.ts: ErrorCode lacks '{code}'"
            );
        }
        for code in &declared {
            assert!(
                table.contains(code),
                "index.d.ts: ErrorCode has '{code}', which the error table does not"
            );
        }
        Ok(())
    }

    #[test]
    fn binding_codes_differ_from_core_codes() {
        assert_eq!(BindingError::EngineClosed.code(), "ENGINE_CLOSED");
        assert_eq!(
            BindingError::InvalidArgument("x".into()).code(),
            "INVALID_ARGUMENT"
        );
        let closed = BindingError::EngineClosed.message();
        assert!(closed.contains("close()"), "{closed}");
    }

    #[test]
    fn panics_become_internal_errors() {
        // The panic is the input: `guard` must turn it into an error.
        let e = guard::<()>(|| panic!("boom")).err();
        assert_eq!(e.as_ref().map(BindingError::code), Some("INTERNAL"));
        assert!(e.is_some_and(|e| e.message().contains("boom")));
    }

    #[test]
    fn errors_display_their_code_and_message() {
        let shown = BindingError::InvalidArgument("id must be an integer".into()).to_string();
        assert_eq!(shown, "INVALID_ARGUMENT: id must be an integer");
    }

    #[test]
    fn ids_must_be_safe_non_negative_integers() -> Result<(), BindingError> {
        assert_eq!(id_from_js("id", 3.0)?, 3);
        for bad in [f64::NAN, -1.0, 1.5, f64::INFINITY, 1e300] {
            assert_eq!(
                id_from_js("id", bad).err().map(|e| e.code()),
                Some("INVALID_ARGUMENT")
            );
        }
        Ok(())
    }
}
