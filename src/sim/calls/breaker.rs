//! Circuit breakers with Resilience4j's semantics.
//!
//! CLOSED: every call goes through and its outcome is recorded in a sliding
//! window (the last N calls, or the calls of the last N seconds). Once the
//! window holds at least `min_calls` calls, the breaker opens when the failure
//! rate or the slow-call rate reaches its threshold.
//! OPEN: every call is refused at once, without touching the callee; after
//! `open_us` the breaker moves by itself to HALF-OPEN.
//! HALF-OPEN: `half_open_calls` calls are let through as probes and the rest
//! refused; when all probes are answered, the breaker opens again if their
//! failure or slow-call rate reaches a threshold, and closes otherwise.
//!
//! A breaker only learns from calls that end: a call that hangs with no timeout
//! is never recorded, as in Resilience4j. Pair a breaker with a timeout.
//!
//! The defaults are Resilience4j's: failure rate 50 %, a count window of 100,
//! 100 calls minimum, 60 s open, 10 calls in half-open, slow calls ≥ 60 s at
//! 100 %. The state is the gauge `NAME.state` (0 closed, 1 half-open, 2 open);
//! `NAME.rejected` counts refused calls, `NAME.opened` the times it opened.

use crate::sim::kernel::ids::BreakerId;
use std::collections::VecDeque;

use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::time::{Micros, SEC};
use crate::sim::kernel::world::{Event, World};

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

/// A breaker's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerSpec {
    /// Name, the prefix of its series and its log lines.
    pub name: String,
    /// Opens when this share of recorded calls failed, in percent.
    pub failure_rate_pct: f64,
    /// Opens when this share of recorded calls was slow, in percent.
    pub slow_call_rate_pct: f64,
    /// A call that took at least this long is slow.
    pub slow_call_us: Micros,
    /// What the closed state remembers: the last N calls or seconds.
    pub window: SlidingWindow,
    /// Calls the window must hold before rates are computed.
    pub min_calls: u32,
    /// How long the breaker stays open before probing.
    pub open_us: Micros,
    /// Probes let through in half-open.
    pub half_open_calls: u32,
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

/// Counts of recorded calls: (calls, failed, slow).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Calls recorded.
    pub calls: u32,
    /// Of which failed (error, refusal by the callee or a bulkhead, timeout).
    pub failed: u32,
    /// Of which slow (at least the slow-call duration; failed ones too).
    pub slow: u32,
}

impl Tally {
    fn add(&mut self, failed: bool, slow: bool, sign: i64) {
        let f = |x: u32, on: bool| (x as i64 + if on { sign } else { 0 }) as u32;
        self.calls = f(self.calls, true);
        self.failed = f(self.failed, failed);
        self.slow = f(self.slow, slow);
    }
}

/// The outcomes a breaker remembers: a ring of the last calls or per-second
/// buckets. Bounded by the window's size.
#[derive(Clone, Debug)]
struct Window {
    kind: SlidingWindow,
    /// Count window: one entry a call. Time window: one entry a second.
    entries: VecDeque<(u64, Tally)>,
    total: Tally,
}

impl Window {
    fn new(kind: SlidingWindow) -> Self {
        Window {
            kind,
            entries: VecDeque::new(),
            total: Tally::default(),
        }
    }

    fn expire(&mut self, now: Micros) {
        if let SlidingWindow::Time { secs } = self.kind {
            let sec = now / SEC;
            while let Some(&(s, t)) = self.entries.front() {
                if s + secs as u64 > sec {
                    break;
                }
                self.entries.pop_front();
                self.total.calls -= t.calls;
                self.total.failed -= t.failed;
                self.total.slow -= t.slow;
            }
        }
    }

