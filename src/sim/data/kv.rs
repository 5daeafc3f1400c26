//! A key-value store in memory, like Redis: `SETNX` with a time to live.
//!
//! Keys are volatile: they expire after their TTL, and a restart loses every one
//! of them (no persistence). Bounded twice: expired keys are purged as time
//! passes, and at most `max_keys` are held — beyond that the key closest to
//! expiry is evicted first, like Redis's `volatile-ttl` policy.
//!
//! Series: `NAME.keys` (keys held), `NAME.set` (SETNX that set the key),
//! `NAME.found` (SETNX that found it), `NAME.expired`, `NAME.evicted`.

use crate::sim::kernel::ids::KvStoreId;
use std::collections::{BTreeMap, BTreeSet};

use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::OnDuplicate;

#[derive(Clone, Debug)]
pub(crate) struct KvMetrics {
    pub keys: GaugeId,
    pub set: CounterId,
    pub found: CounterId,
    pub expired: CounterId,
    pub evicted: CounterId,
}

/// A key-value store's live state.
#[derive(Clone, Debug)]
pub struct KvStore {
    /// Name, the prefix of its series.
    pub name: String,
    /// Most keys held at once.
    pub max_keys: usize,
    /// Key → expiry time.
    keys: BTreeMap<u64, Micros>,
    /// (expiry time, key), to purge and evict in expiry order.
    by_expiry: BTreeSet<(Micros, u64)>,
    pub(crate) m: KvMetrics,
}

/// What `SETNX` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetNx {
    /// The key was absent and is now set.
    Set,
    /// The key was there (and not yet expired): nothing changed.
    Found,
}

impl KvStore {
    /// Keys held now (expired ones purged at the last operation).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Purges keys whose expiry is at or before `now`; returns how many.
    pub fn purge(&mut self, now: Micros) -> usize {
        let mut n = 0;
        while let Some(&(t, k)) = self.by_expiry.first() {
            if t > now {
                break;
            }
            self.by_expiry.pop_first();
            self.keys.remove(&k);
            n += 1;
        }
        n
    }

    /// `SET key NX PX ttl` at `now`; returns what happened and how many keys were
    /// evicted to make room.
    pub fn setnx(&mut self, key: u64, ttl_us: Micros, now: Micros) -> (SetNx, usize) {
        if self.keys.contains_key(&key) {
            return (SetNx::Found, 0);
        }
        let mut evicted = 0;
        while self.keys.len() >= self.max_keys.max(1) {
            let (t, k) = self.by_expiry.pop_first().expect("non-empty");
            debug_assert!(t > now, "expired keys are purged first");
            self.keys.remove(&k);
            evicted += 1;
        }
        let exp = now + ttl_us.max(1);
        self.keys.insert(key, exp);
        self.by_expiry.insert((exp, key));
        (SetNx::Set, evicted)
    }

    /// Loses every key (a restart without persistence); returns how many.
    pub fn clear(&mut self) -> usize {
        let n = self.keys.len();
        self.keys.clear();
        self.by_expiry.clear();
        n
    }
}

impl World {
    /// Adds a key-value store holding at most `max_keys`; returns its index.
    pub fn add_kv_store(&mut self, name: &str, max_keys: usize) -> KvStoreId {
        let now = self.kernel.now;
        let m = &mut self.kernel.metrics;
        let km = KvMetrics {
            keys: m.gauge(&format!("{name}.keys"), now, 0.0),
            set: m.counter(&format!("{name}.set")),
            found: m.counter(&format!("{name}.found")),
            expired: m.counter(&format!("{name}.expired")),
            evicted: m.counter(&format!("{name}.evicted")),
        };
        self.data.kv_stores.push(KvStore {
            name: name.to_string(),
            max_keys,
            keys: BTreeMap::new(),
            by_expiry: BTreeSet::new(),
            m: km,
        });
        KvStoreId::new(self.data.kv_stores.len() - 1)
    }

