//! CPU inside pods: `Step::Cpu` work queues for the pod's cores.
//!
//! A worker pool says how many requests a pod holds at once; a pod CPU says how
//! fast their computing goes. A Node.js-style pod is one core with FIFO
//! discipline (the event loop runs one callback at a time) and a large pool of
//! connection slots: while a request waits for its database, the loop serves
//! others. A thread-per-request pod is processor sharing over its cores.
//!
//! A weighted request (standing for `weight` real ones) needs `weight` times the
//! CPU: it holds `weight` shares of a processor-sharing CPU, so it takes as long
//! as one real request would (see `cpu.rs`). Pod CPU is what an autoscaler measures (`autoscaler.rs`): each pod's
//! [`Cpu`](crate::sim::capacity::cpu::Cpu) keeps its busy integral. Series: `NAME.cpu_busy`
//! (busy cores over all pods) and `NAME.cpu_cores` (cores of ready pods); their
//! ratio is the service's CPU utilisation.

use crate::sim::capacity::cpu::Discipline;
use crate::sim::capacity::event::CapacityEvent;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::service::{PodCpuMetrics, PodCpuSpec, ServiceSpec};

impl ServiceSpec {
    /// Gives every pod a CPU of `cores` cores shared by `discipline`.
    pub fn cpu(mut self, cores: u32, discipline: Discipline) -> Self {
        assert!(cores >= 1, "a pod CPU needs a core");
        self.cpu = Some(PodCpuSpec { cores, discipline });
        self
    }
}

impl World {
    /// Registers the CPU series of service `s` if its pods have a CPU.
    pub(crate) fn register_pod_cpu(&mut self, s: ServiceId) {
        let svc = &self.topology.services[s.index()];
        if svc.spec.cpu.is_none() {
            return;
        }
        let n = svc.spec.name.clone();
        let busy = self
            .kernel
            .metrics
            .gauge(&format!("{n}.cpu_busy"), self.kernel.now, 0.0);
        let cores = self
            .kernel
            .metrics
            .gauge(&format!("{n}.cpu_cores"), self.kernel.now, 0.0);
        self.topology.services[s.index()].cpu_m = Some(PodCpuMetrics { busy, cores });
        self.update_cpu_cores_gauge(s);
    }

    /// Sets the cores-of-ready-pods gauge.
    pub(crate) fn update_cpu_cores_gauge(&mut self, s: ServiceId) {
        let svc = &self.topology.services[s.index()];
        let (Some(m), Some(c)) = (svc.cpu_m, svc.spec.cpu) else {
            return;
        };
        let cores = (svc.ready_pods() * c.cores) as f64;
        self.kernel.metrics.set(m.cores, self.kernel.now, cores);
    }

    /// Runs `work_us` of CPU for request `r` on its pod; without a pod CPU the
    /// step simply takes that long.
    pub(crate) fn run_on_pod_cpu(&mut self, r: ReqRef, work_us: Micros) {
        let now = self.kernel.now;
        let req = self.kernel.requests.get(r).expect("alive");
        let (s, p, w) = (req.service, req.pod, req.weight);
        let pod = &mut self.topology.services[s.index()].pods[p as usize];
        let Some(cpu) = pod.cpu.as_mut() else {
            self.kernel.schedule(now + work_us, Event::WorkDone(r));
            return;
        };
        let before = cpu.busy_cores();
        cpu.submit_shares(now, work_us as f64, w, r);
        self.pod_cpu_changed(s, p, before);
    }

    /// Publishes a pod CPU's busy change and arms its next completion.
    fn pod_cpu_changed(&mut self, s: ServiceId, p: u32, busy_before: f64) {
        let svc = &mut self.topology.services[s.index()];
        let m = svc.cpu_m.expect("pod CPU series registered");
        let cpu = svc.pods[p as usize].cpu.as_mut().expect("pod CPU");
        let delta = cpu.busy_cores() - busy_before;
        let armed = cpu.arm();
        if delta != 0.0 {
            self.kernel.metrics.shift(m.busy, self.kernel.now, delta);
        }
        if let Some((t, token)) = armed {
            let ev = Event::Capacity(CapacityEvent::PodCpu {
                service: s,
                pod: p,
                token,
            });
            self.kernel.schedule(t, ev);
        }
    }

    pub(crate) fn on_pod_cpu(&mut self, s: ServiceId, p: u32, token: u32) {
        let now = self.kernel.now;
        let pod = &mut self.topology.services[s.index()].pods[p as usize];
        let Some(cpu) = pod.cpu.as_mut() else {
            return;
        };
        if !cpu.is_current(token) {
            return;
        }
        cpu.disarm();
        let before = cpu.busy_cores();
        let mut done = Vec::new();
        cpu.take_done(now, &mut done);
        self.pod_cpu_changed(s, p, before);
        for r in done {
            if let Some(req) = self.kernel.requests.get_mut(r) {
                req.step += 1;
                self.run_steps(r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    fn event_loop_world(rate_rps: f64, cpu_ms: f64, io_ms: f64) -> World {
        let mut w = World::new(2, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("node", 1, 10_000).cpu(1, Discipline::Fifo));
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![
                Step::Cpu(Dist::Constant { ms: cpu_ms }),
                Step::Work(Dist::Constant { ms: io_ms }),
            ],
        ));
        w.add_client(ClientSpec::new("c", rate_rps, s, h));
        w
    }

    #[test]
    fn an_event_loop_overlaps_io_but_not_cpu() {
        // 50 rps × 10 ms CPU on one core: 50 % busy, although each request also
        // waits 200 ms for I/O (that would need 10 workers without a pod CPU).
        let mut w = event_loop_world(50.0, 10.0, 200.0);
        w.step(200 * SEC);
        let now = w.now();
        let busy = w
            .kernel
            .metrics
            .gauge_time_mean("node.cpu_busy", now)
            .unwrap();
        assert!((busy - 0.5).abs() < 0.03, "{busy}");
        assert_eq!(
            w.kernel.metrics.gauge_time_mean("node.cpu_cores", now),
            Some(1.0)
        );
        let lat = w.kernel.metrics.series_histogram("c.latency").unwrap();
        // M/D/1 at 50 %: mean wait 5 ms, so a mean near 215 ms.
        let mean_ms = lat.mean().unwrap() / 1e3;
        assert!((mean_ms - 215.0).abs() < 3.0, "{mean_ms}");
    }

    #[test]
    fn an_overloaded_event_loop_queues_without_bound() {
        let mut w = event_loop_world(120.0, 10.0, 1.0);
        w.step(60 * SEC);
        assert!(w.requests_alive() > 500, "{}", w.requests_alive());
    }
}
