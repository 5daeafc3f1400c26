//! Statistics over the whole run: maxima of what the series keep, quantiles
//! of whole-run latency histograms, rates and ratios of counter totals.

use crate::sim::kernel::metrics::{Histogram, Metrics};
use crate::sim::Micros;

/// The largest value of a series over the buckets kept, if any is finite.
pub fn series_max(m: &Metrics, name: &str) -> Option<f64> {
    m.series(name)?
        .values()
        .filter(|v| v.is_finite())
        .reduce(f64::max)
}

/// Whole-run quantile `q` of a latency series, in milliseconds.
pub fn quantile_ms(m: &Metrics, name: &str, q: f64) -> Option<f64> {
    m.series_histogram(name)?.quantile(q).map(|us| us / 1e3)
}

/// Whole-run quantile `q`, in milliseconds, of several latency series taken
/// together (those that exist).
pub fn merged_quantile_ms(m: &Metrics, names: &[String], q: f64) -> Option<f64> {
    let mut all = Histogram::new();
    for h in names.iter().filter_map(|n| m.series_histogram(n)) {
        all.merge(h);
    }
    all.quantile(q).map(|us| us / 1e3)
}

/// A counter's whole-run total per second of the run up to `now`; `None`
/// before the run has started.
pub fn per_second(m: &Metrics, name: &str, now: Micros) -> Option<f64> {
    let secs = now as f64 / 1e6;
    (secs > 0.0).then(|| m.counter_total(name) / secs)
}

/// The whole-run total of counter `num` per unit of counter `den` (rows per
/// query …); `None` while `den` is 0.
pub fn ratio_of_totals(m: &Metrics, num: &str, den: &str) -> Option<f64> {
    let d = m.counter_total(den);
    (d > 0.0).then(|| m.counter_total(num) / d)
}

#[cfg(test)]
mod tests {
    use super::super::test_series::{counted, one};
    use super::*;

    #[test]
    fn maxima_skip_what_is_not_a_number() {
        let m = one(&[1.0, f64::NAN, 4.0, 2.0]);
        assert_eq!(series_max(&m, "c"), Some(4.0));
        assert_eq!(series_max(&one(&[f64::NAN]), "c"), None);
        assert_eq!(series_max(&m, "nope"), None);
    }

    #[test]
    fn rates_and_ratios_of_totals() {
        let m = counted(&[("rows", &[10.0, 20.0]), ("calls", &[1.0, 2.0])]);
        assert_eq!(per_second(&m, "rows", 2_000_000), Some(15.0));
        assert_eq!(per_second(&m, "rows", 0), None);
        assert_eq!(ratio_of_totals(&m, "rows", "calls"), Some(10.0));
        assert_eq!(ratio_of_totals(&m, "rows", "nope"), None);
    }

    #[test]
    fn quantiles_of_several_series_merge_their_histograms() {
        let mut m = Metrics::new(1_000_000, 10);
        let (a, b) = (m.latency("a"), m.latency("b"));
        for _ in 0..99 {
            m.record(a, 1_000, 1);
        }
        m.record(b, 1_000_000, 1);
        let both = ["a".to_string(), "b".to_string(), "nope".to_string()];
        let (one_ms, big) = (
            merged_quantile_ms(&m, &both, 0.5).unwrap(),
            merged_quantile_ms(&m, &both, 1.0).unwrap(),
        );
        assert_eq!(Some(one_ms), quantile_ms(&m, "a", 0.5));
        assert_eq!(Some(big), quantile_ms(&m, "b", 0.5));
        assert_eq!(merged_quantile_ms(&m, &[], 0.5), None);
    }
}
