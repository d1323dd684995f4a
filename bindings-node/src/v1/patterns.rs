//! V1's pattern calls without a message at hand (mirrors `core/src/v1/verdicts.rs`,
//! `examples.rs` and `plan.rs`): `updatePatternConfidence`, `checkPatternApproval`,
//! `recordPatternUsage`, `recordLearningExample`, `checkMinimumExamples`,
//! `planConversationSteps`.

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pattern_learning as pl;
use pl::v1;

use super::LearnResult;
use crate::engine::PatternEngine;
use crate::error::{sync, Code};
use crate::feedback::FeedbackOutcome;
use crate::pattern::pattern_id;
use crate::task::Job;

/// V1's `checkPatternApproval` result.
#[napi(object, object_from_js = false)]
pub struct PatternApproval {
    /// True while the pattern has fewer approvals than `threshold`: it is not
    /// auto-sent.
    pub requires_approval: bool,
    /// Approvals counted (an approval with edits counts `1 / operatorOverrideWeight`).
    pub approval_count: f64,
    /// Approvals needed (0: no rule asks for any).
    pub threshold: u32,
}

impl From<pl::PatternApproval> for PatternApproval {
    fn from(a: pl::PatternApproval) -> Self {
        PatternApproval {
            requires_approval: a.requires_approval,
            approval_count: a.approval_count,
            threshold: a.threshold,
        }
    }
}

/// V1's `updatePatternConfidence`, off the JS thread.
#[napi(ts_return_type = "Promise<FeedbackOutcome>")]
pub fn v1_update_pattern_confidence(
    engine: &PatternEngine,
    pattern: f64,
    success: bool,
    human_modified: bool,
) -> napi::Result<AsyncTask<Job<pl::FeedbackOutcome, FeedbackOutcome>>, Code> {
    let id = sync(|| pattern_id(pattern))?;
    let engine = sync(|| engine.engine())?;
    Ok(AsyncTask::new(Job::new(
        move || {
            Ok(v1::update_pattern_confidence(
                &engine,
                id,
                success,
                human_modified,
            )?)
        },
        FeedbackOutcome::from,
    )))
}

/// V1's `checkPatternApproval`.
#[napi]
pub fn v1_check_pattern_approval(
    engine: &PatternEngine,
    pattern: f64,
) -> napi::Result<PatternApproval, Code> {
    sync(|| {
        let id = pattern_id(pattern)?;
        let engine = engine.engine()?;
        Ok(v1::check_pattern_approval(&engine, id).into())
    })
}

/// The task of `v1RecordPatternUsage`.
type UsageJob = Job<Option<pl::FeedbackOutcome>, Option<FeedbackOutcome>>;

/// V1's `recordPatternUsage`, off the JS thread: the approval's outcome, or `null`
/// for an unapproved use (nothing recorded).
#[napi(ts_return_type = "Promise<FeedbackOutcome | null>")]
pub fn v1_record_pattern_usage(
    engine: &PatternEngine,
    pattern: f64,
    was_approved: bool,
) -> napi::Result<AsyncTask<UsageJob>, Code> {
    let id = sync(|| pattern_id(pattern))?;
    let engine = sync(|| engine.engine())?;
    Ok(AsyncTask::new(Job::new(
        move || Ok(v1::record_pattern_usage(&engine, id, was_approved)?),
        |o| o.map(FeedbackOutcome::from),
    )))
}

/// V1's `recordLearningExample`, off the JS thread.
#[napi(ts_return_type = "Promise<LearnResult>")]
pub fn v1_record_learning_example(
    engine: &PatternEngine,
    customer_message: String,
    operator_response: String,
) -> napi::Result<AsyncTask<Job<v1::LearnOutcome, LearnResult>>, Code> {
    let engine = sync(|| engine.engine())?;
    Ok(AsyncTask::new(Job::new(
        move || {
            Ok(v1::record_learning_example(
                &engine,
                &customer_message,
                &operator_response,
            )?)
        },
        LearnResult::from,
    )))
}

/// V1's `checkMinimumExamples`.
#[napi]
pub fn v1_check_minimum_examples(
    engine: &PatternEngine,
    pattern_signature: String,
) -> napi::Result<bool, Code> {
    sync(|| {
        let engine = engine.engine()?;
        Ok(v1::check_minimum_examples(&engine, &pattern_signature))
    })
}

/// One step of a conversation plan.
#[napi(object, object_from_js = false)]
pub struct PlanStep {
    /// 1-based position.
    pub step: u32,
    /// What to do (`respond`).
    pub action: String,
    /// The step in words.
    pub description: String,
    /// When the step applies, if only sometimes.
    pub condition: Option<String>,
}

/// V1's `planConversationSteps` result (snake_case keys, as V1).
#[napi(object, object_from_js = false)]
pub struct ConversationPlan {
    /// The steps.
    pub steps: Vec<PlanStep>,
    /// The step the conversation is at.
    #[napi(js_name = "current_step")]
    pub current_step: u32,
    /// V1's estimate.
    #[napi(js_name = "estimated_resolution_time")]
    pub estimated_resolution_time: String,
}

/// V1's `planConversationSteps`: V1's result without a model (one "respond" step).
#[napi]
pub fn v1_plan_conversation_steps() -> ConversationPlan {
    let plan = v1::plan_conversation_steps();
    ConversationPlan {
        steps: plan
            .steps
            .into_iter()
            .map(|s| PlanStep {
                step: s.step,
                action: s.action,
                description: s.description,
                condition: s.condition,
            })
            .collect(),
        current_step: plan.current_step,
        estimated_resolution_time: plan.estimated_resolution_time,
    }
}
