//! [`DecisionId`]: the id of one decision, unique across engines and restarts.
//!
//! A decision id is a time-ordered 128-bit UUID (version 7): 48 bits of the engine
//! clock's milliseconds, then random bits. Two engines on one database, or one engine
//! before and after a restart, never hand out the same id, so feedback that names a
//! decision by its id always finds that decision — on any engine that shares the
//! store, after any restart — or gets [`Error::UnknownDecision`](crate::Error::UnknownDecision).
//!
//! Its text form is the hyphenated lowercase UUID (`0190f3c2-7a1e-7c3d-9f4e-…`),
//! which is also its JSON form and the form the Node and Python packages use.
//! Stores written before ids were UUIDs numbered decisions per engine (1, 2, …):
//! such an id reads as the UUID whose last 64 bits are the number
//! ([`DecisionId::from_legacy`]), and the number itself parses too.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::clock::Timestamp;

/// The id of one decision: a time-ordered UUID (version 7), unique across engines
/// and restarts; its text and JSON form is the hyphenated lowercase UUID.
///
/// # Example
/// ```
/// use pattern_learning::DecisionId;
/// use pattern_learning::clock::Timestamp;
///
/// let a = DecisionId::new(Timestamp(1_767_225_600_000));
/// let b = DecisionId::new(Timestamp(1_767_225_600_000));
/// assert_ne!(a, b); // same millisecond, different ids
/// let text = a.to_string();
/// assert_eq!(text.len(), 36);
/// assert_eq!(text.parse::<DecisionId>().unwrap(), a);
/// assert_eq!("7".parse::<DecisionId>().unwrap(), DecisionId::from_legacy(7));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecisionId(Uuid);

impl DecisionId {
    /// A new id for a decision made at `at` (milliseconds since the epoch).
    pub fn new(at: Timestamp) -> DecisionId {
        let millis = u64::try_from(at.0.max(0)).unwrap_or(0);
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            millis / 1000,
            (millis % 1000) as u32 * 1_000_000,
        );
        DecisionId(Uuid::new_v7(ts))
    }

    /// The id a store written before decision ids were UUIDs gave its `number`-th
    /// decision of one engine.
    pub fn from_legacy(number: u64) -> DecisionId {
        DecisionId(Uuid::from_u128(u128::from(number)))
    }

    /// The id as a 128-bit number.
    pub fn as_u128(self) -> u128 {
        self.0.as_u128()
    }

    /// The id from its 128-bit number.
    pub fn from_u128(value: u128) -> DecisionId {
        DecisionId(Uuid::from_u128(value))
    }
}

impl fmt::Display for DecisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for DecisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecisionId({self})")
    }
}

/// Text that is not a decision id (converts into [`Error::Parse`](crate::Error::Parse)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDecisionIdError(String);

impl fmt::Display for ParseDecisionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseDecisionIdError {}

impl FromStr for DecisionId {
    type Err = ParseDecisionIdError;

    /// A UUID in any of its usual text forms, or a legacy decimal number.
    fn from_str(s: &str) -> Result<DecisionId, ParseDecisionIdError> {
        let s = s.trim();
        if let Ok(number) = s.parse::<u64>() {
            return Ok(DecisionId::from_legacy(number));
        }
        Uuid::parse_str(s).map(DecisionId).map_err(|e| {
            ParseDecisionIdError(format!("`{}` is not a UUID or a number: {e}", cut(s)))
        })
    }
}

/// At most 64 characters of `s`, for messages.
fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

impl Serialize for DecisionId {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DecisionId {
    /// A string (see [`FromStr`]) or, as stores of schema version 1 wrote them, a
    /// number.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Number(u64),
            Text(String),
        }
        match Form::deserialize(deserializer)? {
            Form::Number(n) => Ok(DecisionId::from_legacy(n)),
            Form::Text(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_and_distinct() {
        let earlier = DecisionId::new(Timestamp(1_000_000));
        let later = DecisionId::new(Timestamp(2_000_000));
        assert!(earlier < later);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            assert!(seen.insert(DecisionId::new(Timestamp(1_000_000))));
        }
    }

    #[test]
    fn text_and_json_round_trip_and_legacy_numbers_read() {
        let id = DecisionId::new(Timestamp(1_767_225_600_000));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<DecisionId>(&json).unwrap(), id);
        assert_eq!(
            serde_json::from_str::<DecisionId>("42").unwrap(),
            DecisionId::from_legacy(42)
        );
        assert_eq!(
            DecisionId::from_legacy(42).to_string(),
            "00000000-0000-0000-0000-00000000002a"
        );
        let err = "not-an-id".parse::<DecisionId>().unwrap_err();
        assert!(err.to_string().contains("not-an-id"), "{err}");
        assert!(serde_json::from_str::<DecisionId>("-1").is_err());
    }
}
