//! What the edge parts wait for: a flag controller's next look, a copy's
//! answer.

use crate::sim::kernel::ids::{FlagControllerId, RouterId};

/// A moment an edge part waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EdgeEvent {
    /// A flag controller looks at the system again (`flag_controller.rs`).
    FlagControllerTick(FlagControllerId),
    /// A router stops waiting for the copy in comparison slot `slot`, if
    /// that slot is still generation `gen`'s (`router.rs`).
    MirrorTimeout {
        router: RouterId,
        slot: u32,
        gen: u32,
    },
}
