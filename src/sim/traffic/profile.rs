//! Arrival-rate profiles: how a client population's request rate moves over time.
//!
//! A profile is a piecewise-linear multiplier of a base rate (1.0 = the base).
//! Constant, ramp, step and spike profiles are all lists of points; between points
//! the multiplier is interpolated linearly, after the last point it stays flat.

use crate::sim::kernel::time::{Micros, SEC};

/// A time-varying multiplier of a client population's base request rate.
#[derive(Clone, Debug, PartialEq)]
pub struct RateProfile {
    /// (time, multiplier) points, time strictly increasing; at least one point.
    points: Vec<(Micros, f64)>,
}

impl RateProfile {
    /// The same rate for ever.
    pub fn constant() -> Self {
        RateProfile {
            points: vec![(0, 1.0)],
        }
    }

    /// A profile through the given (time, multiplier) points.
    ///
    /// # Panics
    /// If `points` is empty, times are not strictly increasing, or a multiplier is
    /// negative or not finite — these are programming errors in a scenario.
    pub fn points(points: Vec<(Micros, f64)>) -> Self {
        assert!(
            !points.is_empty(),
            "a rate profile needs at least one point"
        );
        for w in points.windows(2) {
            assert!(
                w[0].0 < w[1].0,
                "rate profile times must increase: {} µs, then {} µs",
                w[0].0,
                w[1].0
            );
        }
        assert!(
            points.iter().all(|p| p.1.is_finite() && p.1 >= 0.0),
            "rate multipliers must be finite and non-negative"
        );
        RateProfile { points }
    }

    /// 1× until `start`, rising linearly to `peak`× at `end`.
    pub fn ramp(start: Micros, end: Micros, peak: f64) -> Self {
        Self::points(vec![(0, 1.0), (start, 1.0), (end, peak)])
    }

    /// 1× until `at`, then `factor`× for ever.
    pub fn step(at: Micros, factor: f64) -> Self {
        Self::points(vec![(0, 1.0), (at, 1.0), (at + 1, factor)])
    }

    /// 1× until `start`, rising to `peak`× over `rise`, holding for `hold`, then
    /// falling back to 1× over `fall`.
    pub fn spike(start: Micros, rise: Micros, peak: f64, hold: Micros, fall: Micros) -> Self {
        let rise = rise.max(1);
        let fall = fall.max(1);
        Self::points(vec![
            (0, 1.0),
            (start, 1.0),
            (start + rise, peak),
            (start + rise + hold, peak),
            (start + rise + hold + fall, 1.0),
        ])
    }

    /// The multiplier at time `t`.
    pub fn at(&self, t: Micros) -> f64 {
        let p = &self.points;
        if t <= p[0].0 {
            return p[0].1;
        }
        match p.iter().position(|&(pt, _)| pt > t) {
            None => p[p.len() - 1].1,
            Some(i) => {
                let (t0, m0) = p[i - 1];
                let (t1, m1) = p[i];
                m0 + (m1 - m0) * (t - t0) as f64 / (t1 - t0) as f64
            }
        }
    }

    /// The end of the piece of the profile that contains `t`, within which the
    /// arrival process treats the rate as constant: the next point, but at most one
    /// second ahead while the rate is changing (a sloped piece is taken in
    /// one-second slices evaluated at their middle). `None` when the rate is flat
    /// for ever after `t`.
    pub fn piece_end(&self, t: Micros) -> Option<Micros> {
        let p = &self.points;
        let i = p.iter().position(|&(pt, _)| pt > t)?;
        let next = p[i];
        let flat = i == 0 || p[i - 1].1 == next.1;
        Some(if flat { next.0 } else { next.0.min(t + SEC) })
    }

    /// The multiplier to use for the piece starting at `t` (its midpoint value).
    pub fn piece_rate(&self, t: Micros) -> f64 {
        self.piece(t).0
    }

    /// The piece starting at `t`: its multiplier ([`piece_rate`](Self::piece_rate))
    /// and its end ([`piece_end`](Self::piece_end)), the end found once for
    /// both (every arrival asks for the two).
    #[inline]
    pub fn piece(&self, t: Micros) -> (f64, Option<Micros>) {
        let end = self.piece_end(t);
        let rate = match end {
            None => self.at(t),
            Some(end) => self.at(t + (end - t) / 2),
        };
        (rate, end)
    }

    /// The multiplier integrated from `from` to `to`, in multiplier-seconds
    /// (exact for the piecewise-linear profile): the expected arrivals over
    /// that span at a base rate of one a second.
    pub fn integral(&self, from: Micros, to: Micros) -> f64 {
        if to <= from {
            return 0.0;
        }
        // Breakpoints inside (from, to), with the ends: linear between each pair.
        let mut cuts = vec![from];
        cuts.extend(
            self.points
                .iter()
                .map(|p| p.0)
                .filter(|&t| t > from && t < to),
        );
        cuts.push(to);
        cuts.windows(2)
            .map(|w| (self.at(w[0]) + self.at(w[1])) / 2.0 * (w[1] - w[0]) as f64 / 1e6)
            .sum()
    }

    /// The largest multiplier anywhere in the profile.
    pub fn peak(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::MIN;

    #[test]
    fn the_integral_is_the_area_under_the_profile() {
        assert_eq!(RateProfile::constant().integral(0, 10 * SEC), 10.0);
        let r = RateProfile::ramp(10 * SEC, 20 * SEC, 3.0);
        // 10 s at 1×, a ramp from 1× to 3× over 10 s (20), then 10 s at 3×.
        assert!((r.integral(0, 30 * SEC) - 60.0).abs() < 1e-9);
        assert!((r.integral(15 * SEC, 20 * SEC) - 12.5).abs() < 1e-9);
        assert_eq!(r.integral(5 * SEC, 5 * SEC), 0.0);
    }

    #[test]
    fn ramp_interpolates_and_stays_flat_after() {
        let r = RateProfile::ramp(10 * MIN, 40 * MIN, 10.0);
        assert_eq!(r.at(0), 1.0);
        assert_eq!(r.at(10 * MIN), 1.0);
        assert!((r.at(25 * MIN) - 5.5).abs() < 1e-9);
        assert_eq!(r.at(90 * MIN), 10.0);
        assert_eq!(r.peak(), 10.0);
    }

    #[test]
    fn sloped_pieces_are_sliced_by_the_second_flat_ones_are_not() {
        let r = RateProfile::ramp(10 * SEC, 20 * SEC, 3.0);
        assert_eq!(r.piece_end(0), Some(10 * SEC));
        assert_eq!(r.piece_end(12 * SEC), Some(13 * SEC));
        assert_eq!(r.piece_end(25 * SEC), None);
        let s = RateProfile::spike(SEC, SEC, 50.0, 10 * SEC, 5 * SEC);
        assert_eq!(s.at(5 * SEC), 50.0);
        assert_eq!(s.at(60 * SEC), 1.0);
    }
}
