//! How a request moves: arrival, admission to a pod and pool, steps, calls,
//! timeouts, and the one outcome it ends with.
//!
//! Invariants kept here (and checked by tests in `tests/engine.rs`):
//! - a request holds at most one worker, and `pool.busy` counts exactly the
//!   requests holding one;
//! - every client request reaches its ledger exactly once: an outcome, or it is
//!   still in flight.

use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::next::Next;
use crate::sim::kernel::request::{Origin, Outcome, ReqRef, Request};
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::Step;
use crate::sim::topology::service::PodState;
use crate::sim::traffic::client::Ledger;

impl World {
    pub(crate) fn schedule_next_arrival(&mut self, c: ClientId) {
        let now = self.kernel.now;
        let client = &self.traffic.clients[c.index()];
        let epoch = client.epoch;
        let (multiplier, piece_end) = client.spec.profile.piece(now);
        let rate_per_us = client.spec.rate_rps * multiplier / client.spec.weight as f64 / 1e6;
        let gap = if rate_per_us > 0.0 {
            Some(self.kernel.rng.exponential(1.0 / rate_per_us))
        } else {
            None
        };
        // Memoryless: if the next arrival falls past the end of this piece of the
        // profile, draw again from the piece's end at the new rate.
        // Rounded to the nearest microsecond (unbiased); two arrivals never share one.
        // (`+ 0.5` then truncation: the gap is positive, and this inlines where
        // `round` is a library call on the hot path.)
        let next = gap.map(|g| now + ((g + 0.5) as u64).max(1));
        match (next, piece_end) {
            (Some(t), Some(end)) if t > end => self.kernel.schedule(
                end,
                Event::Arrival {
                    client: c,
                    epoch,
                    real: false,
                },
            ),
            (Some(t), _) => self.kernel.schedule(
                t,
                Event::Arrival {
                    client: c,
                    epoch,
                    real: true,
                },
            ),
            (None, Some(end)) => self.kernel.schedule(
                end,
                Event::Arrival {
                    client: c,
                    epoch,
                    real: false,
                },
            ),
            (None, None) => {}
        }
    }

    pub(crate) fn on_arrival(&mut self, c: ClientId, epoch: u32, real: bool) {
        if self.traffic.clients[c.index()].epoch != epoch {
            return;
        }
        self.schedule_next_arrival(c);
        if !real {
            return;
        }
        let now = self.kernel.now;
        let client = &mut self.traffic.clients[c.index()];
        let w = client.spec.weight;
        client.ledger.arrived += w as u64;
        client.ledger.in_flight += w as u64;
        // A client with a redelivery policy sends through its sender: a request
        // that holds no worker anywhere and calls the target, retrying.
        let (service, handler, timeout, sender) = (
            client.spec.service,
            client.spec.handler,
            client.spec.timeout_us,
            client.sender,
        );
        let m = client.m;
        self.kernel.metrics.add(m.arrived, w as f64);
        self.kernel.metrics.shift(m.in_flight, now, w as f64);
        let key = self.draw_key(c, w);
        let r = self.kernel.requests.insert(Request::new(
            Origin::Client(c),
            c.index() as u16,
            w,
            service,
            sender.unwrap_or(handler),
            key,
            now,
        ));
        if let Some(t) = timeout {
            self.kernel.schedule(now + t, Event::ClientDeadline(r));
        }
        if sender.is_some() {
            self.run_steps(r);
        } else {
            self.enter(r);
        }
    }

    /// Sends a new request into its service: picks a pod, takes a worker or a
    /// place in the queue, or is turned away.
    pub(crate) fn enter(&mut self, r: ReqRef) {
        let (s, class, w) = {
            let req = self
                .kernel
                .requests
                .get(r)
                .expect("entering request is alive");
            (req.service.index(), req.class, req.weight)
        };
        let arrived = self.topology.services[s].m.arrived;
        self.kernel.metrics.add(arrived, w as f64);
        if self.topology.services[s].from_class.is_some() {
            self.tally_arrival(s, class, w);
        }
        if self.chaos_delays(r) {
            return; // held on its way by an added latency (`chaos.rs`)
        }
        self.admit(r, 0);
    }

