//! Sticky sessions: a load-balancer option that sends every request of a
//! session to the pod that served its first one.
//!
//! This is what in-memory sessions force: the session lives in that pod's
//! memory, so the balancer must keep the user there. Existing users therefore
//! stay on the pods that existed when they logged in; a pod added later only
//! gets sessions that start after it is ready. When a session's pod goes away
//! (scaled in, crashed, replaced) the session is lost and the user starts a new
//! one on another pod (`NAME.sessions_lost`). Requests without a key (0) are
//! balanced as usual. Pins are forgotten after `idle_us` without a request and
//! are at most `max_pins`, so the table is bounded.

use crate::sim::kernel::ids::ServiceId;
use std::collections::{BTreeMap, VecDeque};

use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::service::Service;

/// The sticky-session option of a service's balancer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StickySpec {
    /// A pin not used for this long is forgotten.
    pub idle_us: Micros,
    /// Pins kept at most (the oldest go first).
    pub max_pins: usize,
}

#[derive(Clone, Copy, Debug)]
struct Pin {
    slot: u32,
    uid: u32,
    last_us: Micros,
}

/// Session → pod pins of one service.
#[derive(Clone, Debug, Default)]
pub struct Affinity {
    pub(crate) spec: Option<StickySpec>,
    pins: BTreeMap<u64, Pin>,
    /// (key, time) in the order pins were made or refreshed, for expiry.
    order: VecDeque<(u64, Micros)>,
    pub(crate) lost: Option<CounterId>,
}

impl Affinity {
    /// Sessions pinned now.
    pub fn pinned(&self) -> usize {
        self.pins.len()
    }

    fn expire(&mut self, now: Micros) {
        let Some(spec) = self.spec else { return };
        while let Some(&(key, t)) = self.order.front() {
            let too_many = self.pins.len() > spec.max_pins;
            if t + spec.idle_us > now && !too_many && self.order.len() <= 2 * spec.max_pins {
                break;
            }
            self.order.pop_front();
            if self.pins.get(&key).is_some_and(|p| p.last_us == t) {
                self.pins.remove(&key);
            }
        }
    }
}

/// Where a request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pick {
    pub pod: Option<u32>,
    /// The session's pod had gone: its in-memory session is lost.
    pub lost: bool,
}

impl Service {
    /// Picks a pod for a request with session `key`: its pinned pod if that pod
    /// is still the same and ready, else the balancer's choice (then pinned).
    pub(crate) fn pick_pod_for(&mut self, key: u64, now: Micros) -> Pick {
        if self.affinity.spec.is_none() || key == 0 {
            return Pick {
                pod: self.pick_pod(),
                lost: false,
            };
        }
        self.affinity.expire(now);
        let mut lost = false;
        if let Some(p) = self.affinity.pins.get(&key).copied() {
            let pod = &self.pods[p.slot as usize];
            if pod.uid == p.uid && pod.is_ready() {
                // Refresh at most twice per idle period, to bound `order`.
                let idle = self.affinity.spec.map_or(0, |s| s.idle_us);
                if now >= p.last_us + idle / 2 {
                    self.affinity.order.push_back((key, now));
                    self.affinity.pins.get_mut(&key).expect("pinned").last_us = now;
                }
                return Pick {
                    pod: Some(p.slot),
                    lost: false,
                };
            }
            // Replaced, draining or gone: the memory holding the session is going.
            lost = true;
        }
        let pod = self.pick_pod();
        match pod {
            Some(slot) => {
                let uid = self.pods[slot as usize].uid;
                self.affinity.pins.insert(
                    key,
                    Pin {
                        slot,
                        uid,
                        last_us: now,
                    },
                );
                self.affinity.order.push_back((key, now));
            }
            None => {
                self.affinity.pins.remove(&key);
            }
        }
        Pick { pod, lost }
    }
}

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
