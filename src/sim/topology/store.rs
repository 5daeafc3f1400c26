//! The topology's store: services with their pods and pools, handlers (and
//! the retired versions of their steps), traffic splits, releases and chaos.

use crate::sim::kernel::ids::HandlerId;
use crate::sim::topology::chaos::Chaos;
use crate::sim::topology::deploy::ReleaseHistory;
use crate::sim::topology::handler::Handler;
use crate::sim::topology::service::Service;
use crate::sim::topology::split::Split;

/// Services, handlers, splits and releases, each by index (its typed id).
#[derive(Default)]
pub struct TopologyStore {
    pub(in crate::sim) services: Vec<Service>,
    pub(in crate::sim) handlers: Vec<Handler>,
    /// Handler slots that hold old versions of steps, with the handler they
    /// came from (`versions.rs`).
    pub(in crate::sim) retired_handlers: Vec<(HandlerId, HandlerId)>,
    pub(in crate::sim) splits: Vec<Split>,
    pub(in crate::sim) releases: Vec<ReleaseHistory>,
    /// Faults injected into services (`chaos.rs`).
    pub(in crate::sim) chaos: Chaos,
}
