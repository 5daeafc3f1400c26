//! How a request's cache steps run: `Step::CacheLookup` and `Step::CacheStore`
//! against a [`Cache`], each answered after the command's network time.

use crate::sim::data::cache::{Cache, CacheMetrics, CacheSpec};
use crate::sim::data::event::DataEvent;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::CacheId;
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

impl World {
    /// Adds a cache (empty: a cold start); returns its index.
    pub fn add_cache(&mut self, spec: CacheSpec) -> CacheId {
        assert!(
            self.data.caches.iter().all(|c| c.spec.name != spec.name),
            "cache '{}' added twice",
            spec.name
        );
        let n = &spec.name;
        let now = self.kernel.now;
        let m = &mut self.kernel.metrics;
        let cm = CacheMetrics {
            hits: m.counter(&format!("{n}.hits")),
            misses: m.counter(&format!("{n}.misses")),
            evictions: m.counter(&format!("{n}.evictions")),
            entries: m.gauge(&format!("{n}.entries"), now, 0.0),
        };
        self.data.caches.push(Cache::new(spec, cm));
        CacheId::new(self.data.caches.len() - 1)
    }

    /// Index of the cache called `name`.
    pub fn cache_index(&self, name: &str) -> Option<u32> {
        self.data
            .caches
            .iter()
            .position(|c| c.spec.name == name)
            .map(|i| i as u32)
    }

    /// Empties a cache now (a restart that loses its data).
    pub fn cache_flush(&mut self, cache: CacheId) {
        let c = &mut self.data.caches[cache.index()];
        c.clear();
        let g = c.m.entries;
        self.kernel.metrics.set(g, self.kernel.now, 0.0);
    }

    /// Sets the time to live of entries stored from now on.
    pub fn cache_set_ttl(&mut self, cache: CacheId, ttl_us: Option<Micros>) {
        self.data.caches[cache.index()].spec.ttl_us = ttl_us;
    }

    /// Looks up the request's key; the answer comes after the command's time and
    /// on a hit skips the next `miss_steps` steps.
    pub(crate) fn cache_lookup(&mut self, r: ReqRef, cache: CacheId, miss_steps: u16) {
        let now = self.kernel.now;
        let req = self.kernel.requests.get(r).expect("alive");
        let (key, w) = (req.key, req.weight as f64);
        let c = &mut self.data.caches[cache.index()];
        let got = c.get(key, now);
        let (m, len) = (c.m, c.len() as f64);
        let (skip, dt) = match got {
            Some(bytes) => {
                self.kernel.metrics.add(m.hits, w);
                (miss_steps, c.spec.command_us(bytes))
            }
            None => {
                self.kernel.metrics.add(m.misses, w);
                (0, c.spec.command_us(0))
            }
        };
        self.kernel.metrics.set(m.entries, now, len);
        self.kernel.schedule(
            now + dt,
            Event::Data(DataEvent::CacheReply { req: r, skip }),
        );
    }

    /// Stores the request's key with a value of `value_bytes`.
    pub(crate) fn cache_store(&mut self, r: ReqRef, cache: CacheId, value_bytes: u32) {
        let now = self.kernel.now;
        let key = self.kernel.requests.get(r).expect("alive").key;
        let c = &mut self.data.caches[cache.index()];
        let effect = c.set(key, now, value_bytes);
        let (m, len, dt) = (c.m, c.len() as f64, c.spec.command_us(value_bytes));
        self.kernel.metrics.add(m.evictions, effect.evicted as f64);
        self.kernel.metrics.set(m.entries, now, len);
        self.kernel.schedule(
            now + dt,
            Event::Data(DataEvent::CacheReply { req: r, skip: 0 }),
        );
    }

    pub(crate) fn on_cache_reply(&mut self, r: ReqRef, skip: u16) {
        if let Some(req) = self.kernel.requests.get_mut(r) {
            req.step += 1 + skip;
            self.run_steps(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::data::cache::cache_aside;
    use crate::sim::traffic::keys::KeySpec;
    use crate::sim::*;

    /// Reports over `keys` keys: a miss takes 200 ms of work, then is cached.
    fn world(keys: u64, ttl_us: Option<Micros>) -> World {
        let mut w = World::new(6, WorldConfig::default());
        let mut spec = CacheSpec::new("redis", 1_000);
        spec.ttl_us = ttl_us;
        let c = w.add_cache(spec);
        let s = w.add_service(ServiceSpec::new("api", 1, 100));
        let h = w.add_handler(Handler::new(
            "report",
            s,
            cache_aside(c, 125_000, vec![Step::Work(Dist::Constant { ms: 200.0 })]),
        ));
        w.add_client(ClientSpec::new("c", 10.0, s, h).keys(KeySpec::Uniform { keys }));
        w
    }

    #[test]
    fn a_warm_cache_answers_in_a_round_trip_plus_transfer() {
        let mut w = world(5, None);
        w.step(120 * SEC);
        let hits = w.kernel.metrics.counter_total("redis.hits");
        let misses = w.kernel.metrics.counter_total("redis.misses");
        assert!(misses <= 6.0 && hits > 1_000.0, "{hits} {misses}");
        let lat = w.kernel.metrics.series_histogram("c.latency").unwrap();
        // Hit: 0.5 ms + 1 ms transfer of 125 kB.
        let p50_ms = lat.quantile(0.5).unwrap() / 1e3;
        assert!((p50_ms - 1.5).abs() < 0.1, "{p50_ms}");
        w.cache_flush(CacheId::new(0));
        w.step(121 * SEC);
        assert!(w.kernel.metrics.counter_total("redis.misses") > misses);
    }

    #[test]
    fn a_short_ttl_keeps_missing() {
        let mut w = world(5, Some(SEC));
        w.step(120 * SEC);
        let hits = w.kernel.metrics.counter_total("redis.hits");
        let misses = w.kernel.metrics.counter_total("redis.misses");
        // Each key is asked for twice a second and lives one second.
        let ratio = hits / (hits + misses);
        assert!((0.3..0.8).contains(&ratio), "{ratio}");
    }
}
