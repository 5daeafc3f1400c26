//! Statistics over a whole span (the run, or since a change): maxima of what
//! the series keep in it, quantiles of its latency histograms, ratios of its
//! counter totals.

use crate::sim::kernel::metrics::{Histogram, Span};

/// The largest value of a series over the span's buckets kept, if any is
/// finite.
pub fn series_max(v: &Span, name: &str) -> Option<f64> {
    v.series(name)?
        .values()
        .filter(|x| x.is_finite())
        .reduce(f64::max)
}

/// Quantile `q` of a latency series over the span, in milliseconds.
pub fn quantile_ms(v: &Span, name: &str, q: f64) -> Option<f64> {
    v.histogram(name)?.quantile(q).map(|us| us / 1e3)
}

/// Quantile `q` over the span, in milliseconds, of several latency series
/// taken together (those that exist).
pub fn merged_quantile_ms(v: &Span, names: &[String], q: f64) -> Option<f64> {
    merged(v, names).quantile(q).map(|us| us / 1e3)
}

/// The samples of several latency series (those that exist) over the span,
/// as one histogram.
pub fn merged(v: &Span, names: &[String]) -> Histogram {
    let mut all = Histogram::new();
    for h in names.iter().filter_map(|n| v.histogram(n)) {
        all.merge(&h);
    }
    all
}

/// The span's total of counter `num` per unit of counter `den` (rows per
/// query …); `None` while `den` is 0.
pub fn ratio_of_totals(v: &Span, num: &str, den: &str) -> Option<f64> {
    let d = v.counter_total(den);
    (d > 0.0).then(|| v.counter_total(num) / d)
}

#[cfg(test)]
mod tests {
    use super::super::test_series::{counted, one, whole};
    use super::*;
    use crate::sim::kernel::metrics::Metrics;

    #[test]
    fn maxima_skip_what_is_not_a_number() {
        let m = one(&[1.0, f64::NAN, 4.0, 2.0]);
        let m = whole(&m);
        assert_eq!(series_max(&m, "c"), Some(4.0));
        assert_eq!(series_max(&whole(&one(&[f64::NAN])), "c"), None);
        assert_eq!(series_max(&m, "nope"), None);
    }

    #[test]
    fn ratios_of_totals() {
        let m = counted(&[("rows", &[10.0, 20.0]), ("calls", &[1.0, 2.0])]);
        let m = whole(&m);
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
        let m = m.whole(0);
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
