//! The table's glue: adding tables and inserting rows with their series,
//! borrowing the kernel and the data store only; `World`'s methods are the
//! doors, and a `Step::Insert` meets the table here.

use super::table::*;
use crate::sim::data::store::DataStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::ids::TableId;
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::OnDuplicate;

impl DataStore {
    /// Adds a table, with a unique constraint on the key when `unique`.
    pub(in crate::sim) fn add_table(
        &mut self,
        k: &mut Kernel,
        name: &str,
        unique: bool,
    ) -> TableId {
        let m = TableMetrics {
            rows: k.metrics.counter(&format!("{name}.rows")),
            row_count: k.metrics.gauge(&format!("{name}.row_count"), k.now, 0.0),
            duplicates: k.metrics.counter(&format!("{name}.duplicates")),
            violations: k.metrics.counter(&format!("{name}.violations")),
            forgotten: k.metrics.counter(&format!("{name}.forgotten")),
        };
        self.tables.push(Table::new(name, unique, m));
        TableId::new(self.tables.len() - 1)
    }

    /// Inserts a row keyed `key` of weight `w` written by a request,
    /// counted on the table's series; change data capture reading the table
    /// captures it.
    pub(in crate::sim) fn insert(
        &mut self,
        k: &mut Kernel,
        table: TableId,
        key: u64,
        w: f64,
    ) -> Inserted {
        let what = self.insert_row(k, table, key, w);
        if self.tables[table.index()].watched {
            self.after_watched_insert(k, table, key, w, what, true);
        }
        what
    }

    /// Inserts a row as [`insert`](Self::insert) does, without telling
    /// change data capture (which calls it to apply its own writes).
    pub(in crate::sim::data) fn insert_row(
        &mut self,
        k: &mut Kernel,
        table: TableId,
        key: u64,
        w: f64,
    ) -> Inserted {
        let t = &mut self.tables[table.index()];
        let forgotten = t.forgotten;
        let what = t.insert(key, k.now);
        let m = t.m.clone();
        let newly_forgotten = t.forgotten - forgotten;
        if newly_forgotten > 0 {
            k.metrics.add(m.forgotten, newly_forgotten as f64);
        }
        match what {
            Inserted::Violation => k.metrics.add(m.violations, w),
            Inserted::Duplicate => {
                k.metrics.add(m.rows, w);
                k.metrics.add(m.duplicates, w);
            }
            Inserted::New => k.metrics.add(m.rows, w),
        }
        if what != Inserted::Violation {
            t.weighted_rows += w;
            k.metrics.set(m.row_count, k.now, t.weighted_rows);
        }
        what
    }
}

impl World {
    /// Adds a table, with a unique constraint on the key when `unique`.
    pub fn add_table(&mut self, name: &str, unique: bool) -> TableId {
        self.data.add_table(&mut self.kernel, name, unique)
    }

    /// Runs an `Insert` step for `r`; false if the request ended (a violation).
    pub(crate) fn run_insert(
        &mut self,
        r: ReqRef,
        table: TableId,
        on_duplicate: OnDuplicate,
    ) -> bool {
        let (key, w) = {
            let req = self.kernel.requests.get(r).expect("alive");
            (req.key, req.weight as f64)
        };
        if self.data.insert(&mut self.kernel, table, key, w) == Inserted::Violation {
            self.duplicate_found(r, on_duplicate);
            return false;
        }
        self.kernel.requests.get_mut(r).expect("alive").step += 1;
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
        let t = &mut w.data.tables[t.index()];
        assert_eq!(t.insert(5, 0), Inserted::New);
        assert_eq!(t.insert(5, 1), Inserted::Violation);
        assert_eq!(t.insert(6, 2), Inserted::New);
        assert_eq!((t.rows(), t.distinct_keys()), (2, 2));
    }

    #[test]
    fn without_a_constraint_duplicates_go_in_and_are_counted() {
        let mut w = World::new(1, WorldConfig::default());
        let t = w.add_table("ledger", false);
        let t = &mut w.data.tables[t.index()];
        assert_eq!(t.insert(5, 0), Inserted::New);
        assert_eq!(t.insert(5, 1), Inserted::Duplicate);
        assert_eq!(t.insert(5, 2), Inserted::Duplicate);
        assert_eq!((t.rows(), t.distinct_keys()), (3, 1));
    }

    #[test]
    fn a_key_is_remembered_for_a_day_then_forgotten() {
        let mut w = World::new(1, WorldConfig::default());
        let t = w.add_table("processed_events", true);
        let t = &mut w.data.tables[t.index()];
        assert_eq!(t.insert(5, 0), Inserted::New);
        assert_eq!(t.insert(5, KEY_RETENTION_US - 1), Inserted::Violation);
        assert_eq!(t.insert(6, KEY_RETENTION_US), Inserted::New);
        assert_eq!(t.insert(5, KEY_RETENTION_US + 1), Inserted::New);
        assert_eq!(t.forgotten(), 1);
    }

    #[test]
    fn the_oldest_key_is_forgotten_beyond_the_bound() {
        let mut w = World::new(1, WorldConfig::default());
        let t = w.add_table("ledger", false);
        let t = &mut w.data.tables[t.index()];
        for k in 0..MAX_KEYS as u64 + 10 {
            assert_eq!(t.insert(k, 0), Inserted::New);
        }
        assert_eq!(t.distinct_keys(), MAX_KEYS);
        assert_eq!(t.forgotten(), 10);
        assert_eq!(t.insert(3, 0), Inserted::New, "key 3 was among the oldest");
        assert_eq!(t.insert(MAX_KEYS as u64, 0), Inserted::Duplicate);
    }
}
