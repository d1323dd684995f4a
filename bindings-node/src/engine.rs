//! `PatternEngine`: the modern API (mirrors `core/src/engine.rs`).

use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi_derive::napi;
use pattern_learning as pl;
use serde_json::Value;

use crate::config::{patched, Config, Profile};
use crate::decision::{count, Decision};
use crate::error::{sync, BindingError, Code};
use crate::feedback::{feedback, Feedback, FeedbackOutcome};
use crate::pattern::{
    embedding, pattern_id, Embedding, NewPattern, Pattern, PatternEvent, PatternFilter,
    PatternUpdate,
};
use crate::safety::{rules, SafetySettings, SafetyThresholds, SafetyVerdict, SentimentRule};
use crate::task::Job;

/// Options of `new PatternEngine(options)`.
#[napi(object)]
pub struct EngineOptions {
    /// Starting configuration: `'seed'` (default) or `'v1'`.
    pub profile: Option<Profile>,
    /// Configuration overrides merged over the profile (camelCase keys, nested objects
    /// merged), e.g. `{ shadowMode: true, thresholds: { auto: 0.9 } }`.
    #[napi(
        ts_type = "{ [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] }"
    )]
    pub config: Option<Value>,
    /// Safety thresholds overrides (V1's `SafetyThresholds` keys).
    #[napi(ts_type = "Partial<SafetyThresholds>")]
    pub safety_thresholds: Option<Value>,
    /// Safety settings overrides (V1's `getSettings` keys).
    #[napi(ts_type = "Partial<SafetySettings>")]
    pub safety_settings: Option<Value>,
}

/// What the caller knows about a message besides its text.
#[napi(object)]
pub struct MessageContext {
    /// Conversation the message belongs to (guards are kept per conversation).
    pub conversation_id: Option<String>,
    /// Customer phone number.
    pub phone: Option<String>,
    /// Customer name, for `{{customer_name}}`.
    pub customer_name: Option<String>,
    /// Inbound message id; the same id is never answered twice.
    pub message_id: Option<String>,
    /// Caller-supplied embedding of the message.
    #[napi(ts_type = "Float32Array | number[]")]
    pub embedding: Option<Embedding>,
    /// Extra template variables (`{{booking_link}}`, `{{customer.name}}`, …).
    #[napi(ts_type = "Record<string, unknown>")]
    pub variables: Option<Value>,
}

pub(crate) fn variables(v: Option<Value>) -> Result<serde_json::Map<String, Value>, BindingError> {
    match v {
        None | Some(Value::Null) => Ok(serde_json::Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(BindingError::InvalidArgument(
            "`variables` must be a plain object".into(),
        )),
    }
}

impl TryFrom<MessageContext> for pl::MessageContext {
    type Error = BindingError;

    fn try_from(c: MessageContext) -> Result<Self, BindingError> {
        Ok(pl::MessageContext {
            conversation_id: c.conversation_id,
            phone: c.phone,
            customer_name: c.customer_name,
            message_id: c.message_id,
            embedding: c.embedding.map(embedding),
            variables: variables(c.variables)?,
        })
    }
}

fn context(c: Option<MessageContext>) -> Result<pl::MessageContext, BindingError> {
    c.map_or_else(|| Ok(pl::MessageContext::default()), TryInto::try_into)
}

fn object(what: &str, v: Value) -> Result<Value, BindingError> {
    if v.is_object() {
        Ok(v)
    } else {
        Err(BindingError::InvalidArgument(format!(
            "{what} must be a plain object"
        )))
    }
}

/// Builds an engine from options. The one place engines are made: the durable
/// `PatternEngine.open(path, options)` will add the core's store here once it exists.
fn build(options: EngineOptions) -> Result<pl::Engine, BindingError> {
    let profile = options.profile.map_or(pl::Profile::Seed, Into::into);
    let mut config = pl::Config::from_profile(profile);
    if let Some(patch) = options.config {
        config = patched(&config, patch)?;
    }
    let mut thresholds = pl::safety::SafetyThresholds::default();
    if let Some(patch) = options.safety_thresholds {
        thresholds.apply_partial(&object("safetyThresholds", patch)?)?;
    }
    let mut settings = pl::safety::SafetySettings::default();
    if let Some(patch) = options.safety_settings {
        settings.apply_partial(&object("safetySettings", patch)?)?;
    }
    Ok(pl::Engine::builder()
        .config(config)
        .safety_thresholds(thresholds)
        .safety_settings(settings)
        .build()?)
}

/// Learns replies from operators and decides what to do with each message.
///
/// In memory: patterns live as long as the object.
#[napi]
pub struct PatternEngine {
    pub(crate) inner: Arc<pl::Engine>,
}

impl PatternEngine {
    /// A task that runs `f` on the engine off the JS thread.
    fn job<T: Send + 'static, J: ToNapiValue + TypeName>(
        &self,
        f: impl FnOnce(&pl::Engine) -> pl::Result<T> + Send + 'static,
        to_js: fn(T) -> J,
    ) -> AsyncTask<Job<T, J>> {
        let engine = self.inner.clone();
        AsyncTask::new(Job::new(move || Ok(f(&engine)?), to_js))
    }
}

