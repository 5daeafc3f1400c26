//! A span of the run and the metrics read over it: the whole run, or since a
//! [`Mark`]. Headline figures read through a span, so the same code gives a
//! figure over the whole run and since the last change.
//!
//! Over the whole run a span reads exactly what the metrics keep. Since a
//! mark, it reads differences: counter totals and gauge time integrals less
//! the mark's, histograms less the mark's copy; rates and time means are over
//! the span's own time; series start at the first bucket that begins at or
//! after the mark (a bucket the mark cuts in two is left out).

use std::borrow::Cow;

use super::mark::Mark;
use super::{Histogram, Metrics, Ring};
use crate::sim::kernel::time::Micros;

/// The metrics over `[start, now)`.
#[derive(Clone, Copy)]
pub struct Span<'a> {
    m: &'a Metrics,
    mark: Option<&'a Mark>,
    now: Micros,
}

/// One series over a span's buckets: the buckets kept from the span's first on.
#[derive(Clone, Copy)]
pub struct SpanSeries<'a> {
    ring: &'a Ring,
    from: u64,
}

impl Metrics {
    /// The whole run up to `now`.
    pub fn whole(&self, now: Micros) -> Span<'_> {
        Span {
            m: self,
            mark: None,
            now,
        }
    }

    /// From `mark` (taken of these metrics) up to `now`.
    pub fn since<'a>(&'a self, mark: &'a Mark, now: Micros) -> Span<'a> {
        debug_assert!(mark.at_us() <= now, "a span ending before its mark");
        Span {
            m: self,
            mark: Some(mark),
            now,
        }
    }
}

impl<'a> Span<'a> {
    /// Where the span starts: 0 for the whole run, else the mark's time.
    pub fn start_us(&self) -> Micros {
        self.mark.map_or(0, Mark::at_us)
    }

    /// Where the span ends (the world's clock when it was made).
    pub fn now_us(&self) -> Micros {
        self.now
    }

    /// How long the span is, in seconds.
    pub fn secs(&self) -> f64 {
        (self.now - self.start_us()) as f64 / 1e6
    }

    /// Width of a bucket.
    pub fn bucket_us(&self) -> Micros {
        self.m.bucket_us()
    }

    /// Buckets closed so far (the run's, not the span's: bucket indices count
    /// from the run's start).
    pub fn buckets_closed(&self) -> u64 {
        self.m.buckets_closed()
    }

    /// The first bucket wholly inside the span.
    pub fn first_bucket(&self) -> u64 {
        self.start_us().div_ceil(self.m.bucket_us())
    }

    /// A counter's total over the span (0 if there is none).
    pub fn counter_total(&self, name: &str) -> f64 {
        let Some(i) = self.m.counter_index(name) else {
            return 0.0;
        };
        // Less 0 over the whole run: the total itself, exactly.
        self.m.counters[i].total - self.mark.map_or(0.0, |k| k.counter(i))
    }

    /// A counter's total over the span per second of it; `None` for a span
    /// of no time.
    pub fn per_second(&self, name: &str) -> Option<f64> {
        let secs = self.secs();
        (secs > 0.0).then(|| self.counter_total(name) / secs)
    }

    /// The histogram of the samples a latency series recorded in the span.
    pub fn histogram(&self, name: &str) -> Option<Cow<'a, Histogram>> {
        let i = self.m.latency_index(name)?;
        let total = &self.m.latencies[i].total;
        Some(match self.mark.and_then(|k| k.histogram(i)) {
            None => Cow::Borrowed(total),
            Some(earlier) => Cow::Owned(total.since(earlier)),
        })
    }

    /// A gauge's time-weighted mean over the span; `None` for a span of no
    /// time or an unknown gauge.
    pub fn gauge_time_mean(&self, name: &str) -> Option<f64> {
        let i = self.m.gauge_index(name)?;
        // Over the whole run, the area less 0 over the time since 0: what
        // `Metrics::time_mean` gives, exactly.
        let area =
            self.m.gauges[i].area_until(self.now) - self.mark.map_or(0.0, |k| k.gauge_area(i));
        let start = self.start_us();
        (self.now > start).then(|| area / (self.now - start) as f64)
    }

    /// A per-bucket series by name (as [`Metrics::series`] names them), over
    /// the span's buckets.
    pub fn series(&self, name: &str) -> Option<SpanSeries<'a>> {
        let ring = self.m.series(name)?;
        Some(SpanSeries {
            ring,
            from: self.first_bucket(),
        })
    }
}

impl<'a> SpanSeries<'a> {
    /// Index of the oldest bucket kept in the span.
    pub fn first_bucket(&self) -> u64 {
        self.ring.first_bucket().max(self.from)
    }

    /// How many of the ring's buckets lie before the span.
    fn before(&self) -> usize {
        let k = self.first_bucket() - self.ring.first_bucket();
        (k as usize).min(self.ring.len())
    }

