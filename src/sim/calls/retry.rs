//! Retry policies: how many attempts a call makes, which failures it retries,
//! and how long it waits between attempts.
//!
//! A [`Retry`] is a named world part (like a Resilience4j `Retry` instance) that
//! call sites refer to by index (`CallSpec::retry`). `max_attempts` counts the
//! first call, as Resilience4j does: `max_attempts = 3` is one call and at most
//! two retries. A retry is a new attempt — a new request to the callee, which
//! sees every attempt as load. `retry_on` ([`RetryOn`], `recording.rs`) says
//! which failed attempts are retried (by default all, as Resilience4j); a
//! failure it does not retry ends the call at once. A call refused by an open
//! breaker is never retried (as a Resilience4j `Retry` configured to ignore
//! `CallNotPermittedException`, the usual advice; Resilience4j's bare default
//! would retry it).
//!
//! The AWS kinds of wait follow Marc Brooker's "Exponential Backoff And Jitter"
//! (AWS Architecture Blog, 2015). With `n` the number of retries already made (0
//! before the first retry) and `ceiling = min(cap, base × multiplier^n)` (the
//! blog's multiplier is 2):
//! - no jitter: `ceiling`;
//! - full jitter: uniform in `[0, ceiling)`;
//! - equal jitter: `ceiling / 2` plus uniform in `[0, ceiling / 2)`;
//! - decorrelated jitter: `min(cap, uniform in [base, 3 × previous wait))`, the
//!   first previous wait being `base` (the multiplier does not apply).
//!
//! Equal jitter with base 2 s waits 1–2 s before the first retry and 2–4 s before
//! the second.
//!
//! [`Backoff::ExponentialRandom`] is Resilience4j's
//! `IntervalFunction.ofExponentialRandomBackoff(initial, multiplier, factor,
//! max)`: before attempt `a + 1` (`a` = attempts made), the interval `initial ×
//! multiplier^(a-1)`, then a uniform draw in `[i × (1 - factor), i × (1 +
//! factor)]`, then at most `max`. Like the library it counts in whole
//! milliseconds, truncating each step (`(long) (x * multiplier)`) and the draw,
//! and never waits less than 1 ms; with `factor = 0` it is the library's
//! `ofExponentialBackoff`.

use crate::sim::calls::recording::RetryOn;
use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::{Micros, MS};

/// Randomisation of an exponential backoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Every caller waits exactly the exponential ceiling.
    None,
    /// Uniform between 0 and the ceiling.
    Full,
    /// Half the ceiling plus uniform up to the other half.
    Equal,
    /// Uniform between `base` and three times the previous wait, capped.
    Decorrelated,
}

/// How long a caller waits before a retry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backoff {
    /// No wait at all.
    Immediate,
    /// The same wait before every retry.
    Fixed {
        /// The wait.
        delay_us: Micros,
    },
    /// Growing waits, `min(cap, base × multiplier^n)`, randomised by `jitter`.
    Exponential {
        /// The ceiling before the first retry.
        base_us: Micros,
        /// The largest ceiling.
        cap_us: Micros,
        /// What the ceiling is multiplied by at each retry (2 in the AWS blog).
        multiplier: f64,
        /// How a wait is drawn under the ceiling.
        jitter: Jitter,
    },
    /// Resilience4j's randomised exponential backoff, in whole milliseconds.
    ExponentialRandom {
        /// The interval before the first retry (at least 1 ms).
        initial_us: Micros,
        /// What the interval is multiplied by at each retry (Resilience4j: 1.5).
        multiplier: f64,
        /// The draw's spread around the interval, 0–1 (Resilience4j: 0.5).
        randomization: f64,
        /// The longest wait (`None`: no limit).
        cap_us: Option<Micros>,
    },
}

