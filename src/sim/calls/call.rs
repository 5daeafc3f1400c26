//! The life of a synchronous call: attempts, timeouts, retries with backoff,
//! circuit breaker, bulkhead, and answers lost on the way back.
//!
//! A `Step::Call` runs as a sequence of attempts, each wrapped as Resilience4j
//! recommends — retry ( breaker ( bulkhead ( timeout ( call ) ) ) ):
//! 1. the breaker is asked first; a refusal ends the whole call at once, with no
//!    retry and without touching the callee ("retries abort when it is open");
//! 2. the timeout is armed (it covers a wait for a bulkhead permit too);
//! 3. a bulkhead permit is taken, waited for, or refused (a refusal is a failed
//!    attempt);
//! 4. a new request — the attempt — is sent to the callee, with the caller's key.
//!
//! When the attempt ends (answer, timeout, refusal) the breaker records it (as
//! its `Recording` says) and the permit is given back. A failed attempt the
//! policy retries (`RetryOn`) is retried after the policy's backoff while
//! attempts remain; the caller keeps its worker meanwhile, as a thread blocked in
//! a synchronous retry does.
//!
//! An attempt the caller stopped waiting for is detached: the callee goes on and
//! its answer is dropped. A service may lose answers on the way back
//! ([`World::set_response_loss`]): the callee did its work and its side effects,
//! but the caller never hears and waits until its timeout.

use crate::sim::calls::bulkhead::Admission;
use crate::sim::calls::call_state::CallState;
use crate::sim::calls::event::CallEvent;
use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::BulkheadId;
use crate::sim::kernel::ids::{RouterId, ServiceId};
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::request::{Origin, Outcome, ReqRef, Request};
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::{CallSpec, OnError, Step};

impl World {
    /// Makes `service` lose each successful answer it sends to a caller with
    /// probability `p`, after the work (and its side effects) is done; counted in
    /// `NAME.responses_lost`.
    pub fn set_response_loss(&mut self, service: ServiceId, p: f64) {
        assert!(
            (0.0..=1.0).contains(&p),
            "loss probability {}",
            trimmed(p, 6)
        );
        let svc = &mut self.topology.services[service.index()];
        svc.response_loss = p;
        if svc.lost.is_none() {
            let name = format!("{}.responses_lost", svc.spec.name);
            svc.lost = Some(self.kernel.metrics.counter(&name));
        }
    }

    /// The call spec of the step `r` is on, if it is a call (a routed one:
    /// the call to the backend its router chose).
    fn call_spec(&self, r: ReqRef) -> Option<CallSpec> {
        let req = self.kernel.requests.get(r)?;
        match self.topology.handlers[req.handler.index()]
            .steps
            .get(req.step as usize)
        {
            Some(Step::Call(c)) => Some(c.clone()),
            Some(Step::Route { router, path }) => Some(
                self.edge
                    .router(*router)
                    .call(*path, req.call.backend)
                    .clone(),
            ),
            _ => None,
        }
    }

    /// The router of the `Step::Route` that `req` is on, if it is on one.
    fn route_of(&self, req: &Request) -> Option<RouterId> {
        match self.topology.handlers[req.handler.index()]
            .steps
            .get(req.step as usize)
        {
            Some(Step::Route { router, .. }) => Some(*router),
            _ => None,
        }
    }

    /// Starts the call of the step `r` is on.
    pub(crate) fn begin_call(&mut self, r: ReqRef) {
        let req = self
            .kernel
            .requests
            .get_mut(r)
            .expect("calling request is alive");
        debug_assert!(req.call.child.is_none() && req.call.permit.is_none());
        req.call.attempts_made = 0;
        req.call.last_wait_us = 0;
        self.next_attempt(r);
    }

