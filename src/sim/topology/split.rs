//! Traffic split between clusters: one stream of requests, shared out by
//! weight between targets (Blue and Green, a canary and the fleet), with the
//! shares changeable while running.
//!
//! Splitting a Poisson stream at random by fixed shares gives independent
//! Poisson streams, so a split is built from one client population per target
//! (named `SPLIT.LABEL`, with the usual client series) whose rates are the
//! total rate times the target's share. Moving traffic is changing those rates
//! — exactly what a weighted load-balancer rule or a DNS weight change does.
//! Requests already sent stay where they are.

use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::ids::{HandlerId, ServiceId};
use crate::sim::kernel::time::Micros;

/// One destination of a split.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitTarget {
    /// Short label (`"green"`); the population is named `SPLIT.LABEL`.
    pub label: String,
    /// The service and handler its share goes to.
    pub service: ServiceId,
    pub handler: HandlerId,
    /// Its share, relative to the others (need not sum to 1).
    pub share: f64,
}

/// A split as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitSpec {
    /// Name, the prefix of its populations (`"gateway"`).
    pub name: String,
    /// Total real requests per second over all targets.
    pub rate_rps: f64,
    pub targets: Vec<SplitTarget>,
    /// Client-side timeout of every request; `None` waits for ever.
    pub timeout_us: Option<Micros>,
    /// Real requests per simulated one.
    pub weight: u32,
}

/// A split's live state.
#[derive(Clone, Debug)]
pub struct Split {
    pub spec: SplitSpec,
    /// The population of each target, in target order.
    pub clients: Vec<ClientId>,
}

pub(super) fn normalised(shares: &[f64]) -> Vec<f64> {
    if let Some(s) = shares.iter().find(|s| !(s.is_finite() && **s >= 0.0)) {
        panic!("shares must be finite and non-negative: {}", trimmed(*s, 6));
    }
    let total: f64 = shares.iter().sum();
    assert!(total > 0.0, "a split needs a positive share somewhere");
    shares.iter().map(|s| s / total).collect()
}
