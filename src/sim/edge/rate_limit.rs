//! Rate limiting at the edge: a token bucket per API key.
//!
//! A [`TokenBucket`] holds up to `burst` tokens and refills at `rate_per_s`; a
//! request takes one token (its weight, on long horizons) or is turned away with
//! a 429 (`Outcome::Rejected`) before anything behind the check is touched. A
//! handler runs the check as a step, [`Step::RateLimit`](super::Step::RateLimit).
//!
//! Where the buckets live is the lesson, so it is a choice, [`LimitScope`]:
//! - [`LimitScope::PerPod`]: each pod of the service that runs the check keeps
//!   its own buckets in memory (a library counter such as Guava's). A key whose
//!   requests are spread over N pods meets N buckets, so it gets up to N × the
//!   limit through, and the leak grows with every pod added.
//! - [`LimitScope::Shared`]: one bucket per key for the whole cluster in a shared
//!   store (Redis `INCR` or a Lua script). The decision is atomic at the store;
//!   the pod's worker waits one round trip for the answer.
//!
//! Bounded: buckets live in an `OrderedMap` (deterministic order) of at most
//! `max_buckets` entries. A bucket that has refilled to full is the same as no
//! bucket at all, so full ones are dropped first when the map is at its bound;
//! if none is full, the least recently used one goes (its key starts afresh
//! with a full bucket, as after an eviction in a real store).
//!
//! Metrics: `NAME.accepted.CLASS` and `NAME.rejected.CLASS` per client
//! population (weighted), and a log entry "429 burst" when rejections start
//! after a quiet spell.

use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::time::{Micros, SEC};

/// A bucket of tokens that refills at a steady rate up to a ceiling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenBucket {
    tokens: f64,
    updated_us: Micros,
}

impl TokenBucket {
    /// A full bucket at time `now_us`.
    pub fn full(burst: f64, now_us: Micros) -> Self {
        TokenBucket {
            tokens: burst,
            updated_us: now_us,
        }
    }

    /// Tokens in the bucket at `now_us`, refilled at `rate_per_s` up to `burst`.
    pub fn tokens_at(&self, now_us: Micros, rate_per_s: f64, burst: f64) -> f64 {
        let dt_s = now_us.saturating_sub(self.updated_us) as f64 / SEC as f64;
        (self.tokens + dt_s * rate_per_s).min(burst)
    }

    /// Takes `n` tokens if there are that many; true when taken.
    pub fn try_take(&mut self, now_us: Micros, n: f64, rate_per_s: f64, burst: f64) -> bool {
        debug_assert!(now_us >= self.updated_us, "bucket used in the past");
        self.tokens = self.tokens_at(now_us, rate_per_s, burst);
        self.updated_us = now_us;
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }
}

/// Where a limiter keeps its buckets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LimitScope {
    /// In each pod's memory: one bucket per (pod, key).
    PerPod,
    /// In a shared store: one bucket per key for the cluster; each check costs a
    /// round trip to the store, drawn from `round_trip`.
    Shared { round_trip: Dist },
}

/// A rate limiter as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimitSpec {
    /// Name, for metrics and the log (`"gateway-limit"`).
    pub name: String,
    /// Tokens added per second to each bucket.
    pub rate_per_s: f64,
    /// Bucket size: how many requests a key may send at once after a quiet spell.
    pub burst: f64,
    /// Where the buckets live.
    pub scope: LimitScope,
    /// When false, every request passes (and is counted as accepted).
    pub enabled: bool,
    /// Most buckets kept at once.
    pub max_buckets: usize,
}

impl RateLimitSpec {
    /// `limit_per_min` requests a minute per key with a bucket of `burst`,
    /// counted in each pod.
    pub fn per_minute(name: &str, limit_per_min: f64, burst: f64) -> Self {
        assert!(
            limit_per_min >= 0.0 && burst >= 1.0,
            "bad limit for '{name}'"
        );
        RateLimitSpec {
            name: name.to_string(),
            rate_per_s: limit_per_min / 60.0,
            burst,
            scope: LimitScope::PerPod,
            enabled: true,
            max_buckets: 100_000,
        }
    }

    /// The same limit with another scope.
    pub fn scope(mut self, scope: LimitScope) -> Self {
        self.scope = scope;
        self
    }

    /// The same limit, switched off.
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }
}

/// A limiter's live state.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    /// The declaration; its rate, burst, scope and switch may change while running.
    pub spec: RateLimitSpec,
    /// Buckets by (pod, key); shared buckets use pod `u32::MAX`.
    pub(super) buckets: OrderedMap<(u32, u64), TokenBucket>,
    /// (accepted, rejected) counters per request class, registered with the
    /// limiter or the client population, whichever comes later.
    pub(super) by_class: Vec<Option<[CounterId; 2]>>,
    pub(super) last_reject_us: Option<Micros>,
}

/// A spell this long without a rejection ends a "429 burst".
pub(super) const QUIET_US: Micros = 10 * SEC;

impl RateLimiter {
    /// Buckets now kept.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Decides whether a request of weight `n` with `key`, checked in pod `pod`,
    /// may pass at `now_us`.
    pub fn admit(&mut self, now_us: Micros, pod: u32, key: u64, n: f64) -> bool {
        if !self.spec.enabled {
            return true;
        }
        let (rate, burst) = (self.spec.rate_per_s, self.spec.burst);
        let slot = match self.spec.scope {
            LimitScope::PerPod => (pod, key),
            LimitScope::Shared { .. } => (u32::MAX, key),
        };
        if !self.buckets.contains_key(&slot) && self.buckets.len() >= self.spec.max_buckets {
            self.make_room(now_us);
        }
        self.buckets
            .get_or_insert_with(slot, || TokenBucket::full(burst, now_us))
            .try_take(now_us, n, rate, burst)
    }

    fn make_room(&mut self, now_us: Micros) {
        let (rate, burst) = (self.spec.rate_per_s, self.spec.burst);
        self.buckets
            .retain(|_, b| b.tokens_at(now_us, rate, burst) < burst);
        if self.buckets.len() >= self.spec.max_buckets {
            let oldest = self
                .buckets
                .iter()
                .min_by_key(|(k, b)| (b.updated_us, **k))
                .map(|(k, _)| *k);
            if let Some(k) = oldest {
                self.buckets.remove(&k);
            }
        }
    }
}
