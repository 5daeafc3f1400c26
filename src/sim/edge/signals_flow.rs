//! The world's side of [`signals`](super::signals): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::signals::*;
use crate::sim::kernel::time::{as_secs, Micros};
use crate::sim::kernel::world::World;

impl World {
    /// The signal's value now.
    pub fn signal(&self, s: Signal) -> f64 {
        match s {
            Signal::Queued { service, pool } => {
                self.topology.services[service.index()].queued(pool as usize) as f64
            }
            Signal::QueuedPerPod { service, pool } => {
                let svc = &self.topology.services[service.index()];
                svc.queued(pool as usize) as f64 / svc.ready_pods().max(1) as f64
            }
            Signal::OldestWaitMs { service, pool } => {
                let oldest: Option<Micros> = self.topology.services[service.index()]
                    .pods
                    .iter()
                    .filter_map(|p| p.pools[pool as usize].queue.front())
                    .filter_map(|r| self.kernel.requests.get(*r))
                    .map(|req| req.queued_at_us)
                    .min();
                oldest.map_or(0.0, |t| (self.kernel.now - t) as f64 / 1_000.0)
            }
            Signal::Utilisation { service, pool } => {
                let svc = &self.topology.services[service.index()];
                let cap = svc.capacity(pool as usize);
                if cap == 0 {
                    1.0
                } else {
                    let busy = self
                        .kernel
                        .metrics
                        .last_bucket_mean(svc.m.pool_busy[pool as usize])
                        .unwrap_or_else(|| svc.busy(pool as usize) as f64);
                    (busy / cap as f64).min(1.0)
                }
            }
            Signal::PodsStarting { service } => {
                self.topology.services[service.index()].starting_pods() as f64
            }
            Signal::PodsReady { service } => {
                self.topology.services[service.index()].ready_pods() as f64
            }
            Signal::RatePerReadyPod {
                counted_at,
                pods_of,
            } => {
                let m = &self.kernel.metrics;
                let id = self.topology.services[counted_at.index()].m.completed;
                let rate = m.last_bucket_sum(id).unwrap_or(0.0) / as_secs(m.bucket_us());
                let ready = self.topology.services[pods_of.index()].ready_pods();
                if ready == 0 {
                    f64::INFINITY
                } else {
                    rate / ready as f64
                }
            }
        }
    }

    /// True when the condition holds now.
    pub fn holds(&self, c: Cond) -> bool {
        match c {
            Cond::Above(s, x) => self.signal(s) > x,
            Cond::AtMost(s, x) => self.signal(s) <= x,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::*;

    #[test]
    fn signals_read_queues_waits_utilisation_and_pods() {
        let mut w = World::new(1, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("api", 2, 1));
        let h = w.add_handler(Handler::new("h", s, vec![Step::Hang]));
        w.add_client(ClientSpec::new("c", 100.0, s, h));
        w.set_startup(s, 60 * SEC);
        w.step(10 * SEC);
        let (pool, service) = (0, s);
        assert_eq!(w.signal(Signal::Utilisation { service, pool }), 1.0);
        let q = w.signal(Signal::Queued { service, pool });
        assert!(q > 900.0, "{q}");
        assert_eq!(w.signal(Signal::QueuedPerPod { service, pool }), q / 2.0);
        let waited = w.signal(Signal::OldestWaitMs { service, pool });
        assert!((9_900.0..=10_000.0).contains(&waited), "{waited}");
        let per_pod = Signal::RatePerReadyPod {
            counted_at: service,
            pods_of: service,
        };
        assert_eq!(w.signal(per_pod), 0.0, "hung requests never complete");
        w.scale_to(s, 3);
        assert_eq!(w.signal(Signal::PodsStarting { service }), 1.0);
        assert!(w.holds(Cond::AtMost(Signal::PodsReady { service }, 2.0)));
        assert!(w.holds(Cond::Above(Signal::PodsStarting { service }, 0.0)));
    }

    #[test]
    fn rate_per_ready_pod_counts_traffic_at_one_service_over_pods_of_another() {
        let mut w = World::new(1, WorldConfig::default());
        let edge = w.add_service(ServiceSpec::new("edge", 1, 1_000));
        let web = w.add_service(ServiceSpec::new("web", 4, 10));
        let h = w.add_handler(Handler::new(
            "h",
            edge,
            vec![Step::Work(Dist::Constant { ms: 1.0 })],
        ));
        w.add_client(ClientSpec::new("c", 200.0, edge, h));
        w.step(10 * SEC);
        let per_pod = w.signal(Signal::RatePerReadyPod {
            counted_at: edge,
            pods_of: web,
        });
        assert!((per_pod - 50.0).abs() < 10.0, "{per_pod}");
        w.scale_to(web, 0);
        assert_eq!(
            w.signal(Signal::RatePerReadyPod {
                counted_at: edge,
                pods_of: web
            }),
            f64::INFINITY
        );
    }
}
