//! A log-linear latency histogram: percentiles without keeping every sample.
//!
//! Values are non-negative integers (microseconds). Each power of two is split
//! into [`SUB`] linear sub-buckets, so a reported percentile is within
//! 1/[`SUB`] (about 3 %) of the true sample value. Counts are weighted, so one
//! simulated request standing for k real ones counts k times.

use crate::sim::kernel::time::to_f64;

/// Linear sub-buckets per power of two.
pub const SUB: usize = 32;
const SUB_BITS: u32 = 5;
/// Powers of two covered: values up to 2^44 µs (about 200 days).
const MAGNITUDES: usize = 45;
const BUCKETS: usize = MAGNITUDES * SUB;

/// A weighted histogram of durations in microseconds.
#[derive(Clone)]
pub struct Histogram {
    /// A fixed array, so an index from [`bucket_of`] needs no bounds check.
    counts: Box<[u64; BUCKETS]>,
    total: u64,
    sum: f64,
    max: u64,
    /// Range of buckets touched since the last clear, so clearing is cheap.
    lo: usize,
    hi: usize,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

/// The bucket value `v` falls in: below [`BUCKETS`].
#[inline]
pub(super) fn bucket_of(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let mag = 63 - v.leading_zeros(); // >= SUB_BITS
    let shift = mag - SUB_BITS;
    let sub = ((v >> shift) as usize) - SUB; // 0..SUB
    let i = ((mag - SUB_BITS + 1) as usize) * SUB + sub;
    i.min(BUCKETS - 1)
}

/// The smallest value in bucket `i`, and how many values it covers.
fn bucket_range(i: usize) -> (u64, u64) {
    if i < SUB {
        return (i as u64, 1);
    }
    let mag = (i / SUB) as u32 - 1 + SUB_BITS;
    let sub = (i % SUB) as u64;
    let shift = mag - SUB_BITS;
    ((SUB as u64 + sub) << shift, 1u64 << shift)
}

/// The midpoint of the value range a bucket covers.
fn bucket_mid(i: usize) -> f64 {
    if i < SUB {
        return i as f64;
    }
    let (lo, width) = bucket_range(i);
    lo as f64 + (width as f64 - 1.0) / 2.0
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Histogram {
            counts: Box::new([0; BUCKETS]),
            total: 0,
            sum: 0.0,
            max: 0,
            lo: BUCKETS,
            hi: 0,
        }
    }

    /// Records `weight` samples of value `v`.
    #[inline]
    pub fn record(&mut self, v: u64, weight: u64) {
        self.record_in(bucket_of(v), v, weight);
    }

    /// Records `weight` samples of value `v`, whose bucket `i = bucket_of(v)`
    /// the caller already knows: a latency series records each sample in two
    /// histograms (its bucket's and the whole run's) and works `i` out once.
    #[inline(always)]
    pub(super) fn record_in(&mut self, i: usize, v: u64, weight: u64) {
        debug_assert_eq!(i, bucket_of(v));
        self.counts[i] += weight;
        self.total += weight;
        self.sum += to_f64(v) * weight as f64;
        self.max = self.max.max(v);
        self.lo = self.lo.min(i);
        self.hi = self.hi.max(i);
    }

