//! The topology's store: services with their pods and pools, handlers (and
//! the retired versions of their steps), traffic splits, releases, chaos,
//! services that come and go, and release pipelines.

use crate::sim::kernel::ids::HandlerId;
use crate::sim::topology::chaos::Chaos;
use crate::sim::topology::deploy::ReleaseHistory;
use crate::sim::topology::handler::Handler;
use crate::sim::topology::pipeline::Pipeline;
use crate::sim::topology::service::Service;
use crate::sim::topology::split::Split;
use crate::sim::topology::uptime::Uptime;

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
    /// Services that come and go (`uptime.rs`).
    pub(in crate::sim) uptimes: Vec<Uptime>,
    /// Release pipelines (`pipeline.rs`).
    pub(in crate::sim) pipelines: Vec<Pipeline>,
}
