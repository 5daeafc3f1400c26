//! A read-only picture of the world's structure and live state, for front ends
//! that draw it: who sends to which service, which service calls which, every
//! pool's occupancy, and the policies a service's handlers use (a breaker's
//! state, a bulkhead's permits, a rate limit, a feature flag switched off).
//!
//! Front ends read this view instead of the world's part vectors, so the parts
//! can change their insides without breaking the page.

use crate::sim::calls::breaker::BreakerState;
use crate::sim::kernel::ids::{HandlerId, ServiceId};
use crate::sim::kernel::world::World;
use crate::sim::topology::chaos::ChaosSettings;
use crate::sim::topology::handler::{CallSpec, Step};

/// The whole picture, as of the world's current time.
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    pub clients: Vec<ClientView>,
    /// In the order services were added (a service's index in `calls`).
    pub services: Vec<ServiceView>,
    /// `(caller, callee)` service indices, one entry per distinct pair, in the
    /// order the handlers name them; a service calling itself is left out.
    pub calls: Vec<(usize, usize)>,
}

/// A client population.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientView {
    pub name: String,
    /// Index of the service it sends to.
    pub service: usize,
    /// Its base arrival rate now, requests per second.
    pub rate_rps: f64,
}

/// A service with its pods, pools and policies.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceView {
    pub name: String,
    pub ready_pods: u32,
    pub starting_pods: u32,
    pub pools: Vec<PoolView>,
    /// Mean requests queued over the last closed metrics bucket, if any.
    pub queued_last_bucket: Option<f64>,
    /// Each policy once, in the order the handlers' steps name them.
    pub policies: Vec<PolicyView>,
    /// The faults injected into it now (`chaos.rs`; quiet without any).
    pub chaos: ChaosSettings,
}

/// One worker pool of a service, summed over its pods.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolView {
    pub name: String,
    pub busy: u32,
    pub capacity: u32,
    pub queued: u32,
    /// Mean busy workers over the last closed metrics bucket, if any.
    pub busy_last_bucket: Option<f64>,
}

/// A policy on a service's handlers, with its live state.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyView {
    Breaker(BreakerState),
    /// A semaphore bulkhead: permits in use of the maximum.
    Bulkhead {
        in_use: u32,
        max: u32,
    },
    /// A rate limit that is switched on.
    RateLimit,
    /// A feature flag that is off (its optional steps are skipped).
    FlagOff(String),
}

impl World {
    /// The structure and live state of the world, for drawing it.
    pub fn topology(&self) -> Topology {
        let clients = self
            .traffic
            .clients
            .iter()
            .map(|c| ClientView {
                name: c.spec.name.clone(),
                service: c.spec.service.index(),
                rate_rps: c.spec.rate_rps,
            })
            .collect();
        let mut calls = Vec::new();
        for (i, h) in self.topology.handlers.iter().enumerate() {
            if self.is_retired_handler(HandlerId::new(i)) {
                continue;
            }
            let routed = h.steps.iter().flat_map(|s| self.routed_calls(s));
            for to in h.callees().chain(routed.map(|c| c.service)) {
                let pair = (h.service.index(), to.index());
                if pair.0 != pair.1 && !calls.contains(&pair) {
                    calls.push(pair);
                }
            }
        }
        let services = (0..self.topology.services.len())
            .map(|i| self.service_view(i))
            .collect();
        Topology {
            clients,
            services,
            calls,
        }
    }

    fn service_view(&self, i: usize) -> ServiceView {
        let s = &self.topology.services[i];
        let pools = s
            .spec
            .pools
            .iter()
            .enumerate()
            .map(|(k, p)| PoolView {
                name: p.name.clone(),
                busy: s.busy(k),
                capacity: s.capacity(k),
                queued: s.queued(k),
                busy_last_bucket: self
                    .last_bucket(&format!("{}.pool.{}.busy", s.spec.name, p.name)),
            })
            .collect();
        ServiceView {
            name: s.spec.name.clone(),
            ready_pods: s.ready_pods(),
            starting_pods: s.starting_pods(),
            pools,
            queued_last_bucket: self.last_bucket(&format!("{}.queued", s.spec.name)),
            policies: self.policies_of(ServiceId::new(i)),
            chaos: self.chaos(ServiceId::new(i)),
        }
    }

