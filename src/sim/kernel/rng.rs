//! The world's one source of randomness: a seeded PCG generator.
//!
//! Every random draw in a world goes through its [`SimRng`], in event order, so a
//! seed reproduces a run exactly. No OS randomness, no wall clock.

use rand_core::Rng;
use rand_pcg::Pcg64Mcg;

/// A seeded pseudo-random generator (PCG-64 MCG) with the draws the engine needs.
#[derive(Clone, Debug)]
pub struct SimRng {
    inner: Pcg64Mcg,
}

impl SimRng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        // Spread the seed over 128 bits so that seeds 1, 2, 3 start far apart.
        let s = (seed as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) | 1;
        SimRng {
            inner: Pcg64Mcg::new(s),
        }
    }

    /// A uniform draw in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        // 53 random bits -> the full precision of an f64 mantissa.
        (self.inner.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform draw in (0, 1]: safe to take the logarithm of.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// A uniform draw in [lo, hi).
    #[inline]
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// An integer in [0, n). `n` must be positive.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        ((self.inner.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `p` (clamped to [0, 1]).
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// An exponential draw with the given mean.
    #[inline]
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform_open0().ln()
    }

    /// A standard normal draw (Box–Muller; one of the pair is discarded so that
    /// the generator holds no hidden state besides the PCG's).
    pub fn standard_normal(&mut self) -> f64 {
        let u1 = self.uniform_open0();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A log-normal factor with mean 1 and shape `sigma` (the spread of the
    /// underlying normal): multiplies a mean duration into one that varies
    /// with a long right tail and keeps its mean. `sigma = 0` draws nothing
    /// and returns exactly 1, so a model without spread keeps its sequence.
    #[inline]
    pub fn spread(&mut self, sigma: f64) -> f64 {
        if sigma == 0.0 {
            return 1.0;
        }
        (sigma * self.standard_normal() - 0.5 * sigma * sigma).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_keeps_the_mean_and_draws_nothing_at_zero() {
        let mut r = SimRng::new(5);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.spread(0.5)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
        // The median of exp(N(-σ²/2, σ)) is exp(-σ²/2): 0.8825 for σ = 0.5.
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[n / 2];
        assert!((median - (-0.125f64).exp()).abs() < 0.01, "{median}");
        let (mut a, mut b) = (SimRng::new(9), SimRng::new(9));
        assert_eq!(a.spread(0.0), 1.0);
        assert_eq!(a.uniform(), b.uniform());
    }

    #[test]
    fn same_seed_same_sequence_other_seed_other_sequence() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        let mut c = SimRng::new(8);
        let xa: Vec<f64> = (0..100).map(|_| a.uniform()).collect();
        let xb: Vec<f64> = (0..100).map(|_| b.uniform()).collect();
        let xc: Vec<f64> = (0..100).map(|_| c.uniform()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn exponential_mean_and_uniform_range() {
        let mut r = SimRng::new(1);
        let n = 200_000;
        let mean = (0..n).map(|_| r.exponential(5.0)).sum::<f64>() / n as f64;
        assert!((mean - 5.0).abs() < 0.05, "mean {mean}");
        for _ in 0..10_000 {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            assert!(r.below(3) < 3);
        }
    }

    #[test]
    fn normal_has_unit_variance() {
        let mut r = SimRng::new(3);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.standard_normal()).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.02, "mean {m} var {v}");
    }
}
