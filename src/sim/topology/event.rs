//! What the topology waits for: pods becoming ready, dropped connection
//! attempts sent again, requests delayed by chaos arriving.

use crate::sim::kernel::ids::ServiceId;
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
}
