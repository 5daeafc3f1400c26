//! Arrivals at a service per request class: how much of a service's load comes
//! from each client population ("how many requests per second do the bots put on
//! the backend?").
//!
//! Off by default, so a service pays nothing for it. Once switched on, every
//! request that arrives at the service (whether it then gets a worker, waits, or
//! is turned away by a full queue) adds its weight to `SERVICE.from.CLASS`, where
//! CLASS is the name of the client population the request came from. Counters
//! are registered when counting starts and for every population added later,
//! so a chart of them has its lines from the start; there are as many as there
//! are populations.

use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::world::World;

impl World {
    /// Starts counting arrivals at `service` per client population, as counters
    /// `SERVICE.from.CLIENT` (weighted: real requests).
    pub fn count_arrivals_by_class(&mut self, service: ServiceId) {
        let svc = &mut self.topology.services[service.index()];
        if svc.from_class.is_none() {
            svc.from_class = Some(Vec::new());
        }
        for class in 0..self.traffic.clients.len() as u16 {
            self.class_counter(service.index(), class);
        }
    }

    /// Registers the per-class series of a new client population (its
    /// arrival counters and every rate limiter's accepted/rejected counters).
    pub(crate) fn register_class_series(&mut self, class: u16) {
        for s in 0..self.topology.services.len() {
            if self.topology.services[s].from_class.is_some() {
                self.class_counter(s, class);
            }
        }
        for l in 0..self.edge.limiters().len() {
            self.limiter_class_counters(crate::sim::kernel::ids::LimiterId::new(l), class);
        }
    }

    /// The name a request class goes by in metrics: its client population's name.
    pub fn class_name(&self, class: u16) -> String {
        self.traffic
            .clients
            .get(class as usize)
            .map_or_else(|| format!("class{class}"), |c| c.spec.name.clone())
    }

    pub(crate) fn tally_arrival(&mut self, service: usize, class: u16, weight: u32) {
        let id = self.class_counter(service, class);
        self.kernel.metrics.add(id, weight as f64);
    }

    fn class_counter(&mut self, service: usize, class: u16) -> CounterId {
        let known = self.topology.services[service]
            .from_class
            .as_ref()
            .and_then(|v| v.get(class as usize).copied().flatten());
        if let Some(id) = known {
            return id;
        }
        let name = format!(
            "{}.from.{}",
            self.topology.services[service].spec.name,
            self.class_name(class)
        );
        let id = self.kernel.metrics.counter(&name);
        let v = self.topology.services[service]
            .from_class
            .as_mut()
            .expect("counting is on");
        if v.len() <= class as usize {
            v.resize(class as usize + 1, None);
        }
        v[class as usize] = Some(id);
        id
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    #[test]
    fn arrivals_are_counted_per_population_including_turned_away_ones() {
        let mut w = World::new(1, WorldConfig::default());
        let svc = w.add_service(ServiceSpec::new("backend", 1, 1).queue_cap(0));
        let h = w.add_handler(Handler::new(
            "h",
            svc,
            vec![Step::Work(Dist::Constant { ms: 50.0 })],
        ));
        w.count_arrivals_by_class(svc);
        let a = w.add_client(ClientSpec::new("people", 40.0, svc, h));
        let b = w.add_client(ClientSpec::new("bots", 10.0, svc, h).weight(2));
        w.step(100 * SEC);
        let m = &w.kernel.metrics;
        let people = m.counter_total("backend.from.people");
        let bots = m.counter_total("backend.from.bots");
        assert_eq!(people, w.traffic.clients[a.index()].ledger.arrived as f64);
        assert_eq!(bots, w.traffic.clients[b.index()].ledger.arrived as f64);
        // Most were turned away by the one busy worker, and were still counted.
        assert!(w.ledger().rejected > 0);
        assert!((people / 100.0 - 40.0).abs() < 4.0, "{people}");
    }
}
