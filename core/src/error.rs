//! The crate's error type.

use crate::decision_id::DecisionId;
use crate::pattern::PatternId;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `pattern-learning`.
///
/// Each variant says what was wrong and, where there is one, what to do about it.
/// The set of variants may grow; match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is outside its allowed range or not a finite number.
    #[error("invalid configuration: `{key}` = {value}: {reason}")]
    InvalidConfig {
        /// The configuration key, as written in settings (snake_case).
        key: String,
        /// The rejected value, rendered as text.
        value: String,
        /// Why it was rejected and what is allowed.
        reason: String,
    },
    /// Thresholds must satisfy `0 <= queue <= suggest <= auto <= 1`.
    #[error(
        "thresholds out of order: need 0 <= queue ({queue}) <= suggest ({suggest}) <= auto ({auto}) <= 1"
    )]
    ThresholdsOutOfOrder {
        /// Auto-execute threshold.
        auto: f64,
        /// Suggest threshold.
        suggest: f64,
        /// Queue threshold.
        queue: f64,
    },
    /// A settings document named a key this version does not know.
    #[error("unknown setting `{key}`; known settings: {known}")]
    UnknownSetting {
        /// The unknown key.
        key: String,
        /// Comma-separated list of accepted keys.
        known: String,
    },
    /// No pattern has this id (or it was deleted and the call needs a live one).
    #[error("no pattern with id {0}")]
    UnknownPattern(PatternId),
    /// No decision has this id: feedback named a decision that no engine sharing
    /// the store has recorded (or the engine has no store and has forgotten it).
    #[error("no decision with id {0}")]
    UnknownDecision(DecisionId),
    /// A pattern needs at least one trigger example and a non-empty reply.
    #[error("invalid pattern: {0}")]
    InvalidPattern(String),
    /// A message or reply is larger than the configured limit.
    #[error("text too long: {len} bytes, the limit is {max} (config `max_message_bytes`)")]
    TextTooLong {
        /// Length of the rejected text in bytes.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A feedback event is not usable as given.
    #[error("invalid feedback: {0}")]
    InvalidFeedback(String),
    /// A caller-supplied embedding has the wrong dimension or non-finite values.
    #[error("invalid embedding: {0}")]
    InvalidEmbedding(String),
    /// A safety rule (regular expression) does not compile.
    #[error("invalid sentiment rule `{pattern}`: {reason}")]
    InvalidRule {
        /// The rule's source text.
        pattern: String,
        /// The regex compiler's message.
        reason: String,
    },
    /// A serialised document (settings, feedback, import rows) could not be parsed.
    #[error("could not parse {what}: {reason}")]
    Parse {
        /// What was being parsed.
        what: String,
        /// The parser's message.
        reason: String,
    },
    /// The store file was written by a newer version of this library.
    #[error(
        "the store uses schema version {found}, this library supports up to {supported}; upgrade pattern-learning to open it (the file was not changed)"
    )]
    SchemaTooNew {
        /// Schema version found in the file.
        found: u32,
        /// Newest schema version this library knows.
        supported: u32,
    },
    /// The store file is not a pattern-learning store, or it is damaged.
    #[error("cannot open store {path}: {reason} (the file was not changed)")]
    CorruptStore {
        /// Path of the file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Another engine (in this or another process) holds the store.
    #[error("store {path} is in use by another engine; share one Engine (e.g. behind an Arc) or use the PostgreSQL store for several processes")]
    StoreLocked {
        /// Path of the file.
        path: String,
    },
    /// Reading or writing the store failed (disk full, read-only file, I/O error).
    /// Nothing of the failed operation was applied, in the file or in memory.
    #[error("store error during {operation}: {reason}")]
    Store {
        /// What was being done (`open`, `commit`, `load`, …).
        operation: String,
        /// The underlying error's message.
        reason: String,
    },
    /// Another engine sharing the store changed a pattern this commit also changes
    /// (or created the same pattern id first); nothing was written. Engines retry on
    /// fresh state by themselves: callers see this only when retries kept failing.
    #[error("store conflict: {reason}")]
    StoreConflict {
        /// Which pattern and why.
        reason: String,
    },
    /// A model directory given to an optional embedder (MiniLM) is missing, incomplete
    /// or holds something else than the expected model.
    #[error("cannot load the embedding model from {path}: {reason}")]
    InvalidModel {
        /// The directory (or the file in it) that could not be used.
        path: String,
        /// What is wrong and what the directory must contain.
        reason: String,
    },
    /// The call needs a cargo feature this build of the library was compiled without.
    #[error("this build of pattern-learning lacks {feature} support: rebuild with the cargo feature `{feature}` (see the README)")]
    FeatureNotEnabled {
        /// The cargo feature's name (e.g. `minilm`).
        feature: String,
    },
    /// Rows of an import could not be read; nothing was imported.
    #[error("import failed: {} bad row(s); nothing was imported. First: {}", .0.len(), .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Import(Vec<RowError>),
}

