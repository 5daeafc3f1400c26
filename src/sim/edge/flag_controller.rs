//! A flag controller: turns optional features off when the system is under
//! pressure and back on once it has been calm for a while.
//!
//! Every `period_us` it looks at the system through [`Cond`]itions on live
//! [`Signal`](crate::sim::edge::signals::Signal)s:
//! - in normal running, if any `shed_when` condition holds, it sets each of its
//!   flags to the value it has while shedding (an expensive feature off, a
//!   cheap fallback such as a static page on);
//! - while shedding, once every `restore_when` condition has held at every
//!   look for `restore_after_us`, it sets them all back to the other value.
//!
//! The two lists are separate so that there is hysteresis: shed on "queue over
//! 200", restore on "no pod still starting and queue under 5 for 30 s". A
//! controller switched off takes no decisions and sets its flags back to their
//! normal values.
//! The gauge `NAME.shedding` is 1 while the controller holds its flags off.

use crate::sim::edge::signals::Cond;
use crate::sim::kernel::ids::FlagId;
use crate::sim::kernel::metrics::GaugeId;
use crate::sim::kernel::time::Micros;

/// A flag controller as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagControllerSpec {
    /// Name, for the log and metrics (`"load-shedding"`).
    pub name: String,
    /// The flags it sets together, each with the value it has while shedding
    /// (`false`: a feature turned off; `true`: a fallback turned on). They are
    /// expected to start at their normal (not shedding) values.
    pub flags: Vec<(FlagId, bool)>,
    /// Shed when any of these holds.
    pub shed_when: Vec<Cond>,
    /// Restore when all of these have held for `restore_after_us`.
    pub restore_when: Vec<Cond>,
    /// How long the restore conditions must hold without a break.
    pub restore_after_us: Micros,
    /// How often it looks.
    pub period_us: Micros,
    /// When false it takes no decisions.
    pub enabled: bool,
}

/// A flag controller's live state.
#[derive(Clone, Debug)]
pub struct FlagController {
    /// The declaration.
    pub spec: FlagControllerSpec,
    /// True while it holds its flags off.
    pub(super) shedding: bool,
    /// Since when the restore conditions have held at every look.
    pub(super) calm_since_us: Option<Micros>,
    pub(super) gauge: GaugeId,
}

impl FlagController {
    /// True while it holds its flags off.
    pub fn is_shedding(&self) -> bool {
        self.shedding
    }
}
