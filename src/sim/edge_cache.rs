//! An edge cache (a CDN): copies of answers kept at the edge for a TTL, so a
//! hit is answered there and never reaches the origin.
//!
//! A handler of the edge service wraps its call to the origin:
//! `CacheLookup` (a fresh copy answers the request after `hit_time`, holding
//! an edge worker meanwhile; a miss goes on), the call, then `CacheFill` (the
//! answer is kept until `now + ttl`, unless a call of the request failed — an
//! error page is not cached). Requests that miss while a copy is being fetched
//! all go to the origin: there is no request coalescing, so an expiry under heavy
//! traffic lets a short herd through, as with a plain CDN rule.
//!
//! Objects are named by an [`ObjectKey`]: one fixed object (the home page) or
//! the request's key. Bounded: at most `max_objects`; when full, expired copies
//! go first, then the one that would expire soonest.
//!
//! Metrics: counters `NAME.hits` and `NAME.misses` (weighted).

use std::collections::BTreeMap;

use super::dist::Dist;
use super::flow::Next;
use super::metrics::CounterId;
use super::request::{Outcome, ReqRef};
use super::time::Micros;
use super::world::{Event, World};

/// Which object a cache step looks up or stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKey {
    /// Always the same object (a static page).
    Fixed(u64),
    /// The request's key.
    RequestKey,
}

/// An edge cache as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeCacheSpec {
    /// Name, for metrics (`"cdn"`).
    pub name: String,
    /// How long a stored copy stays fresh.
    pub ttl_us: Micros,
    /// Time to answer a hit at the edge.
    pub hit_time: Dist,
    /// Most objects kept.
    pub max_objects: usize,
}

/// An edge cache's live state.
#[derive(Clone, Debug)]
pub struct EdgeCache {
    /// The declaration; the TTL may change while running.
    pub spec: EdgeCacheSpec,
    /// Expiry time by object.
    objects: BTreeMap<u64, Micros>,
    hits: CounterId,
    misses: CounterId,
}

impl EdgeCache {
    /// Objects now stored (fresh or not).
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// True when `object` has a fresh copy at `now_us`.
    pub fn is_fresh(&self, object: u64, now_us: Micros) -> bool {
        self.objects.get(&object).is_some_and(|&exp| exp > now_us)
    }

    fn store(&mut self, object: u64, now_us: Micros) {
        if !self.objects.contains_key(&object) && self.objects.len() >= self.spec.max_objects {
            self.objects.retain(|_, &mut exp| exp > now_us);
            if self.objects.len() >= self.spec.max_objects {
                let soonest = self
                    .objects
                    .iter()
                    .min_by_key(|(k, exp)| (**exp, **k))
                    .map(|(k, _)| *k);
                if let Some(k) = soonest {
                    self.objects.remove(&k);
                }
            }
        }
        self.objects.insert(object, now_us + self.spec.ttl_us);
    }
}

impl World {
    /// Adds an edge cache; returns its index for the cache steps.
    pub fn add_edge_cache(&mut self, spec: EdgeCacheSpec) -> u32 {
        assert!(spec.max_objects >= 1);
        let hits = self.metrics.counter(&format!("{}.hits", spec.name));
        let misses = self.metrics.counter(&format!("{}.misses", spec.name));
        self.edge_caches.push(EdgeCache {
            spec,
            objects: BTreeMap::new(),
            hits,
            misses,
        });
        self.edge_caches.len() as u32 - 1
    }

    /// Drops every stored copy (a purge).
    pub fn purge_edge_cache(&mut self, cache: u32) {
        self.edge_caches[cache as usize].objects.clear();
    }

    fn object_of(&self, r: ReqRef, object: ObjectKey) -> u64 {
        match object {
            ObjectKey::Fixed(k) => k,
            ObjectKey::RequestKey => self.requests.get(r).expect("alive").key,
        }
    }

