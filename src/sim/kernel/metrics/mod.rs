//! Time-bucketed metrics: counters, time-weighted gauges and latency histograms.
//!
//! Every series is registered once by name and then updated by index, so the hot
//! path never touches a string. Values are collected per bucket (the scenario's
//! bucket width) into bounded rings, so a run left going for a day does not grow;
//! whole-run totals are kept beside the rings for headline figures.
//!
//! A bucket `[start, end)` closes when the world is about to process the first
//! event at or after `end`, or is stepped to a time at or after `end` — so its
//! figures never depend on how a run was sliced into steps.
//!
//! Figures are read over a [`Span`] (`span.rs`): the whole run, or since a
//! [`Mark`] (`mark.rs`, the totals at a moment), by difference, so recording
//! pays nothing for it.

pub mod histogram;
pub mod mark;
pub mod span;

use std::collections::VecDeque;

pub use histogram::Histogram;
pub use mark::Mark;
pub use span::{Span, SpanSeries};

use super::time::{to_f64, Micros};

/// Index of a counter series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterId(pub u32);
/// Index of a gauge series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GaugeId(pub u32);
/// Index of a latency series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencyId(pub u32);

/// A bounded ring of per-bucket values.
#[derive(Clone, Debug, Default)]
pub struct Ring {
    values: VecDeque<f64>,
    cap: usize,
    /// Index (since the run's start) of the oldest bucket kept.
    first: u64,
}

impl Ring {
    /// An empty ring whose first value will be bucket `first`.
    pub(super) fn new(cap: usize, first: u64) -> Self {
        Ring {
            values: VecDeque::with_capacity(cap.min(4096)),
            cap,
            first,
        }
    }

    fn push(&mut self, v: f64) {
        if self.values.len() == self.cap {
            self.values.pop_front();
            self.first += 1;
        }
        self.values.push_back(v);
    }

    /// Index of the oldest bucket kept.
    pub fn first_bucket(&self) -> u64 {
        self.first
    }

    /// The values, oldest first.
    pub fn values(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        self.values.iter().copied()
    }

    /// Number of buckets kept.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no bucket has closed yet.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of bucket `i` (since the run's start), if still kept.
    pub fn get(&self, i: u64) -> Option<f64> {
        i.checked_sub(self.first)
            .and_then(|k| self.values.get(k as usize).copied())
    }
}

struct Counter {
    name: String,
    in_bucket: f64,
    total: f64,
    ring: Ring,
}

struct Gauge {
    name: String,
    value: f64,
    since_us: Micros,
    area_bucket: f64,
    area_total: f64,
    max_bucket: f64,
    ring_mean: Ring,
    ring_max: Ring,
}

impl Gauge {
    /// The gauge's time integral from its registration to `now`.
    fn area_until(&self, now: Micros) -> f64 {
        self.area_total + self.value * now.saturating_sub(self.since_us) as f64
    }
}

struct Latency {
    name: String,
    bucket: Histogram,
    total: Histogram,
    ring_p50: Ring,
    ring_p99: Ring,
    ring_mean: Ring,
}

/// All series of one world.
pub struct Metrics {
    bucket_us: Micros,
    capacity: usize,
    /// Index of the bucket now being filled, and its end.
    bucket: u64,
    bucket_end_us: Micros,
    counters: Vec<Counter>,
    gauges: Vec<Gauge>,
    latencies: Vec<Latency>,
}

impl Metrics {
    /// Metrics with buckets of `bucket_us`, each ring keeping `capacity` buckets.
    pub fn new(bucket_us: Micros, capacity: usize) -> Self {
        assert!(bucket_us > 0 && capacity > 0);
        Metrics {
            bucket_us,
            capacity,
            bucket: 0,
            bucket_end_us: bucket_us,
            counters: Vec::new(),
            gauges: Vec::new(),
            latencies: Vec::new(),
        }
    }

    /// Width of a bucket.
    pub fn bucket_us(&self) -> Micros {
        self.bucket_us
    }

    /// Number of buckets closed so far.
    pub fn buckets_closed(&self) -> u64 {
        self.bucket
    }

    /// An empty ring whose first bucket is the one being filled now, so that a
    /// series registered while running lines up with the others.
    fn new_ring(&self) -> Ring {
        Ring::new(self.capacity, self.bucket)
    }

    fn check_new(&self, name: &str) {
        let taken = self.counters.iter().any(|c| c.name == name)
            || self.gauges.iter().any(|g| g.name == name)
            || self.latencies.iter().any(|l| l.name == name);
        assert!(!taken, "metric '{name}' registered twice");
    }

    /// Registers a counter (a sum per bucket).
    pub fn counter(&mut self, name: &str) -> CounterId {
        self.check_new(name);
        self.counters.push(Counter {
            name: name.to_string(),
            in_bucket: 0.0,
            total: 0.0,
            ring: self.new_ring(),
        });
        CounterId(self.counters.len() as u32 - 1)
    }

