//! Threshold sweeps: the replay protocol run over a grid of auto-send settings.
//!
//! A sweep answers "how much automation do I get at which auto-send precision?"
//! It replays the same labelled messages (see [`crate::replay`]) once per grid
//! point — every combination of an auto threshold and a target precision — and
//! returns the protocol metrics of each run, in grid order. Grid points are
//! independent replays with their own engine, so they run in parallel (rayon).
//!
//! Each point's configuration is the base configuration of the
//! [`ReplayOptions`] with `thresholds.auto` and `target_precision` replaced
//! ([`point_config`]). When the auto threshold is below the suggest (or queue)
//! threshold, those are lowered to it so the configuration stays ordered.
//!
//! A point's metrics equal those of [`crate::replay::run`] with the point's
//! configuration (latency and wall time aside, which are measured).
//!
//! # Example
//! ```
//! use pattern_learning::replay::{Record, ReplayOptions};
//! use pattern_learning::sweep::{self, Sweep};
//!
//! let mut records = Vec::new();
//! for i in 0..40 {
//!     let split = if i < 30 { "train" } else { "val" };
//!     records.push(Record::new(format!("g{i}"), format!("do you sell gift cards {}", i % 3), "gift_cards", split));
//!     records.push(Record::new(format!("h{i}"), format!("what are your hours {}", i % 3), "hours", split));
//! }
//! let grid = Sweep::new([0.7, 0.85, 0.95], [None, Some(0.99)]);
//! let rows = sweep::run(&records, &ReplayOptions::default(), &grid).unwrap();
//! assert_eq!(rows.len(), 6);
//! assert_eq!(rows[0].target_precision, None);
//! assert_eq!(rows[0].auto_threshold, 0.7);
//! assert_eq!(rows[1].auto_threshold, 0.85);
//! ```

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::replay::{self, invalid_option, Metrics, Record, ReplayOptions};

/// The grid of a sweep: every auto threshold combined with every target precision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// Values of `thresholds.auto`, each in `[0, 1]`. Empty: the base configuration's.
    pub auto_thresholds: Vec<f64>,
    /// Values of `target_precision` (`None`: no derived threshold), each above 0.5
    /// and below 1. Empty: the base configuration's.
    pub target_precisions: Vec<Option<f64>>,
    /// Worker threads; `None` uses rayon's global pool (one per core).
    pub threads: Option<usize>,
}

impl Sweep {
    /// A grid from auto thresholds and target precisions.
    pub fn new(
        auto_thresholds: impl IntoIterator<Item = f64>,
        target_precisions: impl IntoIterator<Item = Option<f64>>,
    ) -> Self {
        Sweep {
            auto_thresholds: auto_thresholds.into_iter().collect(),
            target_precisions: target_precisions.into_iter().collect(),
            threads: None,
        }
    }

    /// Most worker threads a sweep may ask for.
    pub const MAX_THREADS: usize = 1 << 16;

    /// Checks the grid's own options: `threads`, when given, in
    /// `1..=`[`Sweep::MAX_THREADS`] (an [`Error::InvalidConfig`] otherwise). The grid
    /// values are checked per point ([`point_config`]).
    pub fn validate(&self) -> Result<()> {
        match self.threads {
            Some(n) if n == 0 || n > Self::MAX_THREADS => Err(invalid_option(
                "threads",
                n,
                &format!("must be between 1 and {}", Self::MAX_THREADS),
            )),
            _ => Ok(()),
        }
    }

    /// Runs on at most `threads` worker threads.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// The grid points in order: target precisions outer, auto thresholds inner.
    pub fn points(&self, base: &Config) -> Vec<SweepPoint> {
        let autos = if self.auto_thresholds.is_empty() {
            vec![base.thresholds.auto]
        } else {
            self.auto_thresholds.clone()
        };
        let targets = if self.target_precisions.is_empty() {
            vec![base.target_precision]
        } else {
            self.target_precisions.clone()
        };
        targets
            .iter()
            .flat_map(|&target_precision| {
                autos.iter().map(move |&auto_threshold| SweepPoint {
                    auto_threshold,
                    target_precision,
                })
            })
            .collect()
    }
}

