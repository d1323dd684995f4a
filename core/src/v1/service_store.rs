//! Where a V1 service keeps its state, and opening its engine there.
//!
//! A V1 service is durable when a store is configured: the `store` option
//! (`createV1Service({ store })` in Node), else the environment variable
//! [`STORE_VAR`] (`PATTERN_LEARNING_STORE`). A `postgres://` or `postgresql://` URL
//! is a PostgreSQL store (shared by every process on that database), anything else
//! the path of a single-file store; [`MEMORY`] asks for an engine in memory.
//!
//! Without a store the engine is in memory, and everything it learned and every
//! setting an admin changed is gone at the next start. In the `production`
//! environment that is refused: no store configured is an [`Error::InvalidConfig`]
//! for the key `store` when the service opens, not a silent in-memory engine.
//!
//! The environment of a V1 service is its `environment` setting, else
//! `PATTERN_LEARNING_ENV`, else `production` when `NODE_ENV` is `production` (the
//! variable a Node backend sets; its other values are ignored).
//!
//! With a store, the service's `profile`, `config`, `safetyThresholds` and
//! `safetySettings` are first-boot values: written when the store holds none, and
//! left alone afterwards, so a deploy never changes what an admin set (the kill
//! switch, shadow mode, thresholds, safety settings). V1's start-up script
//! re-enabled V1 on every deploy; this cannot.

use serde_json::Value;

use super::config::ServiceOptions;
use crate::config::Environment;
use crate::engine::{Engine, EngineBuilder};
use crate::error::{Error, Result};
use crate::safety::{SafetySettings, SafetyThresholds};

/// The environment variable that names a V1 service's store.
pub const STORE_VAR: &str = "PATTERN_LEARNING_STORE";

/// The `store` value that asks for an engine in memory (allowed in every
/// environment: it is an explicit choice, not a forgotten setting).
pub const MEMORY: &str = ":memory:";

/// The process environment a V1 service reads (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceEnv {
    /// `PATTERN_LEARNING_STORE`.
    pub store: Option<String>,
    /// `PATTERN_LEARNING_ENV`.
    pub environment: Option<String>,
    /// `NODE_ENV`.
    pub node_env: Option<String>,
}

impl ServiceEnv {
    /// The variables of this process (unset or empty ones are `None`).
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ServiceEnv {
            store: var(STORE_VAR),
            environment: var(crate::config::ENV_VAR),
            node_env: var("NODE_ENV"),
        }
    }

    /// The environment these variables select: `PATTERN_LEARNING_ENV`, else
    /// `production` when `NODE_ENV` is `production`.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::v1::ServiceEnv;
    /// let node = ServiceEnv { node_env: Some("production".into()), ..ServiceEnv::default() };
    /// assert_eq!(node.environment(), Some("production"));
    /// let test = ServiceEnv { node_env: Some("test".into()), ..ServiceEnv::default() };
    /// assert_eq!(test.environment(), None);
    /// ```
    pub fn environment(&self) -> Option<&str> {
        let node_production = self.node_env.as_deref().map(str::trim) == Some("production");
        self.environment
            .as_deref()
            .or(node_production.then_some("production"))
    }
}

/// Where a V1 service keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceStore {
    /// In memory: gone at the next start.
    Memory,
    /// A PostgreSQL URL or a file path, as [`EngineBuilder::open_location`] takes it.
    Location(String),
}

