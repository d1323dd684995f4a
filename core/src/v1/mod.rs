//! V1 compatibility: everything that exists because V1 did it this way.
//!
//! The result shapes and call semantics of V1's `patternLearningService`
//! (`docs/v1-behaviour.md`) on top of an [`Engine`](crate::Engine), and what the engine
//! inherited from V1:
//!
//! | module | what |
//! |---|---|
//! | this one | V1's service calls ([`process_message`], [`learn_from_human_response`], [`record_operator_response`], [`update_pattern_confidence`], [`plan_conversation_steps`]; `patternSafetyService`'s [`check_pattern_approval`], [`record_pattern_usage`], [`check_minimum_examples`], [`record_learning_example`]), their results ([`PatternResult`], [`PatternRow`], [`Reasoning`]), the configuration of a V1 service ([`config`], [`ServiceOptions`], [`config_view`]), the automatic-reply signature ([`AI_SIGNATURE`]) |
//! | [`topic`] | V1's topic detection, used by the operator lockouts |
//! | [`cues`] | V1's follow-up helpers: still unresolved, resolved, location and box |
//! | [`automations`] | V1's legacy regex automations (`calculateConfidence`, `findBestAutomation`) |
//! | [`entities`] | V1's entity extraction from customer messages, used to fill templates |
//! | [`rows`] | V1's `decision_patterns` rows: import from JSON, `COPY … CSV` or V1's database, export back |
//!
//! The Node package exposes the service calls under V1's names so that the V1 backend
//! can swap its services for the package without changing its call sites. They are
//! a thin mapping onto the engine; the differences from V1 are deliberate and
//! listed on each function:
//!
//! * [`pattern_result`] keeps V1's field names and reason strings, reports the
//!   *decision* confidence (a number, never a string), and only carries a `response`
//!   on an `escalate` result when the customer must be told that a human takes over;
//!   "no matching pattern" is a silent hand-off.
//! * [`learn_from_human_response`] never learns a reply that carries the automatic-reply
//!   signature [`AI_SIGNATURE`] (V1 learned its own replies), and records the
//!   operator takeover of the conversation.
//! * [`record_operator_response`] never overwrites a pattern's reply with whatever the
//!   operator wrote (V1 did): it records an approval, an approval with edits, or —
//!   for a text that is not the proposed reply, such as "ok" — no verdict at all.
//!
//! # Example
//! ```
//! use pattern_learning::{v1, Engine};
//!
//! let engine = Engine::with_config(v1::config()).unwrap();
//! let ctx = v1::context(Some("+19025550100"), Some("conv-1"), Some("Sam"));
//!
//! // Nothing learned yet: a silent hand-off; the operator's answer will be learned.
//! let result = v1::process_message(&engine, "Do you sell gift cards?", &ctx).unwrap();
//! assert_eq!(result.reason.as_deref(), Some("no_matching_pattern"));
//! assert_eq!(result.learn_from_response, Some(true));
//! assert!(result.response.is_none());
//!
//! // The operator answers by hand.
//! let learned = v1::learn_from_human_response(
//!     &engine, "Do you sell gift cards?", "Yes! Buy them online.", Some("conv-1"), None, None,
//! ).unwrap();
//! assert!(matches!(learned, v1::LearnOutcome::Learned(_)));
//!
//! // Replies signed by the engine itself are never learned.
//! let own = v1::learn_from_human_response(
//!     &engine, "hours?", "We open at 9.\n\n- ClubAI", Some("conv-1"), None, None,
//! ).unwrap();
//! assert_eq!(own, v1::LearnOutcome::SkippedAiReply);
//! ```

pub mod ai_signature;
pub mod automations;
mod config;
pub mod cues;
mod dates;
pub mod entities;
mod examples;
mod first_boot;
#[cfg(feature = "postgres")]
mod import_postgres;
mod js_regex;
mod operator_reply;
mod plan;
mod reasoning;
mod result;
pub mod rows;
mod service;
mod service_store;
pub mod topic;
mod verdicts;

pub use ai_signature::{is_ai_reply, sign, AI_SIGNATURE};
pub use config::{config, config_view, ConfigView, ServiceOptions};
pub use dates::iso8601;
pub use examples::{check_minimum_examples, record_learning_example};
#[cfg(feature = "postgres")]
pub use first_boot::import_v1_patterns;
pub use first_boot::{import_v1_rows, V1PatternsImport};
pub use plan::{plan_conversation_steps, ConversationPlan, PlanStep};
pub use reasoning::Reasoning;
pub use result::{pattern_result, reason, PatternResult, PatternRow, REASON_PROCESSING_ERROR};
pub use service::{
    available_topics, context, detect_message_topic, is_same_topic, learn_from_human_response,
    process_message, record_operator_response, LearnOutcome,
};
pub use service_store::{ServiceEnv, ServiceStore, MEMORY, STORE_VAR};
pub use verdicts::{check_pattern_approval, record_pattern_usage, update_pattern_confidence};

#[cfg(test)]
mod tests;