impl Backoff {
    /// Resilience4j's `IntervalFunction.ofExponentialRandomBackoff()` defaults
    /// from `initial_us`: multiplier 1.5, randomisation 0.5, no cap.
    pub fn exponential_random(initial_us: Micros) -> Self {
        Backoff::ExponentialRandom {
            initial_us,
            multiplier: 1.5,
            randomization: 0.5,
            cap_us: None,
        }
    }

    /// Checks the arguments as Resilience4j's `IntervalFunction` does: intervals
    /// of at least 1 ms, a randomisation factor within 0–1.
    pub fn check(&self) -> Result<(), String> {
        let interval = |what: &str, us: Micros| {
            if us < MS {
                Err(format!("{what} {us} µs is less than 1 ms"))
            } else {
                Ok(())
            }
        };
        match *self {
            Backoff::Immediate => Ok(()),
            Backoff::Fixed { delay_us } => interval("delay", delay_us),
            Backoff::Exponential {
                base_us,
                cap_us,
                multiplier,
                ..
            } => {
                interval("base", base_us)?;
                interval("cap", cap_us)?;
                positive(multiplier)
            }
            Backoff::ExponentialRandom {
                initial_us,
                multiplier,
                randomization,
                cap_us,
            } => {
                interval("initial interval", initial_us)?;
                if let Some(c) = cap_us {
                    interval("cap", c)?;
                }
                positive(multiplier)?;
                if (0.0..=1.0).contains(&randomization) {
                    Ok(())
                } else {
                    Err(format!(
                        "randomization factor {} is not in 0–1",
                        trimmed(randomization, 6)
                    ))
                }
            }
        }
    }
}

fn positive(multiplier: f64) -> Result<(), String> {
    if multiplier > 0.0 && multiplier.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "multiplier {} is not positive",
            trimmed(multiplier, 6)
        ))
    }
}

/// A retry policy: attempts, which failures are retried, and waits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first call included (≥ 1; 1 means no retry).
    pub max_attempts: u16,
    /// The waits between attempts.
    pub backoff: Backoff,
    /// Which failed attempts are retried.
    pub retry_on: RetryOn,
}

impl RetryPolicy {
    /// No retry: one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            backoff: Backoff::Immediate,
            retry_on: RetryOn::all(),
        }
    }

    /// Up to `max_attempts` attempts, waiting by `backoff` between them,
    /// retrying every failure.
    pub fn new(max_attempts: u16, backoff: Backoff) -> Self {
        assert!(max_attempts >= 1, "max_attempts counts the first call");
        if let Err(e) = backoff.check() {
            panic!("bad backoff: {e}");
        }
        RetryPolicy {
            max_attempts,
            backoff,
            retry_on: RetryOn::all(),
        }
    }

    /// The same policy, retrying only what `retry_on` says.
    pub fn retry_on(mut self, retry_on: RetryOn) -> Self {
        self.retry_on = retry_on;
        self
    }

    /// The wait before the next retry, when `retries_done` retries were already
    /// made and the previous wait was `prev_wait_us` (0 before the first retry).
    /// Draws from `rng` only when the policy is randomised.
    pub fn wait_us(&self, retries_done: u16, prev_wait_us: Micros, rng: &mut SimRng) -> Micros {
        match self.backoff {
            Backoff::Immediate => 0,
            Backoff::Fixed { delay_us } => delay_us,
            Backoff::Exponential {
                base_us,
                cap_us,
                multiplier,
                jitter,
            } => {
                let (base, cap) = (base_us as f64, cap_us as f64);
                let ceiling = (base * multiplier.powi(retries_done.min(60) as i32)).min(cap);
                let wait = match jitter {
                    Jitter::None => ceiling,
                    Jitter::Full => rng.between(0.0, ceiling),
                    Jitter::Equal => ceiling / 2.0 + rng.between(0.0, ceiling / 2.0),
                    Jitter::Decorrelated => {
                        let prev = if prev_wait_us == 0 {
                            base
                        } else {
                            prev_wait_us as f64
                        };
                        rng.between(base, (prev * 3.0).max(base)).min(cap)
                    }
                };
                wait.round().max(0.0) as Micros
            }
            Backoff::ExponentialRandom {
                initial_us,
                multiplier,
                randomization,
                cap_us,
            } => {
                // Resilience4j's arithmetic, in whole milliseconds.
                let mut interval = (initial_us / MS) as f64;
                for _ in 0..retries_done {
                    interval = (interval * multiplier).trunc();
                }
                let delta = randomization * interval;
                let (min, max) = (interval - delta, interval + delta);
                let drawn = (min + rng.uniform() * (max - min + 1.0)).max(1.0);
                let ms = (drawn as u64).min(cap_us.map_or(u64::MAX, |c| c / MS));
                ms.saturating_mul(MS)
            }
        }
    }
}

