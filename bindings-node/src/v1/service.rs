//! Opening a V1 service's engine (mirrors `core/src/v1/service_store.rs`) and its
//! first-boot import of V1's patterns (`core/src/v1/first_boot.rs`).

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pattern_learning as pl;
use pl::v1;
use serde_json::Value;

use crate::engine::PatternEngine;
use crate::error::{sync, BindingError, Code};
use crate::task::Job;

/// What a V1 service's engine is made from: `createV1Service`'s options without
/// `engine` and `logger`.
#[napi(object)]
#[derive(Default)]
pub struct V1EngineOptions {
    /// Starting configuration: `'v1'` (default) or `'seed'`.
    #[napi(ts_type = "Profile")]
    pub profile: Option<String>,
    /// Configuration overrides (camelCase keys, nested objects merged).
    #[napi(ts_type = "Record<string, unknown>")]
    pub config: Option<Value>,
    /// Where the service keeps its state: a `postgres://` URL, a file path or
    /// `':memory:'`; default: the variable `PATTERN_LEARNING_STORE`.
    pub store: Option<String>,
    /// Safety thresholds overrides (V1's `SafetyThresholds` keys).
    #[napi(ts_type = "Partial<SafetyThresholds>")]
    pub safety_thresholds: Option<Value>,
    /// Safety settings overrides (V1's `getSettings` keys).
    #[napi(ts_type = "Partial<SafetySettings>")]
    pub safety_settings: Option<Value>,
}

impl TryFrom<V1EngineOptions> for v1::ServiceOptions {
    type Error = BindingError;

    fn try_from(o: V1EngineOptions) -> Result<Self, BindingError> {
        let profile = o.profile.map(|p| p.parse::<pl::Profile>()).transpose()?;
        Ok(v1::ServiceOptions {
            profile,
            config: o.config,
            store: o.store,
            safety_thresholds: o.safety_thresholds,
            safety_settings: o.safety_settings,
        })
    }
}

fn service_options(o: Option<V1EngineOptions>) -> Result<v1::ServiceOptions, BindingError> {
    o.unwrap_or_default().try_into()
}

/// Where a service with these options keeps its state, read with the process's
/// environment: the store's location, or `null` for memory. Throws `INVALID_CONFIG`
/// (key `store`) in the production environment when no store is configured.
#[napi]
pub fn v1_service_store(options: Option<V1EngineOptions>) -> napi::Result<Option<String>, Code> {
    sync(|| {
        let env = v1::ServiceEnv::from_process();
        Ok(match service_options(options)?.store(&env)? {
            v1::ServiceStore::Memory => None,
            v1::ServiceStore::Location(location) => Some(location),
        })
    })
}

/// The engine of a service that keeps its state in memory (`v1ServiceStore` gave
/// `null`), built on the calling thread. A service with a store is refused: it
/// opens with `v1OpenService`, off the JS thread.
#[napi]
pub fn v1_open_memory_service(
    options: Option<V1EngineOptions>,
) -> napi::Result<PatternEngine, Code> {
    sync(|| {
        let env = v1::ServiceEnv::from_process();
        let options = service_options(options)?;
        if options.store(&env)? != v1::ServiceStore::Memory {
            return Err(BindingError::InvalidArgument(
                "a service with a store opens asynchronously: await service.ready()".into(),
            ));
        }
        Ok(PatternEngine::wrap(options.open(&env)?))
    })
}

/// Opens a service's engine off the JS thread: on its store (first-boot settings
/// when the store holds none), or in memory.
#[napi(ts_return_type = "Promise<PatternEngine>")]
pub fn v1_open_service(
    options: Option<V1EngineOptions>,
) -> napi::Result<AsyncTask<Job<pl::Engine, PatternEngine>>, Code> {
    let options = sync(|| service_options(options))?;
    Ok(AsyncTask::new(Job::new(
        move || Ok(options.open(&v1::ServiceEnv::from_process())?),
        PatternEngine::wrap,
    )))
}

/// What `importV1Patterns` did.
#[napi(object, object_from_js = false)]
pub struct V1PatternsImport {
    /// V1 ids imported now.
    pub imported: Vec<f64>,
    /// V1 ids the engine already had: left as they are.
    pub already_present: Vec<f64>,
    /// Caveats about imported rows.
    pub warnings: Vec<String>,
}

impl From<v1::V1PatternsImport> for V1PatternsImport {
    fn from(i: v1::V1PatternsImport) -> Self {
        let ids = |ids: Vec<pl::PatternId>| ids.into_iter().map(|id| id.0 as f64).collect();
        V1PatternsImport {
            imported: ids(i.imported),
            already_present: ids(i.already_present),
            warnings: i.warnings,
        }
    }
}

/// Imports V1's `decision_patterns` from V1's database at `url` (read-only) into
/// `engine`, once: ids already present are left alone.
#[napi(ts_return_type = "Promise<V1PatternsImport>")]
pub fn v1_import_patterns(
    engine: &PatternEngine,
    url: String,
) -> napi::Result<AsyncTask<Job<v1::V1PatternsImport, V1PatternsImport>>, Code> {
    let engine = sync(|| engine.engine())?;
    Ok(AsyncTask::new(Job::new(
        move || Ok(v1::import_v1_patterns(&engine, &url)?),
        V1PatternsImport::from,
    )))
}
