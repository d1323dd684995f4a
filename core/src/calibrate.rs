//! Calibration: the engine's own record of proposals that operators judged, and
//! the auto threshold that reaches a target precision on that record.

use std::collections::VecDeque;

use crate::tier::AutoThreshold;

/// Judged proposals kept (the most recent).
const MAX_SAMPLES: usize = 20_000;
/// Proposals at or above a threshold needed before it is trusted.
const MIN_SAMPLES_ABOVE: usize = 50;

/// Record of (decision confidence, operator judged it right).
#[derive(Debug, Default, Clone)]
pub(crate) struct Calibration {
    samples: VecDeque<(f64, bool)>,
}

impl Calibration {
    /// The auto threshold for a `target` precision: the derived one once the record
    /// reaches it; closed (nothing auto-sent) when the record is large enough and no
    /// threshold reaches it; `configured` until then.
    pub fn auto_threshold(&self, target: f64, configured: f64) -> AutoThreshold {
        match self.threshold_for(target) {
            Some((value, precision)) => AutoThreshold {
                value,
                expected_precision: Some(precision),
                allowed: true,
            },
            None if self.is_informative() => AutoThreshold {
                value: 1.0,
                expected_precision: self.best_precision(),
                allowed: false,
            },
            None => AutoThreshold::configured(configured),
        }
    }

    /// Records one judged proposal.
    pub fn record(&mut self, confidence: f64, right: bool) {
        if !confidence.is_finite() {
            return;
        }
        self.samples.push_back((confidence, right));
        if self.samples.len() > MAX_SAMPLES {
            self.samples.pop_front();
        }
    }

    /// True when the record holds enough judged proposals to decide anything.
    pub fn is_informative(&self) -> bool {
        self.samples.len() >= MIN_SAMPLES_ABOVE
    }

    /// The best precision (Wilson lower bound) over thresholds with enough
    /// proposals above them, if any.
    pub fn best_precision(&self) -> Option<f64> {
        let mut sorted: Vec<(f64, bool)> = self.samples.iter().copied().collect();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut n, mut right, mut best) = (0usize, 0usize, None::<f64>);
        for (_, ok) in sorted {
            n += 1;
            right += usize::from(ok);
            if n >= MIN_SAMPLES_ABOVE {
                let p = wilson_lower(right, n);
                best = Some(best.map_or(p, |b| b.max(p)));
            }
        }
        best
    }

    /// The lowest threshold whose judged proposals at or above it reach `target`
    /// precision (with at least 50 of them), and that precision. The precision is
    /// the lower end of a one-sided 95 % Wilson interval, so a handful of lucky
    /// samples cannot unlock automation.
    pub fn threshold_for(&self, target: f64) -> Option<(f64, f64)> {
        let mut sorted: Vec<(f64, bool)> = self.samples.iter().copied().collect();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut best = None;
        let (mut n, mut right) = (0usize, 0usize);
        for (i, (c, ok)) in sorted.iter().enumerate() {
            n += 1;
            right += usize::from(*ok);
            let next_differs = sorted.get(i + 1).is_none_or(|(c2, _)| c2 < c);
            if n >= MIN_SAMPLES_ABOVE && next_differs {
                let p = wilson_lower(right, n);
                if p >= target {
                    best = Some((*c, p));
                }
            }
        }
        best
    }
}

/// Lower bound of the one-sided 95 % Wilson score interval.
fn wilson_lower(successes: usize, n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let z = 1.645f64;
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let denom = 1.0 + z * z / n_f;
    let centre = p + z * z / (2.0 * n_f);
    let margin = z * ((p * (1.0 - p) + z * z / (4.0 * n_f)) / n_f).sqrt();
    ((centre - margin) / denom).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_target_is_reported_with_the_best_precision() {
        let mut c = Calibration::default();
        for i in 0..100 {
            c.record(f64::from(i) / 100.0, i % 2 == 0);
        }
        assert!(c.is_informative());
        assert_eq!(c.threshold_for(0.99), None);
        assert!(c.best_precision().unwrap() < 0.99);
    }

    #[test]
    fn no_threshold_without_enough_samples() {
        let mut c = Calibration::default();
        for _ in 0..10 {
            c.record(0.9, true);
        }
        assert_eq!(c.threshold_for(0.9), None);
    }

    #[test]
    fn threshold_separates_right_from_wrong() {
        let mut c = Calibration::default();
        for i in 0..600 {
            let conf = f64::from(i) / 600.0;
            c.record(conf, conf > 0.5);
        }
        let (t, p) = c.threshold_for(0.95).unwrap();
        assert!(t > 0.45 && t < 0.7, "threshold {t}");
        assert!(p >= 0.95);
    }
}
