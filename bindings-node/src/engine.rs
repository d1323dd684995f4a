//! `PatternEngine`: the modern API (mirrors `core/src/engine.rs`).

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi_derive::napi;
use pattern_learning as pl;
use serde_json::Value;

use crate::audit::{BulkAction, BulkOptions, BulkReport, Selection};
use crate::config::Config;
use crate::decision::{count, Decision};
use crate::error::{id_from_js, sync, BindingError, Code};
use crate::feedback::{feedback, Feedback, FeedbackOutcome};
use crate::pattern::{
    embedding, pattern_id, Embedding, NewPattern, Pattern, PatternEvent, PatternFilter,
    PatternUpdate,
};
use crate::privacy::{CustomerToErase, ErasureCounts};
use crate::safety::{rules, SafetySettings, SafetyThresholds, SafetyVerdict, SentimentRule};
use crate::task::Job;

/// The task of `applyRetention`: what was dropped, or nothing without a period.
type RetentionJob = Job<Option<pl::store::ErasureCounts>, Option<ErasureCounts>>;

/// Options of `new PatternEngine(options)` and `PatternEngine.open(path, options)`.
#[napi(object)]
#[derive(Default)]
pub struct EngineOptions {
    /// Starting configuration: `'seed'` (default) or `'v1'`.
    #[napi(ts_type = "Profile")]
    pub profile: Option<String>,
    /// Environment overlay layered between the profile and `config`:
    /// `'development'` (shadow mode), `'staging'` (1 approval before auto-send),
    /// `'production'` (2). Without it, the variable `PATTERN_LEARNING_ENV` selects one
    /// when a configuration is built.
    #[napi(ts_type = "'development' | 'staging' | 'production'")]
    pub environment: Option<String>,
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
    /// Directory of the all-MiniLM-L6-v2 model (`config.json`, `model.safetensors`,
    /// `vocab.txt`) to embed with instead of the built-in table. Needs a build of this
    /// package with the cargo feature `minilm`; otherwise `FEATURE_NOT_ENABLED`. A bad
    /// directory gives `INVALID_MODEL`.
    pub minilm_dir: Option<String>,
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

/// What `EngineOptions` asks for; `None` where an option was not given.
struct Settings {
    config: Option<pl::Config>,
    thresholds: Option<pl::safety::SafetyThresholds>,
    settings: Option<pl::safety::SafetySettings>,
    embedder: Option<std::sync::Arc<dyn pl::embed::Embedder>>,
}

impl Settings {
    /// Parses options: a configuration when `profile`, `environment` or `config` is
    /// given, or for an in-memory engine when `PATTERN_LEARNING_ENV` is set (layered
    /// by the core: profile, then environment, then `config`), safety thresholds and
    /// settings (defaults with the overrides merged) when given. A durable engine
    /// opened without configuration options keeps its stored configuration.
    fn from_options(options: EngineOptions, durable: bool) -> Result<Self, BindingError> {
        let env_var = std::env::var(pl::config::ENV_VAR)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let config = if options.profile.is_some()
            || options.config.is_some()
            || options.environment.is_some()
            || (env_var.is_some() && !durable)
        {
            let profile = options
                .profile
                .as_deref()
                .map(str::parse::<pl::Profile>)
                .transpose()?;
            let patch = options
                .config
                .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
            Some(pl::Config::requested(
                profile,
                options.environment.as_deref(),
                &patch,
                env_var.as_deref(),
            )?)
        } else {
            None
        };
        let thresholds = match options.safety_thresholds {
            Some(patch) => {
                let mut t = pl::safety::SafetyThresholds::default();
                t.apply_partial(&object("safetyThresholds", patch)?)?;
                Some(t)
            }
            None => None,
        };
        let settings = match options.safety_settings {
            Some(patch) => {
                let mut s = pl::safety::SafetySettings::default();
                s.apply_partial(&object("safetySettings", patch)?)?;
                Some(s)
            }
            None => None,
        };
        let embedder = match options.minilm_dir {
            Some(dir) => Some(pl::embed::load_minilm(dir)?),
            None => None,
        };
        Ok(Settings {
            config,
            thresholds,
            settings,
            embedder,
        })
    }