    /// Restarts store `id`: every key is lost; logged.
    pub fn restart_kv_store(&mut self, id: KvStoreId) {
        let now = self.kernel.now;
        let s = &mut self.data.kv_stores[id.index()];
        let lost = s.clear();
        let (name, g) = (s.name.clone(), s.m.keys);
        self.kernel.metrics.set(g, now, 0.0);
        let text = format!("{name} restarted: {lost} keys lost");
        self.note(LogLevel::Warn, text, false);
    }

    /// Runs a `SetNx` step for `r`; false if the request ended (a duplicate).
    pub(crate) fn run_setnx(
        &mut self,
        r: ReqRef,
        store: KvStoreId,
        ttl_us: Micros,
        on_duplicate: OnDuplicate,
    ) -> bool {
        let now = self.kernel.now;
        let (key, w) = {
            let req = self.kernel.requests.get(r).expect("alive");
            (req.key, req.weight as f64)
        };
        let s = &mut self.data.kv_stores[store.index()];
        let expired = s.purge(now);
        let (what, evicted) = s.setnx(key, ttl_us, now);
        let (m, len) = (s.m.clone(), s.len() as f64);
        self.kernel.metrics.add(m.expired, expired as f64);
        self.kernel.metrics.add(m.evicted, evicted as f64);
        self.kernel.metrics.set(m.keys, now, len);
        match what {
            SetNx::Set => {
                self.kernel.metrics.add(m.set, w);
                self.kernel.requests.get_mut(r).expect("alive").step += 1;
                true
            }
            SetNx::Found => {
                self.kernel.metrics.add(m.found, w);
                self.duplicate_found(r, on_duplicate);
                false
            }
        }
    }

    /// Ends a request that found its key already recorded.
    pub(crate) fn duplicate_found(&mut self, r: ReqRef, on_duplicate: OnDuplicate) {
        let outcome = match on_duplicate {
            OnDuplicate::ReplyOk => Outcome::Ok,
            OnDuplicate::Fail => Outcome::Error,
        };
        self.finish(r, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::{HOUR, SEC};
    use crate::sim::WorldConfig;

    fn store(max_keys: usize) -> (World, KvStoreId) {
        let mut w = World::new(1, WorldConfig::default());
        let id = w.add_kv_store("redis", max_keys);
        (w, id)
    }

    #[test]
    fn setnx_sets_once_until_the_key_expires() {
        let (mut w, id) = store(100);
        let s = &mut w.data.kv_stores[id.index()];
        assert_eq!(s.setnx(7, HOUR, 0).0, SetNx::Set);
        assert_eq!(s.setnx(7, HOUR, 10 * SEC).0, SetNx::Found);
        assert_eq!(s.purge(HOUR - 1), 0);
        assert_eq!(s.purge(HOUR), 1);
        assert_eq!(s.setnx(7, HOUR, HOUR).0, SetNx::Set);
    }

    #[test]
    fn a_restart_loses_every_key() {
        let (mut w, id) = store(100);
        for k in 0..10 {
            w.data.kv_stores[id.index()].setnx(k, HOUR, 0);
        }
        w.restart_kv_store(id);
        assert!(w.data.kv_stores[id.index()].is_empty());
        assert_eq!(w.data.kv_stores[id.index()].setnx(3, HOUR, 0).0, SetNx::Set);
        assert!(w
            .kernel
            .log
            .entries()
            .any(|e| e.text.contains("10 keys lost")));
    }

    #[test]
    fn a_full_store_evicts_the_key_closest_to_expiry() {
        let (mut w, id) = store(3);
        let s = &mut w.data.kv_stores[id.index()];
        s.setnx(1, 3 * HOUR, 0);
        s.setnx(2, HOUR, 0);
        s.setnx(3, 2 * HOUR, 0);
        assert_eq!(s.setnx(4, HOUR, SEC), (SetNx::Set, 1));
        assert_eq!(s.len(), 3);
        assert_eq!(s.setnx(2, HOUR, SEC).0, SetNx::Set, "key 2 was evicted");
    }
}