    /// Number of samples (weighted).
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Exact mean of the recorded values, if any.
    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum / self.total as f64)
    }

    /// Largest recorded value, if any.
    pub fn max(&self) -> Option<u64> {
        (self.total > 0).then_some(self.max)
    }

    /// The value below which a fraction `q` of the samples fall (0 < q ≤ 1), if any.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for i in self.lo..=self.hi {
            seen += self.counts[i];
            if seen >= rank {
                return Some(bucket_mid(i).min(self.max as f64));
            }
        }
        Some(self.max as f64)
    }

    /// Adds every sample of `other` (the latencies of several populations as one).
    pub fn merge(&mut self, other: &Histogram) {
        if other.total == 0 {
            return;
        }
        for i in other.lo..=other.hi {
            self.counts[i] += other.counts[i];
        }
        self.total += other.total;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
    }

    /// The samples recorded since `earlier`, a copy of this histogram taken
    /// before: the counts per bucket exactly (so quantiles are as exact as
    /// this histogram's), the count, the sum (so the mean, up to rounding);
    /// the largest is known to its bucket: this histogram's own when it lies
    /// in the top bucket of the difference, else that bucket's upper end.
    pub fn since(&self, earlier: &Histogram) -> Histogram {
        let mut h = Histogram::new();
        if self.total <= earlier.total {
            return h;
        }
        for i in self.lo..=self.hi {
            let c = self.counts[i].saturating_sub(earlier.counts[i]);
            if c > 0 {
                h.counts[i] = c;
                h.lo = h.lo.min(i);
                h.hi = i;
            }
        }
        h.total = self.total - earlier.total;
        h.sum = self.sum - earlier.sum;
        h.max = if bucket_of(self.max) == h.hi {
            self.max
        } else {
            let (lo, width) = bucket_range(h.hi);
            lo + (width - 1)
        };
        h
    }

    /// Forgets every sample.
    pub fn clear(&mut self) {
        if self.lo <= self.hi {
            self.counts[self.lo..=self.hi].fill(0);
        }
        self.total = 0;
        self.sum = 0.0;
        self.max = 0;
        self.lo = BUCKETS;
        self.hi = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_the_bucket_resolution() {
        let mut h = Histogram::new();
        for v in 1..=100_000u64 {
            h.record(v, 1);
        }
        for (q, want) in [(0.5, 50_000.0), (0.99, 99_000.0), (0.01, 1_000.0)] {
            let got = h.quantile(q).unwrap();
            assert!(
                (got / want - 1.0).abs() < 1.0 / SUB as f64,
                "q{q}: {got} vs {want}"
            );
        }
        assert_eq!(h.mean().unwrap(), 50_000.5);
        assert_eq!(h.max(), Some(100_000));
    }

    #[test]
    fn weights_count_and_clear_forgets() {
        let mut h = Histogram::new();
        h.record(10, 99);
        h.record(1_000_000, 1);
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile(0.5), Some(10.0));
        assert!(h.quantile(1.0).unwrap() > 900_000.0);
        h.clear();
        assert_eq!(h.count(), 0);
        assert_eq!(h.quantile(0.5), None);
    }

    #[test]
    fn merging_is_recording_both() {
        let (mut a, mut b, mut both) = (Histogram::new(), Histogram::new(), Histogram::new());
        for v in [5u64, 700, 90_000] {
            a.record(v, 2);
            both.record(v, 2);
        }
        for v in [3u64, 1_000_000] {
            b.record(v, 1);
            both.record(v, 1);
        }
        a.merge(&b);
        assert_eq!(a.count(), both.count());
        assert_eq!(a.mean(), both.mean());
        assert_eq!(a.max(), both.max());
        for q in [0.1, 0.5, 0.9, 1.0] {
            assert_eq!(a.quantile(q), both.quantile(q));
        }
    }

    #[test]
    fn the_difference_of_two_copies_is_what_was_recorded_between() {
        let mut h = Histogram::new();
        for v in [40u64, 5_000, 7_000_000] {
            h.record(v, 3);
        }
        let earlier = h.clone();
        let mut later = Histogram::new();
        for v in (1..=1_000u64).map(|k| k * 100) {
            h.record(v, 1);
            later.record(v, 1);
        }
        let since = h.since(&earlier);
        assert_eq!(since.count(), later.count());
        assert_eq!(since.mean(), later.mean());
        for q in [0.01, 0.5, 0.9, 0.99] {
            assert_eq!(since.quantile(q), later.quantile(q), "q{q}");
        }
        // The largest is known to its bucket (100,000 is not the whole
        // histogram's largest, 7 s).
        let top = since.max().unwrap();
        assert!((100_000..=100_000 + 100_000 / SUB as u64).contains(&top));
        assert_eq!(since.quantile(1.0), Some(bucket_mid(bucket_of(100_000))));
        // Since an empty copy: everything, exactly; since itself: nothing.
        let all = h.since(&Histogram::new());
        assert_eq!(
            (all.count(), all.mean(), all.max()),
            (h.count(), h.mean(), h.max())
        );
        assert_eq!(all.quantile(0.99), h.quantile(0.99));
        assert_eq!(h.since(&h).count(), 0);
    }

    #[test]
    fn buckets_are_monotone() {
        let mut last = 0;
        for v in (0..1u64 << 40).step_by(7_777_777) {
            let b = bucket_of(v);
            assert!(b >= last);
            last = b;
            assert!(
                bucket_mid(b) <= v as f64 * 1.04 + 1.0 && bucket_mid(b) >= v as f64 * 0.96 - 1.0
            );
        }
    }
}
