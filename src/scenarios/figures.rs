//! Headline figures computed from a world's series: sums over a window of
//! buckets, shares, maxima. Only arithmetic on what the engine recorded — no
//! mechanism, no model.

use crate::sim::kernel::metrics::Metrics;
use crate::sim::Micros;

/// The index of the bucket containing time `t`.
pub fn bucket_at(m: &Metrics, t: Micros) -> u64 {
    t / m.bucket_us()
}

/// Sum of a series over buckets `[from, to)` that are still kept.
pub fn sum_between(m: &Metrics, name: &str, from: u64, to: u64) -> f64 {
    m.series(name).map_or(0.0, |r| {
        (from.max(r.first_bucket())..to)
            .filter_map(|i| r.get(i))
            .filter(|v| v.is_finite())
            .sum()
    })
}

/// `sum(num) / sum(den)` over buckets `[from, to)`; `None` when the
/// denominator is 0 (nothing happened in the window).
pub fn share_between(
    m: &Metrics,
    num: &[String],
    den: &[String],
    from: u64,
    to: u64,
) -> Option<f64> {
    let sum = |ns: &[String]| ns.iter().map(|n| sum_between(m, n, from, to)).sum::<f64>();
    let d = sum(den);
    (d > 0.0).then(|| sum(num) / d)
}

/// The largest value of a series over the buckets kept, if any is finite.
pub fn series_max(m: &Metrics, name: &str) -> Option<f64> {
    m.series(name)?
        .values()
        .filter(|v| v.is_finite())
        .reduce(f64::max)
}

/// A client population's outcome counters: (ok, every ended outcome).
pub fn outcome_names(client: &str) -> (Vec<String>, Vec<String>) {
    let all = ["ok", "error", "rejected", "timed_out"]
        .iter()
        .map(|o| format!("{client}.{o}"))
        .collect();
    (vec![format!("{client}.ok")], all)
}

/// Whole-run quantile `q` of a latency series, in milliseconds.
pub fn quantile_ms(m: &Metrics, name: &str, q: f64) -> Option<f64> {
    m.series_histogram(name)?.quantile(q).map(|us| us / 1e3)
}
