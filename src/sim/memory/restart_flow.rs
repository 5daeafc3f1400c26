//! The world's side of [`restart`](super::restart): what scenarios call to add
//! and change it, and how requests and events meet it.

use crate::sim::kernel::decimal::fixed;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::time::as_secs;
use crate::sim::kernel::world::World;
use crate::sim::memory::event::MemoryEvent;
use crate::sim::topology::service::PodState;

impl World {
    /// Kills pod `p` of service `s` for running out of memory: fails every
    /// request in it, frees its memory, and schedules its restart.
    pub(crate) fn oom_kill(&mut self, s: ServiceId, p: u32, why: &str) {
        let now = self.kernel.now;
        let name = self.topology.services[s.index()].spec.name.clone();
        let sm = self
            .memory
            .get_mut(s)
            .expect("OOM kill needs a memory model");
        let pm = &mut sm.pods[p as usize];
        if pm.dying || !pm.up {
            return;
        }
        pm.dying = true;
        let uptime = now.saturating_sub(pm.crash.up_since_us);
        let backoff = pm.crash.on_crash(now, &sm.spec.restart);
        let crashes = pm.crash.crashes_in_a_row;
        let ready_at_us = now + backoff + sm.spec.restart.startup_us;
        sm.oom_kills += 1;
        sm.uptime_before_oom_us += uptime;
        let first = sm.oom_kills == 1;
        let m = sm.m.clone();
        self.kernel.metrics.add(m.oom_kills, 1.0);
        self.kernel.metrics.record(m.uptime_before_oom, uptime, 1);
        self.note(
            LogLevel::Error,
            format!("{name}: pod {p} OOMKilled ({why})"),
            first,
        );
        if crashes >= 2 {
            self.note(
                LogLevel::Warn,
                format!(
                    "{name}: pod {p} CrashLoopBackOff — back-off {} s",
                    fixed(as_secs(backoff), 0)
                ),
                false,
            );
        }
        // Out of the balancer first, so nothing new lands in the dying pod.
        let svc = &mut self.topology.services[s.index()];
        let pod = &mut svc.pods[p as usize];
        let draining = pod.state == PodState::Draining;
        pod.state = if draining {
            PodState::Gone
        } else {
            PodState::Starting { ready_at_us }
        };
        self.fail_pod_requests(s, p);
        let incarnation = self.memory.pod_down(s, p).expect("checked");
        if !draining {
            self.kernel.schedule(
                ready_at_us,
                Event::Memory(MemoryEvent::PodRestarted {
                    service: s,
                    pod: p,
                    incarnation,
                }),
            );
        }
        self.update_pods_gauge(s);
        self.update_memory_gauges(s);
    }

    pub(crate) fn on_pod_restarted(&mut self, s: ServiceId, p: u32, incarnation: u32) {
        let now = self.kernel.now;
        let pod = &mut self.topology.services[s.index()].pods[p as usize];
        let Some(sm) = self.memory.get(s) else {
            return;
        };
        // Scaled in meanwhile, or killed again: nothing to do.
        if sm.pods[p as usize].incarnation != incarnation
            || pod.state != (PodState::Starting { ready_at_us: now })
        {
            return;
        }
        pod.state = PodState::Ready;
        self.memory.pod_up(s, p, now);
        let m = self.memory.get(s).expect("checked").m.clone();
        self.kernel.metrics.add(m.restarts, 1.0);
        let name = self.topology.services[s.index()].spec.name.clone();
        self.note(LogLevel::Info, format!("{name}: pod {p} Restarted"), false);
        self.update_pods_gauge(s);
        self.update_memory_gauges(s);
        self.update_after_gc_gauge(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::memory::restart::{CrashLoop, RestartPolicy};
    use crate::sim::{ClientSpec, Dist, Handler, MemorySpec, ServiceSpec, Step, WorldConfig};
    use crate::sim::{MIN, SEC};

    /// Two pods of limit 500 MB (100 MB baseline); each request holds 10 MB for 100 ms.
    fn world(rps: f64) -> (World, ServiceId) {
        let mut w = World::new(9, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("api", 2, 200));
        w.add_memory(s, MemorySpec::new(500.0, 100.0));
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![
                Step::Allocate { mb: 10.0 },
                Step::Work(Dist::Constant { ms: 100.0 }),
            ],
        ));
        w.add_client(ClientSpec::new("c", rps, s, h));
        (w, s)
    }

    #[test]
    fn memory_per_pod_follows_requests_in_the_pod() {
        // 200 rps over two pods for 100 ms: 10 in each, 100 MB + 10 × 10 MB.
        let (mut w, s) = world(200.0);
        w.step(60 * SEC);
        let mean = w
            .kernel
            .metrics
            .gauge_time_mean("api.mem_mb", w.now())
            .unwrap();
        assert!((mean - 200.0).abs() < 5.0, "mean {mean}");
        let sm = w.memory(s).unwrap();
        assert_eq!(sm.oom_kills, 0);
        assert!(sm.peak_ratio < 1.0);
        assert_eq!(w.ledger().failed, 0);
    }

    #[test]
    fn over_the_limit_pods_are_killed_fail_their_requests_and_crash_loop() {
        // 1,000 rps: 50 per pod would need 600 MB of a 500 MB limit.
        let (mut w, s) = world(1_000.0);
        w.step(600 * SEC);
        let sm = w.memory(s).unwrap();
        assert!(sm.oom_kills >= 6, "kills {}", sm.oom_kills);
        assert!(sm.peak_ratio > 1.0);
        let l = w.ledger();
        assert!(l.balances());
        assert!(l.failed as f64 > 0.5 * l.arrived as f64, "{l:?}");
        let texts: Vec<&str> = w.kernel.log.entries().map(|e| e.text.as_str()).collect();
        for want in ["OOMKilled", "CrashLoopBackOff", "Restarted"] {
            assert!(
                texts.iter().any(|t| t.contains(want)),
                "no {want} in the log"
            );
        }
        // Back-off grows: by 10 minutes restarts are rarer than kills would allow.
        let restarts = w.kernel.metrics.counter_total("api.restarts");
        assert!(restarts < sm.oom_kills as f64 + 0.5);
        assert!(restarts >= 4.0);
    }

    #[test]
    fn back_off_doubles_from_10_s_to_5_min_and_resets_after_10_clean_minutes() {
        let p = RestartPolicy::kubernetes(0);
        let mut c = CrashLoop::default();
        let mut t = 0;
        let mut delays = Vec::new();
        for _ in 0..7 {
            let d = c.on_crash(t, &p);
            delays.push(d / SEC);
            t += d + SEC;
            c.up_since_us = t;
        }
        assert_eq!(delays, vec![10, 20, 40, 80, 160, 300, 300]);
        // Ten clean minutes later, a crash starts a new series.
        assert_eq!(c.on_crash(t + 10 * MIN, &p), 10 * SEC);
        assert_eq!(c.crashes_in_a_row, 1);
    }
}
