//! The table of error kinds: one row per kind of error a user of the library or of
//! a binding can see, with its stable code, its Python exception class and what it
//! means.
//!
//! This table is the single list of error kinds. The Node binding takes its codes
//! from it, the Python binding builds its exception classes from it, and
//! `docs/errors.md` is generated from it; tests fail when a binding artefact
//! (`index.d.ts`, `_native.pyi`, the Python package's exports) misses a row.

/// Who raises errors of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaisedBy {
    /// The core library: a variant of [`Error`](super::Error).
    Core,
    /// A binding itself (a closed engine, an argument it cannot convert, …).
    Binding,
}

/// One kind of error, as every layer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorKind {
    /// Stable machine-readable code, never renamed or reused (`error.code` in Node).
    pub code: &'static str,
    /// The Python exception class, or `None` where Python raises a built-in
    /// exception instead (a `TypeError` for an argument of the wrong type).
    pub python_class: Option<&'static str>,
    /// The Python class's bases: other classes of this table (listed earlier) or
    /// Python built-in exceptions; empty when there is no class.
    pub python_bases: &'static [&'static str],
    /// What went wrong, in one line.
    pub meaning: &'static str,
    /// Who raises it.
    pub raised_by: RaisedBy,
}

const fn core(
    code: &'static str,
    python_class: &'static str,
    python_bases: &'static [&'static str],
    meaning: &'static str,
) -> ErrorKind {
    ErrorKind {
        code,
        python_class: Some(python_class),
        python_bases,
        meaning,
        raised_by: RaisedBy::Core,
    }
}

const fn binding(
    code: &'static str,
    python_class: Option<&'static str>,
    python_bases: &'static [&'static str],
    meaning: &'static str,
) -> ErrorKind {
    ErrorKind {
        code,
        python_class,
        python_bases,
        meaning,
        raised_by: RaisedBy::Binding,
    }
}

const BASE: &str = "PatternLearningError";
const VALUE: &[&str] = &[BASE, "ValueError"];

