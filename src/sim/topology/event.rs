//! What the topology waits for: pods becoming ready, dropped connection
//! attempts sent again, requests delayed by chaos arriving,
//! services coming and going, release pipelines' next steps.

use crate::sim::kernel::ids::{PipelineId, ServiceId, UptimeId};
use crate::sim::kernel::request::ReqRef;

/// A moment the topology waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TopologyEvent {
    /// A starting pod becomes ready (`pods.rs`).
    PodReady { service: ServiceId, pod: u32 },
    /// A connection attempt dropped by a full accept backlog is sent again
    /// (`.1` retransmissions so far; `backlog.rs`).
    SynRetry(ReqRef, u8),
    /// A request held on its way by an added latency reaches its service
    /// (`chaos.rs`).
    ChaosDelayOver(ReqRef),
    /// A service of an uptime part goes down or comes back (`uptime.rs`),
    /// unless its period was redrawn since (`epoch`).
    UptimeFlip {
        part: UptimeId,
        member: u32,
        epoch: u32,
    },
    /// A release pipeline's next step is due (`pipeline.rs`).
    Pipeline(PipelineId, PipelineStep),
}

/// What a release pipeline waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PipelineStep {
    /// The next release arrives (stale unless `.0` is the schedule's epoch).
    Release(u32),
    /// A red end-to-end suite is run again (the release's slot).
    Rerun(u32),
    /// A chaos experiment's next tick.
    ChaosTick,
}