    fn next_attempt(&mut self, r: ReqRef) {
        let Some(spec) = self.call_spec(r) else {
            // A toggle replaced the step while the caller was backing off.
            return self.end_call(r, Outcome::Error);
        };
        let now = self.kernel.now;
        let req = self.kernel.requests.get_mut(r).expect("alive");
        req.call.attempts_made += 1;
        req.call.attempt_started_us = now;
        let token = req.wait_token;
        let w = req.weight as f64;
        if let Some(b) = spec.breaker {
            if !self.calls.breaker_acquire(&mut self.kernel, b, w) {
                return self.end_call(r, Outcome::Rejected);
            }
        }
        if let Some(t) = spec.timeout_us {
            self.kernel
                .schedule(now + t, Event::Calls(CallEvent::Timeout(r, token)));
        }
        if let Some(bh) = spec.bulkhead {
            let b = &mut self.calls.bulkheads[bh.index()];
            match b.acquire(r, token) {
                Admission::Granted => {
                    self.kernel.requests.get_mut(r).expect("alive").call.permit = Some(bh);
                }
                Admission::Waiting => {
                    let wait = b.spec.max_wait_us;
                    self.kernel
                        .requests
                        .get_mut(r)
                        .expect("alive")
                        .call
                        .waiting_for = Some(bh);
                    self.kernel.schedule(
                        now + wait,
                        Event::Calls(CallEvent::BulkheadWaitOver(r, token)),
                    );
                    self.bulkhead_gauges(bh);
                    return;
                }
                Admission::Refused => {
                    let c = b.m.rejected;
                    self.kernel.metrics.add(c, w);
                    return self.attempt_done(r, Outcome::Rejected);
                }
            }
            self.bulkhead_gauges(bh);
        }
        self.send_attempt(r, &spec);
    }

    fn send_attempt(&mut self, r: ReqRef, spec: &CallSpec) {
        let now = self.kernel.now;
        let req = self.kernel.requests.get(r).expect("alive");

        let attempt = req.call.attempts_made;
        let child = Request {
            origin: Origin::Call(r),
            class: req.class,
            weight: req.weight,
            attempt,
            born_us: req.born_us,
            attempt_start_us: now,
            service: spec.service,
            // Preset only for a call kept in the caller's pod; `enter` decides.
            pod: if spec.in_caller_pod && spec.service == req.service {
                req.pod
            } else {
                u32::MAX
            },
            pool: 0,
            handler: spec.handler,
            step: 0,
            holds_worker: false,
            queued_at_us: now,
            wait_token: 0,
            key: req.key,
            body: 0,
            call: CallState {
                sent_by: spec.retry,
                ..CallState::default()
            },
        };
        let w = req.weight as f64;
        let c = self.kernel.requests.insert(child);
        self.kernel.requests.get_mut(r).expect("alive").call.child = Some(c);
        if let Some(id) = spec.retry {
            let m = self.calls.retries[id.index()].m.clone();
            self.kernel.metrics.add(m.attempts, w);
            if attempt > 1 {
                self.kernel.metrics.add(m.retries, w);
            }
        }
        self.enter(c);
    }

    /// An attempt `c` (now removed) answered with `outcome`: hand it to its
    /// caller, unless the answer is lost on the way or nobody waits for it.
    pub(crate) fn on_answer(&mut self, c: ReqRef, child: &Request, outcome: Outcome) {
        let Origin::Call(parent) = child.origin else {
            return;
        };
        if outcome.is_ok() && child.attempt > 1 {
            if let Some(id) = child.call.sent_by {
                let ok = self.calls.retries[id.index()].m.retries_ok;
                self.kernel.metrics.add(ok, child.weight as f64);
            }
        }
        // Only a success can be lost "after the side effect"; a lost error would
        // only turn a fast failure into a slow one.
        let svc = &self.topology.services[child.service.index()];
        if outcome.is_ok() && svc.response_loss > 0.0 {
            let lost: Option<CounterId> = svc.lost;
            if self.kernel.rng.chance(svc.response_loss) {
                if let Some(l) = lost {
                    self.kernel.metrics.add(l, child.weight as f64);
                }
                return;
            }
        }
        match self.kernel.requests.get_mut(parent) {
            Some(p) if p.call.child == Some(c) => {
                // An answer's body reaches the caller, which answers with it.
                if outcome.is_ok() && child.body != 0 {
                    p.body = child.body;
                }
                self.attempt_done(parent, outcome)
            }
            _ => {}
        }
    }