    /// Registers a gauge (a time-weighted mean and a max per bucket) starting at `value`.
    pub fn gauge(&mut self, name: &str, now: Micros, value: f64) -> GaugeId {
        self.check_new(name);
        self.gauges.push(Gauge {
            name: name.to_string(),
            value,
            since_us: now,
            area_bucket: 0.0,
            area_total: 0.0,
            max_bucket: value,
            ring_mean: self.new_ring(),
            ring_max: self.new_ring(),
        });
        GaugeId(self.gauges.len() as u32 - 1)
    }

    /// Registers a latency series (p50, p99 and mean per bucket).
    pub fn latency(&mut self, name: &str) -> LatencyId {
        self.check_new(name);
        self.latencies.push(Latency {
            name: name.to_string(),
            bucket: Histogram::new(),
            total: Histogram::new(),
            ring_p50: self.new_ring(),
            ring_p99: self.new_ring(),
            ring_mean: self.new_ring(),
        });
        LatencyId(self.latencies.len() as u32 - 1)
    }

    /// Adds `amount` to a counter.
    #[inline]
    pub fn add(&mut self, id: CounterId, amount: f64) {
        let c = &mut self.counters[id.0 as usize];
        c.in_bucket += amount;
        c.total += amount;
    }

    /// Sets a gauge to `value` from time `now` on.
    #[inline]
    pub fn set(&mut self, id: GaugeId, now: Micros, value: f64) {
        let g = &mut self.gauges[id.0 as usize];
        debug_assert!(now >= g.since_us, "gauge '{}' set in the past", g.name);
        let dt = to_f64(now - g.since_us);
        g.area_bucket += g.value * dt;
        g.area_total += g.value * dt;
        g.since_us = now;
        g.value = value;
        if value > g.max_bucket {
            g.max_bucket = value;
        }
    }

    /// Adds `delta` to a gauge's current value at time `now`.
    #[inline]
    pub fn shift(&mut self, id: GaugeId, now: Micros, delta: f64) {
        let v = self.gauges[id.0 as usize].value + delta;
        self.set(id, now, v);
    }

    /// Records `weight` samples of `value_us` in a latency series.
    #[inline]
    pub fn record(&mut self, id: LatencyId, value_us: Micros, weight: u32) {
        let l = &mut self.latencies[id.0 as usize];
        let i = histogram::bucket_of(value_us);
        l.bucket.record_in(i, value_us, weight as u64);
        l.total.record_in(i, value_us, weight as u64);
    }

    /// Closes every bucket that ends at or before `now`.
    #[inline]
    pub fn advance(&mut self, now: Micros) {
        while now >= self.bucket_end_us {
            self.close_bucket();
        }
    }

    fn close_bucket(&mut self) {
        let end = self.bucket_end_us;
        let width = self.bucket_us as f64;
        for c in &mut self.counters {
            c.ring.push(c.in_bucket);
            c.in_bucket = 0.0;
        }
        for g in &mut self.gauges {
            let dt = (end - g.since_us) as f64;
            g.area_bucket += g.value * dt;
            g.area_total += g.value * dt;
            g.since_us = end;
            g.ring_mean.push(g.area_bucket / width);
            g.ring_max.push(g.max_bucket);
            g.area_bucket = 0.0;
            g.max_bucket = g.value;
        }
        for l in &mut self.latencies {
            let nan = f64::NAN;
            l.ring_p50
                .push(l.bucket.quantile(0.5).map_or(nan, |v| v / 1000.0));
            l.ring_p99
                .push(l.bucket.quantile(0.99).map_or(nan, |v| v / 1000.0));
            l.ring_mean
                .push(l.bucket.mean().map_or(nan, |v| v / 1000.0));
            l.bucket.clear();
        }
        self.bucket += 1;
        self.bucket_end_us += self.bucket_us;
    }

    /// Whole-run total of a counter.
    pub fn total(&self, id: CounterId) -> f64 {
        self.counters[id.0 as usize].total
    }

    /// Current value of a gauge.
    pub fn value(&self, id: GaugeId) -> f64 {
        self.gauges[id.0 as usize].value
    }

    /// A counter's sum over the last closed bucket, if one closed.
    pub fn last_bucket_sum(&self, id: CounterId) -> Option<f64> {
        self.counters[id.0 as usize].ring.values.back().copied()
    }

    /// Time-weighted mean of a gauge over the last closed bucket, if one closed.
    pub fn last_bucket_mean(&self, id: GaugeId) -> Option<f64> {
        self.gauges[id.0 as usize].ring_mean.values.back().copied()
    }

    /// Time-weighted mean of a gauge from the run's start to `now`.
    pub fn time_mean(&self, id: GaugeId, now: Micros) -> Option<f64> {
        let area = self.gauges[id.0 as usize].area_until(now);
        (now > 0).then(|| area / now as f64)
    }