impl ServiceOptions {
    /// Where the service keeps its state: the `store` option, else
    /// [`STORE_VAR`]; [`MEMORY`] or nothing is memory.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] (key `store`) for an empty `store` option, and for
    /// no store at all when `environment` is [`Environment::Production`].
    pub fn store_location(
        &self,
        environment: Option<Environment>,
        env: &ServiceEnv,
    ) -> Result<ServiceStore> {
        let invalid = |value: &str, reason: &str| Error::InvalidConfig {
            key: "store".to_owned(),
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let location = match (&self.store, &env.store) {
            (Some(given), _) if given.trim().is_empty() => {
                return Err(invalid(given, "must name a store (or be \":memory:\")"))
            }
            (Some(given), _) => Some(given.trim()),
            (None, from_env) => from_env.as_deref().map(str::trim),
        };
        match location {
            Some(MEMORY) => Ok(ServiceStore::Memory),
            Some(location) => Ok(ServiceStore::Location(location.to_owned())),
            None if environment == Some(Environment::Production) => Err(invalid(
                "(none)",
                "the production environment needs a durable store, or everything learned \
                 and every admin setting (the kill switch included) is lost at the next \
                 start: set PATTERN_LEARNING_STORE to a postgres:// URL or a file path \
                 (or give the `store` option; \":memory:\" asks for memory on purpose)",
            )),
            None => Ok(ServiceStore::Memory),
        }
    }

    /// Where the service keeps its state under `env`: [`store_location`](Self::store_location)
    /// in the environment of the configuration [`resolve`](Self::resolve) builds.
    ///
    /// # Errors
    ///
    /// As [`resolve`](Self::resolve) and [`store_location`](Self::store_location).
    pub fn store(&self, env: &ServiceEnv) -> Result<ServiceStore> {
        let config = self.resolve(env.environment())?;
        self.store_location(config.environment, env)
    }

    /// Opens the service's engine: its configuration layered as
    /// [`resolve`](Self::resolve) does (environment from `env`), on the store
    /// [`store_location`](Self::store_location) names. On a store, the
    /// configuration and safety values are first-boot values
    /// ([`EngineBuilder::initial_config`]).
    ///
    /// # Errors
    ///
    /// As [`resolve`](Self::resolve) and [`store_location`](Self::store_location),
    /// invalid safety patches, and the store's errors at open.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::v1::{ServiceEnv, ServiceOptions};
    /// let production = ServiceEnv { environment: Some("production".into()), ..ServiceEnv::default() };
    /// let err = ServiceOptions::default().open(&production).unwrap_err();
    /// assert_eq!(err.code(), "INVALID_CONFIG");
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = dir.path().join("patterns.db").to_string_lossy().into_owned();
    /// let options = ServiceOptions { store: Some(store), ..ServiceOptions::default() };
    /// let engine = options.open(&production)?;
    /// assert!(engine.is_durable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(&self, env: &ServiceEnv) -> Result<Engine> {
        let config = self.resolve(env.environment())?;
        let thresholds =
            patched::<SafetyThresholds>(&self.safety_thresholds, |t, p| t.apply_partial(p))?;
        let settings = patched::<SafetySettings>(&self.safety_settings, |s, p| s.apply_partial(p))?;
        let builder = match self.store_location(config.environment, env)? {
            ServiceStore::Memory => {
                let b = Engine::builder().config(config);
                given(
                    b,
                    thresholds,
                    settings,
                    EngineBuilder::safety_thresholds,
                    EngineBuilder::safety_settings,
                )
            }
            ServiceStore::Location(location) => {
                let b = Engine::builder()
                    .open_location(&location)?
                    .initial_config(config);
                given(
                    b,
                    thresholds,
                    settings,
                    EngineBuilder::initial_safety_thresholds,
                    EngineBuilder::initial_safety_settings,
                )
            }
        };
        builder.build()
    }
}

/// The defaults with `patch` applied, when a patch is given.
fn patched<T: Default>(
    patch: &Option<Value>,
    apply: impl Fn(&mut T, &Value) -> Result<()>,
) -> Result<Option<T>> {
    match patch {
        None | Some(Value::Null) => Ok(None),
        Some(p) => {
            let mut value = T::default();
            apply(&mut value, p)?;
            Ok(Some(value))
        }
    }
}

