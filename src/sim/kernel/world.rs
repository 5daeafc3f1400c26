//! The world: one simulated system, its clock, its event queue and its RNG.
//!
//! A scenario builds a world from parts (`add_service`, `add_handler`,
//! `add_client`), schedules its fault timeline (`at`), and front ends step it
//! (`step`). Events are processed in time order; everything random is drawn from
//! the world's one [`SimRng`] in that order, so a seed reproduces a run exactly.
//!
//! `step(until)` processes every event strictly before `until` and leaves the
//! clock at `until`. A change made between steps at time `t` therefore acts before
//! any event at `t`, which is what a timed change on the fault timeline would do:
//! stepping 0→60→120 and stepping 0→120 give the same numbers.

use crate::sim::calls::breaker::Breaker;
use crate::sim::calls::bulkhead::Bulkhead;
use crate::sim::calls::retry::Retry;
use crate::sim::calls::store::CallStore;
use crate::sim::capacity::autoscaler::Autoscaler;
use crate::sim::capacity::store::CapacityStore;
use crate::sim::data::store::DataStore;
use crate::sim::data::table::Table;
use crate::sim::edge::flags::Flag;
use crate::sim::edge::store::EdgeStore;
use crate::sim::kernel::core::{Kernel, WorldConfig};
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::{
    AutoscalerId, BreakerId, BulkheadId, ClientId, FlagId, HandlerId, RetryId, ServiceId, TableId,
};
use crate::sim::kernel::log::{EventLog, LogLevel};
use crate::sim::kernel::metrics::{Metrics, Span};
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::sort::sort_by_key;
use crate::sim::kernel::time::Micros;
use crate::sim::memory::pod_memory::MemoryState;
use crate::sim::topology::handler::Handler;
use crate::sim::topology::service::{PodState, Service, ServiceMetrics, ServiceSpec};
use crate::sim::topology::store::TopologyStore;
use crate::sim::traffic::client::{Client, ClientMetrics, ClientSpec, Ledger};
use crate::sim::traffic::keys::KeySource;
use crate::sim::traffic::store::TrafficStore;

/// A change scheduled on the fault timeline.
pub type TimedAction = Box<dyn FnMut(&mut World)>;

/// Names a scheduled action, so that it can be cancelled before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedId(u32);

/// One simulated system: the kernel, one store per group of parts, and the
/// fault timeline.
///
/// Each store's fields are private to the engine; a part's glue borrows the
/// kernel and the stores it touches. Scenarios build and change a world
/// through named methods (`add_*`, `set_*`, `at`), and read it through
/// accessors (`service`, `metrics`, `topology`, …).
pub struct World {
    /// Clock, event queue, RNG, live requests, series and log (`core.rs`).
    pub(in crate::sim) kernel: Kernel,
    /// Services, handlers, splits, releases (`topology/store.rs`).
    pub(in crate::sim) topology: TopologyStore,
    /// Client populations (`traffic/store.rs`).
    pub(in crate::sim) traffic: TrafficStore,
    /// Retries, breakers, bulkheads (`calls/store.rs`).
    pub(in crate::sim) calls: CallStore,
    /// Autoscalers (`capacity/store.rs`).
    pub(in crate::sim) capacity: CapacityStore,
    /// Pod memory, collectors and restarts (`pod_memory.rs`).
    pub(in crate::sim) memory: MemoryState,
    /// Databases, caches, key-value stores, tables, locks, the broker,
    /// replicated stores, change captures (`data/store.rs`).
    pub(in crate::sim) data: DataStore,
    /// Rate limiters, flags, flag controllers, shedding rules, routers
    /// (`edge/store.rs`).
    pub(in crate::sim) edge: EdgeStore,
    /// Fault-timeline entries: (time, label, action until it has run or was
    /// cancelled, cancelled).
    timeline: Vec<(Micros, String, Option<TimedAction>, bool)>,
}

impl World {
    /// An empty world whose randomness is fixed by `seed`.
    pub fn new(seed: u64, config: WorldConfig) -> Self {
        World {
            kernel: Kernel::new(seed, &config),
            topology: TopologyStore::default(),
            traffic: TrafficStore::default(),
            calls: CallStore::default(),
            capacity: CapacityStore::default(),
            memory: MemoryState::default(),
            data: DataStore::default(),
            edge: EdgeStore::default(),
            timeline: Vec::new(),
        }
    }