impl Error {
    /// A stable, machine-readable code for this kind of error (the bindings expose
    /// it as `error.code`): `INVALID_CONFIG`, `THRESHOLDS_OUT_OF_ORDER`,
    /// `UNKNOWN_SETTING`, `UNKNOWN_PATTERN`, `INVALID_PATTERN`, `TEXT_TOO_LONG`,
    /// `INVALID_FEEDBACK`, `INVALID_EMBEDDING`, `INVALID_RULE`, `PARSE_ERROR`,
    /// `SCHEMA_TOO_NEW`, `CORRUPT_STORE`, `STORE_LOCKED`, `STORE_ERROR`, `STORE_CONFLICT`,
    /// `INVALID_MODEL`, `FEATURE_NOT_ENABLED`, `IMPORT_ERROR`.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::{Error, PatternId};
    /// assert_eq!(Error::UnknownPattern(PatternId(7)).code(), "UNKNOWN_PATTERN");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidConfig { .. } => "INVALID_CONFIG",
            Error::ThresholdsOutOfOrder { .. } => "THRESHOLDS_OUT_OF_ORDER",
            Error::UnknownSetting { .. } => "UNKNOWN_SETTING",
            Error::UnknownPattern(_) => "UNKNOWN_PATTERN",
            Error::InvalidPattern(_) => "INVALID_PATTERN",
            Error::TextTooLong { .. } => "TEXT_TOO_LONG",
            Error::InvalidFeedback(_) => "INVALID_FEEDBACK",
            Error::InvalidEmbedding(_) => "INVALID_EMBEDDING",
            Error::InvalidRule { .. } => "INVALID_RULE",
            Error::Parse { .. } => "PARSE_ERROR",
            Error::SchemaTooNew { .. } => "SCHEMA_TOO_NEW",
            Error::CorruptStore { .. } => "CORRUPT_STORE",
            Error::StoreLocked { .. } => "STORE_LOCKED",
            Error::Store { .. } => "STORE_ERROR",
            Error::StoreConflict { .. } => "STORE_CONFLICT",
            Error::UnknownDecision(_) => "UNKNOWN_DECISION",
            Error::InvalidModel { .. } => "INVALID_MODEL",
            Error::FeatureNotEnabled { .. } => "FEATURE_NOT_ENABLED",
            Error::Import(_) => "IMPORT_ERROR",
        }
    }

    /// True for errors caused by invalid configuration or settings values.
    pub fn is_config_error(&self) -> bool {
        matches!(
            self,
            Error::InvalidConfig { .. }
                | Error::ThresholdsOutOfOrder { .. }
                | Error::UnknownSetting { .. }
                | Error::InvalidRule { .. }
        )
    }
}

/// One bad row of an import.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("row {row}: {reason}")]
pub struct RowError {
    /// 1-based row number (data rows; the CSV header is not counted).
    pub row: usize,
    /// What is wrong with the row.
    pub reason: String,
}

impl From<crate::decision_id::ParseDecisionIdError> for Error {
    fn from(e: crate::decision_id::ParseDecisionIdError) -> Self {
        Error::Parse {
            what: "decision id".into(),
            reason: e.to_string(),
        }
    }
}
