//! Priority shedding: drop low-priority work while a pool is overloaded, so the
//! work that matters keeps its workers.
//!
//! Priority comes from where the step stands: a [`Step::Shed`](super::Step::Shed)
//! is put in front of work that may be dropped (a low-priority route, an
//! optional widget's calls); high-priority handlers have no such step. While any
//! of the rule's conditions holds (a pool's queue too long, its head waiting too
//! long — see [`Signal`](crate::sim::edge::signals::Signal)), the step either rejects the
//! request at once (`skip == 0`: a 503 costs the server almost nothing) or skips
//! the `skip` optional steps after it (the page is served without the extra).
//!
//! Metrics: counter `NAME.shed` (weighted), and a log entry when shedding
//! starts after a quiet spell.

use crate::sim::edge::signals::Cond;
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::time::{Micros, SEC};

/// A shedding rule as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ShedRuleSpec {
    /// Name, for metrics and the log (`"shed-recommendations"`).
    pub name: String,
    /// Shed while any of these holds.
    pub when: Vec<Cond>,
    /// 0: reject the request; n: skip the next n steps and go on.
    pub skip: u16,
    /// When false the step always lets the work through.
    pub enabled: bool,
}

/// A shedding rule's live state.
#[derive(Clone, Debug)]
pub struct ShedRule {
    /// The declaration.
    pub spec: ShedRuleSpec,
    pub(super) shed: CounterId,
    pub(super) last_shed_us: Option<Micros>,
}

/// A spell this long without shedding ends a shedding episode in the log.
pub(super) const QUIET_US: Micros = 10 * SEC;