#[napi]
impl PatternEngine {
    /// An in-memory engine. Throws `INVALID_CONFIG`, `THRESHOLDS_OUT_OF_ORDER`,
    /// `PARSE_ERROR`, `UNKNOWN_SETTING` or `INVALID_RULE` for bad options.
    #[napi(constructor)]
    pub fn new(options: Option<EngineOptions>) -> napi::Result<Self, Code> {
        sync(|| {
            let options = options.unwrap_or(EngineOptions {
                profile: None,
                config: None,
                safety_thresholds: None,
                safety_settings: None,
            });
            Ok(PatternEngine {
                inner: Arc::new(build(options)?),
            })
        })
    }

    /// Decides what to do with one inbound customer message, off the JS thread.
    #[napi(ts_return_type = "Promise<Decision>")]
    pub fn process(
        &self,
        message: String,
        context: Option<MessageContext>,
    ) -> napi::Result<AsyncTask<Job<pl::Decision, Decision>>, Code> {
        let ctx = sync(|| self::context(context))?;
        Ok(self.job(move |e| e.process(&message, &ctx), Decision::from))
    }

    /// `process` on the calling thread: blocks the event loop for the call (tens of
    /// microseconds in memory). For scripts, benchmarks and batch jobs.
    #[napi]
    pub fn process_sync(
        &self,
        message: String,
        context: Option<MessageContext>,
    ) -> napi::Result<Decision, Code> {
        sync(|| {
            let ctx = self::context(context)?;
            Ok(self.inner.process(&message, &ctx)?.into())
        })
    }

    /// Records operator feedback (V2 structured shape plus `action`, `sentReply`,
    /// `patternId`, `decisionId`), off the JS thread.
    #[napi(ts_return_type = "Promise<FeedbackOutcome>")]
    pub fn feedback(
        &self,
        event: Feedback,
    ) -> napi::Result<AsyncTask<Job<pl::FeedbackOutcome, FeedbackOutcome>>, Code> {
        let (event, vector) = sync(|| feedback(event))?;
        Ok(self.job(
            move |e| e.feedback_with_vector(&event, vector),
            FeedbackOutcome::from,
        ))
    }

    /// Tells the engine that an operator wrote in a conversation (takeover):
    /// automatic replies stop there for the configured lockout.
    #[napi]
    pub fn record_operator_message(
        &self,
        conversation_id: String,
        last_customer_message: Option<String>,
    ) -> napi::Result<(), Code> {
        sync(|| {
            self.inner
                .record_operator_message(&conversation_id, last_customer_message.as_deref());
            Ok(())
        })
    }