impl Default for RetryPolicy {
    /// Resilience4j's `RetryConfig.ofDefaults()`: 3 attempts, 500 ms apart,
    /// every failure retried.
    fn default() -> Self {
        RetryPolicy::new(3, Backoff::Fixed { delay_us: 500 * MS })
    }
}

/// Metric handles of a retry part.
#[derive(Clone, Debug)]
pub(crate) struct RetryMetrics {
    pub attempts: CounterId,
    pub retries: CounterId,
    pub retries_ok: CounterId,
    pub exhausted: CounterId,
    pub retries_in_flight: GaugeId,
}

/// A named retry policy in a world, with its metrics.
///
/// Series: `NAME.attempts` (every attempt sent, the first included),
/// `NAME.retries` (attempts after the first), `NAME.retries_ok` (retry attempts
/// the callee answered with success — counted when the callee answers, even if
/// the answer is then lost or comes after the caller gave up), `NAME.exhausted`
/// (calls that failed after their last allowed attempt) and the gauge
/// `NAME.retries_in_flight` (callers between a failed attempt and the end of
/// their call: waiting out a backoff or waiting for a retry's answer).
#[derive(Clone, Debug)]
pub struct Retry {
    /// Name, the prefix of its series.
    pub name: String,
    /// The policy now in force (a toggle may change it while running).
    pub policy: RetryPolicy,
    pub(crate) m: RetryMetrics,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::{MS, SEC};

    fn waits(p: RetryPolicy, seed: u64, n: usize) -> Vec<Vec<f64>> {
        // For each of n callers, the waits before retries 1, 2, 3 (in seconds).
        let mut rng = SimRng::new(seed);
        (0..n)
            .map(|_| {
                let mut prev = 0;
                (0..3)
                    .map(|k| {
                        let w = p.wait_us(k, prev, &mut rng);
                        prev = w;
                        w as f64 / 1e6
                    })
                    .collect()
            })
            .collect()
    }

    fn exp(jitter: Jitter, base_s: u64, cap_s: u64) -> RetryPolicy {
        RetryPolicy::new(
            4,
            Backoff::Exponential {
                base_us: base_s * SEC,
                cap_us: cap_s * SEC,
                multiplier: 2.0,
                jitter,
            },
        )
    }

    #[test]
    fn fixed_and_immediate_waits_do_not_vary_or_draw() {
        let mut rng = SimRng::new(1);
        let before = rng.clone().uniform();
        let f = RetryPolicy::new(3, Backoff::Fixed { delay_us: SEC });
        assert_eq!(f.wait_us(0, 0, &mut rng), SEC);
        assert_eq!(f.wait_us(1, SEC, &mut rng), SEC);
        assert_eq!(RetryPolicy::none().wait_us(0, 0, &mut rng), 0);
        assert_eq!(rng.uniform(), before, "deterministic waits must not draw");
    }

