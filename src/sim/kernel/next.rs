//! What a decision step (a rate limit, a feature flag, a shedding rule) tells
//! the flow to do with a request next.

use crate::sim::kernel::request::Outcome;

/// What a decision step (rate limit, flag, shedding) says happens next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Go on to the next step.
    Continue,
    /// Skip this many steps after this one.
    Skip(u16),
    /// The step has scheduled an `Event::Resume`; nothing more now.
    Wait,
    /// End the request with this outcome now.
    End(Outcome),
}
