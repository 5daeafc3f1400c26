//! The data store: databases, caches, key-value stores, tables, row locks,
//! the broker, replicated stores and change data captures.

use crate::sim::data::broker::Broker;
use crate::sim::data::cache::Cache;
use crate::sim::data::cdc::ChangeCapture;
use crate::sim::data::database::Database;
use crate::sim::data::kv::KvStore;
use crate::sim::data::locks::LockManager;
use crate::sim::data::replicated::ReplicatedStore;
use crate::sim::data::table::{Table, MAX_KEYS};

/// Every data part, each kind by index (its typed id).
#[derive(Default)]
pub struct DataStore {
    pub(in crate::sim::data) databases: Vec<Database>,
    pub(in crate::sim::data) caches: Vec<Cache>,
    pub(in crate::sim::data) kv_stores: Vec<KvStore>,
    pub(in crate::sim::data) tables: Vec<Table>,
    pub(in crate::sim::data) locks: LockManager,
    pub(in crate::sim::data) broker: Broker,
    pub(in crate::sim::data) replicated: Vec<ReplicatedStore>,
    pub(in crate::sim::data) captures: Vec<ChangeCapture>,
}

impl DataStore {
    /// Every table, by `TableId::index`.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The row locks (a distributed-deadlock observer reads who waits for
    /// whom, and counts the deadlocks it finds).
    pub(in crate::sim) fn locks_mut(&mut self) -> &mut LockManager {
        &mut self.locks
    }

    /// Every replicated store, by `ReplicatedStoreId::index`.
    pub fn replicated_stores(&self) -> &[ReplicatedStore] {
        &self.replicated
    }

    /// The row locks, to read.
    pub(in crate::sim) fn locks(&self) -> &LockManager {
        &self.locks
    }

    /// What the data parts hold now, by kind: (what, items, the most it may
    /// hold if it has a cap), for `World::footprint`.
    pub(in crate::sim) fn held(&self) -> Vec<(&'static str, usize, Option<usize>)> {
        let keys = self.tables.iter().map(|t| t.distinct_keys()).sum();
        vec![
            ("table keys", keys, Some(MAX_KEYS * self.tables.len())),
            (
                "cache entries",
                self.caches.iter().map(|c| c.len()).sum(),
                None,
            ),
            (
                "key-value entries",
                self.kv_stores.iter().map(|k| k.len()).sum(),
                None,
            ),
            ("broker messages", self.broker.held(), None),
            ("lock entries", self.locks.held(), None),
            (
                "replicated writes held",
                self.replicated
                    .iter()
                    .map(|s| s.held() + s.prepared())
                    .sum(),
                Some(self.replicated.iter().map(|s| s.cap()).sum()),
            ),
            (
                "change capture rows held",
                self.captures.iter().map(|c| c.held()).sum(),
                Some(self.captures.iter().map(|c| c.cap()).sum()),
            ),
            (
                "database sessions",
                self.databases.iter().map(|d| d.sessions_held()).sum(),
                None,
            ),
        ]
    }
}
