//! Learns canned replies from the way support operators answer customers, and
//! decides for every new message whether to send a learned reply automatically,
//! suggest it, queue it for review, or hand it to a human.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod alerts;
mod book;
mod calibrate;
pub mod clock;
pub mod config;
mod context;
pub mod decision;
mod decision_id;
pub mod embed;
mod engine;
pub mod error;
pub mod events;
pub mod feedback;
pub mod gates;
mod guards;
mod index;
mod key_hash;
pub mod learn;
pub mod metrics;
pub mod pattern;
mod pattern_map;
pub mod replay;
pub mod report;
pub mod safety;
pub mod score;
pub mod signature;
pub mod store;
pub mod sweep;
pub mod template;
pub mod text;
mod tier;
pub mod topic;
pub mod v1;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub use book::{rebuild_from_history, ChangeKind, PatternEvent, PatternState};
pub use config::{Config, Environment, Profile};
pub use context::MessageContext;
pub use decision::{Action, Decision, Evidence, MatchKind, Outbound, OutboundKind, Reason};
pub use decision_id::{DecisionId, ParseDecisionIdError};
pub use engine::{
    BulkAction, BulkChange, BulkReport, Engine, EngineBuilder, ImportOptions, Selection,
};
pub use error::{Error, Result};
pub use feedback::{Feedback, FeedbackAction, FeedbackOutcome};
pub use gates::{Gate, Gates};
pub use metrics::MetricsSnapshot;
pub use pattern::{NewPattern, Pattern, PatternFilter, PatternId, PatternUpdate, Provenance};