    /// The calls a routing step may make: one per backend of its path.
    fn routed_calls<'a>(&'a self, step: &Step) -> impl Iterator<Item = &'a CallSpec> + 'a {
        let calls: &[CallSpec] = match step {
            Step::Route { router, path } => {
                &self.edge.router(*router).spec().paths[*path as usize].calls
            }
            _ => &[],
        };
        calls.iter()
    }

    /// The mean of series `name` over the last closed bucket, if there is one.
    fn last_bucket(&self, name: &str) -> Option<f64> {
        let last = self.kernel.metrics.buckets_closed().checked_sub(1)?;
        self.kernel
            .metrics
            .series(name)?
            .get(last)
            .filter(|v| v.is_finite())
    }

    fn policies_of(&self, service: ServiceId) -> Vec<PolicyView> {
        let mut out: Vec<PolicyView> = Vec::new();
        let mut push = |p: PolicyView| {
            if !out.contains(&p) {
                out.push(p);
            }
        };
        let live =
            self.topology.handlers.iter().enumerate().filter(|(i, h)| {
                h.service == service && !self.is_retired_handler(HandlerId::new(*i))
            });
        for (_, h) in live {
            for step in &h.steps {
                let calls: Vec<&CallSpec> = match step {
                    Step::Call(c) => vec![c],
                    _ => self.routed_calls(step).collect(),
                };
                for c in calls {
                    if let Some(b) = c.breaker.and_then(|b| self.calls.breakers().get(b.index())) {
                        push(PolicyView::Breaker(b.state()));
                    }
                    if let Some(b) = c
                        .bulkhead
                        .and_then(|b| self.calls.bulkheads().get(b.index()))
                    {
                        push(PolicyView::Bulkhead {
                            in_use: b.in_use(),
                            max: b.spec.max_concurrent,
                        });
                    }
                }
                match step {
                    Step::RateLimit(l)
                        if self
                            .edge
                            .limiters()
                            .get((*l).index())
                            .is_some_and(|l| l.spec.enabled) =>
                    {
                        push(PolicyView::RateLimit);
                    }
                    Step::WhenFlag { flag, .. } => {
                        if let Some(f) = self
                            .edge
                            .flags()
                            .get((*flag).index())
                            .filter(|f| !f.is_on())
                        {
                            push(PolicyView::FlagOff(f.name.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    #[test]
    fn the_view_names_clients_calls_pools_and_policies() {
        let mut w = World::new(1, WorldConfig::default());
        let api = w.add_service(ServiceSpec::new("api", 2, 4));
        let db = w.add_service(ServiceSpec::new("db", 1, 3));
        let q = w.add_handler(Handler::new(
            "query",
            db,
            vec![Step::Work(Dist::Constant { ms: 5.0 })],
        ));
        let breaker = w.add_breaker(BreakerSpec::new("db"));
        let page = w.add_handler(Handler::new(
            "page",
            api,
            vec![
                Step::Call(CallSpec::new(db, q).breaker(breaker)),
                Step::Call(CallSpec::new(db, q)),
            ],
        ));
        w.add_client(ClientSpec::new("users", 50.0, api, page));
        w.step(2 * SEC);
        let t = w.topology();
        assert_eq!(t.clients.len(), 1);
        assert_eq!(t.clients[0].name, "users");
        assert_eq!(t.clients[0].service, api.index());
        assert_eq!(t.clients[0].rate_rps, 50.0);
        assert_eq!(
            t.calls,
            vec![(api.index(), db.index())],
            "one edge per pair"
        );
        assert_eq!(t.services[0].name, "api");
        assert_eq!(t.services[0].ready_pods, 2);
        assert_eq!(t.services[0].pools[0].capacity, 8, "2 pods × 4 workers");
        assert_eq!(
            t.services[0].policies,
            vec![PolicyView::Breaker(BreakerState::Closed)]
        );
        assert!(t.services[1].policies.is_empty());
        assert!(
            t.services[0].pools[0].busy_last_bucket.is_some(),
            "a closed bucket has a mean"
        );
    }

    use super::PolicyView;
}
