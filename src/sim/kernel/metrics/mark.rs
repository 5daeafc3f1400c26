//! A mark: every series' whole-run totals at one moment, so that what
//! happened after it can be read as a difference ([`Span`](super::Span)).
//!
//! Taken between steps, never while recording: counters' totals, gauges'
//! time integrals and copies of the latency histograms (bucketed counts, so
//! a difference of two is as exact for quantiles as either). Recording does
//! not know marks exist.

use super::{Histogram, Metrics};
use crate::sim::kernel::time::Micros;

/// The whole-run totals of every series registered so far, at `at_us`. A
/// series registered later counts from zero.
#[derive(Clone)]
pub struct Mark {
    at_us: Micros,
    counters: Vec<f64>,
    gauge_areas: Vec<f64>,
    histograms: Vec<Histogram>,
}

impl Metrics {
    /// A mark of the metrics as they are at `now` (the world's clock: every
    /// event before it recorded, none after).
    pub fn mark(&self, now: Micros) -> Mark {
        Mark {
            at_us: now,
            counters: self.counters.iter().map(|c| c.total).collect(),
            gauge_areas: self.gauges.iter().map(|g| g.area_until(now)).collect(),
            histograms: self.latencies.iter().map(|l| l.total.clone()).collect(),
        }
    }
}

impl Mark {
    /// When the mark was taken.
    pub fn at_us(&self) -> Micros {
        self.at_us
    }

    /// Counter `i`'s total at the mark (0 for one registered after it).
    pub(super) fn counter(&self, i: usize) -> f64 {
        self.counters.get(i).copied().unwrap_or(0.0)
    }

    /// Gauge `i`'s time integral at the mark (0 for one registered after it).
    pub(super) fn gauge_area(&self, i: usize) -> f64 {
        self.gauge_areas.get(i).copied().unwrap_or(0.0)
    }

    /// Latency series `i`'s histogram at the mark (none for one registered
    /// after it).
    pub(super) fn histogram(&self, i: usize) -> Option<&Histogram> {
        self.histograms.get(i)
    }
}
