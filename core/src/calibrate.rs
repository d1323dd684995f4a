//! Calibration: the engine's own record of proposals that operators judged, and
//! the auto threshold that reaches a target precision on that record.

use std::collections::VecDeque;

use crate::store::{Judgement, JUDGEMENTS_KEPT};
use crate::tier::AutoThreshold;

/// Proposals at or above a threshold needed before it is trusted.
const MIN_SAMPLES_ABOVE: usize = 50;
/// Confidence resolution of the record: proposals are counted in buckets of 0.001,
/// so finding a threshold reads 1,001 counts whatever the size of the record.
const BUCKETS: usize = 1001;

/// Record of (decision confidence, operator judged it right): the most recent
/// [`JUDGEMENTS_KEPT`], counted per confidence bucket. Recording is `O(1)`; the
/// threshold for a target is computed once per change of the record (`O(BUCKETS)`)
/// and then read in `O(1)`.
#[derive(Debug, Clone)]
pub(crate) struct Calibration {
    /// Bucket and outcome of each kept proposal, oldest first.
    samples: VecDeque<(u16, bool)>,
    /// Proposals and right ones per bucket.
    counts: Vec<(u32, u32)>,
    /// The last answer of `auto_threshold`, by target, until the record changes.
    cached: Option<(u64, f64, AutoThreshold)>,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            samples: VecDeque::new(),
            counts: vec![(0, 0); BUCKETS],
            cached: None,
        }
    }
}

impl Calibration {
    /// The auto threshold for a `target` precision: the derived one once the record
    /// reaches it; closed (nothing auto-sent) when the record is large enough and no
    /// threshold reaches it; `configured` until then.
    pub fn auto_threshold(&mut self, target: f64, configured: f64) -> AutoThreshold {
        let key = target.to_bits();
        if let Some((k, c, answer)) = self.cached {
            if k == key && c.to_bits() == configured.to_bits() {
                return answer;
            }
        }
        let answer = match self.threshold_for(target) {
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
        };
        self.cached = Some((key, configured, answer));
        answer
    }

    /// Records one judged proposal, forgetting the oldest beyond [`JUDGEMENTS_KEPT`].
    pub fn record(&mut self, confidence: f64, right: bool) {
        if !confidence.is_finite() {
            return;
        }
        let bucket = bucket_of(confidence);
        self.samples.push_back((bucket, right));
        let slot = &mut self.counts[usize::from(bucket)];
        slot.0 += 1;
        slot.1 += u32::from(right);
        if self.samples.len() > JUDGEMENTS_KEPT {
            if let Some((old, was_right)) = self.samples.pop_front() {
                let slot = &mut self.counts[usize::from(old)];
                slot.0 -= 1;
                slot.1 -= u32::from(was_right);
            }
        }
        self.cached = None;
    }

    /// Records judged proposals read from a store, oldest first.
    pub fn record_all(&mut self, judgements: &[Judgement]) {
        for j in judgements {
            self.record(j.confidence, j.right);
        }
    }

    /// True when the record holds enough judged proposals to decide anything.
    pub fn is_informative(&self) -> bool {
        self.samples.len() >= MIN_SAMPLES_ABOVE
    }

    /// The buckets from the highest confidence down, with the proposals and right
    /// ones at or above each, skipping empty buckets.
    fn down_from_the_top(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let (mut n, mut right) = (0usize, 0usize);
        (0..BUCKETS).rev().filter_map(move |b| {
            let (bn, br) = self.counts[b];
            if bn == 0 {
                return None;
            }
            n += bn as usize;
            right += br as usize;
            Some((b, n, right))
        })
    }

    /// The best precision (Wilson lower bound) over thresholds with enough
    /// proposals above them, if any.
    pub fn best_precision(&self) -> Option<f64> {
        self.down_from_the_top()
            .filter(|&(_, n, _)| n >= MIN_SAMPLES_ABOVE)
            .map(|(_, n, right)| wilson_lower(right, n))
            .reduce(f64::max)
    }

    /// The lowest threshold (a bucket's lower bound) whose judged proposals at or
    /// above it reach `target` precision (with at least 50 of them), and that
    /// precision. The precision is the lower end of a one-sided 95 % Wilson
    /// interval, so a handful of lucky samples cannot unlock automation.
    pub fn threshold_for(&self, target: f64) -> Option<(f64, f64)> {
        self.down_from_the_top()
            .filter(|&(_, n, _)| n >= MIN_SAMPLES_ABOVE)
            .map(|(b, n, right)| (b as f64 / (BUCKETS - 1) as f64, wilson_lower(right, n)))
            .filter(|&(_, p)| p >= target)
            .last()
    }
}

/// The bucket of a confidence (clamped to `[0, 1]`).
fn bucket_of(confidence: f64) -> u16 {
    let scaled = (confidence.clamp(0.0, 1.0) * (BUCKETS - 1) as f64).floor();
    scaled as u16
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
    fn the_record_keeps_only_the_most_recent_judgements() {
        let mut c = Calibration::default();
        for _ in 0..JUDGEMENTS_KEPT {
            c.record(0.95, false);
        }
        assert_eq!(c.threshold_for(0.9), None);
        for _ in 0..JUDGEMENTS_KEPT {
            c.record(0.95, true);
        }
        // The wrong ones were all forgotten.
        let (t, p) = c.threshold_for(0.99).expect("a threshold");
        assert!((t - 0.95).abs() < 1e-9 && p > 0.99, "{t} {p}");
        assert_eq!(c.samples.len(), JUDGEMENTS_KEPT);
    }

    #[test]
    fn the_answer_is_cached_until_the_record_changes() {
        let mut c = Calibration::default();
        for i in 0..200 {
            c.record(0.5 + f64::from(i) / 400.0, true);
        }
        let first = c.auto_threshold(0.9, 0.85);
        assert!(first.allowed && c.cached.is_some());
        assert_eq!(c.auto_threshold(0.9, 0.85), first);
        c.record(0.99, false);
        assert!(c.cached.is_none());
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
