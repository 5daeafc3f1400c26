//! The world's side of [`locks`](super::locks): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::locks::*;
use crate::sim::data::event::DataEvent;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::LockTableId;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

impl World {
    /// Adds a lock table; returns its index.
    pub fn add_lock_table(&mut self, spec: LockTableSpec) -> LockTableId {
        let n = &spec.name;
        let now = self.kernel.now;
        let m = &mut self.kernel.metrics;
        let tm = TableMetrics {
            held: m.gauge(&format!("{n}.locks_held"), now, 0.0),
            waiters: m.gauge(&format!("{n}.lock_waiters"), now, 0.0),
            hold: m.latency(&format!("{n}.lock_hold")),
            wait: m.latency(&format!("{n}.lock_wait")),
            wait_timeouts: m.counter(&format!("{n}.lock_wait_timeouts")),
        };
        if self.data.locks.deadlock_counter.is_none() {
            self.data.locks.deadlock_counter = Some(self.kernel.metrics.counter("locks.deadlocks"));
        }
        self.data.locks.tables.push(LockTable { spec, m: tm });
        LockTableId::new(self.data.locks.tables.len() - 1)
    }

    /// Locks currently held in `table`.
    pub fn locks_held(&self, table: LockTableId) -> usize {
        self.data
            .locks
            .rows
            .iter()
            .filter(|((t, _), row)| *t == table && row.holder.is_some())
            .count()
    }

    /// Requests now waiting for a row of `table`.
    pub fn lock_waiters(&self, table: LockTableId) -> usize {
        self.data
            .locks
            .waiting
            .iter()
            .filter(|(_, (t, _, _))| *t == table)
            .count()
    }

    /// The longest any row lock has been held so far (released ones).
    pub fn max_lock_hold_us(&self) -> Micros {
        self.data.locks.max_hold_us
    }

    /// Waits that `deadlock.rs` found in a wait-for cycle when they timed out.
    pub fn deadlocks(&self) -> u64 {
        self.data.locks.deadlocks
    }

    /// `Step::Lock`: true if `r` got a row of `table` at once; false if it now
    /// waits in the row's queue.
    pub(crate) fn lock_acquire(&mut self, r: ReqRef, table: LockTableId, rows: u32) -> bool {
        let now = self.kernel.now;
        let row = self.kernel.rng.below(rows.max(1) as u64);
        let m = self.data.locks.tables[table.index()].m.clone();
        let entry = self
            .data
            .locks
            .rows
            .get_or_insert_with((table, row), Row::default);
        match entry.holder {
            Some(h) if h == r => true,
            Some(_) => {
                entry.waiters.push_back(r);
                self.data.locks.waiting.insert(key(r), (table, row, now));
                self.kernel.metrics.shift(m.waiters, now, 1.0);
                if let Some(t) = self.data.locks.tables[table.index()].spec.wait_timeout_us {
                    self.kernel
                        .schedule(now + t, Event::Data(DataEvent::LockWaitTimeout(r, now)));
                }
                false
            }
            None => {
                entry.holder = Some(r);
                entry.since_us = now;
                self.data
                    .locks
                    .held
                    .get_or_insert_with(key(r), Vec::new)
                    .push((table, row));
                self.kernel.metrics.shift(m.held, now, 1.0);
                self.kernel.metrics.record(m.wait, 0, 1);
                true
            }
        }
    }

    /// Ends `r`'s transaction: it stops waiting, and each row it holds passes to
    /// the row's first waiter, which then carries on with its next step.
    /// (Inlined where it is called, at every request's end: a world without
    /// row locks returns at once.)
    #[inline]
    pub(crate) fn release_locks(&mut self, r: ReqRef) {
        if !self.data.locks.is_empty() {
            self.release_held_locks(r);
        }
    }