    pub(crate) fn on_call_timeout(&mut self, r: ReqRef, token: u32) {
        match self.kernel.requests.get(r) {
            Some(req) if req.wait_token == token => {}
            _ => return,
        }
        // Was the caller part of a distributed deadlock? Only a timeout tells.
        self.observe_deadlock(r);
        self.attempt_done(r, Outcome::TimedOut);
    }

    pub(crate) fn on_bulkhead_wait_over(&mut self, r: ReqRef, token: u32) {
        let Some(req) = self.kernel.requests.get(r) else {
            return;
        };
        let (Some(bh), true) = (req.call.waiting_for, req.wait_token == token) else {
            return;
        };
        let (c, w) = (
            self.calls.bulkheads[bh.index()].m.rejected,
            req.weight as f64,
        );
        self.kernel.metrics.add(c, w);
        self.attempt_done(r, Outcome::Rejected);
    }

    pub(crate) fn on_retry_due(&mut self, r: ReqRef, token: u32) {
        match self.kernel.requests.get(r) {
            Some(req) if req.wait_token == token => self.next_attempt(r),
            _ => {}
        }
    }

    /// Lets go of what the current attempt holds: the attempt itself (detached,
    /// its answer will be dropped), a bulkhead permit or a place in its line.
    fn let_go(&mut self, r: ReqRef, call: &mut CallState) {
        if let Some(c) = call.child.take() {
            if let Some(child) = self.kernel.requests.get_mut(c) {
                child.origin = Origin::Detached;
            }
        }
        if let Some(bh) = call.waiting_for.take() {
            self.calls.bulkheads[bh.index()].leave(r);
            self.bulkhead_gauges(bh);
        }
        if let Some(bh) = call.permit.take() {
            let granted = self.calls.bulkheads[bh.index()].release();
            self.bulkhead_gauges(bh);
            self.resume_waiters(bh, granted);
        }
    }

    /// The current attempt of `r` ended with `outcome`: record it, then retry or
    /// end the call.
    fn attempt_done(&mut self, r: ReqRef, outcome: Outcome) {
        let now = self.kernel.now;
        let spec = self.call_spec(r);
        let req = self.kernel.requests.get_mut(r).expect("alive");
        req.wait_token = req.wait_token.wrapping_add(1);
        let (mut call, w) = (req.call, req.weight as f64);
        self.let_go(r, &mut call);
        let req = self.kernel.requests.get_mut(r).expect("alive");
        req.call = call;
        let Some(spec) = spec else {
            return self.end_call(r, outcome);
        };
        if let Some(b) = spec.breaker {
            self.calls
                .breaker_record(&mut self.kernel, b, outcome, now - call.attempt_started_us);
        }
        if outcome.is_ok() {
            return self.end_call(r, outcome);
        }
        let Some(id) = spec.retry else {
            return self.end_call(r, outcome);
        };
        let policy = self.calls.retries[id.index()].policy;
        if !policy.retry_on.retries(outcome) {
            return self.end_call(r, outcome);
        }
        if call.attempts_made >= policy.max_attempts {
            let m = self.calls.retries[id.index()].m.exhausted;
            self.kernel.metrics.add(m, w);
            return self.end_call(r, outcome);
        }
        let wait = policy.wait_us(
            call.attempts_made - 1,
            call.last_wait_us,
            &mut self.kernel.rng,
        );
        let req = self.kernel.requests.get_mut(r).expect("alive");
        req.call.last_wait_us = wait;
        let token = req.wait_token;
        if req.call.in_retry.is_none() {
            req.call.in_retry = Some(id);
            let g = self.calls.retries[id.index()].m.retries_in_flight;
            self.kernel.metrics.shift(g, now, 1.0);
        }
        self.kernel
            .schedule(now + wait, Event::Calls(CallEvent::RetryDue(r, token)));
    }

