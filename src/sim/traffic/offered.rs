//! The work client populations offer: requests over a span at their present
//! rates, profiles and weights, and an estimate of the engine events they
//! cost. Front ends use it to refuse a run too long to finish in reasonable
//! time before running it.

use crate::sim::kernel::ids::HandlerId;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::Step;

/// How deep calls are followed when estimating a handler's events (a call
/// graph with a cycle is cut there).
const MAX_CALL_DEPTH: u32 = 8;

impl World {
    /// The simulated requests the client populations are expected to send
    /// from `from` to `to`.
    pub fn offered_requests(&self, from: Micros, to: Micros) -> f64 {
        self.traffic
            .clients
            .iter()
            .map(|c| c.spec.rate_rps / c.spec.weight as f64 * c.spec.profile.integral(from, to))
            .sum()
    }

    /// The engine events the client populations are expected to cost from
    /// `from` to `to`: each request's arrival, plus one event a step, two a
    /// database query (the N of an N + 1 each count), and a call's handler
    /// once — as if every step ran and every call succeeded first time.
    pub fn offered_events(&self, from: Micros, to: Micros) -> f64 {
        self.traffic
            .clients
            .iter()
            .map(|c| {
                let handler = self.handler_events(c.spec.handler, 0);
                c.spec.rate_rps / c.spec.weight as f64
                    * c.spec.profile.integral(from, to)
                    * (1.0 + handler)
            })
            .sum()
    }

    /// Estimated events of one run of handler `h`.
    fn handler_events(&self, h: HandlerId, depth: u32) -> f64 {
        let Some(handler) = self.topology.handlers.get(h.index()) else {
            return 0.0;
        };
        handler
            .steps
            .iter()
            .map(|s| match s {
                Step::Db(a) => 2.0 * a.queries() as f64,
                Step::Call(c) if depth < MAX_CALL_DEPTH => {
                    1.0 + self.handler_events(c.handler, depth + 1)
                }
                Step::Route { router, path } if depth < MAX_CALL_DEPTH => {
                    // The backend the first rule sends to, and a copy at
                    // the rule's share.
                    let rt = self.edge.router(*router);
                    let mut events = 1.0;
                    if let Some(rule) = rt.rule_for(*path, None) {
                        let b = rt.pick(rule, 0);
                        events += self.handler_events(rt.call(*path, b).handler, depth + 1);
                        if let Some(m) = rt.spec().rules[rule].mirror.filter(|m| m.backend != b) {
                            let h = rt.shadow_handler(*path, m.backend);
                            events += m.percent / 100.0 * (1.0 + self.handler_events(h, depth + 1));
                        }
                    }
                    events
                }
                _ => 1.0,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    #[test]
    fn requests_follow_rate_and_weight_and_events_follow_the_steps() {
        let mut w = World::new(1, WorldConfig::default());
        let db = w.add_service(ServiceSpec::new("db", 1, 10));
        let query = w.add_handler(Handler {
            name: "q".into(),
            service: db,
            pool: 0,
            steps: vec![Step::Work(Dist::Constant { ms: 1.0 })],
        });
        let api = w.add_service(ServiceSpec::new("api", 1, 10));
        let serve = w.add_handler(Handler {
            name: "serve".into(),
            service: api,
            pool: 0,
            steps: vec![
                Step::Work(Dist::Constant { ms: 1.0 }),
                Step::Call(CallSpec::new(db, query)),
            ],
        });
        w.add_client(ClientSpec::new("c", 100.0, api, serve).weight(4));
        assert!((w.offered_requests(0, 10 * SEC) - 250.0).abs() < 1e-9);
        // Arrival + work + call (1 + the callee's one step) = 4 a request.
        assert!((w.offered_events(0, 10 * SEC) - 1_000.0).abs() < 1e-9);
    }
}
