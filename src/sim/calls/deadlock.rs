//! Counting distributed deadlocks, after the fact.
//!
//! Nothing in the engine detects or breaks a deadlock that spans services: each
//! database sees only its own rows, and an HTTP call in between is invisible to
//! it. Such a wait ends only when a caller's call timeout fires. At that moment
//! this observer looks at the wait-for graph, as an engineer reading thread
//! dumps of both services would:
//! - a request waiting on a call waits for its callee;
//! - a request waiting for a row waits for the row's holder;
//! - a request queued for a worker waits for the requests holding that pool's
//!   workers in its pod — an edge only when every one of them is itself
//!   blocked (on a call, a row, or for ever), since a worker busy with its own
//!   work will free up without anyone's help.
//!
//! If the timed-out caller holds a row lock (a lock held across a synchronous
//! call: hold-and-wait) and a path from it leads back to it, it was part of a
//! wait cycle: a distributed deadlock, through rows only or through rows and
//! exhausted thread pools. It is counted once per timed-out caller (the victim
//! whose timeout broke the cycle) in `locks.deadlocks`.
//!
//! The callee edges come from each live request's origin; a callee whose caller
//! already timed out on it earlier and carried on (a tolerated failure) still
//! points at that caller, so a caller that tolerates failures and calls again
//! could be over-counted. Callers that fail with their call are exact.

use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::ordered_map::{OrderedMap, PackedKey};

use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::request::{Origin, ReqRef, Request};
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::Step;

/// The most requests one search visits (a bound, far above any real cycle).
const MAX_VISITS: usize = 10_000;

type Key = (u32, u32);

fn key(r: ReqRef) -> Key {
    (r.idx, r.gen)
}

/// A pool of workers: (service, pod, pool).
#[derive(Clone, Copy)]
struct Pool(ServiceId, u32, u16);

impl PackedKey for Pool {
    fn pack(self) -> u128 {
        (self.0.index() as u128) << 48 | u128::from(self.1) << 16 | u128::from(self.2)
    }
}

/// Who waits for whom at one instant.
struct WaitFor {
    callees: OrderedMap<Key, Vec<ReqRef>>,
    /// Worker holders of each (service, pod, pool), and whether all of them
    /// are blocked.
    pools: OrderedMap<Pool, (Vec<ReqRef>, bool)>,
}

impl World {
    /// True when `q` holds a worker and cannot go on by itself.
    fn is_blocked(&self, r: ReqRef, q: &Request) -> bool {
        match self.topology.handlers[q.handler.index()]
            .steps
            .get(q.step as usize)
        {
            Some(Step::Call(_)) | Some(Step::Route { .. }) | Some(Step::Hang) => true,
            Some(Step::Lock { .. }) => self.data.locks().blocker_of(r).is_some(),
            _ => false,
        }
    }

    fn wait_for_graph(&self) -> WaitFor {
        let mut callees: OrderedMap<Key, Vec<ReqRef>> = OrderedMap::new();
        let mut pools: OrderedMap<Pool, (Vec<ReqRef>, bool)> = OrderedMap::new();
        for (c, q) in self.kernel.requests.iter() {
            if let Origin::Call(p) = q.origin {
                callees.get_or_insert_with(key(p), Vec::new).push(c);
            }
            if q.holds_worker {
                let e =
                    pools.get_or_insert_with(Pool(q.service, q.pod, q.pool), || (Vec::new(), true));
                e.0.push(c);
                e.1 &= self.is_blocked(c, q);
            }
        }
        WaitFor { callees, pools }
    }

    /// Called when `r`'s call times out: counts a deadlock if `r` holds a row
    /// lock and waits, through calls, rows and exhausted pools, on itself.
    pub(crate) fn observe_deadlock(&mut self, r: ReqRef) {
        if self.data.locks().is_empty() || !self.data.locks().holds_any(r) {
            return;
        }
        let g = self.wait_for_graph();
        let mut stack = vec![r];
        let mut seen: OrderedMap<Key, ()> = OrderedMap::new();
        let mut in_cycle = false;
        'search: while let Some(x) = stack.pop() {
            if seen.len() > MAX_VISITS {
                break;
            }
            let queued_in = self
                .kernel
                .requests
                .get(x)
                .filter(|q| !q.holds_worker && q.pod != u32::MAX)
                .and_then(|q| g.pools.get(&Pool(q.service, q.pod, q.pool)))
                .filter(|(_, all_blocked)| *all_blocked)
                .map(|(holders, _)| holders);
            let next = g
                .callees
                .get(&key(x))
                .into_iter()
                .flatten()
                .copied()
                .chain(self.data.locks().blocker_of(x))
                .chain(queued_in.into_iter().flatten().copied());
            for y in next {
                if y == r {
                    in_cycle = true;
                    break 'search;
                }
                if seen.insert(key(y), ()).is_none() {
                    stack.push(y);
                }
            }
        }
        if !in_cycle {
            return;
        }
        let w = self.kernel.requests.get(r).map_or(1, |q| q.weight) as u64;
        self.data.locks_mut().deadlocks += w;
        if let Some(c) = self.data.locks().deadlock_counter {
            self.kernel.metrics.add(c, w as f64);
        }
        if self.data.locks().deadlocks == w {
            let text = "Distributed deadlock: a transaction waited in a cycle of locks and calls across services until its HTTP timeout".to_string();
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
        let a_inner = w.add_handler(Handler::new(
            "a_inner",
            sa,
            vec![
                Step::Lock {
                    table: if cycle { ta } else { tc },
                    rows: 1,
                },
                work.clone(),
            ],
        ));
        let b_inner = w.add_handler(Handler::new(
            "b_inner",
            sb,
            vec![Step::Lock { table: tb, rows: 1 }, work.clone()],
        ));
        let call = |s, h| Step::Call(CallSpec::new(s, h).timeout_us(30 * SEC));
        let a_outer = w.add_handler(Handler::new(
            "a_outer",
            sa,
            vec![
                Step::Lock { table: ta, rows: 1 },
                work.clone(),
                call(sb, b_inner),
            ],
        ));
        let b_outer = w.add_handler(Handler::new(
            "b_outer",
            sb,
            vec![
                Step::Lock { table: tb, rows: 1 },
                work.clone(),
                call(sa, a_inner),
            ],
        ));
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