    /// [`release_locks`](Self::release_locks) in a world with row locks.
    fn release_held_locks(&mut self, r: ReqRef) {
        let now = self.kernel.now;
        let k = key(r);
        if let Some((t, row, since)) = self.data.locks.waiting.remove(&k) {
            let m = self.data.locks.tables[t.index()].m.clone();
            if let Some(rw) = self.data.locks.rows.get_mut(&(t, row)) {
                rw.waiters.retain(|w| *w != r);
            }
            self.kernel.metrics.shift(m.waiters, now, -1.0);
            self.kernel.metrics.record(m.wait, now - since, 1);
            self.forget_row_if_idle(t, row);
        }
        let Some(rows) = self.data.locks.held.remove(&k) else {
            return;
        };
        let mut granted = Vec::new();
        for (t, row) in rows {
            let m = self.data.locks.tables[t.index()].m.clone();
            let rw = self
                .data
                .locks
                .rows
                .get_mut(&(t, row))
                .expect("held row exists");
            debug_assert_eq!(rw.holder, Some(r));
            let hold = now - rw.since_us;
            rw.holder = None;
            self.data.locks.max_hold_us = self.data.locks.max_hold_us.max(hold);
            self.kernel.metrics.record(m.hold, hold, 1);
            self.kernel.metrics.shift(m.held, now, -1.0);
            while let Some(w) = rw.waiters.pop_front() {
                let Some((_, _, since)) = self.data.locks.waiting.remove(&key(w)) else {
                    continue; // not waiting any more (cannot happen: ended waits leave the queue)
                };
                rw.holder = Some(w);
                rw.since_us = now;
                self.data
                    .locks
                    .held
                    .get_or_insert_with(key(w), Vec::new)
                    .push((t, row));
                self.kernel.metrics.shift(m.waiters, now, -1.0);
                self.kernel.metrics.shift(m.held, now, 1.0);
                self.kernel.metrics.record(m.wait, now - since, 1);
                granted.push(w);
                break;
            }
            self.forget_row_if_idle(t, row);
        }
        // Resume after the bookkeeping, so every row is consistent when they run.
        for w in granted {
            if let Some(req) = self.kernel.requests.get_mut(w) {
                req.step += 1;
                self.run_steps(w);
            }
        }
    }

    fn forget_row_if_idle(&mut self, t: LockTableId, row: u64) {
        if let Some(rw) = self.data.locks.rows.get(&(t, row)) {
            if rw.holder.is_none() && rw.waiters.is_empty() {
                self.data.locks.rows.remove(&(t, row));
            }
        }
    }

    /// The database gives up on a lock wait: the transaction fails (rolls back).
    pub(crate) fn on_lock_wait_timeout(&mut self, r: ReqRef, since: Micros) {
        match self.data.locks.waiting.get(&key(r)) {
            Some((t, _, s)) if *s == since && self.kernel.requests.get(r).is_some() => {
                let c = self.data.locks.tables[(*t).index()].m.wait_timeouts;
                self.kernel.metrics.add(c, 1.0);
                self.finish(r, Outcome::Error);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// One service whose handler locks one of `rows` rows and works 10 ms.
    fn world(rows: u32, rps: f64) -> (World, LockTableId) {
        let mut w = World::new(5, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("db", 1, 500));
        let t = w.add_lock_table(LockTableSpec {
            name: "items".into(),
            wait_timeout_us: None,
        });
        let h = w.add_handler(Handler::new(
            "update",
            s,
            vec![
                Step::Lock { table: t, rows },
                Step::Work(Dist::Constant { ms: 10.0 }),
                Step::Commit,
                Step::Work(Dist::Constant { ms: 5.0 }),
            ],
        ));
        w.add_client(ClientSpec::new("c", rps, s, h));
        (w, t)
    }

    #[test]
    fn one_row_serialises_transactions_fifo() {
        // 50 rps on one row held 10 ms: utilisation 0.5, all succeed, waits queue.
        let (mut w, t) = world(1, 50.0);
        w.step(200 * SEC);
        let l = w.ledger();
        assert_eq!(l.failed, 0);
        assert!(l.succeeded > 9_000);
        assert_eq!(
            w.max_lock_hold_us(),
            10 * MS,
            "commit releases before the last step"
        );
        let wait = w
            .kernel
            .metrics
            .series_histogram("items.lock_wait")
            .unwrap();
        // M/D/1 at rho 0.5: mean wait = rho·S / (2(1-rho)) = 5 ms.
        let mean_ms = wait.mean().unwrap() / 1e3;
        assert!((mean_ms - 5.0).abs() < 0.6, "mean wait {mean_ms} ms");
        assert!(w.locks_held(t) <= 1);
    }

    #[test]
    fn many_rows_rarely_collide() {
        let (mut w, _) = world(1_000, 50.0);
        w.step(100 * SEC);
        let wait = w
            .kernel
            .metrics
            .series_histogram("items.lock_wait")
            .unwrap();
        assert!(wait.mean().unwrap() < 100.0, "{:?}", wait.mean());
    }

    #[test]
    fn a_lock_wait_timeout_fails_the_waiter_and_leaves_the_holder() {
        let mut w = World::new(1, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("db", 1, 100));
        let t = w.add_lock_table(LockTableSpec {
            name: "rows".into(),
            wait_timeout_us: Some(50 * SEC),
        });
        let hang = w.add_handler(Handler::new(
            "hang",
            s,
            vec![Step::Lock { table: t, rows: 1 }, Step::Hang],
        ));
        let c = w.add_client(ClientSpec::new("c", 0.5, s, hang));
        w.step(200 * SEC);
        // The first holds the row for ever; every later one times out after 50 s.
        let l = w.traffic.clients[c.index()].ledger;
        assert!(l.failed >= 40, "{l:?}");
        assert_eq!(w.locks_held(t), 1);
        assert!(w.lock_waiters(t) >= 10);
        assert!(w.ledger().balances());
    }
}
