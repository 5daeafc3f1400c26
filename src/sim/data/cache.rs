//! A Redis-like cache: keys with a time to live, at most `max_entries` of them
//! (least recently used evicted first), reached over the network.
//!
//! A lookup costs a round trip, plus the value's transfer time on a hit (a
//! 1 MB report is not free to fetch even from memory). The cache starts empty
//! (cold) and [`World::cache_flush`](crate::sim::kernel::world::World::cache_flush) empties
//! it again (a restart without persistence). Handlers use it through
//! [`cache_aside`]: look the request's key up; on a miss run the given steps,
//! then store the answer. Series: `NAME.hits`, `NAME.misses`, `NAME.evictions`
//! (weighted), `NAME.entries`.

use crate::sim::kernel::ids::CacheId;
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::time::{Micros, MS};
use crate::sim::topology::handler::Step;

/// A cache as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheSpec {
    /// Name, unique in the world; prefix of its series (`"redis"`).
    pub name: String,
    /// Entries kept at most; the least recently used goes first.
    pub max_entries: usize,
    /// Time to live of an entry from when it is stored; `None`: for ever.
    pub ttl_us: Option<Micros>,
    /// Network round trip of one command.
    pub rtt_us: Micros,
    /// Transfer speed of values, bytes per microsecond (125 = 1 Gbit/s).
    pub bytes_per_us: f64,
}

impl CacheSpec {
    /// A cache of `max_entries` with a 0.5 ms round trip, 1 Gbit/s and no TTL.
    pub fn new(name: &str, max_entries: usize) -> Self {
        assert!(max_entries >= 1, "a cache holds at least one entry");
        CacheSpec {
            name: name.to_string(),
            max_entries,
            ttl_us: None,
            rtt_us: MS / 2,
            bytes_per_us: 125.0,
        }
    }

    /// Sets the time to live.
    pub fn ttl_us(mut self, t: Micros) -> Self {
        self.ttl_us = Some(t);
        self
    }

    /// Sets the round trip.
    pub fn rtt_us(mut self, t: Micros) -> Self {
        self.rtt_us = t;
        self
    }

    /// Time to send a value of `bytes` and get the answer.
    pub fn command_us(&self, bytes: u32) -> Micros {
        self.rtt_us + (bytes as f64 / self.bytes_per_us).round() as Micros
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    expires_us: Option<Micros>,
    bytes: u32,
    lru_seq: u64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct CacheMetrics {
    pub hits: CounterId,
    pub misses: CounterId,
    pub evictions: CounterId,
    pub entries: GaugeId,
}

/// A cache's live state.
#[derive(Clone, Debug)]
pub struct Cache {
    /// The declaration (its TTL may change while running; it applies to new entries).
    pub spec: CacheSpec,
    entries: OrderedMap<u64, Entry>,
    /// Recency order: sequence number of last use → key.
    lru: OrderedMap<u64, u64>,
    seq: u64,
    pub(crate) m: CacheMetrics,
}

/// What a command did to the cache, for the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effect {
    /// Entries evicted to make room.
    pub evicted: u32,
}

impl Cache {
    pub(crate) fn new(spec: CacheSpec, m: CacheMetrics) -> Self {
        Cache {
            spec,
            entries: OrderedMap::new(),
            lru: OrderedMap::new(),
            seq: 0,
            m,
        }
    }

    /// Entries held (expired ones not yet noticed included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The size of `key`'s value if it is held and fresh; a hit makes it the
    /// most recently used, an expired entry is dropped.
    pub fn get(&mut self, key: u64, now: Micros) -> Option<u32> {
        let e = *self.entries.get(&key)?;
        if e.expires_us.is_some_and(|t| t <= now) {
            self.remove(key);
            return None;
        }
        self.seq += 1;
        self.lru.remove(&e.lru_seq);
        self.lru.insert(self.seq, key);
        self.entries.get_mut(&key).expect("held").lru_seq = self.seq;
        Some(e.bytes)
    }

    /// Stores `key` with a value of `bytes`, evicting the least recently used
    /// entries beyond `max_entries`.
    pub fn set(&mut self, key: u64, now: Micros, bytes: u32) -> Effect {
        self.remove(key);
        self.seq += 1;
        self.entries.insert(
            key,
            Entry {
                expires_us: self.spec.ttl_us.map(|t| now + t),
                bytes,
                lru_seq: self.seq,
            },
        );
        self.lru.insert(self.seq, key);
        let mut evicted = 0;
        while self.entries.len() > self.spec.max_entries {
            let (_, k) = self.lru.pop_first().expect("non-empty");
            self.entries.remove(&k);
            evicted += 1;
        }
        Effect { evicted }
    }

    fn remove(&mut self, key: u64) {
        if let Some(e) = self.entries.remove(&key) {
            self.lru.remove(&e.lru_seq);
        }
    }

    /// Loses every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.lru.clear();
    }
}

/// Handler steps for the cache-aside pattern: look the request's key up in
/// `cache`; on a hit skip to after the store; on a miss run `miss` and store a
/// value of `value_bytes` under the key.
pub fn cache_aside(cache: CacheId, value_bytes: u32, miss: Vec<Step>) -> Vec<Step> {
    let miss_steps = u16::try_from(miss.len() + 1).expect("few steps");
    let mut steps = vec![Step::CacheLookup { cache, miss_steps }];
    steps.extend(miss);
    steps.push(Step::CacheStore { cache, value_bytes });
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::metrics::Metrics;

    fn cache(max: usize, ttl: Option<Micros>) -> Cache {
        let mut m = Metrics::new(MS, 4);
        let cm = CacheMetrics {
            hits: m.counter("h"),
            misses: m.counter("m"),
            evictions: m.counter("e"),
            entries: m.gauge("n", 0, 0.0),
        };
        let mut s = CacheSpec::new("c", max);
        s.ttl_us = ttl;
        Cache::new(s, cm)
    }

    #[test]
    fn entries_expire_after_their_ttl() {
        let mut c = cache(10, Some(100));
        c.set(7, 0, 1_000);
        assert_eq!(c.get(7, 99), Some(1_000));
        assert_eq!(c.get(7, 100), None);
        assert!(c.is_empty());
    }

    #[test]
    fn the_least_recently_used_entry_is_evicted() {
        let mut c = cache(2, None);
        c.set(1, 0, 1);
        c.set(2, 1, 1);
        assert!(c.get(1, 2).is_some()); // 2 is now the least recently used
        assert_eq!(c.set(3, 3, 1).evicted, 1);
        assert!(c.get(2, 4).is_none());
        assert!(c.get(1, 4).is_some() && c.get(3, 4).is_some());
        c.clear();
        assert!(c.get(1, 5).is_none());
    }

    #[test]
    fn a_hit_costs_a_round_trip_plus_the_transfer() {
        let s = CacheSpec::new("c", 1).rtt_us(500);
        assert_eq!(s.command_us(1_250_000), 500 + 10_000);
        let steps = cache_aside(CacheId::new(0), 10, vec![Step::FailWith { p: 0.0 }]);
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[0],
            Step::CacheLookup {
                cache: CacheId::new(0),
                miss_steps: 2
            }
        );
    }
}
