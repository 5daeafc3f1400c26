//! What the edge parts wait for: a flag controller's next look.

use crate::sim::kernel::ids::FlagControllerId;

/// A moment an edge part waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EdgeEvent {
    /// A flag controller looks at the system again (`flag_controller.rs`).
    FlagControllerTick(FlagControllerId),
}