/// One point of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// `thresholds.auto` at this point.
    pub auto_threshold: f64,
    /// `target_precision` at this point.
    pub target_precision: Option<f64>,
}

/// The replay metrics at one grid point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// `thresholds.auto` of this run.
    pub auto_threshold: f64,
    /// `target_precision` of this run.
    pub target_precision: Option<f64>,
    /// The suggest threshold in force (lowered when `auto_threshold` was below it).
    pub suggest_threshold: f64,
    /// The queue threshold in force (lowered when `auto_threshold` was below it).
    pub queue_threshold: f64,
    /// The protocol metrics of the evaluation phase.
    pub metrics: Metrics,
}

/// The configuration of one grid point: `base` with the point's auto threshold
/// and target precision, suggest and queue lowered to the auto threshold when
/// they were above it, validated.
///
/// # Example
/// ```
/// use pattern_learning::config::Config;
/// use pattern_learning::sweep::{point_config, SweepPoint};
/// let c = point_config(&Config::default(), SweepPoint { auto_threshold: 0.5, target_precision: None }).unwrap();
/// assert_eq!((c.thresholds.auto, c.thresholds.suggest, c.thresholds.queue), (0.5, 0.5, 0.4));
/// assert!(point_config(&Config::default(), SweepPoint { auto_threshold: f64::NAN, target_precision: None }).is_err());
/// ```
pub fn point_config(base: &Config, point: SweepPoint) -> Result<Config> {
    let mut config = base.clone();
    let auto = point.auto_threshold;
    if !(auto.is_finite() && (0.0..=1.0).contains(&auto)) {
        return Err(Error::InvalidConfig {
            key: "thresholds.auto".into(),
            value: auto.to_string(),
            reason: "sweep auto thresholds must be finite numbers in [0, 1]".into(),
        });
    }
    config.thresholds.auto = auto;
    config.thresholds.suggest = config.thresholds.suggest.min(auto);
    config.thresholds.queue = config.thresholds.queue.min(config.thresholds.suggest);
    config.target_precision = point.target_precision;
    config.validate()?;
    Ok(config)
}

