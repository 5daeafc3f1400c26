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
//! `NAME.oom_kills`, `NAME.restarts`, `NAME.uptime_before_oom` (a latency
//! series: how long each OOM-killed pod had been up); with a GC also
//! `NAME.heap_after_gc_mb`, `NAME.gc_pause` (a latency series) and `NAME.gcs`.

use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::time::Micros;
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
    pub(super) fn fresh(now: Micros, baseline_mb: f64) -> Self {
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
    pub uptime_before_oom: LatencyId,
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

    /// Pod `pod` of `service` lost its process (OOM-killed, or killed from
    /// outside): its memory goes with it, and events of its life (the end of
    /// a collection, a restart) are stale from now on. Returns the pod's new
    /// incarnation (`None` for a service without a memory model).
    pub fn pod_down(&mut self, service: ServiceId, pod: u32) -> Option<u32> {
        let pm = self.get_mut(service)?.pods.get_mut(pod as usize)?;
        let crash = pm.crash.clone();
        let incarnation = pm.incarnation.wrapping_add(1);
        *pm = PodMemory {
            up: false,
            crash,
            incarnation,
            ..PodMemory::default()
        };
        Some(incarnation)
    }

    /// Pod `pod` of `service` has a process again, from `now`: its baseline
    /// is live, and its crash clock starts (no-op without a memory model).
    pub fn pod_up(&mut self, service: ServiceId, pod: u32, now: Micros) {
        let Some(sm) = self.get_mut(service) else {
            return;
        };
        let baseline = sm.spec.baseline_mb;
        if let Some(pm) = sm.pods.get_mut(pod as usize) {
            pm.up = true;
            pm.crash.up_since_us = now;
            pm.gc.after_gc_mb = baseline;
        }
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
