//! The capacity store: the horizontal pod autoscalers. (CPUs live with the
//! pods and databases that own them.)

use crate::sim::capacity::autoscaler::Autoscaler;

/// Autoscalers, by index (`AutoscalerId`).
#[derive(Default)]
pub struct CapacityStore {
    pub(in crate::sim::capacity) autoscalers: Vec<Autoscaler>,
}

impl CapacityStore {
    /// Every autoscaler, by `AutoscalerId::index`.
    pub fn autoscalers(&self) -> &[Autoscaler] {
        &self.autoscalers
    }
}