/// `builder` with the safety values that were given, through `with_t` / `with_s`.
fn given(
    mut builder: EngineBuilder,
    thresholds: Option<SafetyThresholds>,
    settings: Option<SafetySettings>,
    with_t: fn(EngineBuilder, SafetyThresholds) -> EngineBuilder,
    with_s: fn(EngineBuilder, SafetySettings) -> EngineBuilder,
) -> EngineBuilder {
    if let Some(t) = thresholds {
        builder = with_t(builder, t);
    }
    if let Some(s) = settings {
        builder = with_s(builder, s);
    }
    builder
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn options(store: Option<&str>) -> ServiceOptions {
        ServiceOptions {
            store: store.map(str::to_owned),
            ..ServiceOptions::default()
        }
    }

    fn env(store: Option<&str>, environment: Option<&str>, node: Option<&str>) -> ServiceEnv {
        ServiceEnv {
            store: store.map(str::to_owned),
            environment: environment.map(str::to_owned),
            node_env: node.map(str::to_owned),
        }
    }

    #[test]
    fn the_option_wins_over_the_variable() {
        let e = env(Some("/var/lib/a.db"), None, None);
        let given = options(Some("postgres://db/x")).store_location(None, &e);
        assert_eq!(
            given.unwrap(),
            ServiceStore::Location("postgres://db/x".into())
        );
        let from_env = options(None).store_location(None, &e);
        assert_eq!(
            from_env.unwrap(),
            ServiceStore::Location("/var/lib/a.db".into())
        );
        let memory = options(Some(MEMORY)).store_location(None, &e);
        assert_eq!(memory.unwrap(), ServiceStore::Memory);
        assert!(options(Some(" ")).store_location(None, &e).is_err());
    }

    #[test]
    fn production_without_a_store_is_refused() {
        let none = env(None, None, None);
        let prod = Some(Environment::Production);
        let err = options(None).store_location(prod, &none).unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfig { ref key, .. } if key == "store"),
            "{err}"
        );
        assert!(err.to_string().contains("PATTERN_LEARNING_STORE"), "{err}");
        assert_eq!(
            options(Some(MEMORY)).store_location(prod, &none).unwrap(),
            ServiceStore::Memory
        );
        let staging = Some(Environment::Staging);
        assert_eq!(
            options(None).store_location(staging, &none).unwrap(),
            ServiceStore::Memory
        );
    }

    #[test]
    fn node_env_production_is_production() {
        let err = options(None)
            .open(&env(None, None, Some("production")))
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_CONFIG");
        let engine = options(None).open(&env(None, None, Some("test"))).unwrap();
        assert!(!engine.is_durable());
        // PATTERN_LEARNING_ENV wins over NODE_ENV.
        let engine = options(None)
            .open(&env(None, Some("staging"), Some("production")))
            .unwrap();
        assert_eq!(engine.config().approvals_before_auto_send, 1);
    }

    #[test]
    fn on_a_store_the_options_are_first_boot_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir
            .path()
            .join("patterns.db")
            .to_string_lossy()
            .into_owned();
        let service = ServiceOptions {
            store: Some(path),
            config: Some(json!({"shadowMode": true})),
            safety_settings: Some(json!({"approvalThreshold": 3})),
            ..ServiceOptions::default()
        };
        let first = service.open(&ServiceEnv::default()).unwrap();
        assert!(first.config().shadow_mode);
        assert_eq!(first.safety_settings().approval_threshold, 3);
        // An admin switches the engine off and changes a safety setting.
        first.update_config(&json!({"enabled": false})).unwrap();
        first
            .update_safety_settings(&json!({"approvalThreshold": 4}))
            .unwrap();
        drop(first);
        let again = service.open(&ServiceEnv::default()).unwrap();
        assert!(
            !again.config().enabled,
            "the kill switch survives a restart"
        );
        assert_eq!(again.safety_settings().approval_threshold, 4);
        assert_eq!(
            again.config().ai_signature.as_deref(),
            Some(super::super::AI_SIGNATURE)
        );
    }
}