    /// Whole-run histogram of a latency series.
    pub fn histogram(&self, id: LatencyId) -> &Histogram {
        &self.latencies[id.0 as usize].total
    }

    /// Whole-run histogram of the latency series called `name`.
    pub fn series_histogram(&self, name: &str) -> Option<&Histogram> {
        self.latencies
            .iter()
            .find(|l| l.name == name)
            .map(|l| &l.total)
    }

    /// Whole-run total of the counter called `name` (0 if there is none).
    pub fn counter_total(&self, name: &str) -> f64 {
        self.counters
            .iter()
            .find(|c| c.name == name)
            .map_or(0.0, |c| c.total)
    }

    /// Time-weighted mean since the start of the gauge called `name`.
    pub fn gauge_time_mean(&self, name: &str, now: Micros) -> Option<f64> {
        let i = self.gauge_index(name)?;
        self.time_mean(GaugeId(i as u32), now)
    }

    fn counter_index(&self, name: &str) -> Option<usize> {
        self.counters.iter().position(|c| c.name == name)
    }

    fn gauge_index(&self, name: &str) -> Option<usize> {
        self.gauges.iter().position(|g| g.name == name)
    }

    fn latency_index(&self, name: &str) -> Option<usize> {
        self.latencies.iter().position(|l| l.name == name)
    }

    /// A per-bucket series by name. Counters are named as registered; gauges give
    /// `NAME` (mean over the bucket) and `NAME.max`; latencies give `NAME.p50`,
    /// `NAME.p99` and `NAME.mean` in milliseconds (NaN in buckets with no sample).
    pub fn series(&self, name: &str) -> Option<&Ring> {
        if let Some(c) = self.counters.iter().find(|c| c.name == name) {
            return Some(&c.ring);
        }
        if let Some(g) = self.gauges.iter().find(|g| g.name == name) {
            return Some(&g.ring_mean);
        }
        let (base, suffix) = name.rsplit_once('.')?;
        if let Some(g) = self.gauges.iter().find(|g| g.name == base) {
            return (suffix == "max").then_some(&g.ring_max);
        }
        let l = self.latencies.iter().find(|l| l.name == base)?;
        match suffix {
            "p50" => Some(&l.ring_p50),
            "p99" => Some(&l.ring_p99),
            "mean" => Some(&l.ring_mean),
            _ => None,
        }
    }

    /// Every series name `series` answers to, in registration order.
    pub fn series_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.counters.iter().map(|c| c.name.clone()).collect();
        for g in &self.gauges {
            v.push(g.name.clone());
            v.push(format!("{}.max", g.name));
        }
        for l in &self.latencies {
            for s in ["p50", "p99", "mean"] {
                v.push(format!("{}.{s}", l.name));
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauge_bucket_mean_is_time_weighted() {
        let mut m = Metrics::new(1_000, 10);
        let g = m.gauge("busy", 0, 0.0);
        m.set(g, 250, 4.0); // 0 for 250 µs, then 4 for 750 µs
        m.advance(1_000);
        assert_eq!(m.series("busy").unwrap().get(0), Some(3.0));
        assert_eq!(m.series("busy.max").unwrap().get(0), Some(4.0));
        assert_eq!(m.time_mean(g, 2_000), Some(3.5));
    }

    #[test]
    fn counters_sum_per_bucket_and_rings_are_bounded() {
        let mut m = Metrics::new(10, 3);
        let c = m.counter("arrived");
        for t in 0..100u64 {
            m.advance(t);
            m.add(c, 1.0);
        }
        m.advance(100);
        let r = m.series("arrived").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r.first_bucket(), 7);
        assert!(r.values().all(|v| v == 10.0));
        assert_eq!(m.total(c), 100.0);
    }

    #[test]
    fn a_series_registered_while_running_starts_at_the_current_bucket() {
        let mut m = Metrics::new(10, 100);
        let early = m.counter("early");
        m.advance(35);
        let late = m.counter("late");
        m.add(early, 1.0);
        m.add(late, 2.0);
        m.advance(40);
        assert_eq!(m.series("early").unwrap().get(3), Some(1.0));
        assert_eq!(m.series("late").unwrap().first_bucket(), 3);
        assert_eq!(m.series("late").unwrap().get(3), Some(2.0));
    }

    #[test]
    fn latency_series_report_milliseconds_and_nan_when_empty() {
        let mut m = Metrics::new(1_000_000, 10);
        let l = m.latency("login");
        m.record(l, 20_000, 1);
        m.advance(2_000_000);
        let p50 = m.series("login.p50").unwrap();
        assert!((p50.get(0).unwrap() - 20.0).abs() < 0.7);
        assert!(p50.get(1).unwrap().is_nan());
    }
}