    #[test]
    fn exponential_without_jitter_doubles_up_to_the_cap() {
        let w = waits(exp(Jitter::None, 1, 3), 1, 1);
        assert_eq!(w[0], vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn equal_jitter_with_base_two_seconds_waits_one_to_two_then_two_to_four() {
        let all = waits(exp(Jitter::Equal, 2, 60), 7, 20_000);
        let (r1, r2): (Vec<f64>, Vec<f64>) = all.iter().map(|w| (w[0], w[1])).unzip();
        assert!(r1.iter().all(|&x| (1.0..2.0).contains(&x)));
        assert!(r2.iter().all(|&x| (2.0..4.0).contains(&x)));
        let m1 = r1.iter().sum::<f64>() / r1.len() as f64;
        let m2 = r2.iter().sum::<f64>() / r2.len() as f64;
        assert!(
            (m1 - 1.5).abs() < 0.01 && (m2 - 3.0).abs() < 0.02,
            "{m1} {m2}"
        );
    }

    #[test]
    fn full_jitter_spreads_from_zero_to_the_ceiling() {
        let all = waits(exp(Jitter::Full, 1, 60), 3, 20_000);
        let r2: Vec<f64> = all.iter().map(|w| w[1]).collect();
        assert!(r2.iter().all(|&x| (0.0..2.0).contains(&x)));
        let m = r2.iter().sum::<f64>() / r2.len() as f64;
        assert!((m - 1.0).abs() < 0.02, "{m}");
        // Spread: about a quarter of the waits in each quarter of [0, 2).
        let low = r2.iter().filter(|&&x| x < 0.5).count() as f64 / r2.len() as f64;
        assert!((low - 0.25).abs() < 0.02, "{low}");
    }

    #[test]
    fn decorrelated_jitter_stays_between_base_and_cap_and_grows() {
        let all = waits(exp(Jitter::Decorrelated, 1, 10), 5, 20_000);
        for w in &all {
            assert!(w.iter().all(|&x| (1.0..=10.0).contains(&x)), "{w:?}");
        }
        // First wait: uniform in [base, 3 base): mean 2 s; later ones grow.
        let m = |k: usize| all.iter().map(|w| w[k]).sum::<f64>() / all.len() as f64;
        assert!((m(0) - 2.0).abs() < 0.02, "{}", m(0));
        assert!(m(1) > m(0) && m(2) > m(1));
    }

    #[test]
    fn a_multiplier_other_than_two_grows_the_ceiling_by_it() {
        let p = RetryPolicy::new(
            4,
            Backoff::Exponential {
                base_us: SEC,
                cap_us: 60 * SEC,
                multiplier: 3.0,
                jitter: Jitter::None,
            },
        );
        assert_eq!(waits(p, 1, 1)[0], vec![1.0, 3.0, 9.0]);
    }

    #[test]
    fn resilience4j_random_backoff_stays_within_its_spread_in_whole_ms() {
        let p = RetryPolicy::new(4, Backoff::exponential_random(100 * MS));
        let mut rng = SimRng::new(4);
        // Intervals 100, 150, 225 ms; ±50 %, drawn in whole milliseconds.
        for (k, (lo, hi)) in [(50, 150), (75, 225), (112, 338)].into_iter().enumerate() {
            let xs: Vec<u64> = (0..5_000)
                .map(|_| p.wait_us(k as u16, 0, &mut rng))
                .collect();
            assert!(xs
                .iter()
                .all(|&x| x % MS == 0 && (lo * MS..=hi * MS).contains(&x)));
            let mean = xs.iter().sum::<u64>() as f64 / xs.len() as f64 / MS as f64;
            let mid = (lo + hi) as f64 / 2.0;
            assert!((mean - mid).abs() < 0.02 * hi as f64, "{k}: {mean}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_waits() {
        let p = exp(Jitter::Full, 1, 30);
        assert_eq!(waits(p, 9, 50), waits(p, 9, 50));
        assert_ne!(waits(p, 9, 50), waits(p, 10, 50));
        assert!(p.wait_us(0, 0, &mut SimRng::new(1)) < SEC + MS);
    }
}
