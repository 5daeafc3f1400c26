//! Service-time and delay distributions.

use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::Micros;

/// A distribution of durations, parameterised in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Always the same duration.
    Constant { ms: f64 },
    /// Exponential with the given mean (memoryless: the M in M/M/c).
    Exponential { mean_ms: f64 },
    /// Log-normal with the given median and shape `sigma` (the spread of the
    /// underlying normal); long right tail, like real request latencies.
    LogNormal { median_ms: f64, sigma: f64 },
    /// Uniform between two bounds.
    Uniform { lo_ms: f64, hi_ms: f64 },
}

impl Dist {
    /// Draws one duration, in microseconds, rounded to the nearest microsecond.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> Micros {
        let ms = match *self {
            Dist::Constant { ms } => ms,
            Dist::Exponential { mean_ms } => rng.exponential(mean_ms),
            Dist::LogNormal { median_ms, sigma } => {
                median_ms * (sigma * rng.standard_normal()).exp()
            }
            Dist::Uniform { lo_ms, hi_ms } => rng.between(lo_ms, hi_ms),
        };
        // Nearest microsecond; `+ 0.5` and truncation inline where `round` does not.
        (ms * 1_000.0 + 0.5).max(0.0) as Micros
    }

    /// The mean of the distribution, in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        match *self {
            Dist::Constant { ms } => ms,
            Dist::Exponential { mean_ms } => mean_ms,
            Dist::LogNormal { median_ms, sigma } => median_ms * (sigma * sigma / 2.0).exp(),
            Dist::Uniform { lo_ms, hi_ms } => (lo_ms + hi_ms) / 2.0,
        }
    }

    /// The same shape scaled so that its mean is multiplied by `factor`.
    pub fn scaled(&self, factor: f64) -> Dist {
        match *self {
            Dist::Constant { ms } => Dist::Constant { ms: ms * factor },
            Dist::Exponential { mean_ms } => Dist::Exponential {
                mean_ms: mean_ms * factor,
            },
            Dist::LogNormal { median_ms, sigma } => Dist::LogNormal {
                median_ms: median_ms * factor,
                sigma,
            },
            Dist::Uniform { lo_ms, hi_ms } => Dist::Uniform {
                lo_ms: lo_ms * factor,
                hi_ms: hi_ms * factor,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_mean(d: Dist, n: usize) -> f64 {
        let mut r = SimRng::new(11);
        (0..n)
            .map(|_| d.sample(&mut r) as f64 / 1000.0)
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn sample_means_match_declared_means() {
        for d in [
            Dist::Constant { ms: 4.0 },
            Dist::Exponential { mean_ms: 10.0 },
            Dist::LogNormal {
                median_ms: 20.0,
                sigma: 0.5,
            },
            Dist::Uniform {
                lo_ms: 1000.0,
                hi_ms: 2000.0,
            },
        ] {
            let m = sample_mean(d, 200_000);
            assert!((m / d.mean_ms() - 1.0).abs() < 0.01, "{d:?}: {m}");
        }
    }
}
