//! The capacity store: the horizontal pod autoscalers. (CPUs live with the
//! pods and databases that own them.)

use crate::sim::capacity::autoscaler::Autoscaler;

/// Autoscalers, by index (`AutoscalerId`).
#[derive(Default)]
pub struct CapacityStore {
    pub(in crate::sim) autoscalers: Vec<Autoscaler>,
}
