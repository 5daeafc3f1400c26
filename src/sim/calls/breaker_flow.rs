//! The breaker's glue: adding and changing breakers, asking one to let a call
//! through, recording what the call did, and acting on transitions (series,
//! the half-open timer, log lines). It borrows the kernel and the call store
//! only; `World`'s methods at the end are the doors scenarios and the call's
//! flow (`call.rs`) come in by.

use super::breaker::*;
use crate::sim::calls::event::CallEvent;
use crate::sim::calls::store::CallStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::BreakerId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::request::Outcome;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

impl CallStore {
    /// Adds a circuit breaker; returns its index for `CallSpec::breaker`.
    pub(in crate::sim) fn add_breaker(&mut self, k: &mut Kernel, spec: BreakerSpec) -> BreakerId {
        let n = &spec.name;
        let m = BreakerMetrics {
            state: k.metrics.gauge(&format!("{n}.state"), k.now, 0.0),
            rejected: k.metrics.counter(&format!("{n}.rejected")),
            opened: k.metrics.counter(&format!("{n}.opened")),
        };
        self.breakers.push(Breaker::new(spec, m));
        BreakerId::new(self.breakers.len() - 1)
    }

    /// Changes a breaker's configuration from now on. A closed breaker given a
    /// new window kind or size starts an empty window; the state is kept. An
    /// open breaker switched to `automatic_half_open` moves at the end of its
    /// wait (or at once if the wait is over).
    pub(in crate::sim) fn set_breaker(&mut self, k: &mut Kernel, id: BreakerId, spec: BreakerSpec) {
        let now = k.now;
        let b = &mut self.breakers[id.index()];
        if b.state == BreakerState::Closed && b.spec.window != spec.window {
            b.window = OutcomeWindow::new(spec.window);
        }
        let timer = spec.automatic_half_open && !b.spec.automatic_half_open;
        b.spec = spec;
        if timer && b.state == BreakerState::Open {
            let at = b.retry_after_us.max(now);
            k.schedule(at, Event::Calls(CallEvent::BreakerHalfOpen(id, b.epoch)));
        }
    }

    /// Puts breaker `id` in state `to` now, as an operator would (see
    /// [`Breaker::transition_to`]); logged and shown like any transition.
    pub(in crate::sim) fn transition_breaker(
        &mut self,
        k: &mut Kernel,
        id: BreakerId,
        to: BreakerState,
    ) -> Result<(), String> {
        let now = k.now;
        let b = &mut self.breakers[id.index()];
        let from = b.state();
        b.transition_to(to, now)?;
        self.breaker_moved(k, id, from, Some(to));
        Ok(())
    }

    /// Asks breaker `id` to let a call of weight `w` through; counts a refusal.
    pub(in crate::sim) fn breaker_acquire(
        &mut self,
        k: &mut Kernel,
        id: BreakerId,
        w: f64,
    ) -> bool {
        let now = k.now;
        let b = &mut self.breakers[id.index()];
        let from = b.state();
        let ok = b.try_acquire(now);
        let to = b.state();
        if !ok {
            let c = b.m.rejected;
            k.metrics.add(c, w);
        }
        if to != from {
            self.breaker_moved(k, id, from, Some(to));
        }
        ok
    }

    /// Records a call's outcome in breaker `id` and acts on a transition.
    pub(in crate::sim) fn breaker_record(
        &mut self,
        k: &mut Kernel,
        id: BreakerId,
        outcome: Outcome,
        duration_us: Micros,
    ) {
        let now = k.now;
        let b = &mut self.breakers[id.index()];
        let from = b.state();
        let t = b.record(now, outcome, duration_us);
        self.breaker_moved(k, id, from, t);
    }

    pub(in crate::sim) fn on_breaker_timer(&mut self, k: &mut Kernel, id: BreakerId, epoch: u32) {
        let now = k.now;
        let b = &mut self.breakers[id.index()];
        if b.epoch != epoch || !b.spec.automatic_half_open {
            return;
        }
        let from = b.state();
        let t = b.half_open(now);
        self.breaker_moved(k, id, from, t);
    }

    fn breaker_moved(&mut self, k: &mut Kernel, id: BreakerId, from: BreakerState, t: Transition) {
        let Some(to) = t else { return };
        let now = k.now;
        let b = &self.breakers[id.index()];
        let (name, m, epoch) = (b.spec.name.clone(), b.m.clone(), b.epoch);
        let (automatic, retry_after) = (b.spec.automatic_half_open, b.retry_after_us);
        let w = b.window_tally();
        k.metrics.set(m.state, now, to.gauge_value());
        match to {
            BreakerState::Open => {
                k.metrics.add(m.opened, 1.0);
                if automatic {
                    k.schedule(
                        retry_after,
                        Event::Calls(CallEvent::BreakerHalfOpen(id, epoch)),
                    );
                }
                // Only opening out of a closed state gets a chart marker; re-opening
                // after failed probes, every wait, would clutter every chart.
                match from {
                    BreakerState::Closed => {
                        let text = format!(
                            "{name} opened: {} of the last {} calls failed, {} slow",
                            w.failed, w.calls, w.slow
                        );
                        k.note(LogLevel::Error, text, true);
                    }
                    BreakerState::HalfOpen => k.note(
                        LogLevel::Warn,
                        format!("{name} opened again: probes failed"),
                        false,
                    ),
                    BreakerState::Open => {
                        k.note(LogLevel::Warn, format!("{name} opened again"), false)
                    }
                }
            }
            BreakerState::HalfOpen => {
                let why = if automatic {
                    "the wait is over"
                } else {
                    "a call after the wait"
                };
                k.note(
                    LogLevel::Info,
                    format!("{name} half-open: probing ({why})"),
                    false,
                )
            }
            BreakerState::Closed => {
                let why = if from == BreakerState::HalfOpen {
                    ": probes succeeded"
                } else {
                    ""
                };
                k.note(LogLevel::Info, format!("{name} closed{why}"), false)
            }
        }
    }
}

impl World {
    /// Adds a circuit breaker; returns its index for `CallSpec::breaker`.
    pub fn add_breaker(&mut self, spec: BreakerSpec) -> BreakerId {
        self.calls.add_breaker(&mut self.kernel, spec)
    }

    /// Changes a breaker's configuration from now on (see
    /// [`CallStore::set_breaker`]).
    pub fn set_breaker(&mut self, id: BreakerId, spec: BreakerSpec) {
        self.calls.set_breaker(&mut self.kernel, id, spec);
    }

    /// Puts breaker `id` in state `to` now, as an operator would (see
    /// [`Breaker::transition_to`]); logged and shown like any transition.
    pub fn transition_breaker(&mut self, id: BreakerId, to: BreakerState) -> Result<(), String> {
        self.calls.transition_breaker(&mut self.kernel, id, to)
    }
}