    /// Lets an arrived request in: picks a pod, takes a worker or a place in
    /// the queue, or is turned away (or, for a direct call to a full accept
    /// backlog, has its connection attempt dropped: `sent` retransmissions of
    /// it so far, see `backlog.rs`).
    pub(crate) fn admit(&mut self, r: ReqRef, sent: u8) {
        if self.chaos_drops(r, sent) {
            return; // a partition: the attempt gets no answer (`chaos.rs`)
        }
        let now = self.kernel.now;
        let (s, pool_ix, key, w, call) = {
            let req = self
                .kernel
                .requests
                .get(r)
                .expect("admitted request is alive");
            (
                req.service.index(),
                self.topology.handlers[req.handler.index()].pool as usize,
                req.key,
                req.weight,
                matches!(req.origin, Origin::Call(_)),
            )
        };
        // A call kept in its caller's pod arrives with that pod preset; the
        // request holds no place in it until admitted below.
        let preset = std::mem::replace(
            &mut self.kernel.requests.get_mut(r).expect("alive").pod,
            u32::MAX,
        );
        let pod = if preset != u32::MAX {
            Some(preset)
        } else {
            let pick = self.topology.services[s].pick_pod_for(key, now);
            if pick.lost {
                self.count_session_lost(s as u32);
            }
            pick.pod
        };
        let Some(pod) = pod else {
            // No pod is ready: the load balancer answers 503 at once.
            self.finish(r, Outcome::Error);
            return;
        };
        // A service calling another's pods meets their backlog itself.
        let direct = call && preset == u32::MAX;
        let svc = &mut self.topology.services[s];
        let (in_system, queued) = (svc.m.in_system, svc.m.queued);
        let p = &mut svc.pods[pod as usize];
        let pool = &mut p.pools[pool_ix];
        let start_now = if pool.has_free_worker() {
            true
        } else if pool.queue_has_room() {
            pool.queue.push_back(r);
            false
        } else if pool.kernel_backlog && direct {
            let dropped = svc.m.listen_overflows;
            self.kernel.metrics.add(dropped, w as f64);
            self.drop_syn(r, sent);
            return;
        } else {
            let rejected = svc.m.pool_rejected[pool_ix];
            self.kernel.metrics.add(rejected, w as f64);
            self.finish(r, Outcome::Rejected);
            return;
        };
        p.in_flight += 1;
        self.kernel.metrics.shift(in_system, now, 1.0);
        if !start_now {
            self.kernel.metrics.shift(queued, now, 1.0);
        }
        let req = self.kernel.requests.get_mut(r).expect("alive");
        req.pod = pod;
        req.pool = pool_ix as u16;
        req.queued_at_us = now;
        if start_now {
            self.start(r);
        }
    }

    /// Starts a request taken off a pool's queue.
    pub(crate) fn start_queued(&mut self, r: ReqRef) {
        self.start(r);
    }

    /// Gives the request a worker and runs its steps.
    fn start(&mut self, r: ReqRef) {
        let now = self.kernel.now;
        let req = self
            .kernel
            .requests
            .get_mut(r)
            .expect("starting request is alive");
        req.holds_worker = true;
        let (s, pod, pool, waited, w) = (
            req.service,
            req.pod,
            req.pool,
            now - req.queued_at_us,
            req.weight,
        );
        let svc = &mut self.topology.services[s.index()];
        svc.pods[pod as usize].pools[pool as usize].busy += 1;
        let m = &svc.m;
        let (busy, pool_busy, wait) = (m.busy, m.pool_busy[pool as usize], m.wait);
        self.kernel.metrics.shift(busy, now, 1.0);
        self.kernel.metrics.shift(pool_busy, now, 1.0);
        self.kernel.metrics.record(wait, waited, w);
        self.run_steps(r);
    }

