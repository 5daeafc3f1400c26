//! Semaphore bulkheads: a limit on concurrent calls, as Resilience4j's
//! `SemaphoreBulkhead`.
//!
//! Each attempt of a call that names the bulkhead takes a permit for as long as
//! it is outstanding. With none free, the caller waits up to `max_wait_us` for
//! one (0: refused at once, Resilience4j's default), and is refused after that.
//! A refusal is an attempt failure: a retry policy may retry it, a breaker
//! records it.
//!
//! The thread-pool style of bulkhead needs no part of its own: give the service
//! a small pool with a bounded queue (`PoolSpec`) and call a handler on it with
//! `CallSpec::in_caller_pod`; its series are the pool's `NAME.pool.POOL.busy` and
//! `NAME.pool.POOL.rejected`.
//!
//! Series: `NAME.busy` (permits in use), `NAME.waiting` (callers waiting for a
//! permit), `NAME.rejected` (attempts refused).

use std::collections::VecDeque;

use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;

/// A semaphore bulkhead's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkheadSpec {
    /// Name, the prefix of its series.
    pub name: String,
    /// Permits: calls allowed at once (Resilience4j's default is 25).
    pub max_concurrent: u32,
    /// How long a caller may wait for a permit (Resilience4j's default is 0).
    pub max_wait_us: Micros,
}

impl BulkheadSpec {
    /// A bulkhead of `max_concurrent` permits that refuses at once when full.
    pub fn new(name: &str, max_concurrent: u32) -> Self {
        BulkheadSpec {
            name: name.to_string(),
            max_concurrent,
            max_wait_us: 0,
        }
    }

    /// A bulkhead with Resilience4j's defaults (`Bulkhead.ofDefaults`): 25
    /// permits, no wait.
    pub fn defaults(name: &str) -> Self {
        BulkheadSpec::new(name, 25)
    }

    /// Lets callers wait up to `t` for a permit.
    pub fn max_wait_us(mut self, t: Micros) -> Self {
        self.max_wait_us = t;
        self
    }
}

/// What a caller asking for a permit gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A permit, now.
    Granted,
    /// In line for a permit (the caller arms its wait timer).
    Waiting,
    /// Refused.
    Refused,
}

/// Metric handles of a bulkhead.
#[derive(Clone, Debug)]
pub(crate) struct BulkheadMetrics {
    pub busy: GaugeId,
    pub waiting: GaugeId,
    pub rejected: CounterId,
}

/// A semaphore bulkhead's live state.
///
/// Bounded: the waiting line holds only callers that wait now (a caller leaves
/// it when granted, when its wait is over, or when it ends).
#[derive(Clone, Debug)]
pub struct Bulkhead {
    /// Its configuration (a toggle may change it; more permits serve waiters).
    pub spec: BulkheadSpec,
    in_use: u32,
    /// Callers waiting, oldest first, with the wait token of their attempt.
    waiters: VecDeque<(ReqRef, u32)>,
    pub(crate) m: BulkheadMetrics,
}

impl Bulkhead {
    pub(crate) fn new(spec: BulkheadSpec, m: BulkheadMetrics) -> Self {
        Bulkhead {
            spec,
            in_use: 0,
            waiters: VecDeque::new(),
            m,
        }
    }

    /// Permits in use.
    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    /// Permits free now (Resilience4j's available concurrent calls); none while
    /// more are in use than a reduced limit allows.
    pub fn available(&self) -> u32 {
        self.spec.max_concurrent.saturating_sub(self.in_use)
    }

    /// Callers waiting.
    pub fn waiting(&self) -> usize {
        self.waiters.len()
    }

    /// Asks for a permit for the caller `r` whose attempt has wait token `token`.
    pub fn acquire(&mut self, r: ReqRef, token: u32) -> Admission {
        if self.in_use < self.spec.max_concurrent && self.waiters.is_empty() {
            self.in_use += 1;
            Admission::Granted
        } else if self.spec.max_wait_us > 0 {
            self.waiters.push_back((r, token));
            Admission::Waiting
        } else {
            Admission::Refused
        }
    }

    /// Gives a permit back; returns the waiters that now hold one, oldest first.
    pub fn release(&mut self) -> Vec<(ReqRef, u32)> {
        debug_assert!(
            self.in_use > 0,
            "bulkhead '{}' released too often",
            self.spec.name
        );
        self.in_use = self.in_use.saturating_sub(1);
        self.grant_waiters()
    }

    /// Hands free permits to waiters, oldest first.
    pub fn grant_waiters(&mut self) -> Vec<(ReqRef, u32)> {
        let mut granted = Vec::new();
        while self.in_use < self.spec.max_concurrent {
            let Some(w) = self.waiters.pop_front() else {
                break;
            };
            self.in_use += 1;
            granted.push(w);
        }
        granted
    }

    /// Takes caller `r` out of the line; true if it was waiting.
    pub fn leave(&mut self, r: ReqRef) -> bool {
        match self.waiters.iter().position(|w| w.0 == r) {
            Some(i) => {
                self.waiters.remove(i);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::metrics::Metrics;
    use crate::sim::kernel::time::MS;

    fn bulkhead(spec: BulkheadSpec) -> Bulkhead {
        let mut m = Metrics::new(MS, 4);
        let bm = BulkheadMetrics {
            busy: m.gauge("b.busy", 0, 0.0),
            waiting: m.gauge("b.waiting", 0, 0.0),
            rejected: m.counter("b.rejected"),
        };
        Bulkhead::new(spec, bm)
    }

    fn r(idx: u32) -> ReqRef {
        ReqRef { idx, gen: 0 }
    }

    #[test]
    fn without_a_wait_a_full_bulkhead_refuses_at_once() {
        let mut b = bulkhead(BulkheadSpec::new("b", 2));
        assert_eq!(b.acquire(r(1), 0), Admission::Granted);
        assert_eq!(b.acquire(r(2), 0), Admission::Granted);
        assert_eq!(b.acquire(r(3), 0), Admission::Refused);
        assert!(b.release().is_empty());
        assert_eq!(b.acquire(r(3), 0), Admission::Granted);
        assert_eq!(b.in_use(), 2);
    }

    #[test]
    fn waiters_get_permits_in_order_and_may_leave() {
        let mut b = bulkhead(BulkheadSpec::new("b", 1).max_wait_us(10 * MS));
        assert_eq!(b.acquire(r(1), 0), Admission::Granted);
        assert_eq!(b.acquire(r(2), 5), Admission::Waiting);
        assert_eq!(b.acquire(r(3), 6), Admission::Waiting);
        assert_eq!(b.acquire(r(4), 7), Admission::Waiting);
        assert!(b.leave(r(3)));
        assert!(!b.leave(r(3)));
        assert_eq!(b.release(), vec![(r(2), 5)]);
        assert_eq!(b.release(), vec![(r(4), 7)]);
        assert_eq!(b.waiting(), 0);
        assert_eq!(b.in_use(), 1);
    }

    #[test]
    fn more_permits_serve_the_line() {
        let mut b = bulkhead(BulkheadSpec::new("b", 1).max_wait_us(MS));
        b.acquire(r(1), 0);
        b.acquire(r(2), 0);
        b.acquire(r(3), 0);
        b.spec.max_concurrent = 3;
        assert_eq!(b.grant_waiters().len(), 2);
        assert_eq!(b.in_use(), 3);
    }
}
