//! Statistics over one window of buckets `[from, to)`: sums, shares, peaks
//! and means, over the buckets a series still keeps within the span read
//! (a window reaching before the span's start is cut to it).

use crate::sim::kernel::metrics::Span;
use crate::sim::kernel::time::as_secs;
use crate::sim::Micros;

/// The index of the bucket containing time `t`.
pub fn bucket_at(v: &Span, t: Micros) -> u64 {
    t / v.bucket_us()
}

/// How many whole buckets `span` covers (at least one): a period in buckets.
pub fn buckets_in(v: &Span, span: Micros) -> u64 {
    (span / v.bucket_us()).max(1)
}

/// The end of the last closed bucket: how far the series reach.
pub fn closed_until(v: &Span) -> Micros {
    v.buckets_closed() * v.bucket_us()
}

/// The window of the last `span` of closed buckets (fewer at the start).
pub fn last_buckets(v: &Span, span: Micros) -> (u64, u64) {
    let closed = v.buckets_closed();
    (closed.saturating_sub(span / v.bucket_us()), closed)
}

/// The later half of the buckets series `name` keeps, if it exists.
pub fn later_half(v: &Span, name: &str) -> Option<(u64, u64)> {
    let r = v.series(name)?;
    let (first, len) = (r.first_bucket(), r.len() as u64);
    Some((first + len / 2, first + len))
}

/// Sum of a series over buckets `[from, to)` that are still kept.
pub fn sum_between(v: &Span, name: &str, from: u64, to: u64) -> f64 {
    v.series(name).map_or(0.0, |r| {
        (from.max(r.first_bucket())..to)
            .filter_map(|i| r.get(i))
            .filter(|x| x.is_finite())
            .sum()
    })
}

/// Sum of several series over buckets `[from, to)`, series by series.
pub fn total_between(v: &Span, names: &[String], from: u64, to: u64) -> f64 {
    names.iter().map(|n| sum_between(v, n, from, to)).sum()
}

/// `sum(num) / sum(den)` over buckets `[from, to)`; `None` when the
/// denominator is 0 (nothing happened in the window).
pub fn share_between(v: &Span, num: &[String], den: &[String], from: u64, to: u64) -> Option<f64> {
    let d = total_between(v, den, from, to);
    (d > 0.0).then(|| total_between(v, num, from, to) / d)
}

/// `failed / (failed + ok)` over buckets `[from, to)`, the two sums taken
/// apart: the failure rate of requests that ended; `None` when none did.
pub fn failure_share_between(
    v: &Span,
    failed: &[String],
    ok: &[String],
    from: u64,
    to: u64,
) -> Option<f64> {
    let bad = total_between(v, failed, from, to);
    let ended = bad + total_between(v, ok, from, to);
    (ended > 0.0).then(|| bad / ended)
}

/// Mean of a series' finite values over buckets `[from, to)` that are still
/// kept; `None` when there is none.
pub fn mean_between(v: &Span, name: &str, from: u64, to: u64) -> Option<f64> {
    let r = v.series(name)?;
    let kept: Vec<f64> = (from.max(r.first_bucket())..to)
        .filter_map(|i| r.get(i))
        .filter(|x| x.is_finite())
        .collect();
    (!kept.is_empty()).then(|| kept.iter().sum::<f64>() / kept.len() as f64)
}

/// Largest bucket value of a series over buckets `[from, to)` that are still
/// kept; `None` when no such bucket has a value (or the series is unknown).
pub fn peak_between(v: &Span, name: &str, from: u64, to: u64) -> Option<f64> {
    let r = v.series(name)?;
    (from.max(r.first_bucket())..to)
        .filter_map(|i| r.get(i))
        .reduce(f64::max)
}