    /// The call of `r` is over: carry on or fail, as the step says.
    fn end_call(&mut self, r: ReqRef, outcome: Outcome) {
        let now = self.kernel.now;
        let on_error = self.call_spec(r).map_or(OnError::Fail, |c| c.on_error);
        let req = self.kernel.requests.get_mut(r).expect("alive");
        if let Some(slot) = req.call.mirror.take() {
            // A copy went out with this call: the router compares the answers.
            let req = self.kernel.requests.get(r).expect("alive");
            if let Some(router) = self.route_of(req) {
                self.primary_answered(router, slot, Some(outcome));
            }
        }
        let req = self.kernel.requests.get_mut(r).expect("alive");
        if let Some(id) = req.call.in_retry.take() {
            let g = self.calls.retries[id.index()].m.retries_in_flight;
            self.kernel.metrics.shift(g, now, -1.0);
        }
        let req = self.kernel.requests.get_mut(r).expect("alive");
        req.call.attempts_made = 0;
        if outcome.is_ok() || on_error == OnError::Continue {
            req.step += 1;
            self.run_steps(r);
        } else {
            self.finish(r, Outcome::Error);
        }
    }

    /// A caller ended in the middle of a call (its pod went away): let go of
    /// everything its attempt held; a breaker records the attempt as failed.
    pub(crate) fn abandon_call(&mut self, r: ReqRef, req: &Request) {
        let mut call = req.call;
        if let (Some(slot), Some(router)) = (call.mirror, self.route_of(req)) {
            self.primary_answered(router, slot, None);
        }
        let idle = call.child.is_none()
            && call.permit.is_none()
            && call.waiting_for.is_none()
            && call.in_retry.is_none();
        if idle {
            return;
        }
        let outstanding = call.child.is_some() || call.permit.is_some();
        let breaker = match self.topology.handlers[req.handler.index()]
            .steps
            .get(req.step as usize)
        {
            Some(Step::Call(c)) => c.breaker,
            Some(Step::Route { router, path }) => {
                self.edge.router(*router).call(*path, call.backend).breaker
            }
            _ => None,
        };
        self.let_go(r, &mut call);
        if let Some(id) = call.in_retry {
            let g = self.calls.retries[id.index()].m.retries_in_flight;
            self.kernel.metrics.shift(g, self.kernel.now, -1.0);
        }
        if let (Some(b), true) = (breaker, outstanding) {
            let took = self.kernel.now - call.attempt_started_us;
            self.calls
                .breaker_record(&mut self.kernel, b, Outcome::Error, took);
        }
    }

    pub(crate) fn resume_waiters(&mut self, bh: BulkheadId, granted: Vec<(ReqRef, u32)>) {
        for (w, token) in granted {
            let live = self
                .kernel
                .requests
                .get(w)
                .is_some_and(|q| q.wait_token == token && q.call.waiting_for == Some(bh));
            let spec = if live { self.call_spec(w) } else { None };
            match spec {
                Some(spec) => {
                    let q = self.kernel.requests.get_mut(w).expect("alive");
                    q.call.waiting_for = None;
                    q.call.permit = Some(bh);
                    self.bulkhead_gauges(bh);
                    self.send_attempt(w, &spec);
                }
                None => {
                    // Not waiting any more: hand the permit on.
                    let more = self.calls.bulkheads[bh.index()].release();
                    self.bulkhead_gauges(bh);
                    self.resume_waiters(bh, more);
                }
            }
        }
    }

    fn bulkhead_gauges(&mut self, bh: BulkheadId) {
        let b = &self.calls.bulkheads[bh.index()];
        let (busy, waiting) = (b.in_use() as f64, b.waiting() as f64);
        let m = b.m.clone();
        self.kernel.metrics.set(m.busy, self.kernel.now, busy);
        self.kernel.metrics.set(m.waiting, self.kernel.now, waiting);
    }
}

#[cfg(test)]
mod tests;
