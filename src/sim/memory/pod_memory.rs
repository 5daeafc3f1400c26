//! Memory per pod, against a limit.
//!
//! A pod's memory is a baseline (code, framework, warm-up), what the requests
//! inside it hold (`Step::Allocate`, held until the request leaves the pod,
//! scaled by its weight), short-lived objects that are garbage at once
//! (`Step::Churn`), a retained set (`Step::Retain`: a static map or a
//! cache, see [`retained`](crate::sim::memory::retained)), and — on a garbage-collected
//! runtime — garbage: memory nothing references any more, which only a
//! collection frees (see [`gc`](crate::sim::memory::gc)). Without a GC, released memory is
//! free at once.
//!
//! When the live memory a pod needs would pass its limit, the pod is OOM-killed
//! ([`restart`](crate::sim::memory::restart)): every request in it fails, and it restarts
//! after a back-off and a start-up delay. Nothing here decides *when* memory is
//! needed: that emerges from how many requests are in the pod at once (Little:
//! arrival rate per pod × time in pod) and from what the handlers allocate.
//!
//! Series registered per service `NAME`: `NAME.mem_mb` (mean over ready pods of
//! memory in use), `NAME.mem_mb_pod_max` (the fullest pod), `NAME.mem_limit_mb`,
//! `NAME.retained_entries` (summed over pods), `NAME.pods_restarting`,
//! `NAME.oom_kills`, `NAME.restarts`; with a GC also `NAME.heap_after_gc_mb`,
//! `NAME.gc_pause` (a latency series) and `NAME.gcs`.

use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::request::{ReqRef, Request};
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::memory::gc::{GcSpec, GcState};
use crate::sim::memory::restart::{CrashLoop, RestartPolicy};
use crate::sim::memory::retained::{Eviction, RetainedSet};

/// How a service's pods use memory.
#[derive(Clone, Debug, PartialEq)]
pub struct MemorySpec {
    /// The pod's limit (container limit, or the JVM's maximum heap), MB.
    pub limit_mb: f64,
    /// Live memory of a pod that serves nothing, MB.
    pub baseline_mb: f64,
    /// Garbage collection of a managed runtime; `None`: memory a request
    /// releases is free at once.
    pub gc: Option<GcSpec>,
    /// What the retained set forgets.
    pub eviction: Eviction,
    /// Restarts after an OOM kill.
    pub restart: RestartPolicy,
}

impl MemorySpec {
    /// A pod with `limit_mb`, `baseline_mb` live at start, no GC, no eviction,
    /// and Kubernetes' restart policy with a 20 s start-up.
    pub fn new(limit_mb: f64, baseline_mb: f64) -> Self {
        assert!(limit_mb > 0.0 && baseline_mb >= 0.0 && baseline_mb < limit_mb);
        MemorySpec {
            limit_mb,
            baseline_mb,
            gc: None,
            eviction: Eviction::None,
            restart: RestartPolicy::kubernetes(20 * crate::sim::kernel::time::SEC),
        }
    }

    /// With a garbage collector.
    pub fn gc(mut self, gc: GcSpec) -> Self {
        self.gc = Some(gc);
        self
    }

    /// With an eviction policy for the retained set.
    pub fn eviction(mut self, e: Eviction) -> Self {
        self.eviction = e;
        self
    }

    /// With a restart policy.
    pub fn restart(mut self, r: RestartPolicy) -> Self {
        self.restart = r;
        self
    }
}

/// One pod's memory.
#[derive(Clone, Debug, Default)]
pub struct PodMemory {
    /// False from an OOM kill until the restarted process is up.
    pub up: bool,
    /// Held by requests in the pod, MB.
    pub inflight_mb: f64,
    /// The retained set.
    pub retained: RetainedSet,
    /// Unreachable but not yet collected, MB (managed runtimes only).
    pub garbage_mb: f64,
    pub(crate) gc: GcState,
    pub(crate) crash: CrashLoop,
    /// Bumped at every kill, so events of an earlier life are stale.
    pub(crate) incarnation: u32,
    /// Set while the pod's requests are being failed, so they allocate nothing.
    pub(crate) dying: bool,
}

