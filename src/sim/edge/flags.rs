//! Feature flags: named switches that turn parts of handlers on and off while
//! the system runs (a dynamic widget, a personalised page).
//!
//! A handler guards optional steps with [`Step::WhenFlag`](super::Step::WhenFlag):
//! while the flag is off they are skipped and the request goes on without them.
//! Flags are flipped by the fault timeline, by a scenario's toggle, or by a
//! [`FlagController`](crate::sim::edge::flag_controller::FlagController). Each flag is a
//! gauge `flag.NAME` (1 = on, 0 = off) for a features on/off band, and each
//! change is logged.

use crate::sim::kernel::metrics::GaugeId;
use crate::sim::kernel::time::Micros;

/// A feature flag's live state.
#[derive(Clone, Debug)]
pub struct Flag {
    /// Name (`"recommendations"`).
    pub name: String,
    pub(super) on: bool,
    pub(super) gauge: GaugeId,
    pub(super) changed_at_us: Option<Micros>,
}

impl Flag {
    /// True while the feature is on.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// When the flag last changed, if it ever did.
    pub fn changed_at_us(&self) -> Option<Micros> {
        self.changed_at_us
    }
}
