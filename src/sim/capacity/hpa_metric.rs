//! What an autoscaler scales on: its pods' utilisation (Kubernetes' Resource
//! metric, the default) or a request rate measured elsewhere, such as arrivals
//! at the CDN (an External metric with an average-value target per pod, as a
//! Prometheus adapter or KEDA would feed it).
//!
//! A rate measured at the edge keeps telling the autoscaler how much traffic
//! there is even while the origin is shielded from it (a static page served by
//! the CDN, a feature switched off), so capacity can catch up behind the
//! shield; utilisation only sees the load that gets through.
//!
//! The rate is read from the named counters' closed metric buckets over a
//! window, as a metrics pipeline reports it (no extra state).

use crate::sim::capacity::hpa::Tolerance;
use crate::sim::kernel::time::Micros;

/// The metric an autoscaler compares with its target.
#[derive(Clone, Debug, PartialEq)]
pub enum HpaMetric {
    /// Mean utilisation of the ready pods' CPU (or busy workers) against
    /// `HpaSpec::target`.
    Utilisation,
    /// Requests per second counted by `counters` (summed; weighted requests)
    /// over the last `window_us` (a metrics pipeline's rate window, such as
    /// Prometheus' `rate(x[1m])`: the autoscaler sees a rise only gradually),
    /// against `per_pod_rps` per replica.
    RequestRate {
        counters: Vec<String>,
        window_us: Micros,
        per_pod_rps: f64,
    },
}

/// Kubernetes' replica count for an External metric with an AverageValue
/// target (`GetExternalPerPodMetricReplicas`; an Object metric's AverageValue
/// target is the same arithmetic): `ceil(total / per_pod)`, unless `total /
/// (per_pod × current)` is within `tolerance` of 1, when `current` stays.
pub fn recommend_for_rate(current: u32, total: f64, per_pod: f64, tolerance: Tolerance) -> u32 {
    assert!(per_pod > 0.0, "the per-pod target must be positive");
    let ratio = total / (per_pod * current.max(1) as f64);
    if tolerance.within(ratio) {
        return current;
    }
    (total / per_pod - 1e-9).ceil().max(0.0) as u32
}
