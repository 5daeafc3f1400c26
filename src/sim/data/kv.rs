//! A key-value store in memory, like Redis: `SETNX` with a time to live.
//!
//! Keys are volatile: they expire after their TTL, and a restart loses every one
//! of them (no persistence). Bounded twice: expired keys are purged as time
//! passes, and at most `max_keys` are held — beyond that the key closest to
//! expiry is evicted first, like Redis's `volatile-ttl` policy.
//!
//! Series: `NAME.keys` (keys held), `NAME.set` (SETNX that set the key),
//! `NAME.found` (SETNX that found it), `NAME.expired`, `NAME.evicted`.

use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::time::Micros;

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
    pub(super) keys: OrderedMap<u64, Micros>,
    /// (expiry time, key), to purge and evict in expiry order.
    pub(super) by_expiry: OrderedMap<(Micros, u64), ()>,
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
        while let Some((&(t, k), _)) = self.by_expiry.first() {
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
            let ((t, k), _) = self.by_expiry.pop_first().expect("non-empty");
            debug_assert!(t > now, "expired keys are purged first");
            self.keys.remove(&k);
            evicted += 1;
        }
        let exp = now + ttl_us.max(1);
        self.keys.insert(key, exp);
        self.by_expiry.insert((exp, key), ());
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
