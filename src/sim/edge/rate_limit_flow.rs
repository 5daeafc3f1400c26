//! The world's side of [`rate_limit`](super::rate_limit): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::rate_limit::*;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::LimiterId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::next::Next;
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::world::World;

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
            buckets: OrderedMap::new(),
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
            buckets: OrderedMap::new(),
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
