//! The V1-compatible surface (mirrors `core/src/v1/`): V1's `patternLearningService`
//! calls on a [`PatternEngine`], with V1's result shapes, and the options of a V1
//! service's engine; opening a service ([`service`]), V1's pattern calls
//! ([`patterns`]) and V1's pure helpers ([`helpers`]).

pub mod helpers;
pub mod patterns;
pub mod service;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pattern_learning::v1;
use serde_json::Value;

use crate::decision::{number, Action};
use crate::engine::{variables, EngineOptions, PatternEngine};
use crate::error::{sync, Code};
use crate::feedback::FeedbackOutcome;
use crate::pattern::{embedding, Embedding};
use crate::task::Job;

/// V1's `reasoning` (snake_case keys, as V1).
#[napi(object)]
pub struct V1Reasoning {
    /// How the pattern was found and how close the message is to it.
    #[napi(js_name = "thought_process")]
    pub thought_process: String,
    /// What the caller should do next.
    #[napi(js_name = "next_steps")]
    pub next_steps: Vec<String>,
    /// What to ask the customer.
    #[napi(js_name = "questions_to_ask")]
    pub questions_to_ask: Option<Vec<String>>,
    /// How the confidence came about.
    #[napi(js_name = "confidence_explanation")]
    pub confidence_explanation: String,
}

/// A pattern as a V1 `decision_patterns` row (snake_case columns).
#[napi(object, use_nullable = true)]
pub struct V1PatternRow {
    /// Pattern id.
    pub id: f64,
    /// V1 category (`booking`, `tech_issue`, `access`, `gift_cards`, …).
    #[napi(js_name = "pattern_type")]
    pub pattern_type: String,
    /// V1 signature (MD5) of the first trigger example.
    #[napi(js_name = "pattern_signature")]
    pub pattern_signature: String,
    /// The first trigger example.
    #[napi(js_name = "trigger_text")]
    pub trigger_text: String,
    /// Trigger keywords.
    #[napi(js_name = "trigger_keywords")]
    pub trigger_keywords: Vec<String>,
    /// All trigger examples.
    #[napi(js_name = "trigger_examples")]
    pub trigger_examples: Vec<String>,
    /// Reply template.
    #[napi(js_name = "response_template")]
    pub response_template: String,
    /// Action template, or `null`.
    #[napi(js_name = "action_template")]
    pub action_template: Option<Value>,
    /// Pattern confidence (a number).
    #[napi(js_name = "confidence_score")]
    pub confidence_score: f64,
    /// Approved for automatic sending.
    #[napi(js_name = "auto_executable")]
    pub auto_executable: bool,
    /// Eligible for matching.
    #[napi(js_name = "is_active")]
    pub is_active: bool,
    /// Soft-deleted.
    #[napi(js_name = "is_deleted")]
    pub is_deleted: bool,
    /// Confirmed uses.
    #[napi(js_name = "execution_count")]
    pub execution_count: f64,
    /// Confirmed right.
    #[napi(js_name = "success_count")]
    pub success_count: f64,
    /// Confirmed wrong.
    #[napi(js_name = "failure_count")]
    pub failure_count: f64,
    /// Approved with edits.
    #[napi(js_name = "human_override_count")]
    pub human_override_count: f64,
    /// `learned`, `manual` or `imported`.
    #[napi(js_name = "created_from")]
    pub created_from: String,
    /// Creation time (ISO 8601).
    #[napi(js_name = "created_at")]
    pub created_at: String,
    /// Last use (ISO 8601), or `null`.
    #[napi(js_name = "last_used")]
    pub last_used: Option<String>,
    /// Last change (ISO 8601).
    #[napi(js_name = "last_modified")]
    pub last_modified: String,
}

impl From<v1::PatternRow> for V1PatternRow {
    fn from(r: v1::PatternRow) -> Self {
        let v1::PatternRow {
            id,
            pattern_type,
            pattern_signature,
            trigger_text,
            trigger_keywords,
            trigger_examples,
            response_template,
            action_template,
            confidence_score,
            auto_executable,
            is_active,
            is_deleted,
            execution_count,
            success_count,
            failure_count,
            human_override_count,
            created_from,
            created_at,
            last_used,
            last_modified,
        } = r;
        V1PatternRow {
            id: number(id.0),
            pattern_type,
            pattern_signature,
            trigger_text,
            trigger_keywords,
            trigger_examples,
            response_template,
            action_template,
            confidence_score,
            auto_executable,
            is_active,
            is_deleted,
            execution_count: number(execution_count),
            success_count: number(success_count),
            failure_count: number(failure_count),
            human_override_count: number(human_override_count),
            created_from,
            created_at,
            last_used,
            last_modified,
        }
    }
}

