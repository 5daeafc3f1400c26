//! The key-value store's glue: adding and restarting stores and `SETNX` with
//! its series, borrowing the kernel and the data store only; `World`'s
//! methods are the doors, and a `Step::SetNx` meets the store here.

use super::kv::*;
use crate::sim::data::store::DataStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::ids::KvStoreId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::OnDuplicate;

impl DataStore {
    /// Adds a key-value store holding at most `max_keys`, with its series.
    pub(in crate::sim) fn add_kv_store(
        &mut self,
        k: &mut Kernel,
        name: &str,
        max_keys: usize,
    ) -> KvStoreId {
        let now = k.now;
        let m = &mut k.metrics;
        let km = KvMetrics {
            keys: m.gauge(&format!("{name}.keys"), now, 0.0),
            set: m.counter(&format!("{name}.set")),
            found: m.counter(&format!("{name}.found")),
            expired: m.counter(&format!("{name}.expired")),
            evicted: m.counter(&format!("{name}.evicted")),
        };
        self.kv_stores.push(KvStore {
            name: name.to_string(),
            max_keys,
            keys: OrderedMap::new(),
            by_expiry: OrderedMap::new(),
            m: km,
        });
        KvStoreId::new(self.kv_stores.len() - 1)
    }

    /// Restarts store `id`: every key is lost; logged.
    pub(in crate::sim) fn restart_kv_store(&mut self, k: &mut Kernel, id: KvStoreId) {
        let s = &mut self.kv_stores[id.index()];
        let lost = s.clear();
        let (name, g) = (s.name.clone(), s.m.keys);
        k.metrics.set(g, k.now, 0.0);
        k.note(
            LogLevel::Warn,
            format!("{name} restarted: {lost} keys lost"),
            false,
        );
    }

    /// `SETNX key` of weight `w` with a time to live, counted on the store's
    /// series (expired and evicted keys too).
    pub(in crate::sim) fn setnx(
        &mut self,
        k: &mut Kernel,
        store: KvStoreId,
        key: u64,
        w: f64,
        ttl_us: Micros,
    ) -> SetNx {
        let now = k.now;
        let s = &mut self.kv_stores[store.index()];
        let expired = s.purge(now);
        let (what, evicted) = s.setnx(key, ttl_us, now);
        let (m, len) = (s.m.clone(), s.len() as f64);
        k.metrics.add(m.expired, expired as f64);
        k.metrics.add(m.evicted, evicted as f64);
        k.metrics.set(m.keys, now, len);
        let c = match what {
            SetNx::Set => m.set,
            SetNx::Found => m.found,
        };
        k.metrics.add(c, w);
        what
    }
}

impl World {
    /// Adds a key-value store holding at most `max_keys`; returns its index.
    pub fn add_kv_store(&mut self, name: &str, max_keys: usize) -> KvStoreId {
        self.data.add_kv_store(&mut self.kernel, name, max_keys)
    }

    /// Restarts store `id`: every key is lost; logged.
    pub fn restart_kv_store(&mut self, id: KvStoreId) {
        self.data.restart_kv_store(&mut self.kernel, id);
    }

    /// Runs a `SetNx` step for `r`; false if the request ended (a duplicate).
    pub(crate) fn run_setnx(
        &mut self,
        r: ReqRef,
        store: KvStoreId,
        ttl_us: Micros,
        on_duplicate: OnDuplicate,
    ) -> bool {
        let (key, w) = {
            let req = self.kernel.requests.get(r).expect("alive");
            (req.key, req.weight as f64)
        };
        match self.data.setnx(&mut self.kernel, store, key, w, ttl_us) {
            SetNx::Set => {
                self.kernel.requests.get_mut(r).expect("alive").step += 1;
                true
            }
            SetNx::Found => {
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
