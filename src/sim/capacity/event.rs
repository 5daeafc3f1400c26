//! What the capacity parts wait for: a pod CPU's next completion, an
//! autoscaler's next look.

use crate::sim::kernel::ids::{AutoscalerId, ServiceId};
use crate::sim::kernel::world::World;

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

impl World {
    pub(crate) fn on_capacity_event(&mut self, e: CapacityEvent) {
        match e {
            CapacityEvent::PodCpu {
                service,
                pod,
                token,
            } => self.on_pod_cpu(service, pod, token),
            CapacityEvent::HpaSync(i) => self.on_hpa_sync(i),
        }
    }
}
