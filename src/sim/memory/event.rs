//! What memory waits for: the end of a collector's pause, a killed pod's restart.

use crate::sim::kernel::ids::ServiceId;

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