    /// Creates a pattern from trigger examples, keywords and a reply template.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn create_pattern(&self, pattern: NewPattern) -> AsyncTask<Job<pl::Pattern, Pattern>> {
        let new: pl::NewPattern = pattern.into();
        self.job(move |e| e.create_pattern(new), Pattern::from)
    }

    /// Changes a pattern's content; absent fields stay as they are.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn update_pattern(
        &self,
        id: f64,
        update: PatternUpdate,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        let update: pl::PatternUpdate = update.into();
        Ok(self.job(move |e| e.update_pattern(id, update), Pattern::from))
    }

    /// Activates or deactivates a pattern (inactive patterns are never proposed).
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn set_active(
        &self,
        id: f64,
        active: bool,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        Ok(self.job(move |e| e.set_active(id, active), Pattern::from))
    }

    /// Approves (or withdraws approval of) a pattern for automatic sending.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn set_auto_executable(
        &self,
        id: f64,
        auto: bool,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        Ok(self.job(move |e| e.set_auto_executable(id, auto), Pattern::from))
    }

    /// Soft-deletes a pattern (restorable).
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn delete_pattern(
        &self,
        id: f64,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        Ok(self.job(move |e| e.delete_pattern(id), Pattern::from))
    }

    /// Restores a soft-deleted pattern.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn restore_pattern(
        &self,
        id: f64,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        Ok(self.job(move |e| e.restore_pattern(id), Pattern::from))
    }

    /// One pattern (deleted ones included), or `null`.
    #[napi]
    pub fn pattern(&self, id: f64) -> napi::Result<Option<Pattern>, Code> {
        sync(|| Ok(self.inner.pattern(pattern_id(id)?).map(Into::into)))
    }

    /// Patterns in id order; active and not deleted unless the filter says otherwise.
    #[napi]
    pub fn patterns(&self, filter: Option<PatternFilter>) -> napi::Result<Vec<Pattern>, Code> {
        sync(|| {
            let filter = filter.map(Into::into).unwrap_or_default();
            Ok(self
                .inner
                .patterns(filter)
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// The change history of one pattern, or of every pattern; oldest first.
    #[napi]
    pub fn history(&self, id: Option<f64>) -> napi::Result<Vec<PatternEvent>, Code> {
        sync(|| {
            let events = match id {
                Some(id) => self.inner.history(pattern_id(id)?)?,
                None => self.inner.full_history()?,
            };
            Ok(events.into_iter().map(Into::into).collect())
        })
    }

    /// Number of patterns (deleted ones included).
    #[napi(getter)]
    pub fn pattern_count(&self) -> u32 {
        count(self.inner.pattern_count())
    }

    /// The configuration in force.
    #[napi]
    pub fn get_config(&self) -> napi::Result<Config, Code> {
        sync(|| Ok(self.inner.config().into()))
    }

    /// Merges `patch` (camelCase keys, nested objects merged) over the configuration in
    /// force; all or nothing. Returns the new configuration.
    #[napi(
        ts_args_type = "patch: { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] }"
    )]
    pub fn set_config(&self, patch: Value) -> napi::Result<Config, Code> {
        sync(|| {
            let next = patched(&self.inner.config(), patch)?;
            self.inner.set_config(next.clone())?;
            Ok(next.into())
        })
    }

    /// Checks a message against the safety rules alone (V1 `checkMessageSafety`).
    #[napi]
    pub fn check_message_safety(&self, message: String) -> napi::Result<SafetyVerdict, Code> {
        sync(|| Ok(self.inner.check_message_safety(&message).into()))
    }

    /// The safety thresholds in force.
    #[napi]
    pub fn get_safety_thresholds(&self) -> napi::Result<SafetyThresholds, Code> {
        sync(|| Ok(self.inner.safety_thresholds().into()))
    }

    /// Applies a partial update of the safety thresholds (camelCase or snake_case keys);
    /// all or nothing. Returns the thresholds in force.
    #[napi(ts_args_type = "patch: Partial<SafetyThresholds>")]
    pub fn update_safety_thresholds(&self, patch: Value) -> napi::Result<SafetyThresholds, Code> {
        sync(|| Ok(self.inner.update_safety_thresholds(&patch)?.into()))
    }

    /// Restores the default negative-sentiment rules.
    #[napi]
    pub fn reset_sentiment_rules(&self) -> napi::Result<SafetyThresholds, Code> {
        sync(|| Ok(self.inner.reset_sentiment_rules()?.into()))
    }

    /// The safety settings in force (blacklist, escalation keywords, approvals).
    #[napi]
    pub fn get_safety_settings(&self) -> napi::Result<SafetySettings, Code> {
        sync(|| Ok(self.inner.safety_settings().into()))
    }

    /// Applies a partial update of the safety settings; all or nothing.
    #[napi(ts_args_type = "patch: Partial<SafetySettings>")]
    pub fn update_safety_settings(&self, patch: Value) -> napi::Result<SafetySettings, Code> {
        sync(|| Ok(self.inner.update_safety_settings(&patch)?.into()))
    }

    /// The built-in negative-sentiment rules.
    #[napi]
    pub fn default_sentiment_rules() -> Vec<SentimentRule> {
        rules(pl::safety::default_sentiment_rules())
    }
}
