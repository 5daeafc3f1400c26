//! Glue of [`uptime`](super::uptime): services taken down and brought back
//! at the times their renewal processes draw.

use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::{ServiceId, UptimeId};
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::world::World;
use crate::sim::topology::chaos::HELD_DOWN;
use crate::sim::topology::event::TopologyEvent;
use crate::sim::topology::service::PodState;
use crate::sim::topology::uptime::{Member, Uptime, UptimeMetrics, UptimeSpec};

impl World {
    /// Adds services that come and go (see [`uptime`](super::uptime)); each
    /// starts up or down as the process's stationary state says.
    pub fn add_uptime(&mut self, spec: UptimeSpec) -> UptimeId {
        let now = self.kernel.now;
        let n = &spec.name;
        let m = UptimeMetrics {
            down: self
                .kernel
                .metrics
                .gauge(&format!("{n}.services_down"), now, 0.0),
            outages: self.kernel.metrics.counter(&format!("{n}.outages")),
        };
        let members = vec![Member::default(); spec.services.len()];
        let a = spec.availability;
        self.topology.uptimes.push(Uptime { spec, members, m });
        let id = UptimeId::new(self.topology.uptimes.len() - 1);
        for i in 0..self.topology.uptimes[id.index()].members.len() {
            let up = self.kernel.rng.chance(a);
            self.topology.uptimes[id.index()].members[i].up = true;
            if !up {
                self.take_down(id, i);
            }
            self.schedule_uptime(id, i);
        }
        id
    }

    /// Changes the availability of every service of `part`: each one's
    /// current period is drawn again from now.
    pub fn set_availability(&mut self, part: UptimeId, availability: f64) {
        self.topology.uptimes[part.index()].spec.availability = availability;
        for i in 0..self.topology.uptimes[part.index()].members.len() {
            self.schedule_uptime(part, i);
        }
    }

    /// The part `id`.
    pub fn uptime(&self, id: UptimeId) -> &Uptime {
        &self.topology.uptimes[id.index()]
    }

    /// Draws member `i`'s current period and schedules its end.
    fn schedule_uptime(&mut self, part: UptimeId, i: usize) {
        let u = &mut self.topology.uptimes[part.index()];
        let m = &mut u.members[i];
        m.epoch = m.epoch.wrapping_add(1);
        let (up, epoch) = (m.up, m.epoch);
        if let Some(d) = u.spec.draw_period(&mut self.kernel.rng, up) {
            let e = TopologyEvent::UptimeFlip {
                part,
                member: i as u32,
                epoch,
            };
            self.kernel
                .schedule(self.kernel.now + d, Event::Topology(e));
        }
    }

    /// A period of member `member` is over: it goes down or comes back.
    pub(crate) fn on_uptime_flip(&mut self, part: UptimeId, member: u32, epoch: u32) {
        let i = member as usize;
        let m = &self.topology.uptimes[part.index()].members[i];
        if m.epoch != epoch {
            return;
        }
        if m.up {
            self.take_down(part, i);
        } else {
            self.bring_up(part, i);
        }
        self.schedule_uptime(part, i);
    }

    /// Takes every pod of member `i` out: its requests fail, as a pod killed.
    fn take_down(&mut self, part: UptimeId, i: usize) {
        let s = self.topology.uptimes[part.index()].spec.services[i];
        let pods: Vec<u32> = (0..self.topology.services[s.index()].pods.len() as u32)
            .filter(|&p| {
                self.pod_state(s, p) != PodState::Gone && self.pod_state(s, p) != HELD_DOWN
            })
            .collect();
        for &p in &pods {
            self.kill_held_pod(s, p);
        }
        self.update_pods_gauge(s);
        let u = &mut self.topology.uptimes[part.index()];
        u.members[i].up = false;
        u.members[i].held = pods;
        let (down, outages, n) = (u.m.down, u.m.outages, u.down());
        self.kernel.metrics.add(outages, 1.0);
        self.kernel.metrics.set(down, self.kernel.now, n as f64);
        let name = self.topology.services[s.index()].spec.name.clone();
        self.note(
            LogLevel::Warn,
            format!("{name}: down (test environment)"),
            false,
        );
    }

    /// Starts again the pods member `i`'s outage took out (and that nothing
    /// else has started or removed since).
    fn bring_up(&mut self, part: UptimeId, i: usize) {
        let s = self.topology.uptimes[part.index()].spec.services[i];
        let u = &mut self.topology.uptimes[part.index()];
        u.members[i].up = true;
        let held = std::mem::take(&mut u.members[i].held);
        let (down, n) = (u.m.down, u.down());
        self.kernel.metrics.set(down, self.kernel.now, n as f64);
        for p in held {
            if self.pod_state(s, p) == HELD_DOWN {
                self.restart_held_pod(s, p);
            }
        }
        self.update_pods_gauge(s);
    }

    fn pod_state(&self, s: ServiceId, p: u32) -> PodState {
        self.topology.services[s.index()].pods[p as usize].state
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    fn env(seed: u64, availability: f64) -> (World, Vec<ServiceId>, UptimeId) {
        let mut w = World::new(seed, WorldConfig::default());
        let services: Vec<ServiceId> = (0..20)
            .map(|i| w.add_service(ServiceSpec::new(&format!("s{i}"), 2, 4)))
            .collect();
        for &s in &services {
            w.set_startup(s, 0);
        }
        let part = w.add_uptime(UptimeSpec::new(
            "env",
            services.clone(),
            availability,
            10 * MIN,
        ));
        (w, services, part)
    }

    #[test]
    fn services_are_up_the_availability_share_of_the_time() {
        let (mut w, services, _) = env(3, 0.9);
        let (mut up, mut samples) = (0u64, 0u64);
        for t in 1..=2_000u64 {
            w.step(t * 5 * MIN);
            for &s in &services {
                samples += 1;
                up += u64::from(w.service(s).ready_pods() > 0);
            }
        }
        let share = up as f64 / samples as f64;
        assert!((share - 0.9).abs() < 0.02, "{share}");
        assert!(w.metrics().counter_total("env.outages") > 100.0);
    }

    #[test]
    fn a_service_down_fails_its_calls_and_comes_back() {
        let (mut w, services, part) = env(5, 0.5);
        let h = w.add_handler(Handler::new(
            "h",
            services[0],
            vec![Step::Work(Dist::Constant { ms: 1.0 })],
        ));
        let c = w.add_client(ClientSpec::new("c", 50.0, services[0], h));
        w.step(10 * HOUR);
        let ledger = w.client(c).ledger;
        let failed = ledger.failed as f64 / ledger.arrived as f64;
        assert!(failed > 0.3 && failed < 0.7, "{failed}");
        w.set_availability(part, 1.0);
        w.step(11 * HOUR);
        assert_eq!(w.uptime(part).down(), 0);
        assert!(services.iter().all(|&s| w.service(s).ready_pods() == 2));
    }
}
