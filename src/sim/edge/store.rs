//! The edge store: rate limiters, feature flags, the controllers that flip
//! them, load-shedding rules and gateway routers.

use crate::sim::edge::flag_controller::FlagController;
use crate::sim::edge::flags::Flag;
use crate::sim::edge::rate_limit::RateLimiter;
use crate::sim::edge::router::Router;
use crate::sim::edge::shedding::ShedRule;
use crate::sim::kernel::ids::RouterId;

/// Every edge part, each kind by index (its typed id).
#[derive(Default)]
pub struct EdgeStore {
    pub(in crate::sim::edge) limiters: Vec<RateLimiter>,
    pub(in crate::sim::edge) flags: Vec<Flag>,
    pub(in crate::sim::edge) flag_controllers: Vec<FlagController>,
    pub(in crate::sim::edge) shed_rules: Vec<ShedRule>,
    pub(in crate::sim::edge) routers: Vec<Router>,
}

impl EdgeStore {
    /// Every rate limiter, by `LimiterId::index`.
    pub fn limiters(&self) -> &[RateLimiter] {
        &self.limiters
    }

    /// Every feature flag, by `FlagId::index`.
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    /// A router (calls read the call it chose; the topology its backends).
    pub(in crate::sim) fn router(&self, id: RouterId) -> &Router {
        &self.routers[id.index()]
    }
}
