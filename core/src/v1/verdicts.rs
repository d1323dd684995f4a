//! Operator verdicts on a pattern when the message is not at hand: V1's
//! `updatePatternConfidence`, and `patternSafetyService`'s `checkPatternApproval`
//! and `recordPatternUsage`.

use crate::engine::{Engine, PatternApproval};
use crate::error::{Error, Result};
use crate::feedback::{FeedbackAction, FeedbackOutcome};
use crate::pattern::PatternId;

/// V1's `updatePatternConfidence(patternId, success, humanModified = false,
/// executionId?)`: a success is an approval (with edits when `human_modified`), a
/// failure a rejection, by the engine's learning rates ([`Engine::judge`]). Trust,
/// counters and promotion move as for feedback; the verdict is recorded in the
/// pattern's history.
///
/// Differences from V1: the rates are the profile's (`v1`: +0.05 / +0.02 / −0.10;
/// V1's string arithmetic made every increase fail); promotion follows the library's
/// rule, not "confidence ≥ the auto threshold"; V1's `executionId` has no counterpart
/// (to link feedback to a decision, pass its id to [`Engine::feedback`]).
///
/// # Errors
///
/// [`Error::UnknownPattern`] for an unknown or deleted pattern; a store error.
pub fn update_pattern_confidence(
    engine: &Engine,
    pattern_id: PatternId,
    success: bool,
    human_modified: bool,
) -> Result<FeedbackOutcome> {
    let action = match (success, human_modified) {
        (false, _) => FeedbackAction::Reject,
        (true, true) => FeedbackAction::Modify,
        (true, false) => FeedbackAction::Approve,
    };
    engine.judge(pattern_id, action, None)
}

/// V1's `checkPatternApproval(patternId)`: whether the pattern still needs operator
/// approvals before it may auto-send ([`Engine::pattern_approval`]).
///
/// As in V1, an unknown pattern requires approval (with a count of 0), and nothing
/// requires approval when no rule asks for any (`{false, 0, 0}` for an unknown id).
/// Unlike V1, the threshold is the one the engine enforces: the stricter of
/// `approvalThreshold` (when `requireApprovalForNew` is on) and the environment's
/// `approvals_before_auto_send`; an approval with edits counts
/// `1 / operatorOverrideWeight`.
///
/// # Example
/// ```
/// use pattern_learning::{v1, Engine, PatternId};
/// let engine = Engine::with_config(v1::config()).unwrap();
/// let unknown = v1::check_pattern_approval(&engine, PatternId(42));
/// assert_eq!((unknown.requires_approval, unknown.approval_count, unknown.threshold), (true, 0.0, 10));
/// ```
pub fn check_pattern_approval(engine: &Engine, pattern_id: PatternId) -> PatternApproval {
    match engine.pattern_approval(pattern_id) {
        Ok(standing) => standing,
        Err(_) => {
            let threshold = engine.approvals_required();
            PatternApproval {
                requires_approval: threshold > 0,
                approval_count: 0.0,
                threshold,
            }
        }
    }
}

/// V1's `recordPatternUsage(patternId, wasApproved)`: an approved use is an
/// operator approval of the pattern ([`Engine::judge`]): it counts towards the
/// approvals the pattern needs, and moves trust and counters like an approval.
/// An unapproved use records nothing (`Ok(None)`), as in V1.
///
/// Difference from V1: V1 only counted the approval (`approval_count`, `execution_count`);
/// here it is an approval like any other, so trust rises by the approve rate too.
///
/// # Errors
///
/// [`Error::UnknownPattern`] for an unknown or deleted pattern; a store error.
pub fn record_pattern_usage(
    engine: &Engine,
    pattern_id: PatternId,
    was_approved: bool,
) -> Result<Option<FeedbackOutcome>> {
    if !was_approved {
        return match engine.pattern(pattern_id) {
            Some(_) => Ok(None),
            None => Err(Error::UnknownPattern(pattern_id)),
        };
    }
    engine
        .judge(pattern_id, FeedbackAction::Approve, None)
        .map(Some)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::pattern::NewPattern;

    fn engine_with_pattern() -> (Engine, PatternId) {
        let engine = Engine::with_config(crate::v1::config()).unwrap();
        let id = engine
            .create_pattern(NewPattern::new(["wifi password?"], "On the wall."))
            .unwrap()
            .id;
        (engine, id)
    }

    #[test]
    fn success_failure_and_edits_move_trust_by_the_profiles_rates() {
        let (engine, id) = engine_with_pattern();
        let steps = [
            (true, false, 0.05),
            (true, true, 0.02),
            (false, false, -0.10),
        ];
        for (success, modified, delta) in steps {
            let out = update_pattern_confidence(&engine, id, success, modified).unwrap();
            let (before, after) = out.confidence_change.unwrap();
            assert!((after - before - delta).abs() < 1e-9, "{out:?}");
        }
        let p = engine.pattern(id).unwrap();
        assert_eq!(
            (p.success_count, p.override_count, p.failure_count),
            (1, 1, 1)
        );
        assert_eq!(p.trigger_examples, ["wifi password?"], "no example added");
        assert!(update_pattern_confidence(&engine, PatternId(9), true, false).is_err());
    }

    #[test]
    fn approved_uses_count_towards_the_approval_threshold() {
        let (engine, id) = engine_with_pattern();
        engine
            .update_safety_settings(&json!({"approvalThreshold": 2}))
            .unwrap();
        assert_eq!(record_pattern_usage(&engine, id, false).unwrap(), None);
        assert!(check_pattern_approval(&engine, id).requires_approval);
        record_pattern_usage(&engine, id, true).unwrap();
        record_pattern_usage(&engine, id, true).unwrap();
        let standing = check_pattern_approval(&engine, id);
        assert_eq!(
            (
                standing.requires_approval,
                standing.approval_count,
                standing.threshold
            ),
            (false, 2.0, 2)
        );
        assert!(record_pattern_usage(&engine, PatternId(9), false).is_err());
    }

    #[test]
    fn without_any_rule_nothing_requires_approval() {
        let (engine, _) = engine_with_pattern();
        engine
            .update_safety_settings(&json!({"requireApprovalForNew": false}))
            .unwrap();
        let unknown = check_pattern_approval(&engine, PatternId(42));
        assert_eq!(
            (
                unknown.requires_approval,
                unknown.approval_count,
                unknown.threshold
            ),
            (false, 0.0, 0)
        );
    }
}
