//! Changing a service's capacity while it runs: pool sizes, pods added (with a
//! start-up delay) and pods removed (drained first).

use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::sort::sort_by_key;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::event::TopologyEvent;
use crate::sim::topology::service::PodState;

impl World {
    /// Sets the number of workers of pool `pool` in every pod of `service` (and
    /// in pods started later). Queued requests start at once if workers were added;
    /// if workers were removed, busy ones finish what they hold first.
    pub fn set_workers(&mut self, service: ServiceId, pool: usize, workers: u32) {
        let svc = &mut self.topology.services[service.index()];
        svc.spec.pools[pool].workers = workers;
        let mut to_start = Vec::new();
        for p in svc.pods.iter_mut() {
            let pl = &mut p.pools[pool];
            pl.workers = workers;
            while pl.busy + (to_start.len() as u32) < pl.workers {
                match pl.queue.pop_front() {
                    Some(r) => to_start.push(r),
                    None => break,
                }
            }
        }
        let queued = svc.m.queued;
        for r in to_start {
            self.kernel.metrics.shift(queued, self.kernel.now, -1.0);
            self.start_queued(r);
        }
    }

    /// Sets how long a newly added pod takes to become ready.
    pub fn set_startup(&mut self, service: ServiceId, startup_us: Micros) {
        self.topology.services[service.index()].startup_us = startup_us;
    }

    /// Changes the number of pods that are ready or starting to `target`: new pods
    /// start (ready after the service's start-up time); surplus pods stop taking
    /// traffic, newest first, and go once empty.
    pub fn scale_to(&mut self, service: ServiceId, target: u32) {
        let now = self.kernel.now;
        let svc = &mut self.topology.services[service.index()];
        let live: Vec<usize> = (0..svc.pods.len())
            .filter(|&i| {
                matches!(
                    svc.pods[i].state,
                    PodState::Ready | PodState::Starting { .. }
                )
            })
            .collect();
        let n = live.len() as u32;
        if target > n {
            for _ in n..target {
                let ready_at_us = now + svc.startup_us;
                let pod = svc.new_pod(PodState::Starting { ready_at_us });
                // Reuse a gone slot so that a long run of scale-ups stays bounded.
                let idx = match svc.pods.iter().position(|p| p.state == PodState::Gone) {
                    Some(i) => {
                        svc.pods[i] = pod;
                        i
                    }
                    None => {
                        svc.pods.push(pod);
                        svc.pods.len() - 1
                    }
                };
                // A new pod starts with fresh memory, even in a reused slot.
                self.memory.on_pod_created(service, idx, now);
                self.kernel.schedule(
                    ready_at_us,
                    Event::Topology(TopologyEvent::PodReady {
                        service,
                        pod: idx as u32,
                    }),
                );
            }
        } else {
            // Starting pods go first, then the newest ready ones.
            let mut order = live.clone();
            sort_by_key(&mut order, |&i| {
                (u64::from(svc.pods[i].is_ready()), !(i as u64))
            });
            for &i in order.iter().take((n - target) as usize) {
                let p = &mut svc.pods[i];
                p.state = if p.in_flight == 0 {
                    PodState::Gone
                } else {
                    PodState::Draining
                };
            }
        }
        self.update_pods_gauge(service);
    }

    pub(crate) fn on_pod_ready(&mut self, service: ServiceId, pod: u32) {
        let now = self.kernel.now;
        let p = &mut self.topology.services[service.index()].pods[pod as usize];
        if let PodState::Starting { ready_at_us } = p.state {
            if ready_at_us == now {
                p.state = PodState::Ready;
                self.update_pods_gauge(service);
                let name = self.topology.services[service.index()].spec.name.clone();
                self.note(LogLevel::Info, format!("{name}: pod {pod} ready"), false);
            }
        }
    }

    pub(crate) fn update_pods_gauge(&mut self, service: ServiceId) {
        let svc = &self.topology.services[service.index()];
        let ready = svc.ready_pods() as f64;
        let starting = svc.starting_pods() as f64;
        let (g, gs) = (svc.m.pods_ready, svc.m.pods_starting);
        self.kernel.metrics.set(g, self.kernel.now, ready);
        self.kernel.metrics.set(gs, self.kernel.now, starting);
        self.update_cpu_cores_gauge(service);
    }
}
