//! What the traffic parts wait for: an app release's next update.

use crate::sim::kernel::ids::AppReleaseId;

/// A moment a traffic part waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TrafficEvent {
    /// The next install of a release updates (`app_release.rs`).
    Adoption(AppReleaseId),
}