impl ErrorKind {
    /// The base of every error. Carried only by an error a binding has no own code
    /// for (none today).
    pub const PATTERN_LEARNING_ERROR: ErrorKind = binding(
        "PATTERN_LEARNING_ERROR",
        Some(BASE),
        &["Exception"],
        "Base of every error; carried only by an error this version of a binding has no own code for.",
    );
    /// [`Error::InvalidConfig`](super::Error::InvalidConfig).
    pub const INVALID_CONFIG: ErrorKind = core(
        "INVALID_CONFIG",
        "InvalidConfigError",
        VALUE,
        "A configuration value (or replay option) is out of range, of the wrong kind or not a finite number.",
    );
    /// [`Error::ThresholdsOutOfOrder`](super::Error::ThresholdsOutOfOrder).
    pub const THRESHOLDS_OUT_OF_ORDER: ErrorKind = core(
        "THRESHOLDS_OUT_OF_ORDER",
        "ThresholdsOutOfOrderError",
        &["InvalidConfigError"],
        "Thresholds must satisfy 0 <= queue <= suggest <= auto <= 1.",
    );
    /// [`Error::UnknownSetting`](super::Error::UnknownSetting).
    pub const UNKNOWN_SETTING: ErrorKind = core(
        "UNKNOWN_SETTING",
        "UnknownSettingError",
        &["InvalidConfigError"],
        "A settings document or configuration patch named a key this version does not know.",
    );
    /// [`Error::InvalidRule`](super::Error::InvalidRule).
    pub const INVALID_RULE: ErrorKind = core(
        "INVALID_RULE",
        "InvalidRuleError",
        &["InvalidConfigError"],
        "A negative-sentiment rule (regular expression) does not compile.",
    );
    /// [`Error::UnknownPattern`](super::Error::UnknownPattern).
    pub const UNKNOWN_PATTERN: ErrorKind = core(
        "UNKNOWN_PATTERN",
        "UnknownPatternError",
        &[BASE, "LookupError"],
        "No pattern has this id (or it is deleted and the call needs a live one).",
    );
    /// [`Error::UnknownDecision`](super::Error::UnknownDecision).
    pub const UNKNOWN_DECISION: ErrorKind = core(
        "UNKNOWN_DECISION",
        "UnknownDecisionError",
        &[BASE, "LookupError"],
        "Feedback names a decision no engine sharing the store has recorded; nothing was applied (name the pattern instead, or check the id).",
    );
    /// [`Error::InvalidPattern`](super::Error::InvalidPattern).
    pub const INVALID_PATTERN: ErrorKind = core(
        "INVALID_PATTERN",
        "InvalidPatternError",
        VALUE,
        "A pattern needs a trigger example with words and a non-empty reply; confidence in [0, 1].",
    );
    /// [`Error::TextTooLong`](super::Error::TextTooLong).
    pub const TEXT_TOO_LONG: ErrorKind = core(
        "TEXT_TOO_LONG",
        "TextTooLongError",
        VALUE,
        "A feedback message or reply is longer than `max_message_bytes`.",
    );
    /// [`Error::InvalidFeedback`](super::Error::InvalidFeedback).
    pub const INVALID_FEEDBACK: ErrorKind = core(
        "INVALID_FEEDBACK",
        "InvalidFeedbackError",
        VALUE,
        "A feedback event is not usable as given (e.g. approve without a pattern).",
    );
    /// [`Error::InvalidCustomer`](super::Error::InvalidCustomer).
    pub const INVALID_CUSTOMER: ErrorKind = core(
        "INVALID_CUSTOMER",
        "InvalidCustomerError",
        VALUE,
        "An erasure names no customer: give a conversation id that is not blank or a phone number with a digit; nothing was erased.",
    );
    /// [`Error::InvalidEmbedding`](super::Error::InvalidEmbedding).
    pub const INVALID_EMBEDDING: ErrorKind = core(
        "INVALID_EMBEDDING",
        "InvalidEmbeddingError",
        VALUE,
        "A caller-supplied embedding has the wrong dimension or non-finite values.",
    );
    /// [`Error::Parse`](super::Error::Parse).
    pub const PARSE_ERROR: ErrorKind = core(
        "PARSE_ERROR",
        "ParseError",
        VALUE,
        "A document (JSON Lines data, settings, import rows) could not be parsed, or replay data lacks a named split.",
    );
    /// [`Error::Store`](super::Error::Store).
    pub const STORE_ERROR: ErrorKind = core(
        "STORE_ERROR",
        "StoreError",
        &[BASE, "OSError"],
        "Reading or writing the store failed (missing directory, read-only file, disk full, database unreachable); nothing of the call was applied.",
    );
    /// [`Error::StoreLocked`](super::Error::StoreLocked).
    pub const STORE_LOCKED: ErrorKind = core(
        "STORE_LOCKED",
        "StoreLockedError",
        &["StoreError"],
        "Another engine (in this or another process) holds the store file.",
    );
    /// [`Error::CorruptStore`](super::Error::CorruptStore).
    pub const CORRUPT_STORE: ErrorKind = core(
        "CORRUPT_STORE",
        "CorruptStoreError",
        &["StoreError"],
        "The file is not a pattern-learning store, or it is damaged; it was not changed.",
    );
    /// [`Error::SchemaTooNew`](super::Error::SchemaTooNew).
    pub const SCHEMA_TOO_NEW: ErrorKind = core(
        "SCHEMA_TOO_NEW",
        "SchemaTooNewError",
        &["StoreError"],
        "The store was written by a newer version of the library; upgrade to open it.",
    );
    /// [`Error::StoreConflict`](super::Error::StoreConflict).
    pub const STORE_CONFLICT: ErrorKind = core(
        "STORE_CONFLICT",
        "StoreConflictError",
        &["StoreError"],
        "Other engines sharing the store kept changing the same pattern and the automatic retries ran out; nothing was applied, try again.",
    );
    /// [`Error::Tls`](super::Error::Tls).
    pub const TLS_ERROR: ErrorKind = core(
        "TLS_ERROR",
        "TlsError",
        &["StoreError"],
        "TLS to the PostgreSQL server failed as the connection string's sslmode asks (no TLS offered, an untrusted certificate, a certificate for another host, an unusable sslrootcert); nothing was read or written.",
    );
    /// [`Error::InvalidModel`](super::Error::InvalidModel).
    pub const INVALID_MODEL: ErrorKind = core(
        "INVALID_MODEL",
        "InvalidModelError",
        &[BASE, "OSError"],
        "The MiniLM model directory is missing, incomplete or holds another model.",
    );
    /// [`Error::FeatureNotEnabled`](super::Error::FeatureNotEnabled).
    pub const FEATURE_NOT_ENABLED: ErrorKind = core(
        "FEATURE_NOT_ENABLED",
        "FeatureNotEnabledError",
        &[BASE, "NotImplementedError"],
        "The option needs a build with a cargo feature this build lacks (MiniLM needs `minilm`).",
    );
    /// [`Error::Import`](super::Error::Import).
    pub const IMPORT_ERROR: ErrorKind = core(
        "IMPORT_ERROR",
        "InvalidImportError",
        VALUE,
        "Rows of an import could not be read; nothing was imported.",
    );
    /// A call on an engine after it was closed.
    pub const ENGINE_CLOSED: ErrorKind = binding(
        "ENGINE_CLOSED",
        Some("EngineClosedError"),
        &[BASE, "RuntimeError"],
        "A call on an engine after it was closed; open or create a new one.",
    );
    /// An argument a binding cannot convert (Node; Python raises `TypeError` or
    /// `ValueError`).
    pub const INVALID_ARGUMENT: ErrorKind = binding(
        "INVALID_ARGUMENT",
        None,
        &[],
        "An argument has the wrong type or an unusable value (Node; Python raises the built-in TypeError or ValueError).",
    );
    /// A panic caught at a binding's boundary: always a bug.
    pub const INTERNAL: ErrorKind = binding(
        "INTERNAL",
        None,
        &[],
        "A bug in pattern-learning (a caught panic); please report it (Node; Python raises pyo3's PanicException).",
    );
}