    /// Gives the builder what was asked for; the rest stays the builder's: the
    /// defaults in memory, the stored values on a store.
    fn apply(self, mut builder: pl::EngineBuilder) -> pl::EngineBuilder {
        if let Some(c) = self.config {
            builder = builder.config(c);
        }
        if let Some(t) = self.thresholds {
            builder = builder.safety_thresholds(t);
        }
        if let Some(s) = self.settings {
            builder = builder.safety_settings(s);
        }
        if let Some(e) = self.embedder {
            builder = builder.embedder(e);
        }
        builder
    }
}

/// An in-memory engine from options (`new PatternEngine(options)`).
fn build(options: EngineOptions) -> Result<pl::Engine, BindingError> {
    Ok(Settings::from_options(options, false)?
        .apply(pl::Engine::builder())
        .build()?)
}

/// A durable engine on the store file at `path`, or on the PostgreSQL store when `path`
/// is a `postgres://` URL (`PatternEngine.open`). Options that
/// are given replace the stored configuration or safety settings (and are written to
/// the store); absent ones leave the stored values in force.
fn open(path: &str, options: EngineOptions) -> Result<pl::Engine, BindingError> {
    if path.is_empty() {
        return Err(BindingError::InvalidArgument(
            "PatternEngine.open: `path` must not be empty".into(),
        ));
    }
    let settings = Settings::from_options(options, true)?;
    Ok(settings
        .apply(pl::Engine::builder().open_location(path)?)
        .build()?)
}

/// Waits until no task holds `engine` any more, then drops it: a durable engine
/// closes its store file (and releases its lock) before `close()` returns.
fn release(mut engine: Arc<pl::Engine>) {
    loop {
        match Arc::try_unwrap(engine) {
            Ok(last) => {
                drop(last);
                return;
            }
            // A call started before `close()` is still running on the thread pool;
            // it never needs the JS thread to finish.
            Err(shared) => {
                engine = shared;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

/// Learns replies from operators and decides what to do with each message.
///
/// In memory (`new PatternEngine()`: patterns live as long as the object) or durable
/// (`PatternEngine.open(path)`: every change is in the store file before it is
/// visible). `close()` releases the engine, and its store file, at once.
#[napi]
pub struct PatternEngine {
    /// The engine; `None` once closed. Tasks hold a clone of the `Arc` while they run.
    inner: RwLock<Option<Arc<pl::Engine>>>,
    durable: bool,
}

impl PatternEngine {
    pub(crate) fn wrap(engine: pl::Engine) -> Self {
        PatternEngine {
            durable: engine.is_durable(),
            inner: RwLock::new(Some(Arc::new(engine))),
        }
    }

    /// The engine, or `ENGINE_CLOSED`.
    pub(crate) fn engine(&self) -> Result<Arc<pl::Engine>, BindingError> {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(BindingError::EngineClosed)
    }

    /// A task that runs `f` on the engine off the JS thread; `ENGINE_CLOSED` (thrown,
    /// then turned into a rejection by the facade) once the engine is closed.
    fn job<T: Send + 'static, J: ToNapiValue + TypeName>(
        &self,
        f: impl FnOnce(&pl::Engine) -> pl::Result<T> + Send + 'static,
        to_js: fn(T) -> J,
    ) -> napi::Result<AsyncTask<Job<T, J>>, Code> {
        let engine = sync(|| self.engine())?;
        Ok(AsyncTask::new(Job::new(move || Ok(f(&engine)?), to_js)))
    }
}

#[napi]
impl PatternEngine {
    /// An in-memory engine. Throws `INVALID_CONFIG`, `THRESHOLDS_OUT_OF_ORDER`,
    /// `PARSE_ERROR`, `UNKNOWN_SETTING` or `INVALID_RULE` for bad options.
    #[napi(constructor)]
    pub fn new(options: Option<EngineOptions>) -> napi::Result<Self, Code> {
        sync(|| Ok(PatternEngine::wrap(build(options.unwrap_or_default())?)))
    }

    /// A durable engine on the single-file store at `path` (created when missing),
    /// or, when `path` is a `postgres://` or `postgresql://` URL, on the PostgreSQL
    /// store in that database (shared with every engine that opens it, in any
    /// process), opened off the JS thread. Options are those of the constructor; the ones given
    /// replace the configuration or safety settings held in the store (and are
    /// written to it), the others keep the stored values. Rejects with
    /// `STORE_LOCKED` (another engine holds the file), `CORRUPT_STORE`,
    /// `SCHEMA_TOO_NEW`, `STORE_ERROR`, or the constructor's codes for bad options.
    #[napi(ts_return_type = "Promise<PatternEngine>")]
    pub fn open(
        path: String,
        options: Option<EngineOptions>,
    ) -> AsyncTask<Job<pl::Engine, PatternEngine>> {
        AsyncTask::new(Job::new(
            move || open(&path, options.unwrap_or_default()),
            PatternEngine::wrap,
        ))
    }

    /// Whether the engine writes to a store file (`PatternEngine.open`); still
    /// readable after `close()`.
    #[napi(getter)]
    pub fn durable(&self) -> bool {
        self.durable
    }

    /// True once `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// Releases the engine: a durable engine closes its store file and releases its
    /// lock before `close()` returns (calls already running finish first). Later calls
    /// throw or reject with `ENGINE_CLOSED`; closing again does nothing.
    #[napi]
    pub fn close(&self) -> napi::Result<(), Code> {
        sync(|| {
            let engine = self
                .inner
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(engine) = engine {
                release(engine);
            }
            Ok(())
        })
    }

    /// Undoes the change recorded as history event `seq` (which must be the latest
    /// change of its pattern): the pattern returns to its state before it, and the
    /// undo is recorded as an `undone` event. Resolves to the pattern.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn undo(&self, seq: f64) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let seq = sync(|| id_from_js("sequence number", seq))?;
        self.job(move |e| e.undo(seq), Pattern::from)
    }

    /// Applies `action` to every pattern `selection` picks, as one transaction; with
    /// `{ dryRun: true }` reports exactly what it would change and changes nothing.
    #[napi(ts_return_type = "Promise<BulkReport>")]
    pub fn bulk(
        &self,
        action: BulkAction,
        selection: Selection,
        options: Option<BulkOptions>,
    ) -> napi::Result<AsyncTask<Job<pl::BulkReport, BulkReport>>, Code> {
        let action: pl::BulkAction = action.into();
        let selection: pl::Selection = sync(|| selection.try_into())?;
        let dry_run = options.and_then(|o| o.dry_run).unwrap_or(false);
        self.job(
            move |e| e.bulk(action, &selection, dry_run),
            BulkReport::from,
        )
    }

    /// Decides what to do with one inbound customer message, off the JS thread.
    #[napi(ts_return_type = "Promise<Decision>")]
    pub fn process(
        &self,
        message: String,
        context: Option<MessageContext>,
    ) -> napi::Result<AsyncTask<Job<pl::Decision, Decision>>, Code> {
        let ctx = sync(|| self::context(context))?;
        self.job(move |e| e.process(&message, &ctx), Decision::from)
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
            Ok(self.engine()?.process(&message, &ctx)?.into())
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
        self.job(
            move |e| e.feedback_with_vector(&event, vector),
            FeedbackOutcome::from,
        )
    }

    /// Tells the engine that an operator wrote in a conversation (takeover):
    /// automatic replies stop there for the configured lockout. With a store the
    /// lockout is written before the call returns (a store error throws).
    #[napi]
    pub fn record_operator_message(
        &self,
        conversation_id: String,
        last_customer_message: Option<String>,
    ) -> napi::Result<(), Code> {
        sync(|| {
            self.engine()?
                .record_operator_message(&conversation_id, last_customer_message.as_deref())?;
            Ok(())
        })
    }

    /// Erases what the engine and its store keep of one customer (by phone number,
    /// conversation id or both): their decisions keep what counts and lose message,
    /// ids, reply and evidence texts; the examples and rejections learned from their
    /// messages leave the patterns; their conversation states go; an entry without
    /// any of it goes to the erasure log. Resolves to what was erased; rejects with
    /// `INVALID_CUSTOMER` when neither field names a customer.
    #[napi(ts_return_type = "Promise<ErasureCounts>")]
    pub fn erase_customer(
        &self,
        customer: CustomerToErase,
    ) -> napi::Result<AsyncTask<Job<pl::store::ErasureCounts, ErasureCounts>>, Code> {
        let customer: pl::privacy::Customer = customer.into();
        self.job(move |e| e.erase_customer(&customer), ErasureCounts::from)
    }

    /// Applies the configuration's retention period (`retention.decisionDays`): older
    /// decisions keep what counts and lose message, ids, reply and evidence texts;
    /// conversation states not seen for as long are deleted. Resolves to what was
    /// dropped, or `null` when no period is set.
    #[napi(ts_return_type = "Promise<ErasureCounts | null>")]
    pub fn apply_retention(&self) -> napi::Result<AsyncTask<RetentionJob>, Code> {
        self.job(|e| e.apply_retention(), |c| c.map(ErasureCounts::from))
    }

    /// Creates a pattern from trigger examples, keywords and a reply template.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn create_pattern(
        &self,
        pattern: NewPattern,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
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
        self.job(move |e| e.update_pattern(id, update), Pattern::from)
    }

    /// Activates or deactivates a pattern (inactive patterns are never proposed).
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn set_active(
        &self,
        id: f64,
        active: bool,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        self.job(move |e| e.set_active(id, active), Pattern::from)
    }

    /// Approves (or withdraws approval of) a pattern for automatic sending.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn set_auto_executable(
        &self,
        id: f64,
        auto: bool,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        self.job(move |e| e.set_auto_executable(id, auto), Pattern::from)
    }

    /// Soft-deletes a pattern (restorable).
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn delete_pattern(
        &self,
        id: f64,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        self.job(move |e| e.delete_pattern(id), Pattern::from)
    }

    /// Restores a soft-deleted pattern.
    #[napi(ts_return_type = "Promise<Pattern>")]
    pub fn restore_pattern(
        &self,
        id: f64,
    ) -> napi::Result<AsyncTask<Job<pl::Pattern, Pattern>>, Code> {
        let id = sync(|| pattern_id(id))?;
        self.job(move |e| e.restore_pattern(id), Pattern::from)
    }

    /// One pattern (deleted ones included), or `null`.
    #[napi]
    pub fn pattern(&self, id: f64) -> napi::Result<Option<Pattern>, Code> {
        sync(|| Ok(self.engine()?.pattern(pattern_id(id)?).map(Into::into)))
    }

    /// Patterns in id order; active and not deleted unless the filter says otherwise.
    #[napi]
    pub fn patterns(&self, filter: Option<PatternFilter>) -> napi::Result<Vec<Pattern>, Code> {
        sync(|| {
            let filter = filter.map(Into::into).unwrap_or_default();
            Ok(self
                .engine()?
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
            let engine = self.engine()?;
            let events = match id {
                Some(id) => engine.history(pattern_id(id)?)?,
                None => engine.full_history()?,
            };
            Ok(events.into_iter().map(Into::into).collect())
        })
    }

    /// Takes in what other engines sharing this engine's store (PostgreSQL) wrote
    /// since it last looked; engines do so by themselves before every decision and
    /// change. Call it before reading patterns or settings another process may have
    /// changed. Returns whether anything changed (always `false` without a shared
    /// store).
    #[napi]
    pub fn refresh(&self) -> napi::Result<bool, Code> {
        sync(|| Ok(self.engine()?.refresh()?))
    }

    /// Number of patterns (deleted ones included).
    #[napi(getter)]
    pub fn pattern_count(&self) -> napi::Result<u32, Code> {
        sync(|| Ok(count(self.engine()?.pattern_count())))
    }

    /// The configuration in force.
    #[napi]
    pub fn get_config(&self) -> napi::Result<Config, Code> {
        sync(|| Ok(self.engine()?.config().into()))
    }

    /// Merges `patch` (camelCase keys, nested objects merged) over the configuration in
    /// force; all or nothing. Returns the new configuration.
    #[napi(
        ts_args_type = "patch: { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] }"
    )]
    pub fn set_config(&self, patch: Value) -> napi::Result<Config, Code> {
        sync(|| Ok(self.engine()?.update_config(&patch)?.into()))
    }

