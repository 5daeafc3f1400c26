//! The edge store: rate limiters, feature flags, the controllers that flip
//! them, and load-shedding rules.

use crate::sim::edge::flag_controller::FlagController;
use crate::sim::edge::flags::Flag;
use crate::sim::edge::rate_limit::RateLimiter;
use crate::sim::edge::shedding::ShedRule;

/// Every edge part, each kind by index (its typed id).
#[derive(Default)]
pub struct EdgeStore {
    pub(in crate::sim::edge) limiters: Vec<RateLimiter>,
    pub(in crate::sim::edge) flags: Vec<Flag>,
    pub(in crate::sim::edge) flag_controllers: Vec<FlagController>,
    pub(in crate::sim::edge) shed_rules: Vec<ShedRule>,
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
}