    fn record(&mut self, now: Micros, failed: bool, slow: bool) {
        match self.kind {
            SlidingWindow::Count(n) => {
                if self.entries.len() as u32 >= n.max(1) {
                    let (_, old) = self.entries.pop_front().expect("full");
                    self.total.add(old.failed > 0, old.slow > 0, -1);
                }
                let mut t = Tally::default();
                t.add(failed, slow, 1);
                self.entries.push_back((0, t));
            }
            SlidingWindow::Time { .. } => {
                self.expire(now);
                let sec = now / SEC;
                if self.entries.back().is_none_or(|e| e.0 != sec) {
                    self.entries.push_back((sec, Tally::default()));
                }
                self.entries
                    .back_mut()
                    .expect("pushed")
                    .1
                    .add(failed, slow, 1);
            }
        }
        self.total.add(failed, slow, 1);
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
    state: BreakerState,
    window: Window,
    /// Probes still to let through, and the outcomes of those answered.
    probes_left: u32,
    probes: Tally,
    /// Bumped at every transition, so that a stale half-open timer is ignored.
    epoch: u32,
    pub(crate) m: BreakerMetrics,
}

/// What the breaker did with an outcome: the state it moved to, if it moved.
pub type Transition = Option<BreakerState>;

impl Breaker {
    fn new(spec: BreakerSpec, m: BreakerMetrics) -> Self {
        Breaker {
            window: Window::new(spec.window),
            spec,
            state: BreakerState::Closed,
            probes_left: 0,
            probes: Tally::default(),
            epoch: 0,
            m,
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// The outcomes the closed-state window holds now.
    pub fn window_tally(&self) -> Tally {
        self.window.total
    }

    /// Asks to let one call through; false means refused (counted by the caller).
    pub fn try_acquire(&mut self) -> bool {
        match self.state {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen => {
                if self.probes_left > 0 {
                    self.probes_left -= 1;
                    true
                } else {
                    false
                }
            }
        }
    }

    fn min_calls(&self) -> u32 {
        // Resilience4j caps the minimum at the size of a count window.
        match self.spec.window {
            SlidingWindow::Count(n) => self.spec.min_calls.min(n).max(1),
            SlidingWindow::Time { .. } => self.spec.min_calls.max(1),
        }
    }

    fn tripped(&self, t: Tally) -> bool {
        let rate = |x: u32| 100.0 * x as f64 / t.calls as f64;
        rate(t.failed) >= self.spec.failure_rate_pct || rate(t.slow) >= self.spec.slow_call_rate_pct
    }

    /// Records the outcome of a call that took `duration_us`.
    pub fn record(&mut self, now: Micros, failed: bool, duration_us: Micros) -> Transition {
        let slow = duration_us >= self.spec.slow_call_us;
        match self.state {
            BreakerState::Closed => {
                self.window.record(now, failed, slow);
                let t = self.window.total;
                (t.calls >= self.min_calls() && self.tripped(t))
                    .then(|| self.go(BreakerState::Open))
            }
            // A late answer to a call let through before the breaker opened.
            BreakerState::Open => None,
            BreakerState::HalfOpen => {
                self.probes.add(failed, slow, 1);
                if self.probes.calls < self.spec.half_open_calls.max(1) {
                    return None;
                }
                let next = if self.tripped(self.probes) {
                    BreakerState::Open
                } else {
                    BreakerState::Closed
                };
                Some(self.go(next))
            }
        }
    }

    /// Moves from open to half-open (the end of the open wait).
    pub fn half_open(&mut self) -> Transition {
        (self.state == BreakerState::Open).then(|| self.go(BreakerState::HalfOpen))
    }

    /// Enters `to` afresh: a closed breaker starts with an empty window, a
    /// half-open one with all its probes.
    fn go(&mut self, to: BreakerState) -> BreakerState {
        self.state = to;
        self.epoch = self.epoch.wrapping_add(1);
        self.probes = Tally::default();
        self.probes_left = self.spec.half_open_calls.max(1);
        if to == BreakerState::Closed {
            self.window = Window::new(self.spec.window);
        }
        to
    }
}

impl World {
    /// Adds a circuit breaker; returns its index for `CallSpec::breaker`.
    pub fn add_breaker(&mut self, spec: BreakerSpec) -> BreakerId {
        let n = &spec.name;
        let m = BreakerMetrics {
            state: self.metrics.gauge(&format!("{n}.state"), self.now, 0.0),
            rejected: self.metrics.counter(&format!("{n}.rejected")),
            opened: self.metrics.counter(&format!("{n}.opened")),
        };
        self.breakers.push(Breaker::new(spec, m));
        BreakerId::new(self.breakers.len() - 1)
    }

    /// Changes a breaker's configuration from now on. A new window kind or size
    /// starts an empty window; the state is kept.
    pub fn set_breaker(&mut self, id: BreakerId, spec: BreakerSpec) {
        let b = &mut self.breakers[id.index()];
        if b.spec.window != spec.window {
            b.window = Window::new(spec.window);
        }
        b.spec = spec;
    }

    /// Asks breaker `id` to let a call of weight `w` through; counts a refusal.
    pub(crate) fn breaker_acquire(&mut self, id: BreakerId, w: f64) -> bool {
        let b = &mut self.breakers[id.index()];
        let ok = b.try_acquire();
        if !ok {
            let c = b.m.rejected;
            self.metrics.add(c, w);
        }
        ok
    }

    /// Records a call's outcome in breaker `id` and acts on a transition.
    pub(crate) fn breaker_record(&mut self, id: BreakerId, failed: bool, duration_us: Micros) {
        let now = self.now;
        let b = &mut self.breakers[id.index()];
        let from = b.state();
        let t = b.record(now, failed, duration_us);
        self.breaker_moved(id, from, t);
    }

    pub(crate) fn on_breaker_timer(&mut self, id: BreakerId, epoch: u32) {
        let b = &mut self.breakers[id.index()];
        if b.epoch != epoch {
            return;
        }
        let from = b.state();
        let t = b.half_open();
        self.breaker_moved(id, from, t);
    }

    fn breaker_moved(&mut self, id: BreakerId, from: BreakerState, t: Transition) {
        let Some(to) = t else { return };
        let now = self.now;
        let b = &self.breakers[id.index()];
        let (name, m, epoch, open_us) = (b.spec.name.clone(), b.m.clone(), b.epoch, b.spec.open_us);
        let w = b.window_tally();
        self.metrics.set(m.state, now, to.gauge_value());
        match to {
            BreakerState::Open => {
                self.metrics.add(m.opened, 1.0);
                self.queue
                    .push(now + open_us, Event::BreakerHalfOpen(id, epoch));
                // Only opening out of a closed state gets a chart marker; re-opening
                // after failed probes, every wait, would clutter every chart.
                if from == BreakerState::Closed {
                    let text = format!(
                        "{name} opened: {} of the last {} calls failed, {} slow",
                        w.failed, w.calls, w.slow
                    );
                    self.note(LogLevel::Error, text, true);
                } else {
                    self.note(
                        LogLevel::Warn,
                        format!("{name} opened again: probes failed"),
                        false,
                    );
                }
            }
            BreakerState::HalfOpen => {
                self.note(LogLevel::Info, format!("{name} half-open: probing"), false)
            }
            BreakerState::Closed => self.note(
                LogLevel::Info,
                format!("{name} closed: probes succeeded"),
                false,
            ),
        }
    }
}

#[cfg(test)]
mod tests;