    /// Buckets kept in the span, oldest first.
    pub fn values(&self) -> impl ExactSizeIterator<Item = f64> + 'a {
        self.ring.values.range(self.before()..).copied()
    }

    /// Number of buckets kept in the span.
    pub fn len(&self) -> usize {
        self.ring.len() - self.before()
    }

    /// True when no bucket of the span has closed yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of bucket `i` (since the run's start), if it is in the span
    /// and still kept.
    pub fn get(&self, i: u64) -> Option<f64> {
        (i >= self.from).then(|| self.ring.get(i)).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Buckets of 1 s; a counter that counts 1 a second for 10 s, then 5 a
    /// second; a gauge at 2 until 10 s, then 8; latencies of 10 ms, then 1 s.
    fn before_and_after() -> (Metrics, Mark) {
        let mut m = Metrics::new(1_000_000, 100);
        let c = m.counter("c");
        let g = m.gauge("g", 0, 2.0);
        let l = m.latency("l");
        for s in 0..10u64 {
            m.advance(s * 1_000_000);
            m.add(c, 1.0);
            m.record(l, 10_000, 1);
        }
        m.advance(10_000_000);
        let mark = m.mark(10_000_000);
        m.set(g, 10_000_000, 8.0);
        for s in 10..20u64 {
            m.advance(s * 1_000_000);
            m.add(c, 5.0);
            m.record(l, 1_000_000, 1);
        }
        m.advance(20_000_000);
        (m, mark)
    }

    #[test]
    fn counters_since_a_mark_are_the_difference_and_rates_its_time() {
        let (m, mark) = before_and_after();
        let (whole, since) = (m.whole(20_000_000), m.since(&mark, 20_000_000));
        assert_eq!(whole.counter_total("c"), 60.0);
        assert_eq!(since.counter_total("c"), 50.0);
        assert_eq!(whole.per_second("c"), Some(3.0));
        assert_eq!(since.per_second("c"), Some(5.0));
        assert_eq!(m.since(&mark, 10_000_000).per_second("c"), None);
        assert_eq!(since.counter_total("nope"), 0.0);
        // A counter registered after the mark counts from zero.
        let mut m = m;
        let late = m.counter("late");
        m.add(late, 4.0);
        assert_eq!(m.since(&mark, 20_000_000).counter_total("late"), 4.0);
    }

    #[test]
    fn a_histogram_since_a_mark_holds_only_the_later_samples() {
        let (m, mark) = before_and_after();
        let since = m.since(&mark, 20_000_000);
        let h = since.histogram("l").unwrap();
        assert_eq!(h.count(), 10);
        assert_eq!(h.mean(), Some(1_000_000.0));
        let p50 = h.quantile(0.5).unwrap();
        assert!((p50 / 1e6 - 1.0).abs() < 1.0 / 32.0, "{p50}");
        // The whole run's p50 lies among the early samples.
        let whole = m.whole(20_000_000).histogram("l").unwrap();
        assert_eq!(whole.count(), 20);
        assert!(whole.quantile(0.5).unwrap() < 11_000.0);
        assert!(since.histogram("nope").is_none());
    }

    #[test]
    fn a_gauge_mean_since_a_mark_is_over_the_span_only() {
        let (m, mark) = before_and_after();
        assert_eq!(m.since(&mark, 20_000_000).gauge_time_mean("g"), Some(8.0));
        assert_eq!(m.whole(20_000_000).gauge_time_mean("g"), Some(5.0));
        assert_eq!(m.since(&mark, 10_000_000).gauge_time_mean("g"), None);
    }

    #[test]
    fn series_since_a_mark_start_at_the_first_whole_bucket_after_it() {
        let (m, mark) = before_and_after();
        let whole = m.whole(20_000_000).series("c").unwrap();
        assert_eq!((whole.first_bucket(), whole.len()), (0, 20));
        let since = m.since(&mark, 20_000_000).series("c").unwrap();
        assert_eq!((since.first_bucket(), since.len()), (10, 10));
        assert!(since.values().all(|v| v == 5.0));
        assert_eq!(since.get(9), None);
        assert_eq!(since.get(10), Some(5.0));
        // A mark inside a bucket leaves that bucket out.
        let cut = m.mark(9_500_000);
        let s = m.since(&cut, 20_000_000);
        assert_eq!(s.first_bucket(), 10);
        assert_eq!(s.series("c").unwrap().get(9), None);
        // A span with no whole bucket yet has an empty series.
        let late = m.mark(20_000_000);
        assert!(m.since(&late, 20_000_000).series("c").unwrap().is_empty());
    }

    #[test]
    fn over_the_whole_run_a_span_reads_exactly_what_the_metrics_keep() {
        let (m, _) = before_and_after();
        let w = m.whole(20_000_000);
        assert_eq!(w.counter_total("c"), m.counter_total("c"));
        assert_eq!(w.gauge_time_mean("g"), m.gauge_time_mean("g", 20_000_000));
        let h = w.histogram("l").unwrap();
        assert!(std::ptr::eq(h.as_ref(), m.series_histogram("l").unwrap()));
        let kept: Vec<f64> = m.series("c").unwrap().values().collect();
        let read: Vec<f64> = w.series("c").unwrap().values().collect();
        assert_eq!(kept, read);
    }
}
