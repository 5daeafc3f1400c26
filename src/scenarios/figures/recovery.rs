//! Recovery: how long a share (a success rate) stayed down after a fault.

use crate::sim::kernel::metrics::Span;

use super::window::share_between;

/// From bucket `from`, in consecutive periods of `width` buckets ending by
/// `to`: how many periods pass until the end of the last one whose share
/// `sum(num) / sum(den)` is below `floor` (0 if none is). With periods of a
/// second, the seconds until the share stayed up. Periods where nothing
/// ended do not count as down.
pub fn periods_until_recovered(
    v: &Span,
    num: &[String],
    den: &[String],
    floor: f64,
    from: u64,
    to: u64,
    width: u64,
) -> f64 {
    let mut recovered = 0;
    let mut w = from;
    while w + width <= to {
        if share_between(v, num, den, w, w + width).is_some_and(|s| s < floor) {
            recovered = w + width - from;
        }
        w += width;
    }
    recovered as f64 / width as f64
}

#[cfg(test)]
mod tests {
    use super::super::test_series::{counted, names, whole};
    use super::*;

    #[test]
    fn recovery_ends_with_the_last_period_below_the_floor() {
        // Periods of 2 buckets from bucket 2: down, up, down, empty, up.
        let m = counted(&[
            (
                "ok",
                &[
                    9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 2.0, 2.0, 0.0, 0.0, 9.0, 9.0, 9.0,
                ],
            ),
            (
                "all",
                &[
                    9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 0.0, 0.0, 9.0, 9.0, 9.0,
                ],
            ),
        ]);
        let m = whole(&m);
        let (ok, all) = (names(&["ok"]), names(&["all"]));
        assert_eq!(periods_until_recovered(&m, &ok, &all, 0.9, 2, 13, 2), 3.0);
        // Never below the floor, or no whole period: recovered at once.
        assert_eq!(periods_until_recovered(&m, &ok, &all, 0.1, 2, 13, 2), 0.0);
        assert_eq!(periods_until_recovered(&m, &ok, &all, 0.9, 2, 3, 2), 0.0);
    }
}
