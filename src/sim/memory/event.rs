//! What memory waits for: the end of a collector's pause, a killed pod's restart.

use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::world::World;

/// A moment the memory parts wait for. Both are stale if the pod was killed
/// since (`incarnation` moved on).
#[derive(Clone, Copy, Debug)]
pub(crate) enum MemoryEvent {
    /// A pod's stop-the-world GC pause ends (`gc.rs`).
    GcEnd {
        service: ServiceId,
        pod: u32,
        incarnation: u32,
    },
    /// A pod killed for running out of memory is up again (`restart.rs`).
    PodRestarted {
        service: ServiceId,
        pod: u32,
        incarnation: u32,
    },
}

impl World {
    pub(crate) fn on_memory_event(&mut self, e: MemoryEvent) {
        match e {
            MemoryEvent::GcEnd {
                service,
                pod,
                incarnation,
            } => self.on_gc_end(service, pod, incarnation),
            MemoryEvent::PodRestarted {
                service,
                pod,
                incarnation,
            } => self.on_pod_restarted(service, pod, incarnation),
        }
    }
}