impl PodMemory {
    fn fresh(now: Micros, baseline_mb: f64) -> Self {
        let mut p = PodMemory {
            up: true,
            ..PodMemory::default()
        };
        p.crash.up_since_us = now;
        p.gc.after_gc_mb = baseline_mb;
        p
    }

    /// Memory that is reachable (and so cannot be collected), MB.
    pub fn live_mb(&self, baseline_mb: f64) -> f64 {
        if self.up {
            baseline_mb + self.inflight_mb + self.retained.mb()
        } else {
            0.0
        }
    }

    /// Memory in use: live plus garbage, MB.
    pub fn used_mb(&self, baseline_mb: f64) -> f64 {
        self.live_mb(baseline_mb) + if self.up { self.garbage_mb } else { 0.0 }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct MemoryMetrics {
    pub mean: GaugeId,
    pub pod_max: GaugeId,
    pub limit: GaugeId,
    pub retained: GaugeId,
    pub restarting: GaugeId,
    pub oom_kills: CounterId,
    pub restarts: CounterId,
    pub after_gc: Option<GaugeId>,
    pub gc_pause: Option<LatencyId>,
    pub gcs: Option<CounterId>,
}

/// A service's memory: its spec, each pod's state, and run totals.
#[derive(Clone, Debug)]
pub struct ServiceMemory {
    /// The spec (its limit and eviction may change while running).
    pub spec: MemorySpec,
    /// Per pod, in the service's pod order.
    pub pods: Vec<PodMemory>,
    /// The largest (live memory needed) / limit seen; above 1 means an OOM kill.
    pub peak_ratio: f64,
    /// OOM kills so far.
    pub oom_kills: u64,
    /// Sum of how long pods had been up when they were OOM-killed.
    pub uptime_before_oom_us: u64,
    pub(crate) m: MemoryMetrics,
}

/// Memory of every service that has a model, plus per-request side tables
/// indexed by request slot (bounded by the most requests alive at once).
#[derive(Default)]
pub(crate) struct MemoryState {
    pub services: Vec<Option<ServiceMemory>>,
    /// MB each live request holds, by slot.
    pub held_mb: Vec<f64>,
    /// A working request's GC-pause clock reading when its work was scheduled.
    pub work_mark_us: Vec<Micros>,
}

impl MemoryState {
    pub fn get(&self, service: ServiceId) -> Option<&ServiceMemory> {
        self.services.get(service.index()).and_then(|s| s.as_ref())
    }

    pub fn get_mut(&mut self, service: ServiceId) -> Option<&mut ServiceMemory> {
        self.services
            .get_mut(service.index())
            .and_then(|s| s.as_mut())
    }

    /// A pod slot (new or reused by a scale-up) starts with fresh memory.
    pub fn on_pod_created(&mut self, service: ServiceId, pod: usize, now: Micros) {
        if let Some(sm) = self.get_mut(service) {
            let fresh = PodMemory::fresh(now, sm.spec.baseline_mb);
            if pod < sm.pods.len() {
                sm.pods[pod] = fresh;
            } else {
                sm.pods.resize(pod + 1, fresh);
            }
        }
    }
}

impl World {
    /// Gives `service` a memory model; registers its series.
    pub fn add_memory(&mut self, service: ServiceId, spec: MemorySpec) {
        let n = self.topology.services[service.index()].spec.name.clone();
        let now = self.kernel.now;
        let pods = self.topology.services[service.index()].pods.len();
        let m = &mut self.kernel.metrics;
        let gc = spec.gc.is_some();
        let mm = MemoryMetrics {
            mean: m.gauge(&format!("{n}.mem_mb"), now, spec.baseline_mb),
            pod_max: m.gauge(&format!("{n}.mem_mb_pod_max"), now, spec.baseline_mb),
            limit: m.gauge(&format!("{n}.mem_limit_mb"), now, spec.limit_mb),
            retained: m.gauge(&format!("{n}.retained_entries"), now, 0.0),
            restarting: m.gauge(&format!("{n}.pods_restarting"), now, 0.0),
            oom_kills: m.counter(&format!("{n}.oom_kills")),
            restarts: m.counter(&format!("{n}.restarts")),
            after_gc: gc.then(|| m.gauge(&format!("{n}.heap_after_gc_mb"), now, spec.baseline_mb)),
            gc_pause: gc.then(|| m.latency(&format!("{n}.gc_pause"))),
            gcs: gc.then(|| m.counter(&format!("{n}.gcs"))),
        };
        let s = service.index();
        if self.memory.services.len() <= s {
            self.memory.services.resize_with(s + 1, || None);
        }
        assert!(
            self.memory.services[s].is_none(),
            "'{n}' has memory already"
        );
        let baseline = spec.baseline_mb;
        self.memory.services[s] = Some(ServiceMemory {
            spec,
            pods: vec![PodMemory::fresh(now, baseline); pods],
            peak_ratio: 0.0,
            oom_kills: 0,
            uptime_before_oom_us: 0,
            m: mm,
        });
    }

    /// The memory model of `service`, if it has one.
    pub fn memory(&self, service: ServiceId) -> Option<&ServiceMemory> {
        self.memory.get(service)
    }

    /// Changes the eviction policy of every pod's retained set from now on.
    pub fn set_eviction(&mut self, service: ServiceId, e: Eviction) {
        let now = self.kernel.now;
        let sm = self.memory.get_mut(service).expect("service has memory");
        sm.spec.eviction = e;
        let gc = sm.spec.gc.is_some();
        for p in sm.pods.iter_mut().filter(|p| p.up) {
            let freed = p.retained.enforce(now, e);
            if gc {
                p.garbage_mb += freed;
            }
        }
        self.update_memory_gauges(service);
    }

    /// Changes the limit. It applies from now on, as a resized container would;
    /// a JVM's maximum heap is fixed at start, so callers modelling one should
    /// say so and may restart the pods.
    pub fn set_memory_limit(&mut self, service: ServiceId, limit_mb: f64) {
        assert!(limit_mb > 0.0);
        let sm = self.memory.get_mut(service).expect("service has memory");
        sm.spec.limit_mb = limit_mb;
        let g = sm.m.limit;
        self.kernel.metrics.set(g, self.kernel.now, limit_mb);
    }

    /// `Step::Allocate`: the request holds `mb` × weight more until it leaves the
    /// pod. Returns false if the pod was OOM-killed (and the request with it).
    pub(crate) fn allocate(&mut self, r: ReqRef, mb: f64) -> bool {
        let Some((s, p, amount)) = self.charge_target(r, mb) else {
            return true;
        };
        if !self.make_room(s, p, amount) {
            return false;
        }
        let i = r.idx as usize;
        if self.memory.held_mb.len() <= i {
            self.memory.held_mb.resize(i + 1, 0.0);
        }
        self.memory.held_mb[i] += amount;
        let sm = self.memory.get_mut(s).expect("checked");
        sm.pods[p as usize].inflight_mb += amount;
        self.update_memory_gauges(s);
        true
    }

    /// `Step::Churn`: `mb` × weight of short-lived objects, garbage at once.
    /// Returns false if the pod was OOM-killed.
    pub(crate) fn churn(&mut self, r: ReqRef, mb: f64) -> bool {
        let Some((s, p, amount)) = self.charge_target(r, mb) else {
            return true;
        };
        let sm = self.memory.get(s).expect("checked");
        if sm.spec.gc.is_none() {
            return true;
        }
        if !self.make_room(s, p, amount) {
            return false;
        }
        let sm = self.memory.get_mut(s).expect("checked");
        sm.pods[p as usize].garbage_mb += amount;
        self.update_memory_gauges(s);
        true
    }

    /// `Step::Retain`: adds weight entries of `mb` to the pod's retained set.
    /// Returns false if the pod was OOM-killed.
    pub(crate) fn retain(&mut self, r: ReqRef, mb: f64) -> bool {
        let Some((s, p, amount)) = self.charge_target(r, mb) else {
            return true;
        };
        if !self.make_room(s, p, amount) {
            return false;
        }
        let now = self.kernel.now;
        let weight = self.kernel.requests.get(r).map_or(1, |q| q.weight) as f64;
        let sm = self.memory.get_mut(s).expect("checked");
        let (policy, gc) = (sm.spec.eviction, sm.spec.gc.is_some());
        let pm = &mut sm.pods[p as usize];
        let evicted = pm.retained.add(now, weight, mb, policy);
        if gc {
            pm.garbage_mb += evicted;
        }
        self.update_memory_gauges(s);
        true
    }

    /// Where a request's allocation goes and how much it is: None when its
    /// service has no memory model or its pod is being killed.
    fn charge_target(&self, r: ReqRef, mb: f64) -> Option<(ServiceId, u32, f64)> {
        let req = self.kernel.requests.get(r)?;
        let sm = self.memory.get(req.service)?;
        let pm = sm.pods.get(req.pod as usize)?;
        (pm.up && !pm.dying).then_some((req.service, req.pod, mb * req.weight as f64))
    }

    /// Makes room for `amount` MB more live memory in a pod: expires what the
    /// eviction policy drops, collects garbage if the heap is full, and kills the
    /// pod if the live memory would still pass the limit. False if killed.
    fn make_room(&mut self, s: ServiceId, p: u32, amount: f64) -> bool {
        let now = self.kernel.now;
        let sm = self.memory.get_mut(s).expect("checked");
        let (base, limit, policy) = (sm.spec.baseline_mb, sm.spec.limit_mb, sm.spec.eviction);
        let gc = sm.spec.gc.is_some();
        let pm = &mut sm.pods[p as usize];
        let expired = pm.retained.enforce(now, policy);
        if gc {
            pm.garbage_mb += expired;
        }
        if gc && !self.maybe_collect(s, p, amount) {
            return false; // the collector gave up: GC overhead limit
        }
        let sm = self.memory.get_mut(s).expect("checked");
        let need = sm.pods[p as usize].live_mb(base) + amount;
        sm.peak_ratio = sm.peak_ratio.max(need / limit);
        if need > limit {
            let why = format!("needed {need:.0} MB, limit {limit:.0} MB");
            self.oom_kill(s, p, &why);
            return false;
        }
        true
    }

    /// A request leaves its pod: what it held becomes garbage (GC) or free.
    pub(crate) fn release_memory(&mut self, r: ReqRef, req: &Request) {
        let i = r.idx as usize;
        let Some(held) = self.memory.held_mb.get_mut(i) else {
            return;
        };
        let amount = std::mem::take(held);
        if amount == 0.0 {
            return;
        }
        let Some(sm) = self.memory.get_mut(req.service) else {
            return;
        };
        let gc = sm.spec.gc.is_some();
        let pm = &mut sm.pods[req.pod as usize];
        pm.inflight_mb = (pm.inflight_mb - amount).max(0.0);
        if gc && pm.up {
            pm.garbage_mb += amount;
        }
        self.update_memory_gauges(req.service);
    }

    /// Sets the memory gauges of a service from its pods.
    pub(crate) fn update_memory_gauges(&mut self, service: ServiceId) {
        let Some(sm) = self.memory.get(service) else {
            return;
        };
        let base = sm.spec.baseline_mb;
        let pods = &self.topology.services[service.index()].pods;
        let (mut sum, mut n, mut max, mut entries, mut down) = (0.0, 0u32, 0.0f64, 0.0, 0u32);
        for (pm, pod) in sm.pods.iter().zip(pods) {
            let used = pm.used_mb(base);
            if pod.is_ready() {
                sum += used;
                n += 1;
            }
            max = max.max(used);
            entries += pm.retained.entries();
            down += u32::from(!pm.up);
        }
        let m = sm.m.clone();
        let now = self.kernel.now;
        let mean = if n > 0 { sum / n as f64 } else { 0.0 };
        self.kernel.metrics.set(m.mean, now, mean);
        self.kernel.metrics.set(m.pod_max, now, max);
        self.kernel.metrics.set(m.retained, now, entries);
        self.kernel.metrics.set(m.restarting, now, down as f64);
    }
}
