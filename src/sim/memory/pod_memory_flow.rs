//! The world's side of [`pod_memory`](super::pod_memory): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::pod_memory::*;
use crate::sim::kernel::decimal::fixed;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::request::{ReqRef, Request};
use crate::sim::kernel::world::World;
use crate::sim::memory::retained::Eviction;

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
            uptime_before_oom: m.latency(&format!("{n}.uptime_before_oom")),
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
            let why = format!("needed {} MB, limit {} MB", fixed(need, 0), fixed(limit, 0));
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
