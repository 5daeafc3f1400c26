//! What the edge parts wait for: a flag controller's next look.

use crate::sim::kernel::ids::FlagControllerId;
use crate::sim::kernel::world::World;

/// A moment an edge part waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EdgeEvent {
    /// A flag controller looks at the system again (`flag_controller.rs`).
    FlagControllerTick(FlagControllerId),
}

impl World {
    pub(crate) fn on_edge_event(&mut self, e: EdgeEvent) {
        match e {
            EdgeEvent::FlagControllerTick(i) => self.on_flag_controller_tick(i),
        }
    }
}
