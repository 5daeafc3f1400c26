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
//! Bounded: buckets live in a `BTreeMap` (deterministic order) of at most
//! `max_buckets` entries. A bucket that has refilled to full is the same as no
//! bucket at all, so full ones are dropped first when the map is at its bound;
//! if none is full, the least recently used one goes (its key starts afresh
//! with a full bucket, as after an eviction in a real store).
//!
//! Metrics: `NAME.accepted.CLASS` and `NAME.rejected.CLASS` per client
//! population (weighted), and a log entry "429 burst" when rejections start
//! after a quiet spell.

use crate::sim::kernel::ids::LimiterId;
use std::collections::BTreeMap;

use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::flow::Next;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::time::{Micros, SEC};
use crate::sim::kernel::world::World;

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
    buckets: BTreeMap<(u32, u64), TokenBucket>,
    /// (accepted, rejected) counters per request class, registered with the
    /// limiter or the client population, whichever comes later.
    by_class: Vec<Option<[CounterId; 2]>>,
    last_reject_us: Option<Micros>,
}

/// A spell this long without a rejection ends a "429 burst".
const QUIET_US: Micros = 10 * SEC;

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
            .entry(slot)
            .or_insert_with(|| TokenBucket::full(burst, now_us))
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

impl World {
    /// Adds a rate limiter; returns its index for [`Step::RateLimit`](super::Step::RateLimit).
    pub fn add_rate_limiter(&mut self, spec: RateLimitSpec) -> LimiterId {
        assert!(spec.max_buckets >= 1);
        assert!(
            self.edge.limiters.iter().all(|l| l.spec.name != spec.name),
            "rate limiter '{}' added twice",
            spec.name
        );
        self.edge.limiters.push(RateLimiter {
            spec,
            buckets: BTreeMap::new(),
            by_class: Vec::new(),
            last_reject_us: None,
        });
        let id = LimiterId::new(self.edge.limiters.len() - 1);
        for class in 0..self.traffic.clients.len() as u16 {
            self.limiter_class_counters(id, class);
        }
        id
    }

    /// Changes a limiter's declaration from now on (rate, burst, scope, switch).
    /// Buckets already filled keep their tokens.
    pub fn set_rate_limit(&mut self, limiter: LimiterId, change: impl FnOnce(&mut RateLimitSpec)) {
        let l = &mut self.edge.limiters[limiter.index()];
        change(&mut l.spec);
        assert!(l.spec.rate_per_s >= 0.0 && l.spec.burst >= 1.0);
    }

    /// The `Step::RateLimit` step.
    pub(crate) fn rate_limit_step(&mut self, r: ReqRef, limiter: LimiterId) -> Next {
        let now = self.kernel.now;
        let req = self.kernel.requests.get(r).expect("alive");
        let (pod, key, class, w) = (req.pod, req.key, req.class, req.weight);
        let l = &mut self.edge.limiters[limiter.index()];
        let ok = l.admit(now, pod, key, w as f64);
        let round_trip = match (l.spec.enabled, l.spec.scope) {
            (true, LimitScope::Shared { round_trip }) => round_trip.sample(&mut self.kernel.rng),
            _ => 0,
        };
        let ids = self.limiter_class_counters(limiter, class);
        self.kernel.metrics.add(ids[usize::from(!ok)], w as f64);
        if !ok {
            self.note_rejection(limiter, key, class);
        }
        let end = (!ok).then_some(Outcome::Rejected);
        match (round_trip, end) {
            (0, None) => Next::Continue,
            (0, Some(o)) => Next::End(o),
            (dt, end) => {
                self.kernel.schedule(now + dt, Event::Resume(r, end));
                Next::Wait
            }
        }
    }

    fn note_rejection(&mut self, limiter: LimiterId, key: u64, class: u16) {
        let now = self.kernel.now;
        let l = &mut self.edge.limiters[limiter.index()];
        let starts = l.last_reject_us.is_none_or(|t| now - t > QUIET_US);
        l.last_reject_us = Some(now);
        if starts {
            let name = l.spec.name.clone();
            let text = format!(
                "{name}: 429 burst — {} over the limit (key {key})",
                self.class_name(class)
            );
            self.note(LogLevel::Warn, text, true);
        }
    }

    pub(crate) fn limiter_class_counters(
        &mut self,
        limiter: LimiterId,
        class: u16,
    ) -> [CounterId; 2] {
        let l = &self.edge.limiters[limiter.index()];
        if let Some(Some(ids)) = l.by_class.get(class as usize) {
            return *ids;
        }
        let (name, cls) = (l.spec.name.clone(), self.class_name(class));
        let ids = [
            self.kernel
                .metrics
                .counter(&format!("{name}.accepted.{cls}")),
            self.kernel
                .metrics
                .counter(&format!("{name}.rejected.{cls}")),
        ];
        let v = &mut self.edge.limiters[limiter.index()].by_class;
        if v.len() <= class as usize {
            v.resize(class as usize + 1, None);
        }
        v[class as usize] = Some(ids);
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let mut b = TokenBucket::full(5.0, 0);
        let taken = (0..10).filter(|_| b.try_take(0, 1.0, 1.0, 5.0)).count();
        assert_eq!(taken, 5);
        assert!(!b.try_take(500_000, 1.0, 1.0, 5.0));
        assert!(b.try_take(SEC, 1.0, 1.0, 5.0));
        // A long rest refills only up to the burst.
        assert_eq!(b.tokens_at(100 * SEC, 1.0, 5.0), 5.0);
    }

