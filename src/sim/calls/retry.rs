//! Retry policies: how many attempts a call makes and how long it waits between
//! them.
//!
//! A [`Retry`] is a named world part (like a Resilience4j `Retry` instance) that
//! call sites refer to by index (`CallSpec::retry`). `max_attempts` counts the
//! first call, as Resilience4j does: `max_attempts = 3` is one call and at most
//! two retries. A retry is a new attempt — a new request to the callee, which
//! sees every attempt as load.
//!
//! The waits follow Marc Brooker's "Exponential Backoff And Jitter" (AWS
//! Architecture Blog, 2015). With `n` the number of retries already made (0 before
//! the first retry) and `ceiling = min(cap, base × 2^n)`:
//! - no jitter: `ceiling`;
//! - full jitter: uniform in `[0, ceiling)`;
//! - equal jitter: `ceiling / 2` plus uniform in `[0, ceiling / 2)`;
//! - decorrelated jitter: `min(cap, uniform in [base, 3 × previous wait))`, the
//!   first previous wait being `base`.
//!
//! Equal jitter with base 2 s waits 1–2 s before the first retry and 2–4 s before
//! the second.

use crate::sim::kernel::ids::RetryId;
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    /// No wait at all.
    Immediate,
    /// The same wait before every retry.
    Fixed {
        /// The wait.
        delay_us: Micros,
    },
    /// Growing waits, `min(cap, base × 2^n)`, randomised by `jitter`.
    Exponential {
        /// The ceiling before the first retry; it doubles at each retry.
        base_us: Micros,
        /// The largest ceiling.
        cap_us: Micros,
        /// How a wait is drawn under the ceiling.
        jitter: Jitter,
    },
}

/// A retry policy: attempts and waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first call included (≥ 1; 1 means no retry).
    pub max_attempts: u16,
    /// The waits between attempts.
    pub backoff: Backoff,
}

impl RetryPolicy {
    /// No retry: one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            backoff: Backoff::Immediate,
        }
    }

    /// Up to `max_attempts` attempts, waiting by `backoff` between them.
    pub fn new(max_attempts: u16, backoff: Backoff) -> Self {
        assert!(max_attempts >= 1, "max_attempts counts the first call");
        RetryPolicy {
            max_attempts,
            backoff,
        }
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
                jitter,
            } => {
                let (base, cap) = (base_us as f64, cap_us as f64);
                let ceiling = (base * 2f64.powi(retries_done.min(60) as i32)).min(cap);
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
        }
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

impl World {
    /// Adds a retry policy; returns its index for `CallSpec::retry`.
    pub fn add_retry(&mut self, name: &str, policy: RetryPolicy) -> RetryId {
        let now = self.now;
        let m = &mut self.metrics;
        let rm = RetryMetrics {
            attempts: m.counter(&format!("{name}.attempts")),
            retries: m.counter(&format!("{name}.retries")),
            retries_ok: m.counter(&format!("{name}.retries_ok")),
            exhausted: m.counter(&format!("{name}.exhausted")),
            retries_in_flight: m.gauge(&format!("{name}.retries_in_flight"), now, 0.0),
        };
        self.retries.push(Retry {
            name: name.to_string(),
            policy,
            m: rm,
        });
        RetryId::new(self.retries.len() - 1)
    }

    /// Changes a retry policy from the next wait on.
    pub fn set_retry(&mut self, id: RetryId, policy: RetryPolicy) {
        self.retries[id.index()].policy = policy;
    }
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
    fn the_same_seed_gives_the_same_waits() {
        let p = exp(Jitter::Full, 1, 30);
        assert_eq!(waits(p, 9, 50), waits(p, 9, 50));
        assert_ne!(waits(p, 9, 50), waits(p, 10, 50));
        assert!(p.wait_us(0, 0, &mut SimRng::new(1)) < SEC + MS);
    }
}
