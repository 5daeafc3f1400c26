//! Counting distributed deadlocks, after the fact.
//!
//! Nothing in the engine detects or breaks a deadlock that spans services: each
//! database sees only its own rows, and an HTTP call in between is invisible to
//! it. Such a wait ends only when a caller's call timeout fires. At that moment
//! this observer looks at the wait-for graph, as an engineer reading thread
//! dumps of both services would: a request waiting on a call points to its
//! callee, and a request waiting for a row points to the row's holder. If the
//! timed-out caller holds a row lock and a path from it leads back to it, it
//! was part of a wait cycle — a deadlock of locks held across a synchronous
//! call (hold-and-wait) — and it is counted, once per timed-out caller (the
//! victim whose timeout broke the cycle), in `locks.deadlocks`.
//!
//! The callee edges come from each live request's origin; a callee whose caller
//! already timed out on it earlier and carried on (a tolerated failure) still
//! points at that caller, so a caller that tolerates failures and calls again
//! could be over-counted. Callers that fail with their call are exact.

use std::collections::{BTreeMap, BTreeSet};

use super::log::LogLevel;
use super::request::{Origin, ReqRef};
use super::world::World;

/// The most requests one search visits (a bound, far above any real cycle).
const MAX_VISITS: usize = 10_000;

impl World {
    /// Called when `r`'s call times out: counts a deadlock if `r` holds a row
    /// lock and waits, through calls and row locks, on itself.
    pub(crate) fn observe_deadlock(&mut self, r: ReqRef) {
        if self.locks.is_empty() || !self.locks.holds_any(r) {
            return;
        }
        let mut callees: BTreeMap<(u32, u32), Vec<ReqRef>> = BTreeMap::new();
        for (c, q) in self.requests.iter() {
            if let Origin::Call(p) = q.origin {
                callees.entry((p.idx, p.gen)).or_default().push(c);
            }
        }
        let mut stack = vec![r];
        let mut seen = BTreeSet::new();
        let mut in_cycle = false;
        'search: while let Some(x) = stack.pop() {
            if seen.len() > MAX_VISITS {
                break;
            }
            let next = callees
                .get(&(x.idx, x.gen))
                .into_iter()
                .flatten()
                .copied()
                .chain(self.locks.blocker_of(x));
            for y in next {
                if y == r {
                    in_cycle = true;
                    break 'search;
                }
                if seen.insert((y.idx, y.gen)) {
                    stack.push(y);
                }
            }
        }
        if !in_cycle {
            return;
        }
        let w = self.requests.get(r).map_or(1, |q| q.weight) as u64;
        self.locks.deadlocks += w;
        if let Some(c) = self.locks.deadlock_counter {
            self.metrics.add(c, w as f64);
        }
        if self.locks.deadlocks == w {
            let text = "Distributed deadlock: a transaction waited in a lock cycle across services until its HTTP timeout".to_string();
            self.note(LogLevel::Error, text, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// A holds row 0 of `a` and calls B; B holds row 0 of `b` and calls A's
    /// second handler, which needs row 0 of `a`. With `cycle` false, B's callee
    /// locks a different table instead.
    fn run(cycle: bool) -> World {
        let mut w = World::new(2, WorldConfig::default());
        let sa = w.add_service(ServiceSpec::new("a", 1, 50));
        let sb = w.add_service(ServiceSpec::new("b", 1, 50));
        let spec = |n: &str| LockTableSpec {
            name: n.into(),
            wait_timeout_us: None,
        };
        let ta = w.add_lock_table(spec("ta"));
        let tb = w.add_lock_table(spec("tb"));
        let tc = w.add_lock_table(spec("tc"));
        let work = Step::Work(Dist::Constant { ms: 20.0 });
        let a_inner = w.add_handler(Handler {
            name: "a_inner".into(),
            service: sa,
            pool: 0,
            steps: vec![
                Step::Lock {
                    table: if cycle { ta } else { tc },
                    rows: 1,
                },
                work.clone(),
            ],
        });
        let b_inner = w.add_handler(Handler {
            name: "b_inner".into(),
            service: sb,
            pool: 0,
            steps: vec![Step::Lock { table: tb, rows: 1 }, work.clone()],
        });
        let call = |s, h| Step::Call(CallSpec::new(s, h).timeout_us(30 * SEC));
        let a_outer = w.add_handler(Handler {
            name: "a_outer".into(),
            service: sa,
            pool: 0,
            steps: vec![
                Step::Lock { table: ta, rows: 1 },
                work.clone(),
                call(sb, b_inner),
            ],
        });
        let b_outer = w.add_handler(Handler {
            name: "b_outer".into(),
            service: sb,
            pool: 0,
            steps: vec![
                Step::Lock { table: tb, rows: 1 },
                work.clone(),
                call(sa, a_inner),
            ],
        });
        // Rare enough that the pools never fill: only the lock cycle blocks.
        w.add_client(ClientSpec::new("ca", 0.2, sa, a_outer));
        w.add_client(ClientSpec::new("cb", 0.2, sb, b_outer));
        w.step(1_800 * SEC);
        assert!(w.ledger().balances());
        w
    }

    #[test]
    fn crossed_locks_over_sync_calls_deadlock_until_the_timeout() {
        let w = run(true);
        assert!(w.deadlocks() >= 3, "deadlocks {}", w.deadlocks());
        assert!(w.max_lock_hold_us() >= 30 * SEC);
    }

    #[test]
    fn without_a_cycle_there_is_no_deadlock() {
        let w = run(false);
        assert_eq!(w.deadlocks(), 0);
        assert!(w.max_lock_hold_us() < SEC);
    }
}