    /// Checks a message against the safety rules alone (V1 `checkMessageSafety`).
    #[napi]
    pub fn check_message_safety(&self, message: String) -> napi::Result<SafetyVerdict, Code> {
        sync(|| Ok(self.engine()?.check_message_safety(&message).into()))
    }

    /// The safety thresholds in force.
    #[napi]
    pub fn get_safety_thresholds(&self) -> napi::Result<SafetyThresholds, Code> {
        sync(|| Ok(self.engine()?.safety_thresholds().into()))
    }

    /// Applies a partial update of the safety thresholds (camelCase or snake_case keys);
    /// all or nothing. Returns the thresholds in force.
    #[napi(ts_args_type = "patch: Partial<SafetyThresholds>")]
    pub fn update_safety_thresholds(&self, patch: Value) -> napi::Result<SafetyThresholds, Code> {
        sync(|| Ok(self.engine()?.update_safety_thresholds(&patch)?.into()))
    }

    /// Restores the default negative-sentiment rules.
    #[napi]
    pub fn reset_sentiment_rules(&self) -> napi::Result<SafetyThresholds, Code> {
        sync(|| Ok(self.engine()?.reset_sentiment_rules()?.into()))
    }

    /// The safety settings in force (blacklist, escalation keywords, approvals).
    #[napi]
    pub fn get_safety_settings(&self) -> napi::Result<SafetySettings, Code> {
        sync(|| Ok(self.engine()?.safety_settings().into()))
    }

    /// Applies a partial update of the safety settings; all or nothing.
    #[napi(ts_args_type = "patch: Partial<SafetySettings>")]
    pub fn update_safety_settings(&self, patch: Value) -> napi::Result<SafetySettings, Code> {
        sync(|| Ok(self.engine()?.update_safety_settings(&patch)?.into()))
    }

    /// The built-in negative-sentiment rules.
    #[napi]
    pub fn default_sentiment_rules() -> Vec<SentimentRule> {
        rules(pl::safety::default_sentiment_rules())
    }
}
