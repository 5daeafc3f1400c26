//! Circuit breakers with Resilience4j's semantics (`CircuitBreakerStateMachine`).
//!
//! CLOSED: every call goes through and its outcome is recorded in a sliding
//! window (the last N calls, or the calls of the last N seconds:
//! `sliding_window.rs`). After each outcome, once the window holds at least
//! `min_calls` calls (at most the size of a count window), the breaker opens
//! when the failure rate or the slow-call rate reaches its threshold.
//! OPEN: every call is refused at once, without touching the callee. When
//! `open_us` has passed, the first call that arrives moves the breaker to
//! HALF-OPEN and is its first probe (Resilience4j's default); with
//! `automatic_half_open` (`automaticTransitionFromOpenToHalfOpenEnabled`) it
//! moves by itself at the end of the wait, calls or not. So by default a breaker
//! nobody calls stays OPEN, and its state band shows it. A call let through
//! before the breaker opened may still answer while it is open: its outcome is
//! recorded in the metrics the breaker opened with, and decides nothing.
//! HALF-OPEN: `half_open_calls` calls are let through as probes and the rest
//! refused. Their outcomes go to a fresh count window of `half_open_calls`;
//! after each one, once `min(min_calls, half_open_calls)` are in, the breaker
//! opens again if their failure or slow-call rate reaches a threshold and closes
//! otherwise — it need not wait for every probe.
//!
//! A call is slow when it took longer than `slow_call_us` (strictly, as in
//! Resilience4j). Which failures count is the spec's [`Recording`]
//! (`recording.rs`): by default every error, rejection and timeout is a failure;
//! an ignored outcome is not recorded at all and gives a half-open probe's
//! permit back.
//!
//! A breaker only learns from calls that end: a call that hangs with no timeout
//! is never recorded, as in Resilience4j. Pair a breaker with a timeout.
//!
//! The defaults are Resilience4j's: failure rate 50 %, a count window of 100,
//! 100 calls minimum, 60 s open, 10 calls in half-open, slow calls over 60 s at
//! 100 %, no automatic move to half-open, every failure recorded. The state is
//! the gauge `NAME.state` (0 closed, 1 half-open, 2 open); `NAME.rejected`
//! counts refused calls, `NAME.opened` the times it opened.
//!
//! Not modelled: the forced-open, disabled and metrics-only states, an open wait
//! that grows (`waitIntervalFunctionInOpenState`), a limit on the time spent
//! half-open (`maxWaitDurationInHalfOpenState`), and decisions on results
//! rather than outcomes (`recordResult`).

use crate::sim::calls::recording::{Counts, Recording};

pub use crate::sim::calls::sliding_window::{OutcomeWindow, SlidingWindow, Tally};
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::request::Outcome;
use crate::sim::kernel::time::{Micros, SEC};

/// A breaker's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerSpec {
    /// Name, the prefix of its series and its log lines.
    pub name: String,
    /// Opens when this share of recorded calls failed, in percent.
    pub failure_rate_pct: f64,
    /// Opens when this share of recorded calls was slow, in percent.
    pub slow_call_rate_pct: f64,
    /// A call that took longer than this is slow.
    pub slow_call_us: Micros,
    /// What the closed state remembers: the last N calls or seconds.
    pub window: SlidingWindow,
    /// Calls the window must hold before rates are computed.
    pub min_calls: u32,
    /// How long the breaker stays open before probing.
    pub open_us: Micros,
    /// Probes let through in half-open.
    pub half_open_calls: u32,
    /// Moves to half-open by itself when the wait is over; off (Resilience4j's
    /// default), the first call after the wait moves it.
    pub automatic_half_open: bool,
    /// Which outcomes count as failures, which as successes, which not at all.
    pub recording: Recording,
}

impl BreakerSpec {
    /// A breaker with Resilience4j's default configuration.
    pub fn new(name: &str) -> Self {
        BreakerSpec {
            name: name.to_string(),
            failure_rate_pct: 50.0,
            slow_call_rate_pct: 100.0,
            slow_call_us: 60 * SEC,
            window: SlidingWindow::Count(100),
            min_calls: 100,
            open_us: 60 * SEC,
            half_open_calls: 10,
            automatic_half_open: false,
            recording: Recording::all_failures(),
        }
    }
}

/// A breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through and are recorded.
    Closed,
    /// A few probes go through; their outcome decides.
    HalfOpen,
    /// Calls are refused at once.
    Open,
}

impl BreakerState {
    /// The value of the `NAME.state` gauge.
    pub fn gauge_value(self) -> f64 {
        match self {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen => 1.0,
            BreakerState::Open => 2.0,
        }
    }
}

/// Metric handles of a breaker.
#[derive(Clone, Debug)]
pub(crate) struct BreakerMetrics {
    pub state: GaugeId,
    pub rejected: CounterId,
    pub opened: CounterId,
}

/// A circuit breaker's live state.
#[derive(Clone, Debug)]
pub struct Breaker {
    /// Its configuration (a toggle may change it; see [`World::set_breaker`]).
    pub spec: BreakerSpec,
    pub(super) state: BreakerState,
    /// The current state's metrics: the closed window, or the probes' count
    /// window in half-open; an open breaker keeps those it opened with.
    pub(super) window: OutcomeWindow,
    /// Probes still to let through in half-open.
    probes_left: u32,
    /// Calls refused since the current metrics began.
    not_permitted: u64,
    /// An open breaker lets a call through after this instant.
    pub(super) retry_after_us: Micros,
    /// Bumped at every transition, so that a stale half-open timer is ignored.
    pub(super) epoch: u32,
    pub(crate) m: BreakerMetrics,
}

