//! The crate's error type.

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
}
