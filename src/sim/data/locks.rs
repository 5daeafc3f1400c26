//! Row locks held by transactions, with FIFO wait queues.
//!
//! A lock table stands for a database table (inventory, logistics). A request
//! locks one of its rows with `Step::Lock` and holds it until `Step::Commit`
//! or until it ends — committed if it succeeded, rolled back if it failed or
//! was killed; either way the row passes to the first request waiting for it.
//! A request waiting for a row keeps its worker (a thread blocked on a database
//! call), and nothing but the table's own lock-wait timeout (if any) ends that
//! wait. Locks held across a synchronous call are hold-and-wait: if the callee,
//! directly or further down, needs a row the caller's transaction holds, the
//! two wait for each other. The engine does not detect that — a database sees
//! only its own rows, not the HTTP call in between — so such a wait ends only
//! when a caller's HTTP timeout fires (see `deadlock.rs` for how those are
//! counted).
//!
//! Series per table `NAME`: `NAME.locks_held`, `NAME.lock_waiters` (threads
//! blocked), `NAME.lock_hold` and `NAME.lock_wait` (latency series, ms),
//! `NAME.lock_wait_timeouts`; and `locks.deadlocks` once for the world.

use crate::sim::kernel::ids::LockTableId;
use std::collections::VecDeque;

use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::ordered_map::{OrderedMap, PackedKey};
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;

/// A lock table as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct LockTableSpec {
    /// Name, for its series (`"inventory"`).
    pub name: String,
    /// How long the database lets a transaction wait for a row before failing
    /// it (MySQL's `innodb_lock_wait_timeout` is 50 s); `None`: for ever.
    pub wait_timeout_us: Option<Micros>,
}

#[derive(Clone, Debug)]
pub(super) struct TableMetrics {
    pub(super) held: GaugeId,
    pub(super) waiters: GaugeId,
    pub(super) hold: LatencyId,
    pub(super) wait: LatencyId,
    pub(super) wait_timeouts: CounterId,
}

#[derive(Clone, Debug)]
pub(super) struct LockTable {
    pub(super) spec: LockTableSpec,
    pub(super) m: TableMetrics,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Row {
    pub(super) holder: Option<ReqRef>,
    pub(super) since_us: Micros,
    pub(super) waiters: VecDeque<ReqRef>,
}

pub(super) type ReqKey = (u32, u32);

/// A row: (its table, its number).
impl PackedKey for (LockTableId, u64) {
    fn pack(self) -> u128 {
        (self.0.index() as u128) << 64 | u128::from(self.1)
    }
}

pub(super) fn key(r: ReqRef) -> ReqKey {
    (r.idx, r.gen)
}

/// Every lock table of a world and who holds or waits for what. Rows appear
/// when first locked and go when neither held nor waited for, so the maps are
/// bounded by the requests alive.
#[derive(Default)]
pub(crate) struct LockManager {
    pub(super) tables: Vec<LockTable>,
    pub(super) rows: OrderedMap<(LockTableId, u64), Row>,
    /// Rows each request holds.
    pub(super) held: OrderedMap<ReqKey, Vec<(LockTableId, u64)>>,
    /// The row each waiting request waits for, and since when.
    pub(super) waiting: OrderedMap<ReqKey, (LockTableId, u64, Micros)>,
    pub max_hold_us: Micros,
    pub deadlocks: u64,
    pub deadlock_counter: Option<CounterId>,
}

impl LockManager {
    /// Entries held: rows with an owner or waiters, the rows each request
    /// holds, and the requests waiting.
    pub fn held(&self) -> usize {
        self.rows.len() + self.held.len() + self.waiting.len()
    }

    /// True when the world has no lock table (the hot path skips everything).
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// True when `r` holds at least one row.
    pub fn holds_any(&self, r: ReqRef) -> bool {
        self.held.contains_key(&key(r))
    }

    /// The holder of the row `r` waits for, if it waits.
    pub fn blocker_of(&self, r: ReqRef) -> Option<ReqRef> {
        let (t, row, _) = self.waiting.get(&key(r))?;
        self.rows.get(&(*t, *row))?.holder
    }
}
