//! What the capacity parts wait for: a pod CPU's next completion, an
//! autoscaler's next look.

use crate::sim::kernel::ids::{AutoscalerId, ServiceId};

/// A moment a capacity part waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CapacityEvent {
    /// The next completion on a pod's CPU (stale if the token moved on).
    PodCpu {
        service: ServiceId,
        pod: u32,
        token: u32,
    },
    /// An autoscaler looks at its service (`autoscaler.rs`).
    HpaSync(AutoscalerId),
}
