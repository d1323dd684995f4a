//! Operator examples: `patternSafetyService`'s `recordLearningExample` and
//! `checkMinimumExamples`, backed by the engine's patterns.
//!
//! V1 kept examples in a table keyed by a signature and created a pattern once
//! `minExamplesRequired` examples shared one. The engine keeps examples in the
//! pattern whose reply they got: recording an example is learning an operator's
//! answer, and a signature's examples are the trigger examples of the pattern that
//! holds a message with that V1 signature.

use super::service::{learn_answer, LearnOutcome};
use crate::engine::Engine;
use crate::error::Result;
use crate::pattern::PatternFilter;
use crate::signature::v1_signature;

/// V1's `recordLearningExample(patternSignature, customerMessage, operatorResponse,
/// wasModified = false)`: the operator's reply to the customer's message is learned
/// as an answer ([`Feedback::answer`](crate::Feedback::answer)): the message joins
/// the pattern that carries that reply, or a new learned pattern is made (active,
/// not auto-executable).
///
/// Differences from V1: examples are grouped by the reply, not by
/// `pattern_signature` (which is not needed); `wasModified` changes nothing (V1 gave
/// such examples a lower weight in a confidence the library does not compute — how
/// an edit counts is `operatorOverrideWeight`'s job, on approvals); replies carrying
/// the automatic-reply signature are not learned.
///
/// # Errors
///
/// A store error, or a text longer than the configured maximum.
pub fn record_learning_example(
    engine: &Engine,
    customer_message: &str,
    operator_response: &str,
) -> Result<LearnOutcome> {
    learn_answer(engine, customer_message, operator_response, None)
}

/// V1's `checkMinimumExamples(patternSignature)`: whether the pattern holding a
/// trigger example with this V1 signature (or stored with it, when imported) has
/// at least `minExamplesRequired` trigger examples — what the `min_examples` gate
/// asks before the pattern may auto-send. `false` when no pattern holds it.
///
/// # Example
/// ```
/// use pattern_learning::{signature::v1_signature, v1, Engine};
/// let engine = Engine::with_config(v1::config()).unwrap();
/// let signature = v1_signature("Do you sell gift cards?");
/// assert!(!v1::check_minimum_examples(&engine, &signature));
/// for q in ["Do you sell gift cards?", "gift cards?", "can I buy a gift card", "gift card for sale?", "do you have gift cards"] {
///     v1::record_learning_example(&engine, q, "Yes, online.").unwrap();
/// }
/// assert!(v1::check_minimum_examples(&engine, &signature)); // 5, V1's default
/// ```
pub fn check_minimum_examples(engine: &Engine, pattern_signature: &str) -> bool {
    let needed = engine.safety_settings().min_examples_required as usize;
    engine
        .patterns(PatternFilter {
            include_deleted: false,
            include_inactive: true,
        })
        .iter()
        .filter(|p| {
            p.v1_signature.as_deref() == Some(pattern_signature)
                || p.trigger_examples
                    .iter()
                    .any(|e| v1_signature(e) == pattern_signature)
        })
        .any(|p| p.trigger_examples.len() >= needed)
}
