//! The world's side of [`client`](super::client): what scenarios call to add
//! and change it, and how requests and events meet it.

use crate::sim::kernel::ids::{ClientId, HandlerId};
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::traffic::profile::RateProfile;

/// Changes to a running population, each acting from now on.
impl World {
    /// Requests sent from now on carry `weight` real requests each.
    pub fn set_client_weight(&mut self, client: ClientId, weight: u32) {
        assert!(weight >= 1, "a request stands for at least one");
        self.traffic.clients[client.index()].spec.weight = weight;
    }

    /// Requests sent from now on go to `handler` (of the same service).
    pub fn set_client_handler(&mut self, client: ClientId, handler: HandlerId) {
        let c = &mut self.traffic.clients[client.index()];
        assert_eq!(
            self.topology.handlers[handler.index()].service,
            c.spec.service,
            "client '{}': a handler of another service",
            c.spec.name
        );
        c.spec.handler = handler;
    }

    /// Requests sent from now on give up after `timeout_us` (`None`: never).
    pub fn set_client_timeout(&mut self, client: ClientId, timeout_us: Option<Micros>) {
        self.traffic.clients[client.index()].spec.timeout_us = timeout_us;
    }

    /// The population's rate follows `profile` from now on; the next arrival is
    /// redrawn under it.
    pub fn set_client_profile(&mut self, client: ClientId, profile: RateProfile) {
        let c = &mut self.traffic.clients[client.index()];
        c.spec.profile = profile;
        let rate = c.spec.rate_rps;
        self.set_client_rate(client, rate);
    }
}
