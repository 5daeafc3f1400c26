//! The data store: databases, caches, key-value stores, tables, row locks
//! and the broker.

use crate::sim::data::broker::Broker;
use crate::sim::data::cache::Cache;
use crate::sim::data::database::Database;
use crate::sim::data::kv::KvStore;
use crate::sim::data::locks::LockManager;
use crate::sim::data::table::Table;

/// Every data part, each kind by index (its typed id).
#[derive(Default)]
pub struct DataStore {
    pub(in crate::sim) databases: Vec<Database>,
    pub(in crate::sim) caches: Vec<Cache>,
    pub(in crate::sim) kv_stores: Vec<KvStore>,
    pub(in crate::sim) tables: Vec<Table>,
    pub(in crate::sim) locks: LockManager,
    pub(in crate::sim) broker: Broker,
}
