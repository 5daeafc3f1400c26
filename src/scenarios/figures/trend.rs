//! Trends: how fast a series climbs, fitted within each life of a pod that
//! restarts, so that the drop at a restart is not mistaken for a fall.

use crate::sim::kernel::metrics::Span;
use crate::sim::Micros;

/// Where a fit cuts a series into lives, and which buckets it leaves out.
pub struct Lives<'a> {
    /// A new life begins in each bucket where this series is above 0 (a
    /// counter of kills).
    pub begin_when: &'a str,
    /// A bucket is left out when the sum of these series in it is above 0
    /// (kills, restarts, pods down): while a pod is down its series holds its
    /// last value, which would tilt the next life's fit.
    pub leave_out_when: &'a [&'a str],
}

/// Least-squares slope of series `name` over buckets `[from, to)`, per
/// `per` of time (per hour: `HOUR`), with one intercept per life and one
/// common slope. Lives of fewer than three buckets are left out. `None` when
/// a series is unknown or nothing is left to fit.
pub fn slope_per_life(
    v: &Span,
    name: &str,
    lives: &Lives,
    from: u64,
    to: u64,
    per: Micros,
) -> Option<f64> {
    let y_series = v.series(name)?;
    let begins = v.series(lives.begin_when)?;
    let left_out = lives
        .leave_out_when
        .iter()
        .map(|n| v.series(n))
        .collect::<Option<Vec<_>>>()?;
    let width = v.bucket_us() as f64 / per as f64;
    // Per life: (n, Σt, Σy, Σtt, Σty).
    let mut sums: Vec<[f64; 5]> = vec![[0.0; 5]];
    for i in from..to {
        let skip = left_out
            .iter()
            .map(|r| r.get(i).unwrap_or(0.0))
            .sum::<f64>()
            > 0.0;
        if begins.get(i).unwrap_or(0.0) > 0.0 {
            sums.push([0.0; 5]);
        }
        let (Some(y), false) = (y_series.get(i), skip) else {
            continue;
        };
        let t = i as f64 * width;
        let l = sums.last_mut().expect("one life at least");
        for (k, v) in [1.0, t, y, t * t, t * y].into_iter().enumerate() {
            l[k] += v;
        }
    }
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for [n, st, sy, stt, sty] in sums.into_iter().filter(|l| l[0] >= 3.0) {
        sxy += sty - st * sy / n;
        sxx += stt - st * st / n;
    }
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::super::test_series::{counted, whole};
    use super::*;

    const LIVES: Lives = Lives {
        begin_when: "kills",
        leave_out_when: &["kills", "down"],
    };

    #[test]
    fn a_straight_line_has_its_slope() {
        let m = counted(&[
            ("y", &[1.0, 3.0, 5.0, 7.0]),
            ("kills", &[0.0; 4]),
            ("down", &[0.0; 4]),
        ]);
        let m = whole(&m);
        // 2 per bucket of 1 s: 4 per 2 s.
        assert_eq!(slope_per_life(&m, "y", &LIVES, 0, 4, 2_000_000), Some(4.0));
        assert_eq!(slope_per_life(&m, "y", &LIVES, 0, 4, 1_000_000), Some(2.0));
    }

    #[test]
    fn a_restart_starts_a_new_life_instead_of_a_fall() {
        // Two lives climbing 1 per bucket, a kill in bucket 4 and the pod down
        // in bucket 5 holding the dead pod's last value.
        let m = counted(&[
            ("y", &[10.0, 11.0, 12.0, 13.0, 0.0, 13.0, 1.0, 2.0, 3.0]),
            ("kills", &[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
            ("down", &[0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]),
        ]);
        let m = whole(&m);
        assert_eq!(slope_per_life(&m, "y", &LIVES, 0, 9, 1_000_000), Some(1.0));
        // A life of two buckets is left out; one of none leaves nothing.
        assert_eq!(slope_per_life(&m, "y", &LIVES, 3, 8, 1_000_000), None);
        assert_eq!(slope_per_life(&m, "nope", &LIVES, 0, 9, 1_000_000), None);
    }
}
