//! The outcomes a circuit breaker remembers: Resilience4j's sliding-window
//! metrics (`FixedSizeSlidingWindowMetrics`, `SlidingTimeWindowMetrics`).
//!
//! A count window holds the last `n` outcomes; a time window aggregates the
//! outcomes of each whole second and holds the last `secs` seconds (at second
//! `s`, the seconds `s - secs + 1 ..= s`), as Resilience4j's ring of partial
//! aggregations does. Reading a time window first drops the seconds that have
//! left it, so a window read after a quiet spell is empty, as a Resilience4j
//! snapshot is.

use std::collections::VecDeque;

use crate::sim::kernel::time::{Micros, SEC};

/// How a breaker's closed-state window is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlidingWindow {
    /// The outcomes of the last `n` calls.
    Count(u32),
    /// The outcomes of calls that ended in the last `secs` seconds (aggregated
    /// per whole second, as Resilience4j does).
    Time {
        /// Length of the window.
        secs: u32,
    },
}

/// Counts of recorded calls (Resilience4j's snapshot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Calls recorded.
    pub calls: u32,
    /// Of which failed (error, refusal by the callee or a bulkhead, timeout).
    pub failed: u32,
    /// Of which slow (longer than the slow-call duration; failed ones too).
    pub slow: u32,
    /// Of which slow and failed.
    pub slow_failed: u32,
    /// The calls' durations, summed.
    pub duration_us: u64,
}

impl Tally {
    /// One outcome.
    pub fn one(failed: bool, slow: bool, duration_us: Micros) -> Self {
        Tally {
            calls: 1,
            failed: failed as u32,
            slow: slow as u32,
            slow_failed: (failed && slow) as u32,
            duration_us,
        }
    }

    /// Calls that succeeded.
    pub fn successful(&self) -> u32 {
        self.calls - self.failed
    }

    /// Slow calls that succeeded.
    pub fn slow_successful(&self) -> u32 {
        self.slow - self.slow_failed
    }

    /// Failed calls in percent of calls (0 with no calls, as a snapshot's).
    pub fn failure_rate(&self) -> f64 {
        self.pct(self.failed)
    }

    /// Slow calls in percent of calls (0 with no calls).
    pub fn slow_call_rate(&self) -> f64 {
        self.pct(self.slow)
    }

    /// Mean duration of the calls (0 with no calls).
    pub fn mean_duration_us(&self) -> Micros {
        self.duration_us.checked_div(self.calls as u64).unwrap_or(0)
    }

    fn pct(&self, x: u32) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            100.0 * x as f64 / self.calls as f64
        }
    }

    fn add(&mut self, t: Tally) {
        self.calls += t.calls;
        self.failed += t.failed;
        self.slow += t.slow;
        self.slow_failed += t.slow_failed;
        self.duration_us += t.duration_us;
    }

    fn sub(&mut self, t: Tally) {
        self.calls -= t.calls;
        self.failed -= t.failed;
        self.slow -= t.slow;
        self.slow_failed -= t.slow_failed;
        self.duration_us -= t.duration_us;
    }
}

/// A sliding window of outcomes. Bounded by the window's size.
#[derive(Clone, Debug)]
pub struct OutcomeWindow {
    kind: SlidingWindow,
    /// Count window: one entry a call. Time window: one entry a second.
    entries: VecDeque<(u64, Tally)>,
    total: Tally,
}

impl OutcomeWindow {
    /// An empty window.
    pub fn new(kind: SlidingWindow) -> Self {
        OutcomeWindow {
            kind,
            entries: VecDeque::new(),
            total: Tally::default(),
        }
    }

    /// The window's kind and size.
    pub fn kind(&self) -> SlidingWindow {
        self.kind
    }

    /// Drops the seconds that have left a time window at `now`.
    pub(super) fn expire(&mut self, now: Micros) {
        if let SlidingWindow::Time { secs } = self.kind {
            let sec = now / SEC;
            while let Some(&(s, t)) = self.entries.front() {
                if s + secs as u64 > sec {
                    break;
                }
                self.entries.pop_front();
                self.total.sub(t);
            }
        }
    }

    /// Records one outcome at `now`; returns the window's counts after it.
    pub fn record(&mut self, now: Micros, failed: bool, slow: bool, duration_us: Micros) -> Tally {
        let one = Tally::one(failed, slow, duration_us);
        match self.kind {
            SlidingWindow::Count(n) => {
                if self.entries.len() as u32 >= n.max(1) {
                    let (_, old) = self.entries.pop_front().expect("full");
                    self.total.sub(old);
                }
                self.entries.push_back((0, one));
            }
            SlidingWindow::Time { .. } => {
                self.expire(now);
                let sec = now / SEC;
                match self.entries.back_mut() {
                    Some(e) if e.0 == sec => e.1.add(one),
                    _ => self.entries.push_back((sec, one)),
                }
            }
        }
        self.total.add(one);
        self.total
    }

    /// The counts the window holds at `now` (a time window forgets old seconds).
    pub fn snapshot(&mut self, now: Micros) -> Tally {
        self.expire(now);
        self.total
    }

    /// The counts as of the last record or snapshot.
    pub fn total(&self) -> Tally {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::MS;

    #[test]
    fn a_count_window_keeps_the_last_n() {
        let mut w = OutcomeWindow::new(SlidingWindow::Count(3));
        for failed in [true, true, false, false] {
            w.record(0, failed, false, MS);
        }
        let t = w.total();
        assert_eq!((t.calls, t.failed, t.duration_us), (3, 1, 3 * MS));
    }

    #[test]
    fn a_time_window_aggregates_per_second_and_forgets_old_seconds() {
        let mut w = OutcomeWindow::new(SlidingWindow::Time { secs: 2 });
        w.record(0, true, true, MS);
        w.record(SEC / 2, false, false, MS);
        w.record(SEC, false, false, MS);
        assert_eq!(w.total().calls, 3);
        // At 2 s, second 0 has left a 2-second window.
        assert_eq!(w.snapshot(2 * SEC).calls, 1);
        assert_eq!(w.snapshot(3 * SEC), Tally::default());
    }
}