    /// A gateway of `pods` pods with the limiter in front of a fast backend, and
    /// one client hammering with a single key; returns (accepted per minute,
    /// requests that reached the backend, rejected).
    fn hammer(pods: u32, scope: LimitScope, limit_per_min: f64) -> (f64, f64, u64) {
        let mut w = World::new(7, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gateway", pods, 100));
        let be = w.add_service(ServiceSpec::new("backend", 1, 100));
        let serve = w.add_handler(Handler::new(
            "serve",
            be,
            vec![Step::Work(Dist::Constant { ms: 1.0 })],
        ));
        let l =
            w.add_rate_limiter(RateLimitSpec::per_minute("limit", limit_per_min, 5.0).scope(scope));
        let proxy = w.add_handler(Handler::new(
            "proxy",
            gw,
            vec![Step::RateLimit(l), Step::Call(CallSpec::new(be, serve))],
        ));
        w.count_arrivals_by_class(be);
        w.add_client(ClientSpec::new("bot", 100.0, gw, proxy).keys(KeySpec::Fixed(42)));
        w.step(10 * MIN);
        let m = &w.kernel.metrics;
        let accepted = m.counter_total("limit.accepted.bot");
        assert_eq!(
            accepted + m.counter_total("limit.rejected.bot"),
            w.ledger().arrived as f64
        );
        (
            accepted / 10.0,
            m.counter_total("backend.from.bot"),
            w.ledger().rejected,
        )
    }

    #[test]
    fn a_key_spread_over_pods_gets_pods_times_the_limit_when_counted_locally() {
        for pods in [1, 5, 10] {
            let (per_min, reached, _) = hammer(pods, LimitScope::PerPod, 60.0);
            let want = pods as f64 * 60.0;
            // Plus each pod's first burst, spread over ten minutes.
            assert!(
                (per_min - want).abs() < 0.03 * want + pods as f64,
                "{pods}: {per_min}"
            );
            assert_eq!(reached, per_min * 10.0);
        }
    }

    #[test]
    fn a_shared_store_holds_a_key_to_the_limit_whatever_the_pods() {
        let rtt = Dist::Constant { ms: 1.0 };
        for pods in [1, 10] {
            let (per_min, reached, rejected) =
                hammer(pods, LimitScope::Shared { round_trip: rtt }, 60.0);
            assert!((60.0..=61.0).contains(&per_min), "{pods}: {per_min}");
            // Rejected requests never reach the backend.
            assert_eq!(reached, per_min * 10.0);
            assert!(rejected > 50_000);
        }
    }

    #[test]
    fn a_shared_check_costs_a_round_trip_and_a_disabled_limiter_passes_all() {
        let mut w = World::new(1, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gateway", 1, 10));
        let rtt = Dist::Constant { ms: 2.0 };
        let l = w.add_rate_limiter(
            RateLimitSpec::per_minute("limit", 6000.0, 100.0)
                .scope(LimitScope::Shared { round_trip: rtt }),
        );
        let h = w.add_handler(Handler::new("h", gw, vec![Step::RateLimit(l)]));
        w.add_client(ClientSpec::new("c", 5.0, gw, h).keys(KeySpec::Uniform { keys: 3 }));
        w.step(60 * SEC);
        let p50 = w
            .kernel
            .metrics
            .series_histogram("c.latency")
            .unwrap()
            .quantile(0.5)
            .unwrap();
        assert!((p50 / 1000.0 - 2.0).abs() < 0.1, "{p50}");
        w.set_rate_limit(l, |s| {
            s.enabled = false;
            s.rate_per_s = 0.0;
        });
        let before = w.ledger().rejected;
        w.step(120 * SEC);
        assert_eq!(w.ledger().rejected, before);
        assert!(w.edge.limiters[0].buckets() <= 3);
    }

    #[test]
    fn buckets_stay_bounded_and_rejections_start_a_logged_burst() {
        let mut l = RateLimiter {
            spec: RateLimitSpec {
                max_buckets: 4,
                ..RateLimitSpec::per_minute("l", 60.0, 1.0)
            },
            buckets: BTreeMap::new(),
            by_class: Vec::new(),
            last_reject_us: None,
        };
        for k in 0..100u64 {
            l.admit(k * 1_000, 0, k, 1.0);
            assert!(l.buckets() <= 4);
        }
        let mut w = World::new(1, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gateway", 1, 10));
        let l = w.add_rate_limiter(RateLimitSpec::per_minute("edge", 60.0, 2.0));
        let h = w.add_handler(Handler::new("h", gw, vec![Step::RateLimit(l)]));
        w.add_client(ClientSpec::new("bot", 50.0, gw, h).keys(crate::sim::KeySpec::Fixed(7)));
        w.step(30 * SEC);
        let bursts = w
            .kernel
            .log
            .entries()
            .filter(|e| e.text.contains("429 burst"))
            .count();
        assert_eq!(bursts, 1);
    }
}
