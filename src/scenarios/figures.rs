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

/// Largest bucket value of a series over buckets `[from, to)` that are still
/// kept; `None` when no such bucket has a value (or the series is unknown).
pub fn peak_between(m: &Metrics, name: &str, from: u64, to: u64) -> Option<f64> {
    let r = m.series(name)?;
    (from.max(r.first_bucket())..to)
        .filter_map(|i| r.get(i))
        .reduce(f64::max)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter "c" that counted `values[i]` in bucket `i` (buckets of 1 s).
    fn counted(values: &[f64]) -> Metrics {
        let mut m = Metrics::new(1_000_000, 100);
        let c = m.counter("c");
        for (i, v) in values.iter().enumerate() {
            m.add(c, *v);
            m.advance((i as u64 + 1) * 1_000_000);
        }
        m
    }

    #[test]
    fn peak_and_sum_look_only_inside_the_window() {
        let m = counted(&[1.0, 7.0, 3.0, 9.0, 2.0]);
        assert_eq!(peak_between(&m, "c", 0, 5), Some(9.0));
        assert_eq!(peak_between(&m, "c", 0, 3), Some(7.0));
        assert_eq!(peak_between(&m, "c", 4, 5), Some(2.0));
        assert_eq!(sum_between(&m, "c", 1, 3), 10.0);
        // Empty window, buckets not closed yet, unknown series.
        assert_eq!(peak_between(&m, "c", 2, 2), None);
        assert_eq!(peak_between(&m, "c", 5, 9), None);
        assert_eq!(peak_between(&m, "nope", 0, 5), None);
    }
}
