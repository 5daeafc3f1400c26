//! The world's side of [`affinity`](super::affinity): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::affinity::*;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::world::World;

impl World {
    /// Turns sticky sessions on (`Some`) or off for service `s`. Turning them off
    /// forgets every pin (sessions now live in a shared store).
    pub fn set_sticky(&mut self, s: ServiceId, sticky: Option<StickySpec>) {
        let svc = &mut self.topology.services[s.index()];
        if sticky.is_some() && svc.affinity.lost.is_none() {
            let name = format!("{}.sessions_lost", svc.spec.name);
            svc.affinity.lost = Some(self.kernel.metrics.counter(&name));
        }
        let a = &mut self.topology.services[s.index()].affinity;
        a.spec = sticky;
        if sticky.is_none() {
            a.pins.clear();
            a.order.clear();
        }
    }

    /// Counts one lost session (sessions are real users, not weighted: a
    /// session is noticed lost by its first request after its pod went away).
    pub(crate) fn count_session_lost(&mut self, s: u32) {
        if let Some(c) = self.topology.services[s as usize].affinity.lost {
            self.kernel.metrics.add(c, 1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::kernel::time::MIN;
    use crate::sim::topology::affinity::StickySpec;
    use crate::sim::traffic::keys::{KeySpec, SessionSpec};
    use crate::sim::*;

    fn world(sticky: bool) -> World {
        let mut w = World::new(9, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("web", 2, 1_000));
        if sticky {
            w.set_sticky(
                s,
                Some(StickySpec {
                    idle_us: 30 * MIN,
                    max_pins: 100_000,
                }),
            );
        }
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![Step::Work(Dist::Constant { ms: 10.0 })],
        ));
        let sessions = SessionSpec {
            requests_per_session: 100.0,
            mean_length_us: 20 * MIN,
            max_sessions: 100_000,
        };
        w.add_client(ClientSpec::new("c", 50.0, s, h).keys(KeySpec::Sessions(sessions)));
        w
    }

    /// Requests in flight on pod `i` summed over time, by sampling.
    fn share_of_new_pods(sticky: bool) -> f64 {
        let mut w = world(sticky);
        w.step(30 * MIN);
        w.scale_to(ServiceId::new(0), 4); // two new pods, ready at once
        let (mut old, mut new) = (0u64, 0u64);
        for k in 1..=600 {
            w.step(30 * MIN + k * 100 * MS);
            let pods = &w.topology.services[0].pods;
            old += (pods[0].in_flight + pods[1].in_flight) as u64;
            new += (pods[2].in_flight + pods[3].in_flight) as u64;
        }
        new as f64 / (old + new) as f64
    }

    #[test]
    fn sticky_sessions_keep_existing_users_on_old_pods() {
        // Without stickiness new pods take half the work at once; with it they
        // only get sessions that start after they are ready.
        let free = share_of_new_pods(false);
        let sticky = share_of_new_pods(true);
        assert!((free - 0.5).abs() < 0.05, "{free}");
        assert!(sticky < 0.15, "{sticky}");
    }

    #[test]
    fn sessions_on_a_removed_pod_are_lost() {
        let mut w = world(true);
        w.step(10 * MIN);
        assert!(w.topology.services[0].affinity.pinned() > 100);
        w.scale_to(ServiceId::new(0), 1);
        w.step(11 * MIN);
        assert!(w.kernel.metrics.counter_total("web.sessions_lost") > 10.0);
        w.set_sticky(ServiceId::new(0), None);
        assert_eq!(w.topology.services[0].affinity.pinned(), 0);
    }
}