/// The bucket of `[from, to)` holding a series' largest value (the latest
/// of equal ones); `None` when no kept bucket is in the window.
pub fn peak_bucket_between(v: &Span, name: &str, from: u64, to: u64) -> Option<u64> {
    let r = v.series(name)?;
    (from.max(r.first_bucket())..to)
        .filter_map(|i| r.get(i).map(|x| (i, x)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// A counter's largest bucket over `[from, to)` as a rate per second.
pub fn peak_rate_between(v: &Span, name: &str, from: u64, to: u64) -> Option<f64> {
    peak_between(v, name, from, to).map(|x| x / as_secs(v.bucket_us()))
}

/// The largest bucket of `num` over the largest bucket of `den`, both over
/// `[from, to)` (a series with no bucket there counts 0): how much higher the
/// worst moment of one load was than the worst of another.
pub fn peak_ratio_between(v: &Span, num: &str, den: &str, from: u64, to: u64) -> f64 {
    let peak = |n: &str| peak_between(v, n, from, to).unwrap_or(0.0);
    peak(num) / peak(den)
}

#[cfg(test)]
mod tests {
    use super::super::test_series::{counted, names, one, whole};
    use super::*;

    #[test]
    fn peak_and_sum_look_only_inside_the_window() {
        let m = one(&[1.0, 7.0, 3.0, 9.0, 2.0]);
        let m = whole(&m);
        assert_eq!(peak_between(&m, "c", 0, 5), Some(9.0));
        assert_eq!(peak_between(&m, "c", 0, 3), Some(7.0));
        assert_eq!(peak_between(&m, "c", 4, 5), Some(2.0));
        assert_eq!(sum_between(&m, "c", 1, 3), 10.0);
        // Empty window, buckets not closed yet, unknown series.
        assert_eq!(peak_between(&m, "c", 2, 2), None);
        assert_eq!(peak_between(&m, "c", 5, 9), None);
        assert_eq!(peak_between(&m, "nope", 0, 5), None);
    }

    #[test]
    fn the_peak_bucket_is_the_latest_of_equal_maxima() {
        let m = one(&[1.0, 7.0, 3.0, 7.0, 2.0]);
        let m = whole(&m);
        assert_eq!(peak_bucket_between(&m, "c", 0, 5), Some(3));
        assert_eq!(peak_bucket_between(&m, "c", 0, 3), Some(1));
        assert_eq!(peak_bucket_between(&m, "c", 5, 9), None);
        assert_eq!(peak_rate_between(&m, "c", 0, 3), Some(7.0));
    }

    #[test]
    fn peak_ratio_compares_the_worst_buckets_of_two_series() {
        let m = counted(&[("a", &[2.0, 9.0, 3.0]), ("b", &[3.0, 2.0, 1.0])]);
        let m = whole(&m);
        assert_eq!(peak_ratio_between(&m, "a", "b", 0, 3), 3.0);
        assert_eq!(peak_ratio_between(&m, "a", "b", 2, 3), 3.0);
        assert_eq!(peak_ratio_between(&m, "nope", "b", 0, 3), 0.0);
    }

    #[test]
    fn shares_sum_each_side_over_the_window() {
        let m = counted(&[
            ("ok", &[3.0, 1.0, 0.0, 0.0]),
            ("bad", &[1.0, 1.0, 0.0, 0.0]),
        ]);
        let m = whole(&m);
        let (ok, bad) = (names(&["ok"]), names(&["bad"]));
        let all = names(&["ok", "bad"]);
        assert_eq!(total_between(&m, &all, 0, 2), 6.0);
        assert_eq!(share_between(&m, &ok, &all, 0, 2), Some(4.0 / 6.0));
        assert_eq!(share_between(&m, &ok, &all, 1, 2), Some(0.5));
        assert_eq!(share_between(&m, &ok, &all, 2, 4), None);
        assert_eq!(failure_share_between(&m, &bad, &ok, 0, 2), Some(2.0 / 6.0));
        assert_eq!(failure_share_between(&m, &bad, &ok, 2, 4), None);
    }

    #[test]
    fn means_skip_what_is_not_a_number() {
        let m = one(&[2.0, f64::NAN, 4.0, 9.0]);
        let m = whole(&m);
        assert_eq!(mean_between(&m, "c", 0, 3), Some(3.0));
        assert_eq!(mean_between(&m, "c", 1, 2), None);
        assert_eq!(mean_between(&m, "c", 3, 10), Some(9.0));
        assert_eq!(mean_between(&m, "nope", 0, 3), None);
    }

    #[test]
    fn windows_from_times_and_spans() {
        let m = one(&[1.0; 5]);
        let m = whole(&m);
        assert_eq!(bucket_at(&m, 2_500_000), 2);
        assert_eq!(closed_until(&m), 5_000_000);
        assert_eq!(buckets_in(&m, 3_000_000), 3);
        assert_eq!(buckets_in(&m, 10), 1);
        assert_eq!(last_buckets(&m, 2_000_000), (3, 5));
        assert_eq!(last_buckets(&m, 60_000_000), (0, 5));
        assert_eq!(later_half(&m, "c"), Some((2, 5)));
        assert_eq!(later_half(&m, "nope"), None);
    }
}