/// Replays `records` once per grid point (in parallel) and returns one row per
/// point, in [`Sweep::points`] order.
///
/// The options ([`ReplayOptions::validate`], [`Sweep::validate`]) and every
/// point's configuration are validated before any replay starts; the first
/// invalid one is the error. A replay error (for example a split missing from the
/// data) is returned as well.
pub fn run(records: &[Record], options: &ReplayOptions, sweep: &Sweep) -> Result<Vec<SweepRow>> {
    options.validate()?;
    sweep.validate()?;
    let jobs: Vec<(SweepPoint, ReplayOptions)> = sweep
        .points(&options.config)
        .into_iter()
        .map(|point| {
            let config = point_config(&options.config, point)?;
            Ok((
                point,
                ReplayOptions {
                    config,
                    ..options.clone()
                },
            ))
        })
        .collect::<Result<_>>()?;
    let run_all = || -> Result<Vec<SweepRow>> {
        jobs.par_iter()
            .map(|(point, opts)| {
                let report = replay::run(records, opts, |_, _| {})?;
                Ok(SweepRow {
                    auto_threshold: point.auto_threshold,
                    target_precision: point.target_precision,
                    suggest_threshold: opts.config.thresholds.suggest,
                    queue_threshold: opts.config.thresholds.queue,
                    metrics: report.metrics,
                })
            })
            .collect()
    };
    match sweep.threads {
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::InvalidConfig {
                    key: "threads".into(),
                    value: n.to_string(),
                    reason: format!("cannot start the worker threads: {e}"),
                })?;
            pool.install(run_all)
        }
        None => run_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::{test_records as records, Metrics};

    /// The metrics that do not depend on timing.
    fn stable(m: &Metrics) -> Metrics {
        Metrics {
            p50_us: 0.0,
            p99_us: 0.0,
            elapsed_s: 0.0,
            ..m.clone()
        }
    }

    #[test]
    fn points_are_target_major_and_default_to_the_base_config() {
        let base = Config::default();
        let grid = Sweep::new([0.6, 0.9], [None, Some(0.95), Some(0.99)]);
        let points = grid.points(&base);
        assert_eq!(points.len(), 6);
        assert_eq!(
            points[1],
            SweepPoint {
                auto_threshold: 0.9,
                target_precision: None
            }
        );
        assert_eq!(points[2].target_precision, Some(0.95));
        let empty = Sweep::default().points(&base);
        assert_eq!(
            empty,
            vec![SweepPoint {
                auto_threshold: base.thresholds.auto,
                target_precision: base.target_precision
            }]
        );
    }

    #[test]
    fn low_auto_threshold_lowers_suggest_and_queue() {
        let c = point_config(
            &Config::default(),
            SweepPoint {
                auto_threshold: 0.3,
                target_precision: None,
            },
        )
        .unwrap();
        assert_eq!(c.thresholds.auto, 0.3);
        assert_eq!(c.thresholds.suggest, 0.3);
        assert_eq!(c.thresholds.queue, 0.3);
        c.validate().unwrap();
    }

    #[test]
    fn invalid_points_are_rejected_before_running() {
        for auto in [f64::NAN, f64::INFINITY, -0.1, 1.5] {
            let grid = Sweep::new([0.9, auto], [None]);
            let err = run(&records(), &ReplayOptions::default(), &grid).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidConfig { key, .. } if key == "thresholds.auto"),
                "{err}"
            );
        }
        let grid = Sweep::new([0.9], [Some(f64::NAN)]);
        let err = run(&records(), &ReplayOptions::default(), &grid).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidConfig { key, .. } if key == "target_precision"),
            "{err}"
        );
    }

    #[test]
    fn zero_or_too_many_threads_and_a_zero_window_are_refused() {
        for threads in [0, Sweep::MAX_THREADS + 1] {
            let grid = Sweep::new([0.9], [None]).threads(threads);
            let err = run(&records(), &ReplayOptions::default(), &grid).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidConfig { key, .. } if key == "threads"),
                "{err}"
            );
        }
        let options = ReplayOptions {
            window: 0,
            ..ReplayOptions::default()
        };
        let err = run(&records(), &options, &Sweep::new([0.9], [None])).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidConfig { key, .. } if key == "window"),
            "{err}"
        );
    }

    #[test]
    fn missing_split_is_an_error() {
        let options = ReplayOptions {
            eval: vec!["test".into()],
            ..ReplayOptions::default()
        };
        let err = run(&records(), &options, &Sweep::new([0.9], [None])).unwrap_err();
        assert!(matches!(err, Error::Parse { .. }), "{err}");
    }

    #[test]
    fn each_row_equals_a_single_replay_with_that_config() {
        let records = records();
        let options = ReplayOptions::default();
        let grid = Sweep::new([0.5, 0.85, 0.99], [None, Some(0.95)]).threads(2);
        let rows = run(&records, &options, &grid).unwrap();
        assert_eq!(rows.len(), 6);
        for row in &rows {
            let config = point_config(
                &options.config,
                SweepPoint {
                    auto_threshold: row.auto_threshold,
                    target_precision: row.target_precision,
                },
            )
            .unwrap();
            let single = replay::run(
                &records,
                &ReplayOptions {
                    config,
                    ..options.clone()
                },
                |_, _| {},
            )
            .unwrap();
            assert_eq!(stable(&row.metrics), stable(&single.metrics));
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let records = records();
        let grid = Sweep::new([0.5, 0.7, 0.9], [None]);
        let one = run(
            &records,
            &ReplayOptions::default(),
            &grid.clone().threads(1),
        )
        .unwrap();
        let many = run(&records, &ReplayOptions::default(), &grid.threads(3)).unwrap();
        let strip = |rows: &[SweepRow]| -> Vec<Metrics> {
            rows.iter().map(|r| stable(&r.metrics)).collect()
        };
        assert_eq!(strip(&one), strip(&many));
    }

    #[test]
    fn auto_threshold_one_never_auto_sends_under_strict_tiers() {
        let rows = run(
            &records(),
            &ReplayOptions::default(),
            &Sweep::new([0.5, 1.0], [None]),
        )
        .unwrap();
        assert!(rows[0].metrics.messages > 0);
        assert_eq!(rows[1].metrics.tiers.auto_execute, 0);
        assert_eq!(rows[1].metrics.automation_rate, 0.0);
        assert_eq!(rows[1].metrics.auto_precision, None);
    }
}