    /// Runs steps until one has to wait for time or for another request.
    pub(crate) fn run_steps(&mut self, r: ReqRef) {
        loop {
            let req = self
                .kernel
                .requests
                .get(r)
                .expect("running request is alive");
            let h = &self.topology.handlers[req.handler.index()];
            let Some(step) = h.steps.get(req.step as usize) else {
                self.finish(r, Outcome::Ok);
                return;
            };
            match *step {
                Step::Work(d) => {
                    let dt = d.sample(&mut self.kernel.rng);
                    self.kernel
                        .schedule(self.kernel.now + dt, Event::WorkDone(r));
                    self.gc_mark_work(r);
                    return;
                }
                Step::Call(_) => {
                    self.begin_call(r);
                    return;
                }
                Step::Route { router, path } => {
                    self.begin_route(r, router, path);
                    return;
                }
                Step::FailWith { p } => {
                    if self.kernel.rng.chance(p) {
                        self.finish(r, Outcome::Error);
                        return;
                    }
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::Hang => return,
                Step::Expect { pipeline, contract } => {
                    let p = &self.topology.pipelines[pipeline.index()];
                    if !p.expectation_met(contract as usize) {
                        self.finish(r, Outcome::Error);
                        return;
                    }
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::Respond { fields } => {
                    let req = self.kernel.requests.get_mut(r).expect("alive");
                    req.body = fields;
                    req.step += 1;
                }
                Step::Allocate { mb } => {
                    if !self.allocate(r, mb) {
                        return; // the pod was OOM-killed, and the request with it
                    }
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::Churn { mb } => {
                    if !self.churn(r, mb) {
                        return;
                    }
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::Retain { mb } => {
                    if !self.retain(r, mb) {
                        return;
                    }
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::Lock { table, rows } => {
                    if !self.lock_acquire(r, table, rows) {
                        return; // parked in the row's queue, holding its worker
                    }
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::Commit => {
                    self.release_locks(r);
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::Publish { topic } => {
                    self.publish(r, topic);
                    self.kernel.requests.get_mut(r).expect("alive").step += 1;
                }
                Step::RateLimit(l) => {
                    let next = self.rate_limit_step(r, l);
                    if !self.follow(r, next) {
                        return;
                    }
                }
                Step::WhenFlag { flag, steps } => {
                    let next = self.edge.when_flag_step(flag, steps);
                    if !self.follow(r, next) {
                        return;
                    }
                }
                Step::Shed(rule) => {
                    let next = self.shed_step(r, rule);
                    if !self.follow(r, next) {
                        return;
                    }
                }
                Step::Cpu(d) => {
                    let dt = d.sample(&mut self.kernel.rng);
                    self.run_on_pod_cpu(r, dt);
                    return;
                }
                Step::Db(access) => {
                    self.begin_data_access(r, access);
                    return;
                }
                Step::CacheLookup { cache, miss_steps } => {
                    self.cache_lookup(r, cache, miss_steps);
                    return;
                }
                Step::CacheStore { cache, value_bytes } => {
                    self.cache_store(r, cache, value_bytes);
                    return;
                }
                Step::SetNx {
                    store,
                    ttl_us,
                    on_duplicate,
                } => {
                    if !self.run_setnx(r, store, ttl_us, on_duplicate) {
                        return;
                    }
                }
                Step::Insert {
                    table,
                    on_duplicate,
                } => {
                    if !self.run_insert(r, table, on_duplicate) {
                        return;
                    }
                }
                Step::ReplicatedWrite { store } => {
                    self.replicated_write(r, store);
                    return;
                }
            }
        }
    }

    /// Acts on what a decision step said; true when the request goes on to its
    /// next step at once.
    fn follow(&mut self, r: ReqRef, next: Next) -> bool {
        match next {
            Next::Continue | Next::Skip(_) => {
                let skip = if let Next::Skip(k) = next { k } else { 0 };
                let req = self.kernel.requests.get_mut(r).expect("alive");
                req.step = req.step.saturating_add(1 + skip);
                true
            }
            Next::Wait => false,
            Next::End(o) => {
                self.finish(r, o);
                false
            }
        }
    }

    /// A decision step that took time is over: go on, or end as it decided.
    pub(crate) fn on_resume(&mut self, r: ReqRef, end: Option<Outcome>) {
        if self.kernel.requests.get(r).is_none() {
            return;
        }
        match end {
            None => {
                self.kernel.requests.get_mut(r).expect("alive").step += 1;
                self.run_steps(r);
            }
            Some(o) => self.finish(r, o),
        }
    }

    pub(crate) fn on_work_done(&mut self, r: ReqRef) {
        if self.gc_defer_work(r) {
            return; // a GC pause stopped the work for a while: it ends later
        }
        if let Some(req) = self.kernel.requests.get_mut(r) {
            req.step += 1;
            self.run_steps(r);
        }
    }

    pub(crate) fn on_client_deadline(&mut self, r: ReqRef) {
        let now = self.kernel.now;
        let Some(req) = self.kernel.requests.get_mut(r) else {
            return;
        };
        let Origin::Client(c) = req.origin else {
            return;
        };
        // The client gives up; the server does not know and keeps working on it.
        req.origin = Origin::Detached;
        let (w, waited) = (req.weight, now - req.born_us);
        self.record_client_outcome(c, Outcome::TimedOut, w, waited, false);
        let gave_up_after = self.traffic.clients[c.index()].m.gave_up_after;
        self.kernel.metrics.record(gave_up_after, waited, w);
    }

    fn record_client_outcome(
        &mut self,
        c: ClientId,
        outcome: Outcome,
        w: u32,
        latency_us: u64,
        record_latency: bool,
    ) {
        let now = self.kernel.now;
        let client = &mut self.traffic.clients[c.index()];
        let l: &mut Ledger = &mut client.ledger;
        let w64 = w as u64;
        debug_assert!(l.in_flight >= w64, "ledger underflow");
        l.in_flight -= w64;
        match outcome {
            Outcome::Ok => l.succeeded += w64,
            Outcome::Error => l.failed += w64,
            Outcome::Rejected => l.rejected += w64,
            Outcome::TimedOut => l.timed_out += w64,
        }
        debug_assert!(l.balances());
        let m = client.m;
        self.kernel
            .metrics
            .add(m.outcomes[outcome.index()], w as f64);
        self.kernel.metrics.shift(m.in_flight, now, -(w as f64));
        if record_latency {
            self.kernel.metrics.record(m.latency, latency_us, w);
            if outcome == Outcome::Error {
                self.kernel.metrics.record(m.error_latency, latency_us, w);
            }
        }
    }

    /// Ends a request: frees its worker (starting the next queued request), and
    /// hands the outcome to whoever waits for it.
    pub(crate) fn finish(&mut self, r: ReqRef, outcome: Outcome) {
        let now = self.kernel.now;
        let req = self
            .kernel
            .requests
            .remove(r)
            .expect("finishing request is alive");
        let outcome = self.chaos_answer(&req, outcome);
        self.abandon_call(r, &req);
        if req.pod != u32::MAX {
            // Memory first, so a request started on the freed worker finds it free.
            self.release_memory(r, &req);
            self.leave_pod(&req, now);
        }
        // Commit or roll back: the row locks go to the next waiters.
        self.release_locks(r);
        match req.origin {
            Origin::Client(c) => {
                let lat = now - req.born_us;
                let outcome = self.parse_answer(c, &req, outcome);
                // Rejections are answered at once; their latency would flatter the chart.
                let record = outcome != Outcome::Rejected;
                self.record_client_outcome(c, outcome, req.weight, lat, record);
            }
            Origin::Call(_) => self.on_answer(r, &req, outcome),
            Origin::Detached => {}
            Origin::Event(topic) => self.on_event_done(topic, r, outcome),
            Origin::Mirror { router, slot } => self.on_mirror_answer(router, slot, outcome),
            Origin::Suite { pipeline, slot } => self.on_pipeline_answer(pipeline, slot, r, outcome),
        }
    }

    fn leave_pod(&mut self, req: &Request, now: u64) {
        let s = req.service.index();
        let svc = &mut self.topology.services[s];
        let m = &svc.m;
        let (in_system, busy, pool_busy, completed, latency, queued) = (
            m.in_system,
            m.busy,
            m.pool_busy[req.pool as usize],
            m.completed,
            m.latency,
            m.queued,
        );
        let pod = &mut svc.pods[req.pod as usize];
        pod.in_flight -= 1;
        if pod.in_flight == 0 && pod.state == PodState::Draining {
            pod.state = PodState::Gone;
        }
        let pool = &mut pod.pools[req.pool as usize];
        let mut next = None;
        if req.holds_worker {
            pool.busy -= 1;
            if pool.has_free_worker() {
                next = pool.queue.pop_front();
            }
        }
        self.kernel.metrics.shift(in_system, now, -1.0);
        if req.holds_worker {
            self.kernel.metrics.shift(busy, now, -1.0);
            self.kernel.metrics.shift(pool_busy, now, -1.0);
            self.kernel.metrics.add(completed, req.weight as f64);
            self.kernel
                .metrics
                .record(latency, now - req.queued_at_us, req.weight);
        }
        if let Some(n) = next {
            self.kernel.metrics.shift(queued, now, -1.0);
            self.start(n);
        }
    }
}
