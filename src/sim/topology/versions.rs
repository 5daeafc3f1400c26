//! Versioned handler steps: a change of what a handler does (a toggle, a
//! deploy, a fault) applies to requests that start after it, while requests
//! already on their way finish on the steps they started with, as in a real
//! service where a new code path only serves new requests.
//!
//! A request names its handler and the index of its step. When the steps change
//! while requests are on them, the old steps move to a retired copy of the
//! handler (same name, service and pool, reached by no client or call), the
//! requests on them are re-pointed to the copy, and the handler itself takes the
//! new steps. A retired copy that no request uses any more is reused by the next
//! change, so their number stays bounded by the changes in flight at once.

use crate::sim::kernel::ids::HandlerId;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::Step;

impl World {
    /// Gives handler `handler` new steps for every request that starts from now
    /// on; requests in flight on it finish on their old steps.
    pub fn set_steps(&mut self, handler: HandlerId, steps: Vec<Step>) {
        let h = handler.index();
        if self.topology.handlers[h].steps == steps {
            return;
        }
        let on_it: Vec<_> = self
            .kernel
            .requests
            .iter()
            .filter(|(_, q)| q.handler == handler)
            .map(|(r, _)| r)
            .collect();
        if !on_it.is_empty() {
            let copy = self.free_retired_handler(handler);
            let old = std::mem::take(&mut self.topology.handlers[h].steps);
            let (name, service, pool) = {
                let live = &self.topology.handlers[h];
                (live.name.clone(), live.service, live.pool)
            };
            let retired = &mut self.topology.handlers[copy.index()];
            retired.name = name;
            retired.service = service;
            retired.pool = pool;
            retired.steps = old;
            for r in on_it {
                if let Some(q) = self.kernel.requests.get_mut(r) {
                    q.handler = copy;
                }
            }
        }
        self.topology.handlers[h].steps = steps;
    }

    /// Changes one step of handler `handler` (see [`World::set_steps`]).
    pub fn set_step(&mut self, handler: HandlerId, index: usize, step: Step) {
        let mut steps = self.topology.handlers[handler.index()].steps.clone();
        steps[index] = step;
        self.set_steps(handler, steps);
    }

    /// True for a handler slot that holds an old version of another handler's
    /// steps (no client or call reaches it).
    pub fn is_retired_handler(&self, handler: HandlerId) -> bool {
        self.topology
            .retired_handlers
            .iter()
            .any(|&(copy, _)| copy == handler)
    }

    /// The handler whose old steps slot `handler` holds, or `handler` itself:
    /// what per-handler series and tables are keyed by, so a version change
    /// does not split a handler's figures in two.
    pub fn live_handler(&self, handler: HandlerId) -> HandlerId {
        self.topology
            .retired_handlers
            .iter()
            .find(|&&(copy, _)| copy == handler)
            .map_or(handler, |&(_, origin)| origin)
    }

    /// A retired slot no request uses, or a new one.
    /// A retired slot no request uses (or a new one), now holding `origin`'s.
    fn free_retired_handler(&mut self, origin: HandlerId) -> HandlerId {
        let used: Vec<HandlerId> = self
            .kernel
            .requests
            .iter()
            .map(|(_, q)| q.handler)
            .collect();
        if let Some(slot) = self
            .topology
            .retired_handlers
            .iter_mut()
            .find(|(copy, _)| !used.contains(copy))
        {
            slot.1 = origin;
            return slot.0;
        }
        let template = self.topology.handlers[origin.index()].clone();
        self.topology.handlers.push(template);
        let id = HandlerId::new(self.topology.handlers.len() - 1);
        self.topology.retired_handlers.push((id, origin));
        id
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// One slow handler: every request works 100 ms, then maybe fails.
    fn world() -> (World, HandlerId) {
        let mut w = World::new(5, WorldConfig::default());
        let api = w.add_service(ServiceSpec::new("api", 1, 1_000));
        let h = w.add_handler(Handler::new(
            "work",
            api,
            vec![
                Step::Work(Dist::Constant { ms: 100.0 }),
                Step::FailWith { p: 0.0 },
            ],
        ));
        w.add_client(ClientSpec::new("users", 200.0, api, h));
        (w, h)
    }

    #[test]
    fn requests_in_flight_finish_on_the_steps_they_started_with() {
        let (mut w, h) = world();
        w.step(10 * SEC);
        let before = w.ledger();
        assert!(before.in_flight > 5, "requests are on their way");
        // From now on every new request fails; those in flight still succeed.
        w.set_steps(h, vec![Step::FailWith { p: 1.0 }]);
        w.step(10 * SEC + 200 * MS);
        let after = w.ledger();
        assert_eq!(
            after.succeeded - before.succeeded,
            before.in_flight,
            "every request in flight at the change finished on the old steps"
        );
        assert!(after.failed > 0, "new requests take the new steps");
        assert!(after.balances());
    }

    #[test]
    fn retired_copies_are_reused_once_free() {
        let (mut w, h) = world();
        w.step(SEC);
        w.set_step(h, 1, Step::FailWith { p: 0.5 });
        w.step(2 * SEC);
        w.set_step(h, 1, Step::FailWith { p: 0.0 });
        w.step(3 * SEC);
        w.set_step(h, 1, Step::FailWith { p: 0.5 });
        assert_eq!(w.topology.handlers.len(), 2, "one retired copy, reused");
        assert!(w.is_retired_handler(HandlerId::new(1)));
        assert!(!w.is_retired_handler(h));
        assert_eq!(
            w.live_handler(HandlerId::new(1)),
            h,
            "the copy's figures are the handler's"
        );
        let t = w.topology();
        assert!(t.calls.is_empty());
    }
}