/// V1's `PatternResult`.
#[napi(object)]
pub struct PatternResult {
    /// The tier.
    pub action: Action,
    /// The matched pattern, as a V1 row.
    pub pattern: Option<V1PatternRow>,
    /// Id of the matched pattern.
    pub pattern_id: Option<f64>,
    /// Text for the customer, signed `- ClubAI`: the reply to send (`auto_execute`) or
    /// to propose (`suggest`, `queue`), or on `escalate` the notice that a human takes
    /// over. Absent on silent hand-offs and in shadow mode.
    pub response: Option<String>,
    /// The rendered action template as a list.
    pub actions: Option<Vec<Value>>,
    /// The decision confidence in `[0, 1]`.
    pub confidence: Option<f64>,
    /// V1's reason (`pattern_learning_disabled`, `no_matching_pattern`,
    /// `low_confidence`, `processing_error`) or the engine's reason.
    pub reason: Option<String>,
    /// `true` when an operator will answer a message the engine had no usable reply
    /// for: pass their answer to `learnFromHumanResponse`.
    pub learn_from_response: Option<bool>,
    /// Why the pattern was chosen.
    pub reasoning: Option<V1Reasoning>,
    /// The engine's decision id (not in V1), for modern `feedback({ decisionId })`.
    pub decision_id: Option<String>,
}

impl From<v1::PatternResult> for PatternResult {
    fn from(r: v1::PatternResult) -> Self {
        let v1::PatternResult {
            action,
            pattern,
            pattern_id,
            response,
            actions,
            confidence,
            reason,
            learn_from_response,
            reasoning,
            decision_id,
        } = r;
        PatternResult {
            action: action.into(),
            pattern: pattern.map(Into::into),
            pattern_id: pattern_id.map(|p| number(p.0)),
            response,
            actions,
            confidence,
            reason,
            learn_from_response,
            reasoning: reasoning.map(|r| V1Reasoning {
                thought_process: r.thought_process,
                next_steps: r.next_steps,
                questions_to_ask: r.questions_to_ask,
                confidence_explanation: r.confidence_explanation,
            }),
            decision_id: decision_id.map(|d| d.to_string()),
        }
    }
}

/// Extras of `processMessage` beyond V1's arguments.
#[napi(object)]
pub struct V1ProcessOptions {
    /// Inbound message id (e.g. OpenPhone's); a repeated id is never answered twice.
    pub message_id: Option<String>,
    /// Caller-supplied embedding of the message.
    #[napi(ts_type = "Float32Array | number[]")]
    pub embedding: Option<Embedding>,
    /// Extra template variables.
    #[napi(ts_type = "Record<string, unknown>")]
    pub variables: Option<Value>,
}

/// V1's `processMessage`, off the JS thread.
#[napi(ts_return_type = "Promise<PatternResult>")]
pub fn v1_process_message(
    engine: &PatternEngine,
    message: String,
    phone_number: Option<String>,
    conversation_id: Option<String>,
    customer_name: Option<String>,
    options: Option<V1ProcessOptions>,
) -> napi::Result<AsyncTask<Job<v1::PatternResult, PatternResult>>, Code> {
    let ctx = sync(|| {
        let mut ctx = v1::context(
            phone_number.as_deref(),
            conversation_id.as_deref(),
            customer_name.as_deref(),
        );
        if let Some(o) = options {
            ctx.message_id = o.message_id;
            ctx.embedding = o.embedding.map(embedding);
            ctx.variables = variables(o.variables)?;
        }
        Ok(ctx)
    })?;
    let engine = sync(|| engine.engine())?;
    Ok(AsyncTask::new(Job::new(
        move || Ok(v1::process_message(&engine, &message, &ctx)?),
        PatternResult::from,
    )))
}

/// V1's result when processing failed: `{action: 'escalate', reason: 'processing_error'}`.
#[napi]
pub fn v1_processing_error() -> PatternResult {
    v1::PatternResult::processing_error().into()
}

