//! The one place where errors cross into JavaScript.
//!
//! Every core [`pattern_learning::Error`] variant gets a stable string `code`
//! (`INVALID_CONFIG`, `UNKNOWN_PATTERN`, …); arguments this binding cannot convert get
//! `INVALID_ARGUMENT`; a call on a closed engine gets `ENGINE_CLOSED`; a panic caught at
//! the boundary gets `INTERNAL`. The JavaScript
//! layer (`lib/errors.js`) turns every error carrying one of these codes into a
//! `PatternLearningError`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::JsError;
use napi::Env;
use pattern_learning as pl;

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
            BindingError::Core(e) => core_code(e),
            BindingError::InvalidArgument(_) => "INVALID_ARGUMENT",
            BindingError::EngineClosed => "ENGINE_CLOSED",
            BindingError::Internal(_) => "INTERNAL",
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

/// The code of a core error ([`pl::Error::code`]; stable, never renamed or reused).
pub(crate) fn core_code(e: &pl::Error) -> &'static str {
    e.code()
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

    #[test]
    fn every_core_error_has_its_own_code() {
        let errors = [
            pl::Error::InvalidConfig {
                key: "k".into(),
                value: "v".into(),
                reason: "r".into(),
            },
            pl::Error::ThresholdsOutOfOrder {
                auto: 0.1,
                suggest: 0.2,
                queue: 0.3,
            },
            pl::Error::UnknownSetting {
                key: "k".into(),
                known: "a".into(),
            },
            pl::Error::UnknownPattern(pl::PatternId(1)),
            pl::Error::InvalidPattern("x".into()),
            pl::Error::TextTooLong { len: 2, max: 1 },
            pl::Error::InvalidFeedback("x".into()),
            pl::Error::InvalidEmbedding("x".into()),
            pl::Error::InvalidRule {
                pattern: "(".into(),
                reason: "x".into(),
            },
            pl::Error::Parse {
                what: "x".into(),
                reason: "y".into(),
            },
            pl::Error::SchemaTooNew {
                found: 9,
                supported: 1,
            },
            pl::Error::CorruptStore {
                path: "p".into(),
                reason: "r".into(),
            },
            pl::Error::StoreLocked { path: "p".into() },
            pl::Error::Store {
                operation: "open".into(),
                reason: "r".into(),
            },
            pl::Error::Import(Vec::new()),
        ];
        let codes: std::collections::HashSet<_> = errors.iter().map(core_code).collect();
        assert_eq!(codes.len(), errors.len());
        assert!(!codes.contains("PATTERN_LEARNING_ERROR"));
        assert!(codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_')));
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
