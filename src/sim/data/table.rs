//! A database table keyed by the request's key, with or without a unique
//! constraint on that key.
//!
//! Durable: a restart of anything else does not touch it. With a unique
//! constraint, an insert of a key already present is refused (a unique
//! violation), atomically — the check and the insert are one step, so two
//! concurrent deliveries of the same key cannot both get in. Without one, the
//! row goes in and is counted as a duplicate.
//!
//! Bounded by what it records: one entry per distinct key inserted, which is at
//! most the number of requests of a run (a real table grows the same way).
//!
//! Series: `NAME.rows` (rows inserted), `NAME.duplicates` (rows whose key was
//! already there), `NAME.violations` (inserts refused by the constraint).

use crate::sim::kernel::ids::TableId;
use std::collections::BTreeMap;

use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::OnDuplicate;

#[derive(Clone, Debug)]
pub(crate) struct TableMetrics {
    pub rows: CounterId,
    pub duplicates: CounterId,
    pub violations: CounterId,
}

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
    /// Key → rows with that key.
    rows_by_key: BTreeMap<u64, u32>,
    rows: u64,
    pub(crate) m: TableMetrics,
}

impl Table {
    /// Inserts a row with `key`.
    pub fn insert(&mut self, key: u64) -> Inserted {
        let n = self.rows_by_key.entry(key).or_insert(0);
        if *n > 0 && self.unique {
            return Inserted::Violation;
        }
        *n += 1;
        self.rows += 1;
        if *n > 1 {
            Inserted::Duplicate
        } else {
            Inserted::New
        }
    }

    /// Rows in the table (simulated requests, not weighted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Distinct keys in the table.
    pub fn distinct_keys(&self) -> usize {
        self.rows_by_key.len()
    }
}

impl World {
    /// Adds a table, with a unique constraint on the key when `unique`.
    pub fn add_table(&mut self, name: &str, unique: bool) -> TableId {
        let m = TableMetrics {
            rows: self.metrics.counter(&format!("{name}.rows")),
            duplicates: self.metrics.counter(&format!("{name}.duplicates")),
            violations: self.metrics.counter(&format!("{name}.violations")),
        };
        self.tables.push(Table {
            name: name.to_string(),
            unique,
            rows_by_key: BTreeMap::new(),
            rows: 0,
            m,
        });
        TableId::new(self.tables.len() - 1)
    }

    /// Runs an `Insert` step for `r`; false if the request ended (a violation).
    pub(crate) fn run_insert(
        &mut self,
        r: ReqRef,
        table: TableId,
        on_duplicate: OnDuplicate,
    ) -> bool {
        let (key, w) = {
            let req = self.requests.get(r).expect("alive");
            (req.key, req.weight as f64)
        };
        let t = &mut self.tables[table.index()];
        let what = t.insert(key);
        let m = t.m.clone();
        match what {
            Inserted::Violation => {
                self.metrics.add(m.violations, w);
                self.duplicate_found(r, on_duplicate);
                return false;
            }
            Inserted::Duplicate => {
                self.metrics.add(m.rows, w);
                self.metrics.add(m.duplicates, w);
            }
            Inserted::New => self.metrics.add(m.rows, w),
        }
        self.requests.get_mut(r).expect("alive").step += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::WorldConfig;

    #[test]
    fn a_unique_key_refuses_the_second_insert() {
        let mut w = World::new(1, WorldConfig::default());
        let t = w.add_table("processed_events", true);
        let t = &mut w.tables[t.index()];
        assert_eq!(t.insert(5), Inserted::New);
        assert_eq!(t.insert(5), Inserted::Violation);
        assert_eq!(t.insert(6), Inserted::New);
        assert_eq!((t.rows(), t.distinct_keys()), (2, 2));
    }

    #[test]
    fn without_a_constraint_duplicates_go_in_and_are_counted() {
        let mut w = World::new(1, WorldConfig::default());
        let t = w.add_table("ledger", false);
        let t = &mut w.tables[t.index()];
        assert_eq!(t.insert(5), Inserted::New);
        assert_eq!(t.insert(5), Inserted::Duplicate);
        assert_eq!(t.insert(5), Inserted::Duplicate);
        assert_eq!((t.rows(), t.distinct_keys()), (3, 1));
    }
}