/// What `learnFromHumanResponse` / `recordOperatorResponse` did.
#[napi(object, object_from_js = false)]
pub struct LearnResult {
    /// Whether the reply was learned (or the judged pattern updated).
    pub learned: bool,
    /// Why nothing was learned: `ai_reply` (the reply carries `- ClubAI`) or `no_text`.
    pub skipped: Option<String>,
    /// What the feedback changed, when learned.
    pub outcome: Option<FeedbackOutcome>,
}

impl From<v1::LearnOutcome> for LearnResult {
    fn from(o: v1::LearnOutcome) -> Self {
        let skipped = |why: &str| LearnResult {
            learned: false,
            skipped: Some(why.to_owned()),
            outcome: None,
        };
        match o {
            v1::LearnOutcome::Learned(outcome) => LearnResult {
                learned: true,
                skipped: None,
                outcome: Some(outcome.into()),
            },
            v1::LearnOutcome::SkippedAiReply => skipped("ai_reply"),
            v1::LearnOutcome::SkippedNoText => skipped("no_text"),
            _ => skipped("other"),
        }
    }
}

/// V1's `learnFromHumanResponse`, off the JS thread.
#[napi(ts_return_type = "Promise<LearnResult>")]
pub fn v1_learn_from_human_response(
    engine: &PatternEngine,
    original_message: String,
    human_response: String,
    conversation_id: Option<String>,
    phone_number: Option<String>,
    operator_id: Option<String>,
) -> napi::Result<AsyncTask<Job<v1::LearnOutcome, LearnResult>>, Code> {
    let engine = sync(|| engine.engine())?;
    Ok(AsyncTask::new(Job::new(
        move || {
            Ok(v1::learn_from_human_response(
                &engine,
                &original_message,
                &human_response,
                conversation_id.as_deref(),
                phone_number.as_deref(),
                operator_id.as_deref(),
            )?)
        },
        LearnResult::from,
    )))
}

/// V1's `recordOperatorResponse`, off the JS thread.
#[napi(ts_return_type = "Promise<LearnResult>")]
pub fn v1_record_operator_response(
    engine: &PatternEngine,
    customer_message: String,
    operator_response: String,
    pattern_id: Option<f64>,
    operator_id: Option<String>,
) -> napi::Result<AsyncTask<Job<v1::LearnOutcome, LearnResult>>, Code> {
    let id = sync(|| pattern_id.map(crate::pattern::pattern_id).transpose())?;
    let engine = sync(|| engine.engine())?;
    Ok(AsyncTask::new(Job::new(
        move || {
            Ok(v1::record_operator_response(
                &engine,
                &customer_message,
                &operator_response,
                id,
                operator_id.as_deref(),
            )?)
        },
        LearnResult::from,
    )))
}

/// V1's `getConfig()` result.
#[napi(object)]
pub struct V1ConfigView {
    /// The master switch.
    pub enabled: bool,
    /// Equals `enabled` (the engine has one switch).
    pub openphone_enabled: bool,
    /// Shadow mode.
    pub shadow_mode: bool,
}

/// V1's `getConfig()`.
#[napi]
pub fn v1_config(engine: &PatternEngine) -> napi::Result<V1ConfigView, Code> {
    sync(|| {
        let engine = engine.engine()?;
        let v = v1::config_view(&engine);
        Ok(V1ConfigView {
            enabled: v.enabled,
            openphone_enabled: v.openphone_enabled,
            shadow_mode: v.shadow_mode,
        })
    })
}

/// The options of the engine a V1 service creates (`createV1Service` without an
/// `engine`): the service's options with V1's defaults filled in by the core
/// (`v1::ServiceOptions`): profile `'v1'` unless another is given, and
/// `aiSignature: '- ClubAI'` unless `config` sets one. Other options pass through.
/// Throws `INVALID_CONFIG` when `config` is not an object.
#[napi]
pub fn v1_engine_options(options: Option<EngineOptions>) -> napi::Result<EngineOptions, Code> {
    sync(|| {
        let EngineOptions {
            profile,
            environment,
            config,
            safety_thresholds,
            safety_settings,
            minilm_dir,
        } = options.unwrap_or_default();
        let profile = profile
            .map(|p| p.parse::<pattern_learning::Profile>())
            .transpose()?;
        let service = v1::ServiceOptions {
            profile,
            config,
            ..v1::ServiceOptions::default()
        };
        Ok(EngineOptions {
            profile: Some(service.profile().as_str().to_owned()),
            environment,
            config: Some(service.overrides()?),
            safety_thresholds,
            safety_settings,
            minilm_dir,
        })
    })
}