/// What the breaker did with an outcome: the state it moved to, if it moved.
pub type Transition = Option<BreakerState>;

impl Breaker {
    pub(super) fn new(spec: BreakerSpec, m: BreakerMetrics) -> Self {
        Breaker {
            window: OutcomeWindow::new(spec.window),
            spec,
            state: BreakerState::Closed,
            probes_left: 0,
            not_permitted: 0,
            retry_after_us: 0,
            epoch: 0,
            m,
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// The outcomes the current state's metrics hold, as of the last record.
    pub fn window_tally(&self) -> Tally {
        self.window.total()
    }

    /// The outcomes the current state's metrics hold at `now` (a time window
    /// forgets the seconds that have left it).
    pub fn snapshot(&mut self, now: Micros) -> Tally {
        self.window.snapshot(now)
    }

    /// The failure rate in percent, or `None` below the minimum number of calls
    /// (Resilience4j's -1).
    pub fn failure_rate(&mut self, now: Micros) -> Option<f64> {
        let t = self.snapshot(now);
        (t.calls > 0 && t.calls >= self.min_calls()).then(|| t.failure_rate())
    }

    /// Calls refused since the current metrics began (a new closed or half-open
    /// state starts them afresh; an open one keeps those it opened with).
    pub fn not_permitted(&self) -> u64 {
        self.not_permitted
    }

    /// When an open breaker lets the next call through (just after this).
    pub fn retry_after_us(&self) -> Micros {
        self.retry_after_us
    }

    /// Asks to let one call through at `now`; false means refused (counted by
    /// the caller). The first call after an open breaker's wait moves it to
    /// half-open and is its first probe.
    pub fn try_acquire(&mut self, now: Micros) -> bool {
        if self.state == BreakerState::Open && now > self.retry_after_us {
            self.go(BreakerState::HalfOpen, now);
        }
        let ok = match self.state {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen => {
                let ok = self.probes_left > 0;
                self.probes_left = self.probes_left.saturating_sub(1);
                ok
            }
        };
        self.not_permitted += !ok as u64;
        ok
    }

    /// The minimum number of calls of the current metrics: Resilience4j caps it
    /// at the size of a count window, and half-open's window counts
    /// `half_open_calls`.
    fn min_calls(&self) -> u32 {
        match self.window.kind() {
            SlidingWindow::Count(n) => self.spec.min_calls.min(n).max(1),
            SlidingWindow::Time { .. } => self.spec.min_calls.max(1),
        }
    }

    fn tripped(&self, t: Tally) -> bool {
        t.failure_rate() >= self.spec.failure_rate_pct
            || t.slow_call_rate() >= self.spec.slow_call_rate_pct
    }

    /// Records, at `now`, the outcome of a call that took `duration_us`.
    pub fn record(&mut self, now: Micros, outcome: Outcome, duration_us: Micros) -> Transition {
        let failed = match self.spec.recording.counts(outcome) {
            Counts::Ignored => {
                // Resilience4j releases the permit: another probe may go.
                if self.state == BreakerState::HalfOpen {
                    self.probes_left += 1;
                }
                return None;
            }
            Counts::AsFailure => true,
            Counts::AsSuccess => false,
        };
        let slow = duration_us > self.spec.slow_call_us;
        let t = self.window.record(now, failed, slow, duration_us);
        if t.calls < self.min_calls() {
            return None;
        }
        match self.state {
            BreakerState::Closed => self.tripped(t).then(|| self.go(BreakerState::Open, now)),
            // A late answer to a call let through before the breaker opened.
            BreakerState::Open => None,
            BreakerState::HalfOpen => {
                let next = if self.tripped(t) {
                    BreakerState::Open
                } else {
                    BreakerState::Closed
                };
                Some(self.go(next, now))
            }
        }
    }

    /// Moves from open to half-open (the automatic move at the end of the wait).
    pub fn half_open(&mut self, now: Micros) -> Transition {
        (self.state == BreakerState::Open).then(|| self.go(BreakerState::HalfOpen, now))
    }

    /// An operator's transition (Resilience4j's `transitionToOpenState`,
    /// `transitionToHalfOpenState`, `transitionToClosedState`; closing is also
    /// its `reset`): enters `to` afresh at `now`, even the state it is in.
    /// Closed to half-open is refused, as the library refuses it.
    pub fn transition_to(&mut self, to: BreakerState, now: Micros) -> Result<(), String> {
        if self.state == BreakerState::Closed && to == BreakerState::HalfOpen {
            return Err(format!(
                "breaker '{}': no transition from closed to half-open",
                self.spec.name
            ));
        }
        self.go(to, now);
        Ok(())
    }

    /// Enters `to` afresh: a closed breaker starts with an empty window, a
    /// half-open one with all its probes and an empty window of them, an open
    /// one keeps the metrics it opened with and waits `open_us` from `now`.
    fn go(&mut self, to: BreakerState, now: Micros) -> BreakerState {
        self.state = to;
        self.epoch = self.epoch.wrapping_add(1);
        match to {
            BreakerState::Closed => {
                self.window = OutcomeWindow::new(self.spec.window);
                self.not_permitted = 0;
            }
            BreakerState::HalfOpen => {
                let n = self.spec.half_open_calls.max(1);
                self.window = OutcomeWindow::new(SlidingWindow::Count(n));
                self.probes_left = n;
                self.not_permitted = 0;
            }
            BreakerState::Open => self.retry_after_us = now + self.spec.open_us,
        }
        to
    }
}

#[cfg(test)]
mod tests;