    /// The simulated clock.
    pub fn now(&self) -> Micros {
        self.kernel.now
    }

    /// The seed the world was made with.
    pub fn seed(&self) -> u64 {
        self.kernel.seed
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.kernel.events_processed
    }

    /// Requests alive in the system (including detached ones nobody waits for).
    pub fn requests_alive(&self) -> usize {
        self.kernel.requests.len()
    }

    /// The world's random generator, for parts that draw at build time.
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.kernel.rng
    }

    /// Every series: read them here; parts write them as they act.
    pub fn metrics(&self) -> &Metrics {
        &self.kernel.metrics
    }

    /// The metrics over the whole run so far, as headline figures read them.
    pub fn whole_run(&self) -> Span<'_> {
        self.kernel.metrics.whole(self.kernel.now)
    }

    /// Notable events, newest last.
    pub fn log(&self) -> &EventLog {
        &self.kernel.log
    }

    /// A service, to read its pods, pools and counts.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.topology.services[id.index()]
    }

    /// A client population, to read its spec and ledger.
    pub fn client(&self, id: ClientId) -> &Client {
        &self.traffic.clients[id.index()]
    }

    /// An autoscaler, to read its settings and last decision.
    pub fn autoscaler(&self, id: AutoscalerId) -> &Autoscaler {
        &self.capacity.autoscalers()[id.index()]
    }

    /// A circuit breaker, to read its state and counts.
    pub fn breaker(&self, id: BreakerId) -> &Breaker {
        &self.calls.breakers()[id.index()]
    }

    /// A bulkhead, to read its permits and counts.
    pub fn bulkhead(&self, id: BulkheadId) -> &Bulkhead {
        &self.calls.bulkheads()[id.index()]
    }

    /// A retry policy, to read its settings and counts.
    pub fn retry(&self, id: RetryId) -> &Retry {
        &self.calls.retries()[id.index()]
    }

    /// A feature flag, to read whether it is on.
    pub fn flag(&self, id: FlagId) -> &Flag {
        &self.edge.flags()[id.index()]
    }

    /// A table of rows keyed by request key, to read its size.
    pub fn table(&self, id: TableId) -> &Table {
        &self.data.tables()[id.index()]
    }

    /// Every service, in the order they were added (index = `ServiceId::index`).
    pub fn services(&self) -> &[Service] {
        &self.topology.services
    }

    /// Every client population, in the order they were added.
    pub fn clients(&self) -> &[Client] {
        &self.traffic.clients
    }

    /// Every autoscaler, in the order they were added.
    pub fn autoscalers(&self) -> &[Autoscaler] {
        self.capacity.autoscalers()
    }

    /// Every circuit breaker, in the order they were added.
    pub fn breakers(&self) -> &[Breaker] {
        self.calls.breakers()
    }

    /// Every bulkhead, in the order they were added.
    pub fn bulkheads(&self) -> &[Bulkhead] {
        self.calls.bulkheads()
    }

    /// Every feature flag, in the order they were added.
    pub fn flags(&self) -> &[Flag] {
        self.edge.flags()
    }

    /// Every table, in the order they were added.
    pub fn tables(&self) -> &[Table] {
        self.data.tables()
    }

    /// Every service's id, in the order they were added.
    pub fn service_ids(&self) -> impl Iterator<Item = ServiceId> {
        (0..self.topology.services.len()).map(ServiceId::new)
    }

    /// Every client population's id, in the order they were added.
    pub fn client_ids(&self) -> impl Iterator<Item = ClientId> {
        (0..self.traffic.clients.len()).map(ClientId::new)
    }

    /// Adds a service; returns its index.
    pub fn add_service(&mut self, spec: ServiceSpec) -> ServiceId {
        assert!(
            !spec.pools.is_empty(),
            "service '{}' has no pool",
            spec.name
        );
        assert!(
            self.topology
                .services
                .iter()
                .all(|s| s.spec.name != spec.name),
            "service '{}' added twice",
            spec.name
        );
        let n = &spec.name;
        let now = self.kernel.now;
        let m = &mut self.kernel.metrics;
        let sm = ServiceMetrics {
            busy: m.gauge(&format!("{n}.busy"), now, 0.0),
            queued: m.gauge(&format!("{n}.queued"), now, 0.0),
            in_system: m.gauge(&format!("{n}.in_system"), now, 0.0),
            pods_ready: m.gauge(&format!("{n}.pods_ready"), now, spec.pods as f64),
            pods_starting: m.gauge(&format!("{n}.pods_starting"), now, 0.0),
            completed: m.counter(&format!("{n}.completed")),
            arrived: m.counter(&format!("{n}.arrived")),
            wait: m.latency(&format!("{n}.wait")),
            latency: m.latency(&format!("{n}.latency")),
            pool_busy: spec
                .pools
                .iter()
                .map(|p| m.gauge(&format!("{n}.pool.{}.busy", p.name), now, 0.0))
                .collect(),
            pool_rejected: spec
                .pools
                .iter()
                .map(|p| m.counter(&format!("{n}.pool.{}.rejected", p.name)))
                .collect(),
            listen_overflows: m.counter(&format!("{n}.listen_overflows")),
        };
        let mut svc = Service {
            spec,
            pods: Vec::new(),
            rr_next: 0,
            m: sm,
            startup_us: 0,
            from_class: None,
            pods_made: 0,
            affinity: Default::default(),
            cpu_m: None,
            response_loss: 0.0,
            lost: None,
        };
        svc.pods = (0..svc.spec.pods)
            .map(|_| svc.new_pod(PodState::Ready))
            .collect();
        self.topology.services.push(svc);
        let id = ServiceId::new(self.topology.services.len() - 1);
        self.register_pod_cpu(id);
        id
    }

    /// Index of the service called `name`.
    pub fn service_index(&self, name: &str) -> Option<ServiceId> {
        self.topology
            .services
            .iter()
            .position(|s| s.spec.name == name)
            .map(ServiceId::new)
    }

    /// Adds a handler; returns its index.
    pub fn add_handler(&mut self, h: Handler) -> HandlerId {
        let svc = &self.topology.services[h.service.index()];
        assert!(
            (h.pool as usize) < svc.spec.pools.len(),
            "handler '{}': no such pool",
            h.name
        );
        self.topology.handlers.push(h);
        HandlerId::new(self.topology.handlers.len() - 1)
    }

    /// Adds a client population and schedules its first arrival; returns its index.
    pub fn add_client(&mut self, spec: ClientSpec) -> ClientId {
        assert!(
            spec.rate_rps >= 0.0 && spec.rate_rps.is_finite(),
            "bad rate for '{}'",
            spec.name
        );
        assert!(
            spec.handler.index() < self.topology.handlers.len(),
            "client '{}': no such handler",
            spec.name
        );
        let n = &spec.name;
        let now = self.kernel.now;
        let m = &mut self.kernel.metrics;
        let cm = ClientMetrics {
            arrived: m.counter(&format!("{n}.arrived")),
            outcomes: [
                m.counter(&format!("{n}.ok")),
                m.counter(&format!("{n}.error")),
                m.counter(&format!("{n}.rejected")),
                m.counter(&format!("{n}.timed_out")),
            ],
            in_flight: m.gauge(&format!("{n}.in_flight"), now, 0.0),
            latency: m.latency(&format!("{n}.latency")),
            error_latency: m.latency(&format!("{n}.error_latency")),
            gave_up_after: m.latency(&format!("{n}.gave_up_after")),
            client_errors: spec
                .parser
                .map(|_| m.counter(&format!("{n}.client_errors"))),
        };
        let sender = self.add_sender(&spec);
        self.traffic.clients.push(Client {
            keys: KeySource::new(spec.keys.clone(), ClientId::new(self.traffic.clients.len())),
            spec,
            ledger: Ledger::default(),
            m: cm,
            epoch: 0,
            sender,
        });
        let c = ClientId::new(self.traffic.clients.len() - 1);
        // Its per-class series exist from now, so a chart of them has a line
        // (at zero) before its first request.
        self.register_class_series(c.index() as u16);
        self.schedule_next_arrival(c);
        c
    }

    /// Index of the client population called `name`.
    pub fn client_index(&self, name: &str) -> Option<u32> {
        self.traffic
            .clients
            .iter()
            .position(|c| c.spec.name == name)
            .map(|i| i as u32)
    }

    /// Changes a population's base rate from now on.
    pub fn set_client_rate(&mut self, client: ClientId, rate_rps: f64) {
        assert!(rate_rps >= 0.0 && rate_rps.is_finite());
        let c = &mut self.traffic.clients[client.index()];
        c.spec.rate_rps = rate_rps;
        c.epoch = c.epoch.wrapping_add(1);
        self.schedule_next_arrival(client);
    }

    /// The ledger summed over every population.
    pub fn ledger(&self) -> Ledger {
        let mut l = Ledger::default();
        for c in &self.traffic.clients {
            l.add(&c.ledger);
        }
        l
    }

    /// Schedules `action` at simulated time `at`, logged (and marked on charts) as `label`.
    pub fn at(&mut self, at: Micros, label: &str, action: TimedAction) -> TimedId {
        assert!(at >= self.kernel.now, "'{label}' scheduled in the past");
        self.timeline
            .push((at, label.to_string(), Some(action), false));
        let i = self.timeline.len() as u32 - 1;
        self.kernel.schedule(at, Event::Timeline(i));
        TimedId(i)
    }

    /// Marks a moment on the timeline whose change happens elsewhere (a rate
    /// profile's breakpoint, say): logged and marked on charts when its time
    /// comes, like an action that does nothing itself.
    pub fn mark(&mut self, at: Micros, label: &str) -> TimedId {
        self.at(at, label, Box::new(|_| {}))
    }

    /// Cancels a scheduled action that has not run yet: it will not run, log
    /// or mark a chart, and leaves the timeline. False if it already ran.
    pub fn cancel(&mut self, id: TimedId) -> bool {
        let entry = &mut self.timeline[id.0 as usize];
        let pending = entry.2.take().is_some();
        entry.3 |= pending;
        pending
    }

    /// The fault timeline, past and future: (time, label), in time order.
    pub fn timeline(&self) -> Vec<(Micros, &str)> {
        let mut v: Vec<(Micros, &str)> = self
            .timeline
            .iter()
            .filter(|e| !e.3)
            .map(|(t, l, _, _)| (*t, l.as_str()))
            .collect();
        sort_by_key(&mut v, |e| (e.0, 0));
        v
    }

    /// Writes a log entry at the current time.
    pub fn note(&mut self, level: LogLevel, text: String, marker: bool) {
        self.kernel.note(level, text, marker);
    }

    /// Processes every event strictly before `until` and sets the clock to `until`.
    pub fn step(&mut self, until: Micros) {
        assert!(
            until >= self.kernel.now,
            "cannot step back from {} to {until}",
            self.kernel.now
        );
        while let Some((t, ev)) = self.kernel.queue.pop_before(until) {
            debug_assert!(t >= self.kernel.now, "event in the past");
            self.kernel.metrics.advance(t);
            self.kernel.now = t;
            self.kernel.events_processed += 1;
            self.dispatch(ev);
        }
        self.kernel.now = until;
        self.kernel.metrics.advance(until);
    }

    /// Steps until `until` or until `max_events` more events were processed,
    /// whichever comes first; returns the time reached. Used by front ends that
    /// must keep a frame under budget: the clock only moves to a time all of whose
    /// earlier events are done, so results do not depend on the slicing.
    pub fn step_bounded(&mut self, until: Micros, max_events: u64) -> Micros {
        let stop = self.kernel.events_processed + max_events;
        while self.kernel.events_processed < stop {
            match self.kernel.queue.peek_time() {
                Some(t) if t < until => {
                    // Process every event at time t so the clock can rest at t + 1.
                    self.step(t + 1);
                }
                _ => {
                    self.step(until);
                    return until;
                }
            }
        }
        self.kernel.now
    }

    #[inline(always)]
    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Arrival {
                client,
                epoch,
                real,
            } => self.on_arrival(client, epoch, real),
            Event::WorkDone(r) => self.on_work_done(r),
            Event::ClientDeadline(r) => self.on_client_deadline(r),
            Event::Resume(r, end) => self.on_resume(r, end),
            Event::Calls(e) => self.on_call_event(e),
            Event::Topology(e) => self.on_topology_event(e),
            Event::Capacity(e) => self.on_capacity_event(e),
            Event::Memory(e) => self.on_memory_event(e),
            Event::Data(e) => self.on_data_event(e),
            Event::Edge(e) => self.on_edge_event(e),
            Event::Traffic(e) => self.on_traffic_event(e),
            Event::Timeline(i) => {
                let (_, label, action, _) = &mut self.timeline[i as usize];
                let label = label.clone();
                if let Some(mut act) = action.take() {
                    self.note(LogLevel::Warn, label, true);
                    act(self);
                }
            }
        }
    }
}