    /// The `Step::CacheLookup` step.
    pub(crate) fn cache_lookup_step(&mut self, r: ReqRef, cache: u32, object: ObjectKey) -> Next {
        let now = self.now;
        let key = self.object_of(r, object);
        let w = self.requests.get(r).expect("alive").weight as f64;
        let c = &self.edge_caches[cache as usize];
        if !c.is_fresh(key, now) {
            self.metrics.add(c.misses, w);
            return Next::Continue;
        }
        let (hits, hit_time) = (c.hits, c.spec.hit_time);
        self.metrics.add(hits, w);
        match hit_time.sample(&mut self.rng) {
            0 => Next::End(Outcome::Ok),
            dt => {
                self.queue
                    .push(now + dt, Event::Resume(r, Some(Outcome::Ok)));
                Next::Wait
            }
        }
    }

    /// The `Step::CacheFill` step.
    pub(crate) fn cache_fill_step(&mut self, r: ReqRef, cache: u32, object: ObjectKey) -> Next {
        let key = self.object_of(r, object);
        if !self.requests.get(r).expect("alive").failed_call {
            let now = self.now;
            self.edge_caches[cache as usize].store(key, now);
        }
        Next::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::*;

    fn cdn_world(ttl_s: u64, origin_fails: bool) -> World {
        let mut w = World::new(5, WorldConfig::default());
        let edge = w.add_service(ServiceSpec::new("edge", 1, 1_000));
        let origin = w.add_service(ServiceSpec::new("origin", 1, 100));
        let render = w.add_handler(Handler {
            name: "render".into(),
            service: origin,
            pool: 0,
            steps: vec![
                Step::Work(Dist::Constant { ms: 50.0 }),
                Step::FailWith {
                    p: if origin_fails { 1.0 } else { 0.0 },
                },
            ],
        });
        let cdn = w.add_edge_cache(EdgeCacheSpec {
            name: "cdn".into(),
            ttl_us: ttl_s * SEC,
            hit_time: Dist::Constant { ms: 2.0 },
            max_objects: 10,
        });
        let home = ObjectKey::Fixed(1);
        let h = w.add_handler(Handler {
            name: "home".into(),
            service: edge,
            pool: 0,
            steps: vec![
                Step::CacheLookup {
                    cache: cdn,
                    object: home,
                },
                Step::Call(CallSpec::new(origin, render).tolerate_failure()),
                Step::CacheFill {
                    cache: cdn,
                    object: home,
                },
            ],
        });
        w.add_client(ClientSpec::new("visitors", 200.0, edge, h));
        w
    }

    #[test]
    fn hits_never_reach_the_origin_and_copies_expire_after_the_ttl() {
        let mut w = cdn_world(10, false);
        w.step(100 * SEC);
        let m = &w.metrics;
        let (hits, misses) = (m.counter_total("cdn.hits"), m.counter_total("cdn.misses"));
        let origin = m.counter_total("origin.completed");
        // One fetch per TTL, plus the short herd that misses while it is under way
        // (200 rps × 50 ms ≈ 10 a time).
        assert!((10.0..250.0).contains(&misses), "{misses}");
        assert!(origin <= misses);
        assert!(hits > 0.95 * (hits + misses));
        let p50 = m
            .series_histogram("visitors.latency")
            .unwrap()
            .quantile(0.5)
            .unwrap();
        assert!((p50 / 1000.0 - 2.0).abs() < 0.1);
    }

    #[test]
    fn an_error_is_not_cached() {
        let mut w = cdn_world(10, true);
        w.step(20 * SEC);
        assert_eq!(w.metrics.counter_total("cdn.hits"), 0.0);
        assert!(w.edge_caches[0].is_empty());
    }

    #[test]
    fn the_store_is_bounded() {
        let mut w = cdn_world(10, false);
        let c = &mut w.edge_caches[0];
        for k in 0..100 {
            c.store(k, k * SEC);
            assert!(c.len() <= 10);
        }
        assert!(c.is_fresh(99, 99 * SEC));
    }
}
