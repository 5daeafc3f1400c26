//! A database table keyed by the request's key, with or without a unique
//! constraint on that key.
//!
//! Durable: a restart of anything else does not touch it. With a unique
//! constraint, an insert of a key already present is refused (a unique
//! violation), atomically — the check and the insert are one step, so two
//! concurrent deliveries of the same key cannot both get in. Without one, the
//! row goes in and is counted as a duplicate.
//!
//! Bounded like a real idempotency-key store: a key is remembered for
//! [`KEY_RETENTION_US`] after its first insert (Stripe keeps idempotency keys
//! for 24 hours) and at most [`MAX_KEYS`] keys are remembered, the oldest
//! forgotten first. A repeat of a forgotten key goes in as a new row: the
//! constraint and the duplicate count see only the keys still remembered, so a
//! long run at a high rate holds a window of keys, never every key ever seen.
//! Retries and redeliveries come back within seconds to hours, far inside both
//! bounds.
//!
//! Series: `NAME.rows` (rows inserted), `NAME.row_count` (rows in the table,
//! a gauge), `NAME.duplicates` (rows whose key was already there),
//! `NAME.violations` (inserts refused by the constraint), `NAME.forgotten`
//! (keys dropped by age or by the bound).
//!
//! A table that change data capture reads or writes (`cdc.rs`) is *watched*:
//! it keeps the keys it forgets until the capture has taken them into its
//! count of the rows one table holds and the other lacks.

use std::collections::{BTreeMap, VecDeque};

use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::time::{Micros, HOUR};

#[derive(Clone, Debug)]
pub(crate) struct TableMetrics {
    pub rows: CounterId,
    pub row_count: GaugeId,
    pub duplicates: CounterId,
    pub violations: CounterId,
    pub forgotten: CounterId,
}

/// How long a table remembers a key after its first insert: 24 hours, as
/// Stripe keeps idempotency keys.
pub const KEY_RETENTION_US: Micros = 24 * HOUR;

/// The most keys a table remembers; beyond it the oldest is forgotten (a few
/// tens of megabytes in the simulator; about 17 minutes of keys at 1,000 new
/// keys a second).
pub const MAX_KEYS: usize = 1_000_000;

/// What an insert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// A row with a new key.
    New,
    /// A row whose key was already there (no unique constraint).
    Duplicate,
    /// Refused: the key is there and the table has a unique constraint.
    Violation,
}

/// A table's live state.
#[derive(Clone, Debug)]
pub struct Table {
    /// Name, the prefix of its series.
    pub name: String,
    /// Whether the key carries a unique constraint.
    pub unique: bool,
    /// Remembered key → rows with that key. A `BTreeMap`, not an
    /// `OrderedMap` like the other stores: a table may remember a million
    /// keys, and an `OrderedMap` entry takes more than twice the memory (a
    /// 16-byte packed key in the tree and a slot of its own), which took
    /// retry-storm's run from 48 to 82 MB.
    rows_by_key: BTreeMap<u64, u32>,
    /// (first insert, key) of every remembered key, oldest first.
    by_age: VecDeque<(Micros, u64)>,
    rows: u64,
    /// Rows in the table, each weighted by the request that wrote it.
    pub(super) weighted_rows: f64,
    pub(super) forgotten: u64,
    /// Keys forgotten since the watcher last took them (watched tables only).
    pub(super) just_forgotten: Vec<u64>,
    /// Whether change data capture reads or writes this table.
    pub(super) watched: bool,
    pub(crate) m: TableMetrics,
}

impl Table {
    pub(super) fn new(name: &str, unique: bool, m: TableMetrics) -> Self {
        Table {
            name: name.to_string(),
            unique,
            rows_by_key: BTreeMap::new(),
            by_age: VecDeque::new(),
            rows: 0,
            weighted_rows: 0.0,
            forgotten: 0,
            just_forgotten: Vec::new(),
            watched: false,
            m,
        }
    }

    /// Inserts a row with `key` at time `now`.
    pub fn insert(&mut self, key: u64, now: Micros) -> Inserted {
        self.forget_before(now.saturating_sub(KEY_RETENTION_US));
        let n = self.rows_by_key.entry(key).or_insert(0);
        if *n > 0 && self.unique {
            return Inserted::Violation;
        }
        *n += 1;
        self.rows += 1;
        if *n > 1 {
            return Inserted::Duplicate;
        }
        self.by_age.push_back((now, key));
        if self.by_age.len() > MAX_KEYS {
            self.forget_oldest();
        }
        Inserted::New
    }

    /// Forgets every key first inserted before `t`.
    fn forget_before(&mut self, t: Micros) {
        while self.by_age.front().is_some_and(|&(at, _)| at < t) {
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        if let Some((_, key)) = self.by_age.pop_front() {
            self.rows_by_key.remove(&key);
            self.forgotten += 1;
            if self.watched {
                self.just_forgotten.push(key);
            }
        }
    }

    /// Keys forgotten so far, by age or by the bound.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// Rows in the table (simulated requests, not weighted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// True when the table holds a row with `key` (a key it still remembers).
    pub fn holds(&self, key: u64) -> bool {
        self.rows_by_key.contains_key(&key)
    }

    /// Every key the table remembers, in key order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.rows_by_key.keys().copied()
    }

    /// Distinct keys the table remembers now (at most [`MAX_KEYS`]).
    pub fn distinct_keys(&self) -> usize {
        self.rows_by_key.len()
    }
}
