//! Statistics per period: the buckets a series keeps cut into consecutive
//! runs of `width` buckets (a minute of 10 s buckets is a period of 6),
//! counted from the series' oldest bucket kept in the span. Series registered together
//! (a client population's outcome counters) share their periods.

use crate::sim::kernel::metrics::Span;

/// Sums of several series per period of `width` buckets: element `k` adds up
/// each series' `k`-th period, series by series, bucket by bucket. The last
/// period may be partial.
pub fn sums_per_period(v: &Span, names: &[String], width: u64) -> Vec<f64> {
    let width = width.max(1) as usize;
    let mut out: Vec<f64> = Vec::new();
    for r in names.iter().filter_map(|n| v.series(n)) {
        for (i, x) in r.values().enumerate() {
            let k = i / width;
            if out.len() <= k {
                out.resize(k + 1, 0.0);
            }
            out[k] += x;
        }
    }
    out
}

/// The largest `sum(num) / sum(den)` of any period of `width` buckets (a
/// partial last one included) in which `den` is above 0: the worst minute's
/// error rate; `None` when no period has a denominator.
pub fn worst_share_per_period(v: &Span, num: &[String], den: &[String], width: u64) -> Option<f64> {
    let n = sums_per_period(v, num, width);
    sums_per_period(v, den, width)
        .into_iter()
        .enumerate()
        .filter(|(_, d)| *d > 0.0)
        .map(|(k, d)| n.get(k).copied().unwrap_or(0.0) / d)
        .reduce(f64::max)
}

/// The highest mean of a series over a whole period of `width` buckets (a
/// partial last period left out): the busiest minute of a gauge.
pub fn peak_period_mean(v: &Span, name: &str, width: u64) -> Option<f64> {
    let width = width.max(1) as usize;
    let values: Vec<f64> = v.series(name)?.values().collect();
    values
        .chunks(width)
        .filter(|c| c.len() == width)
        .map(|c| c.iter().sum::<f64>() / width as f64)
        .reduce(f64::max)
}

#[cfg(test)]
mod tests {
    use super::super::test_series::{counted, names, one, whole};
    use super::*;

    #[test]
    fn sums_per_period_add_series_period_by_period() {
        let m = counted(&[("a", &[1.0, 2.0, 3.0, 4.0, 5.0]), ("b", &[10.0; 5])]);
        let m = whole(&m);
        assert_eq!(
            sums_per_period(&m, &names(&["a", "b"]), 2),
            [23.0, 27.0, 15.0]
        );
        assert_eq!(
            sums_per_period(&m, &names(&["a"]), 1),
            [1.0, 2.0, 3.0, 4.0, 5.0]
        );
        assert_eq!(sums_per_period(&m, &names(&["nope"]), 2), [] as [f64; 0]);
        // A series registered late counts its periods from its own start.
        let late = counted(&[("a", &[1.0, 1.0, 1.0, 1.0]), ("b", &[5.0, 7.0])]);
        let late = whole(&late);
        assert_eq!(sums_per_period(&late, &names(&["b"]), 2), [12.0]);
    }

    #[test]
    fn the_worst_period_share_ignores_periods_where_nothing_ended() {
        let m = counted(&[
            ("bad", &[0.0, 1.0, 0.0, 0.0, 3.0]),
            ("all", &[4.0, 4.0, 0.0, 0.0, 4.0]),
        ]);
        let m = whole(&m);
        let (bad, all) = (names(&["bad"]), names(&["all"]));
        // Periods of 2: 1/8, nothing, then the partial last one 3/4.
        assert_eq!(worst_share_per_period(&m, &bad, &all, 2), Some(0.75));
        assert_eq!(worst_share_per_period(&m, &bad, &all, 5), Some(4.0 / 12.0));
        assert_eq!(worst_share_per_period(&m, &bad, &names(&["nope"]), 2), None);
    }

    #[test]
    fn the_peak_period_mean_takes_whole_periods_only() {
        let m = one(&[1.0, 3.0, 5.0, 7.0, 100.0]);
        let m = whole(&m);
        assert_eq!(peak_period_mean(&m, "c", 2), Some(6.0));
        assert_eq!(peak_period_mean(&m, "c", 1), Some(100.0));
        assert_eq!(peak_period_mean(&m, "c", 6), None);
        assert_eq!(peak_period_mean(&m, "nope", 2), None);
    }
}