/// Every error kind, bases before the kinds that derive from them.
pub const ERROR_KINDS: &[ErrorKind] = &[
    ErrorKind::PATTERN_LEARNING_ERROR,
    ErrorKind::INVALID_CONFIG,
    ErrorKind::THRESHOLDS_OUT_OF_ORDER,
    ErrorKind::UNKNOWN_SETTING,
    ErrorKind::INVALID_RULE,
    ErrorKind::UNKNOWN_PATTERN,
    ErrorKind::UNKNOWN_DECISION,
    ErrorKind::INVALID_PATTERN,
    ErrorKind::TEXT_TOO_LONG,
    ErrorKind::INVALID_FEEDBACK,
    ErrorKind::INVALID_CUSTOMER,
    ErrorKind::INVALID_EMBEDDING,
    ErrorKind::PARSE_ERROR,
    ErrorKind::STORE_ERROR,
    ErrorKind::STORE_LOCKED,
    ErrorKind::CORRUPT_STORE,
    ErrorKind::SCHEMA_TOO_NEW,
    ErrorKind::STORE_CONFLICT,
    ErrorKind::TLS_ERROR,
    ErrorKind::INVALID_MODEL,
    ErrorKind::FEATURE_NOT_ENABLED,
    ErrorKind::IMPORT_ERROR,
    ErrorKind::ENGINE_CLOSED,
    ErrorKind::INVALID_ARGUMENT,
    ErrorKind::INTERNAL,
];

impl ErrorKind {
    /// The kind with this code, if there is one.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::error::ErrorKind;
    /// let kind = ErrorKind::by_code("STORE_CONFLICT").unwrap();
    /// assert_eq!(kind.python_class, Some("StoreConflictError"));
    /// assert!(ErrorKind::by_code("NO_SUCH_CODE").is_none());
    /// ```
    pub fn by_code(code: &str) -> Option<&'static ErrorKind> {
        ERROR_KINDS.iter().find(|k| k.code == code)
    }
}
