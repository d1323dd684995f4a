//! The crate's error type, and the table of error kinds every layer shares.

use crate::decision_id::DecisionId;
use crate::pattern::PatternId;

mod kind;

pub use kind::{ErrorKind, RaisedBy, ERROR_KINDS};

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
    /// An erasure does not name a customer: it needs a conversation id that is not
    /// blank or a phone number with a digit.
    #[error("invalid customer to erase: {0}")]
    InvalidCustomer(String),
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
    /// A TLS connection to the PostgreSQL server failed as the connection string's
    /// `sslmode` asks for it: the server offers no TLS where it is required, its
    /// certificate does not chain to a trusted CA or is not for the host, or the CA
    /// bundle named by `sslrootcert` cannot be used. Nothing was read or written.
    #[error("TLS to {location} failed: {reason} (check the connection string's sslmode and sslrootcert, and the host name)")]
    Tls {
        /// Host, port, database and schema (never the password).
        location: String,
        /// What failed.
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
    /// The kind of this error: its row of [`ERROR_KINDS`].
    ///
    /// # Example
    /// ```
    /// use pattern_learning::error::ErrorKind;
    /// use pattern_learning::{Error, PatternId};
    /// let kind = Error::UnknownPattern(PatternId(7)).kind();
    /// assert_eq!(kind, ErrorKind::UNKNOWN_PATTERN);
    /// assert_eq!(kind.python_class, Some("UnknownPatternError"));
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidConfig { .. } => ErrorKind::INVALID_CONFIG,
            Error::ThresholdsOutOfOrder { .. } => ErrorKind::THRESHOLDS_OUT_OF_ORDER,
            Error::UnknownSetting { .. } => ErrorKind::UNKNOWN_SETTING,
            Error::UnknownPattern(_) => ErrorKind::UNKNOWN_PATTERN,
            Error::InvalidPattern(_) => ErrorKind::INVALID_PATTERN,
            Error::TextTooLong { .. } => ErrorKind::TEXT_TOO_LONG,
            Error::InvalidFeedback(_) => ErrorKind::INVALID_FEEDBACK,
            Error::InvalidCustomer(_) => ErrorKind::INVALID_CUSTOMER,
            Error::InvalidEmbedding(_) => ErrorKind::INVALID_EMBEDDING,
            Error::InvalidRule { .. } => ErrorKind::INVALID_RULE,
            Error::Parse { .. } => ErrorKind::PARSE_ERROR,
            Error::SchemaTooNew { .. } => ErrorKind::SCHEMA_TOO_NEW,
            Error::CorruptStore { .. } => ErrorKind::CORRUPT_STORE,
            Error::StoreLocked { .. } => ErrorKind::STORE_LOCKED,
            Error::Store { .. } => ErrorKind::STORE_ERROR,
            Error::StoreConflict { .. } => ErrorKind::STORE_CONFLICT,
            Error::Tls { .. } => ErrorKind::TLS_ERROR,
            Error::UnknownDecision(_) => ErrorKind::UNKNOWN_DECISION,
            Error::InvalidModel { .. } => ErrorKind::INVALID_MODEL,
            Error::FeatureNotEnabled { .. } => ErrorKind::FEATURE_NOT_ENABLED,
            Error::Import(_) => ErrorKind::IMPORT_ERROR,
        }
    }

    /// A stable, machine-readable code for this kind of error (the bindings expose
    /// it as `error.code`); every code is listed in [`ERROR_KINDS`].
    ///
    /// # Example
    /// ```
    /// use pattern_learning::{Error, PatternId};
    /// assert_eq!(Error::UnknownPattern(PatternId(7)).code(), "UNKNOWN_PATTERN");
    /// ```
    pub fn code(&self) -> &'static str {
        self.kind().code
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// One error of every variant. The match below has no wildcard arm, so a new
    /// variant does not compile until it is added here too.
    fn one_of_each() -> Vec<Error> {
        let text = || String::from("x");
        let all = vec![
            Error::InvalidConfig {
                key: text(),
                value: text(),
                reason: text(),
            },
            Error::ThresholdsOutOfOrder {
                auto: 0.1,
                suggest: 0.2,
                queue: 0.3,
            },
            Error::UnknownSetting {
                key: text(),
                known: text(),
            },
            Error::UnknownPattern(PatternId(1)),
            Error::InvalidPattern(text()),
            Error::TextTooLong { len: 2, max: 1 },
            Error::InvalidFeedback(text()),
            Error::InvalidCustomer(text()),
            Error::InvalidEmbedding(text()),
            Error::InvalidRule {
                pattern: text(),
                reason: text(),
            },
            Error::Parse {
                what: text(),
                reason: text(),
            },
            Error::SchemaTooNew {
                found: 9,
                supported: 1,
            },
            Error::CorruptStore {
                path: text(),
                reason: text(),
            },
            Error::StoreLocked { path: text() },
            Error::Store {
                operation: text(),
                reason: text(),
            },
            Error::StoreConflict { reason: text() },
            Error::Tls {
                location: text(),
                reason: text(),
            },
            Error::UnknownDecision(DecisionId::from_legacy(1)),
            Error::InvalidModel {
                path: text(),
                reason: text(),
            },
            Error::FeatureNotEnabled { feature: text() },
            Error::Import(Vec::new()),
        ];
        for e in &all {
            match e {
                Error::InvalidConfig { .. }
                | Error::ThresholdsOutOfOrder { .. }
                | Error::UnknownSetting { .. }
                | Error::UnknownPattern(_)
                | Error::UnknownDecision(_)
                | Error::InvalidPattern(_)
                | Error::TextTooLong { .. }
                | Error::InvalidFeedback(_)
                | Error::InvalidCustomer(_)
                | Error::InvalidEmbedding(_)
                | Error::InvalidRule { .. }
                | Error::Parse { .. }
                | Error::SchemaTooNew { .. }
                | Error::CorruptStore { .. }
                | Error::StoreLocked { .. }
                | Error::Store { .. }
                | Error::StoreConflict { .. }
                | Error::Tls { .. }
                | Error::InvalidModel { .. }
                | Error::FeatureNotEnabled { .. }
                | Error::Import(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_has_its_own_row_of_the_table() {
        let errors = one_of_each();
        let kinds: HashSet<&str> = errors.iter().map(Error::code).collect();
        assert_eq!(kinds.len(), errors.len(), "two variants share a code");
        let core_rows: HashSet<&str> = ERROR_KINDS
            .iter()
            .filter(|k| k.raised_by == RaisedBy::Core)
            .map(|k| k.code)
            .collect();
        assert_eq!(kinds, core_rows);
        for e in &errors {
            assert_eq!(ErrorKind::by_code(e.code()), Some(&e.kind()));
        }
    }

    #[test]
    fn codes_and_python_classes_are_unique_and_well_formed() {
        let codes: HashSet<&str> = ERROR_KINDS.iter().map(|k| k.code).collect();
        assert_eq!(codes.len(), ERROR_KINDS.len());
        assert!(codes
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_')));
        let classes: Vec<&str> = ERROR_KINDS.iter().filter_map(|k| k.python_class).collect();
        let unique: HashSet<&str> = classes.iter().copied().collect();
        assert_eq!(unique.len(), classes.len());
        assert!(classes.iter().all(|c| c.ends_with("Error")));
        assert!(ERROR_KINDS.iter().all(|k| !k.meaning.is_empty()));
    }

    #[test]
    fn python_bases_are_earlier_classes_or_builtins() {
        const BUILTINS: &[&str] = &[
            "Exception",
            "ValueError",
            "TypeError",
            "LookupError",
            "OSError",
            "RuntimeError",
            "NotImplementedError",
        ];
        let mut defined: Vec<&str> = Vec::new();
        for kind in ERROR_KINDS {
            for base in kind.python_bases {
                assert!(
                    BUILTINS.contains(base) || defined.contains(base),
                    "{}: base {base} is neither a builtin nor an earlier class",
                    kind.code
                );
            }
            match kind.python_class {
                Some(class) => {
                    assert!(!kind.python_bases.is_empty(), "{class} has no base");
                    defined.push(class);
                }
                None => assert!(kind.python_bases.is_empty(), "{}", kind.code),
            }
        }
        assert_eq!(ERROR_KINDS[0], ErrorKind::PATTERN_LEARNING_ERROR);
    }
}
