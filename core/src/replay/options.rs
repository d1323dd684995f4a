//! What a replay is asked to do, and the checks on it: the one place that says
//! which replay options are valid (the command line and the Python package only
//! convert their arguments into [`ReplayOptions`]).

use std::sync::Arc;

use crate::config::Config;
use crate::embed::Embedder;
use crate::error::{Error, Result};

/// Replay settings.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Warm-up splits, replayed first (default `["train"]`).
    pub warmup: Vec<String>,
    /// The scored splits, replayed together after the warm-up as one phase
    /// (default `["val"]`).
    pub eval: Vec<String>,
    /// Order seed (default 1).
    pub seed: u64,
    /// Engine configuration (default: the library defaults).
    pub config: Config,
    /// Simulated seconds between two messages (drives time-based guards).
    pub seconds_per_message: i64,
    /// Messages per window of the learning curve.
    pub window: usize,
    /// The embedder the engine uses (default `None`: the built-in one), e.g. MiniLM.
    pub embedder: Option<Arc<dyn Embedder>>,
    /// Restart the engine between warm-up and evaluation (default `false`): the
    /// warm-up engine keeps everything in a [`MemoryStore`](crate::store::MemoryStore),
    /// and a new engine opened on that store answers the scored messages, as after a
    /// deploy.
    pub restart_after_warmup: bool,
    /// The open-intent setting (default `None`): a seeded share of the in-scope
    /// intents is unknown to the operator's canned replies.
    pub unknown_intents: Option<UnknownIntents>,
}

/// The open-intent setting of the literature ("known intent ratio" 75/50/25%): a
/// seeded share of the in-scope intents is treated as unknown. Their messages get
/// one-off replies in the warm-up, as out-of-scope messages do, and count as out of
/// scope when evaluated.
///
/// The unknown intents are the first `round(share × n)` of the data's `n` in-scope
/// intents (every label but `oos`, in all splits) in the ascending order of
/// `sha256("<seed>:<intent>")`, the order the protocol gives messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnknownIntents {
    /// The share of in-scope intents treated as unknown, in `[0, 1)`.
    pub share: f64,
    /// The seed that picks them (default 1), independent of the order seed.
    pub seed: u64,
}

impl UnknownIntents {
    /// A share of the intents, picked with seed 1.
    pub fn new(share: f64) -> Self {
        UnknownIntents { share, seed: 1 }
    }

    /// How many of `n` intents are unknown: `share × n`, rounded half away from 0.
    pub fn count(&self, n: usize) -> usize {
        ((self.share * n as f64).round() as usize).min(n)
    }
}

impl ReplayOptions {
    /// Checks the options that are not the engine's configuration; the first
    /// problem is an [`Error::InvalidConfig`] naming the option. [`run`](super::run)
    /// checks them before replaying anything.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::replay::{ReplayOptions, UnknownIntents};
    /// assert!(ReplayOptions::default().validate().is_ok());
    /// let zero = ReplayOptions { window: 0, ..ReplayOptions::default() };
    /// assert_eq!(zero.validate().unwrap_err().code(), "INVALID_CONFIG");
    /// let all = ReplayOptions { unknown_intents: Some(UnknownIntents::new(1.0)), ..ReplayOptions::default() };
    /// assert!(all.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.window == 0 {
            return Err(invalid_option("window", 0, "must be at least 1"));
        }
        if self.eval.is_empty() {
            return Err(invalid_option("eval", "[]", "must name a split"));
        }
        for (key, splits) in [("warmup", &self.warmup), ("eval", &self.eval)] {
            if let Some(empty) = splits.iter().find(|s| s.trim().is_empty()) {
                return Err(invalid_option(
                    key,
                    format!("{empty:?}"),
                    "split names must not be empty",
                ));
            }
        }
        if let Some(unknown) = &self.unknown_intents {
            let share = unknown.share;
            if !(share.is_finite() && (0.0..1.0).contains(&share)) {
                return Err(invalid_option(
                    "unknown_intents",
                    share,
                    "must be a share of the intents in [0, 1)",
                ));
            }
        }
        Ok(())
    }
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            warmup: vec!["train".into()],
            eval: vec!["val".into()],
            seed: 1,
            config: Config::default(),
            seconds_per_message: 60,
            window: 250,
            embedder: None,
            restart_after_warmup: false,
            unknown_intents: None,
        }
    }
}

/// The split names of a comma-separated list, as the command line and the Python
/// package take warm-up and evaluation splits: `"train,val"` → `["train", "val"]`;
/// blanks around names and empty entries are dropped.
///
/// # Example
/// ```
/// use pattern_learning::replay::split_list;
/// assert_eq!(split_list(" train, val,,"), ["train", "val"]);
/// assert!(split_list("").is_empty());
/// ```
pub fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The error for a replay or sweep option out of its range.
pub(crate) fn invalid_option(key: &str, value: impl std::fmt::Display, reason: &str) -> Error {
    Error::InvalidConfig {
        key: key.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}
